"""The RoleBasedGroup controller: watch caches for groups and their children (server-side label
selectors), a work queue keyed by group, and workers that plan and execute one group at a time."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from rbg_operator.api import keys
from rbg_operator.api.convert import to_hub_group
from rbg_operator.api.v1alpha2 import ClusterEngineRuntimeProfile, RoleBasedGroup, RoleBasedGroupStatus
from rbg_operator.kube import clock
from rbg_operator.kube import resources as r
from rbg_operator.kube.client import KubeClient
from rbg_operator.kube.executor import ObjectRef, execute, workload_resource
from rbg_operator.kube.informer import Informer, lookup
from rbg_operator.kube.views import object_view, pod_view, revision_view, workload_view
from rbg_operator.planning import kinds
from rbg_operator.planning.observed import GroupObserved, ObjectView, PodView, RevisionView, WorkloadView
from rbg_operator.planning.plan import Plan
from rbg_operator.planning.rbg import plan_group
from rbg_operator.planning.status import only_counts_changed

from .adapters import AdapterController
from .drain import DrainController
from .groupsets import GroupSetController
from .instances import InstanceController
from .logs import LogContext
from .metrics import Metrics
from .queue import WorkQueue
from .workers import report, stop_tasks, work

log = logging.getLogger(__name__)
#: A status whose only news is replica counts is written at most this often per group (conditions: at once).
STATUS_COALESCE_S = 2.0
#: Changes of a group's children (a StatefulSet's status moves in several steps per pod) are merged into one
#: reconcile at most this long after the first; the group's own changes and failing pods are taken at once.
CHILD_BATCH_S = 0.3
GroupKey = tuple[str, str]  # (namespace, name)
CHILD_SELECTOR = keys.LABEL_GROUP_NAME_V1
REVISION_SELECTOR = f"{keys.LABEL_GROUP_NAME_V1},{keys.LABEL_GROUP_REVISION_V1}"


def _group_of(obj: dict[str, Any]) -> list[GroupKey]:
    meta = obj.get("metadata", {})
    group = (meta.get("labels") or {}).get(CHILD_SELECTOR)
    return [(meta.get("namespace", ""), group)] if group else []


def _failing(obj: dict[str, Any]) -> bool:
    status = obj.get("status") or {}
    return status.get("phase") == "Failed" or any(
        int(c.get("restartCount", 0)) > 0 for c in status.get("containerStatuses") or []
    )


def _failing_pod(obj: dict[str, Any]) -> PodView | None:
    return pod_view(obj) if _failing(obj) else None


def _failing_group(obj: dict[str, Any]) -> list[GroupKey]:
    return _group_of(obj) if _failing(obj) else []


def _describe(key: GroupKey) -> LogContext:
    return LogContext("RoleBasedGroup", key[0], key[1], group=key[1])


def _self_key(obj: dict[str, Any]) -> list[GroupKey]:
    meta = obj.get("metadata", {})
    return [(meta.get("namespace", ""), meta["name"])]


@dataclass
class Controller:
    client: KubeClient
    metrics: Metrics
    namespaces: list[str] = field(default_factory=list)  # empty: all namespaces
    workers: int = 16
    queue: WorkQueue[GroupKey] = field(default_factory=WorkQueue)
    batch_s: float = CHILD_BATCH_S

    def __post_init__(self) -> None:
        self._status_written: dict[GroupKey, float] = {}  # when this process last wrote a group's status
        self.groups: list[Informer[RoleBasedGroup | None, GroupKey]] = []
        self.workloads: list[Informer[WorkloadView, GroupKey]] = []
        self.objects: list[Informer[ObjectView, GroupKey]] = []
        self.revisions: list[Informer[RevisionView, GroupKey]] = []
        self.pods: list[Informer[PodView | None, GroupKey]] = []
        scopes: list[str | None] = list(self.namespaces) or [None]
        for ns in scopes:
            self.groups.append(self._informer(r.RBG, _parse_group, _self_key, None, ns, at_once=True))
            for kind in kinds.KINDS.values():  # every workload kind of the registry
                res = workload_resource(kind)
                self.workloads.append(self._informer(res, workload_view, _group_of, CHILD_SELECTOR, ns))
            for res in (r.SERVICE, r.CONFIGMAP, r.PDB, r.PODGROUP_COSCHED, r.PODGROUP_VOLCANO, r.RBG_SA):
                self.objects.append(self._informer(res, object_view, _group_of, CHILD_SELECTOR, ns))
            # The group's own revisions only: its StatefulSets' revisions carry the group labels too.
            self.revisions.append(
                self._informer(r.CONTROLLER_REVISION, revision_view, _group_of, REVISION_SELECTOR, ns)
            )
            # Only failing pods are kept and wake their group (restart policies); healthy ones cost nothing.
            self.pods.append(
                self._informer(r.POD, _failing_pod, _failing_group, CHILD_SELECTOR, ns, at_once=True)
            )
        self.profiles: Informer[ClusterEngineRuntimeProfile, GroupKey] = Informer(
            self.client,
            r.RUNTIME_PROFILE,
            ClusterEngineRuntimeProfile.from_dict,
            self._users_of_profile,
            self.queue.add,
        )
        self._tasks: list[asyncio.Task[Any]] = []
        self.instances = InstanceController(self.client, self.metrics, self.namespaces, self.workers)
        self.adapters = AdapterController(self.client, self.metrics, self.namespaces, self._group)
        self.groupsets = GroupSetController(self.client, self.metrics, self.namespaces)
        self.drains = DrainController(self.client, self.metrics, self.namespaces, max(2, self.workers // 4))

    def _informer(
        self,
        res: r.Resource,
        transform: Callable[[dict[str, Any]], Any],
        owners: Callable[[dict[str, Any]], list[GroupKey]],
        selector: str | None,
        namespace: str | None,
        at_once: bool = False,
    ) -> Informer[Any, GroupKey]:
        enqueue = self.queue.add if at_once else self._batch
        return Informer(self.client, res, transform, owners, enqueue, selector=selector, namespace=namespace)

    def _batch(self, key: GroupKey) -> None:
        self.queue.add_within(key, self.batch_s)

    def _children(self) -> list[Informer[Any, GroupKey]]:
        return [*self.workloads, *self.objects]

    def _all_informers(self) -> list[Informer[Any, GroupKey]]:
        return [*self.groups, *self.workloads, *self.objects, *self.revisions, *self.pods, self.profiles]

    def _users_of_profile(self, obj: dict[str, Any]) -> list[GroupKey]:
        name = obj["metadata"]["name"]
        users = []
        for inf in self.groups:
            for rbg in inf.all():
                if rbg and any(
                    e.profile_name == name for role in rbg.spec.roles for e in role.engine_runtimes or []
                ):
                    users.append((rbg.metadata.namespace or "", rbg.metadata.name or ""))
        return users

    # -- lifecycle ---------------------------------------------------------------------------------------
    @property
    def started(self) -> bool:
        return bool(self._tasks)

    async def start(self) -> None:
        started = time.monotonic()
        self._tasks = [
            asyncio.create_task(i.run(), name=f"watch-{i.resource.plural}") for i in self._all_informers()
        ]
        await asyncio.gather(*(i.synced.wait() for i in self._all_informers()))
        log.info(
            "caches synced in %.2fs; %d groups", time.monotonic() - started, sum(len(g) for g in self.groups)
        )
        for inf in self.groups:
            for key in inf.owners():
                self.queue.add(key)
        self._tasks += [
            asyncio.create_task(work(self.queue, self.reconcile, self.metrics, _describe), name=f"worker-{n}")
            for n in range(self.workers)
        ]
        await self.instances.start()
        await self.drains.start()
        await self.adapters.start()
        await self.groupsets.start()

    async def stop(self) -> None:
        await self.groupsets.stop()
        await self.adapters.stop()
        await self.drains.stop()
        await self.instances.stop()
        await stop_tasks(self._tasks)

    # -- reconcile ---------------------------------------------------------------------------------------
    def _group(self, key: GroupKey) -> RoleBasedGroup | None:
        return lookup(self.groups, *key)

    def observed(self, key: GroupKey) -> GroupObserved:
        return GroupObserved(
            workloads=[w for inf in self.workloads for w in inf.by_owner(key)],
            objects=[o for inf in self.objects for o in inf.by_owner(key)],
            revisions=[v for inf in self.revisions for v in inf.by_owner(key)],
            profiles={p.metadata.name or "": p for p in self.profiles.all()},
            absent_apis=frozenset(i.resource.api_version for i in self._children() if not i.available),
            pods=[p for inf in self.pods for p in inf.by_owner(key) if p is not None],
        )

    def _hold_status(
        self, key: GroupKey, rbg: RoleBasedGroup, plan: Plan[RoleBasedGroupStatus]
    ) -> float | None:
        """Seconds to wait before writing a status whose only news is replica counts, so that a burst of
        pod changes makes one write per STATUS_COALESCE_S instead of one each; None: write now. Condition
        changes, spec changes and anything else in the plan are never held."""
        if plan.status is None or plan.apply or plan.delete or plan.finalizer or plan.events:
            return None
        if not only_counts_changed(rbg.status, plan.status):
            return None
        since = time.monotonic() - self._status_written.get(key, -STATUS_COALESCE_S)
        return STATUS_COALESCE_S - since if since < STATUS_COALESCE_S else None

    async def reconcile(self, key: GroupKey) -> float | None:
        rbg = self._group(key)
        if rbg is None:
            self.metrics.forget_group(*key)
            self._status_written.pop(key, None)
            return None
        self.adapters.wake_group(*key)
        plan = plan_group(rbg, self.observed(key), clock.now())
        self.metrics.observe_group(rbg, plan.status)
        if plan.empty:
            return plan.requeue_after
        hold = self._hold_status(key, rbg, plan)
        if hold is not None:
            return hold
        ref = ObjectRef(r.RBG, key[0], key[1], rbg.metadata.uid or "")
        outcome = await execute(self.client, ref, plan)
        report(self.metrics, key[0], outcome, plan.events)
        if outcome.status is not None:
            self._status_written[key] = time.monotonic()
        for obj in outcome.applied:
            caches: list[Informer[Any, GroupKey]] = [*self.workloads, *self.objects, *self.revisions]
            for inf in caches:
                if obj.get("kind") == inf.resource.kind and obj.get("apiVersion") == inf.resource.api_version:
                    inf.observe(obj)
        for written in (outcome.group, outcome.status):
            if written is not None:
                for inf in self.groups:
                    if inf.get(*key) is not None:
                        inf.observe(written)
        return plan.requeue_after


def _parse_group(obj: dict[str, Any]) -> RoleBasedGroup | None:
    try:
        return to_hub_group(obj)  # watched in v1alpha2; either version parses
    except ValidationError as err:
        meta = obj.get("metadata", {})
        log.error("cannot read RoleBasedGroup %s/%s: %s", meta.get("namespace"), meta.get("name"), err)
        return None
