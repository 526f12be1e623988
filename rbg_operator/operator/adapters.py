"""The RoleBasedGroupScalingAdapter controller: binds each adapter to its role, carries the adapter's
replicas (set by an HPA, KEDA or ``kubectl scale``) to the role through server-side apply under a field
manager of its own (so a GitOps apply that leaves replicas out does not take them back), and reports
the role's replicas and pod selector for the scale subresource. Its writes are a Plan (planning.adapter),
carried out by the one executor."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleBasedGroupScalingAdapter
from rbg_operator.kube import clock
from rbg_operator.kube import resources as r
from rbg_operator.kube.client import KubeClient
from rbg_operator.kube.executor import ObjectRef, execute
from rbg_operator.kube.informer import Informer, lookup
from rbg_operator.planning.adapter import adapter_plan

from .logs import LogContext
from .metrics import Metrics
from .queue import WorkQueue
from .workers import report, start_controller, stop_tasks

Key = tuple[str, str, str]  # ("adapter", namespace, name) or ("group", namespace, name)


def _keys(obj: dict[str, Any]) -> list[Key]:
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace", "")
    target = ((obj.get("spec") or {}).get("scaleTargetRef") or {}).get("name", "")
    return [("adapter", ns, meta["name"]), *([("group", ns, target)] if target else [])]


def _parse(obj: dict[str, Any]) -> RoleBasedGroupScalingAdapter | None:
    try:
        return RoleBasedGroupScalingAdapter.from_dict(obj)
    except ValidationError:
        return None


class AdapterController:
    def __init__(
        self,
        client: KubeClient,
        metrics: Metrics,
        namespaces: list[str],
        group: Callable[[tuple[str, str]], RoleBasedGroup | None],
    ) -> None:
        self.client, self.metrics, self._group = client, metrics, group
        self.queue: WorkQueue[Key] = WorkQueue()
        scopes: list[str | None] = list(namespaces) or [None]
        self.adapters: list[Informer[RoleBasedGroupScalingAdapter | None, Key]] = [
            Informer(client, r.RBG_SA, _parse, _keys, self._enqueue, namespace=ns) for ns in scopes
        ]
        self._tasks: list[asyncio.Task[Any]] = []

    def _enqueue(self, key: Key) -> None:
        if key[0] == "adapter":
            self.queue.add(key)
        else:
            self.wake_group(key[1], key[2])

    def wake_group(self, namespace: str, name: str) -> None:
        """The group changed: look at its adapters again (replicas and readiness they report)."""
        for inf in self.adapters:
            for adapter in inf.by_owner(("group", namespace, name)):
                if adapter is not None:
                    self.queue.add(("adapter", namespace, adapter.metadata.name or ""))

    def _describe(self, key: Key) -> LogContext:
        kind, ns, name = key
        if kind == "group":
            return LogContext("RoleBasedGroup", ns, name, group=name)
        adapter = lookup(self.adapters, ns, name)
        group = adapter.spec.scale_target_ref.name if adapter is not None else ""
        return LogContext("RoleBasedGroupScalingAdapter", ns, name, group=group)

    async def start(self) -> None:
        self._tasks = await start_controller(
            self.adapters,
            lambda: [k for inf in self.adapters for k in inf.owners() if k[0] == "adapter"],
            self.queue,
            self.reconcile,
            self.metrics,
            self._describe,
            2,
            "adapter-worker",
        )

    async def stop(self) -> None:
        await stop_tasks(self._tasks)

    async def reconcile(self, key: Key) -> float | None:
        _, ns, name = key
        adapter = lookup(self.adapters, ns, name)
        if adapter is None:
            return None
        rbg = self._group((ns, adapter.spec.scale_target_ref.name))
        plan = adapter_plan(adapter, rbg, clock.now())
        if plan.empty:
            return plan.requeue_after
        outcome = await execute(self.client, ObjectRef(r.RBG_SA, ns, name, adapter.metadata.uid or ""), plan)
        report(self.metrics, ns, outcome, plan.events)
        for written in [*outcome.applied, *([outcome.status] if outcome.status is not None else [])]:
            if written.get("kind") == r.RBG_SA.kind:
                for inf in self.adapters:
                    inf.observe(written)
        return plan.requeue_after
