"""The InstanceSet and Instance controllers: watch caches of InstanceSets, Instances, their
ControllerRevisions and the Instances' pods (server-side label selectors), one work queue keyed by
(kind, namespace, name), and workers that plan and execute one object at a time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from rbg_operator.api import keys
from rbg_operator.api.v1alpha1 import Instance, InstanceSet
from rbg_operator.kube import clock
from rbg_operator.kube import resources as r
from rbg_operator.kube.client import KubeClient
from rbg_operator.kube.executor import ObjectRef, Outcome, execute
from rbg_operator.kube.informer import Informer, lookup
from rbg_operator.kube.views import instance_view, pod_view, template_revision_view
from rbg_operator.planning.instance import plan_instance
from rbg_operator.planning.instanceset import plan_instance_set
from rbg_operator.planning.observed import InstanceView, PodView, RevisionView

from .logs import LogContext
from .metrics import Metrics
from .queue import WorkQueue
from .workers import report, start_controller, stop_tasks

log = logging.getLogger(__name__)
Key = tuple[str, str, str]  # (kind, namespace, name)
SET, INSTANCE = "InstanceSet", "Instance"


@dataclass(frozen=True)
class InstanceEntry:
    obj: Instance
    view: InstanceView


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = obj.get("metadata") or {}
    return meta


def _owner(obj: dict[str, Any], kind: str) -> list[Key]:
    meta = _meta(obj)
    return [
        (kind, meta.get("namespace", ""), o["name"])
        for o in meta.get("ownerReferences") or []
        if o.get("kind") == kind and o.get("controller")
    ]


def _instance_keys(obj: dict[str, Any]) -> list[Key]:
    meta = _meta(obj)
    return [(INSTANCE, meta.get("namespace", ""), meta["name"]), *_owner(obj, SET)]


def _set_key(obj: dict[str, Any]) -> list[Key]:
    meta = _meta(obj)
    return [(SET, meta.get("namespace", ""), meta["name"])]


def _revision_owner(obj: dict[str, Any]) -> list[Key]:
    meta = _meta(obj)
    name = (meta.get("labels") or {}).get(keys.LABEL_INSTANCESET_NAME)
    return [(SET, meta.get("namespace", ""), name)] if name else []


def _pod_owner(obj: dict[str, Any]) -> list[Key]:
    return _owner(obj, INSTANCE)


def _parse(model: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    def parse(obj: dict[str, Any]) -> Any:
        try:
            return model(obj)
        except ValidationError as err:
            meta = _meta(obj)
            log.error(
                "cannot read %s %s/%s: %s", obj.get("kind"), meta.get("namespace"), meta.get("name"), err
            )
            return None

    return parse


def _entry(obj: dict[str, Any]) -> InstanceEntry:
    return InstanceEntry(Instance.from_dict(obj), instance_view(obj))


class InstanceController:
    def __init__(self, client: KubeClient, metrics: Metrics, namespaces: list[str], workers: int) -> None:
        self.client, self.metrics, self.workers = client, metrics, workers
        self.queue: WorkQueue[Key] = WorkQueue()
        self.sets: list[Informer[InstanceSet | None, Key]] = []
        self.instances: list[Informer[InstanceEntry | None, Key]] = []
        self.revisions: list[Informer[RevisionView, Key]] = []
        self.pods: list[Informer[PodView, Key]] = []
        scopes: list[str | None] = list(namespaces) or [None]
        for ns in scopes:
            self.sets.append(self._informer(r.INSTANCESET, _parse(InstanceSet.from_dict), _set_key, None, ns))
            self.instances.append(self._informer(r.INSTANCE, _parse(_entry), _instance_keys, None, ns))
            self.revisions.append(
                self._informer(
                    r.CONTROLLER_REVISION,
                    template_revision_view,
                    _revision_owner,
                    keys.LABEL_INSTANCESET_NAME,
                    ns,
                )
            )
            self.pods.append(self._informer(r.POD, pod_view, _pod_owner, keys.LABEL_INSTANCE_NAME, ns))
        self._tasks: list[asyncio.Task[Any]] = []

    def _informer(
        self,
        res: r.Resource,
        transform: Callable[[dict[str, Any]], Any],
        owners: Callable[[dict[str, Any]], list[Key]],
        selector: str | None,
        namespace: str | None,
    ) -> Informer[Any, Key]:
        return Informer(
            self.client, res, transform, owners, self.queue.add, selector=selector, namespace=namespace
        )

    def _all(self) -> list[Informer[Any, Key]]:
        return [*self.sets, *self.instances, *self.revisions, *self.pods]

    def _describe(self, key: Key) -> LogContext:
        kind, ns, name = key
        if kind == SET:
            iset: InstanceSet | None = lookup(self.sets, ns, name)
            labels = (iset.metadata.labels if iset is not None else None) or {}
        else:
            entry: InstanceEntry | None = lookup(self.instances, ns, name)
            labels = (entry.obj.metadata.labels if entry is not None else None) or {}
        return LogContext(kind, ns, name, group=labels.get(keys.LABEL_GROUP_NAME_V1, ""))

    async def start(self) -> None:
        owners: list[Informer[Any, Key]] = [*self.sets, *self.instances]
        self._tasks = await start_controller(
            self._all(),
            lambda: [k for inf in owners for k in inf.owners()],
            self.queue,
            self.reconcile,
            self.metrics,
            self._describe,
            self.workers,
            "iworker",
        )

    async def stop(self) -> None:
        await stop_tasks(self._tasks)

    # -- reconcile -----------------------------------------------------------------------------------
    async def reconcile(self, key: Key) -> float | None:
        kind, ns, name = key
        if kind == SET:
            iset: InstanceSet | None = lookup(self.sets, ns, name)
            if iset is None:
                return None
            instances = [e.view for inf in self.instances for e in inf.by_owner(key) if e is not None]
            revisions = [v for inf in self.revisions for v in inf.by_owner(key)]
            plan = plan_instance_set(iset, instances, revisions, clock.now())
            if plan.empty:
                return plan.requeue_after
            ref = ObjectRef(r.INSTANCESET, ns, name, iset.metadata.uid or "")
            outcome = await execute(self.client, ref, plan)
            self._write_through(outcome, self.sets)
            report(self.metrics, ns, outcome, plan.events)
            return plan.requeue_after
        entry: InstanceEntry | None = lookup(self.instances, ns, name)
        if entry is None:
            return None
        pods = [p for inf in self.pods for p in inf.by_owner(key)]
        iplan = plan_instance(entry.obj, pods, clock.now())
        if iplan.empty:
            return iplan.requeue_after
        ref = ObjectRef(r.INSTANCE, ns, name, entry.obj.metadata.uid or "")
        outcome = await execute(self.client, ref, iplan)
        self._write_through(outcome, self.instances)
        report(self.metrics, ns, outcome, iplan.events)
        return iplan.requeue_after

    def _write_through(self, outcome: Outcome, owners: list[Informer[Any, Key]]) -> None:
        for obj in outcome.applied:
            for inf in self._all():
                if obj.get("kind") == inf.resource.kind and obj.get("apiVersion") == inf.resource.api_version:
                    inf.observe(obj)
        if outcome.status is not None:
            for inf in owners:
                inf.observe(outcome.status)
