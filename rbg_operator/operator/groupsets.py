"""The RoleBasedGroupSet controller: watch caches of sets and of their member groups (server-side label
selector), and workers that plan and execute one set at a time."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import ValidationError

from rbg_operator.api import keys
from rbg_operator.api.convert import to_hub_groupset
from rbg_operator.api.v1alpha2 import RoleBasedGroupSet
from rbg_operator.kube import clock
from rbg_operator.kube import resources as r
from rbg_operator.kube.client import KubeClient
from rbg_operator.kube.executor import ObjectRef, execute
from rbg_operator.kube.informer import Informer, lookup
from rbg_operator.planning.groupset import MemberView, plan_groupset

from .logs import LogContext
from .metrics import Metrics
from .queue import WorkQueue
from .workers import start_controller, stop_tasks

Key = tuple[str, str]


def _self(obj: dict[str, Any]) -> list[Key]:
    meta = obj.get("metadata") or {}
    return [(meta.get("namespace", ""), meta["name"])]


def _set_of(obj: dict[str, Any]) -> list[Key]:
    meta = obj.get("metadata") or {}
    name = (meta.get("labels") or {}).get(keys.LABEL_GROUPSET_NAME_V1)
    return [(meta.get("namespace", ""), name)] if name else []


def _parse(obj: dict[str, Any]) -> RoleBasedGroupSet | None:
    try:
        return to_hub_groupset(obj)  # watched in v1alpha2; either version parses
    except ValidationError:
        return None


def member_view(obj: dict[str, Any]) -> MemberView | None:
    meta, status = obj.get("metadata") or {}, obj.get("status") or {}
    index = (meta.get("labels") or {}).get(keys.LABEL_GROUPSET_INDEX_V1, "")
    if not (index.isascii() and index.isdigit()):
        return None
    ready = any(
        c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or []
    )
    settled = status.get("observedGeneration", 0) >= meta.get("generation", 0)
    return MemberView(
        name=meta["name"],
        uid=meta.get("uid", ""),
        index=int(index),
        template_hash=(meta.get("annotations") or {}).get(keys.LABEL_GROUPSET_REVISION_V2, ""),
        ready=ready and settled,
        deleting=bool(meta.get("deletionTimestamp")),
    )


class GroupSetController:
    def __init__(self, client: KubeClient, metrics: Metrics, namespaces: list[str]) -> None:
        self.client, self.metrics = client, metrics
        self.queue: WorkQueue[Key] = WorkQueue()
        scopes: list[str | None] = list(namespaces) or [None]
        self.sets: list[Informer[RoleBasedGroupSet | None, Key]] = [
            Informer(client, r.RBG_SET, _parse, _self, self.queue.add, namespace=ns) for ns in scopes
        ]
        self.members: list[Informer[MemberView | None, Key]] = [
            Informer(
                client,
                r.RBG,
                member_view,
                _set_of,
                self.queue.add,
                selector=keys.LABEL_GROUPSET_NAME_V1,
                namespace=ns,
            )
            for ns in scopes
        ]
        self._tasks: list[asyncio.Task[Any]] = []

    def _all(self) -> list[Informer[Any, Key]]:
        return [*self.sets, *self.members]

    async def start(self) -> None:
        self._tasks = await start_controller(
            self._all(),
            lambda: [k for inf in self.sets for k in inf.owners()],
            self.queue,
            self.reconcile,
            self.metrics,
            lambda k: LogContext("RoleBasedGroupSet", k[0], k[1]),
            2,
            "groupset-worker",
        )

    async def stop(self) -> None:
        await stop_tasks(self._tasks)

    async def reconcile(self, key: Key) -> float | None:
        rbgs = lookup(self.sets, *key)
        if rbgs is None:
            return None
        members = [m for inf in self.members for m in inf.by_owner(key) if m is not None]
        now = clock.now()
        plan = plan_groupset(rbgs, members, now)
        if plan.empty:
            return plan.requeue_after
        outcome = await execute(self.client, ObjectRef(r.RBG_SET, *key, rbgs.metadata.uid or ""), plan)
        for obj in outcome.applied:
            for member in self.members:
                member.observe(obj)
        if outcome.status is not None:
            for owner in self.sets:
                owner.observe(outcome.status)
        return plan.requeue_after
