"""The two sides of every measurement, in their own namespaces: the baseline (a bare concurrent client writes
the child objects itself, no operator) and the operator (the client writes RoleBasedGroups only). Each side
makes its writes and says when a group is ready or updated (from the workloads' status for the baseline,
from the RoleBasedGroup's status for the operator); pods are watched the same way for both."""

from __future__ import annotations

import abc
import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from rbg_operator.devcluster.cluster import DevCluster
from rbg_operator.devcluster.operator import OperatorProcess
from rbg_operator.kube import resources as r
from rbg_operator.kube.client import KubeClient

from .groups import ROLES, baseline_objects, changed_objects, group_manifest, roles
from .meter import reconciles
from .tracking import (
    PROGRESS_EVERY_S,
    GroupInfo,
    PodInfo,
    Tracker,
    Watch,
    WorkloadInfo,
    group_label,
    own_name,
    say,
)

NOT_YET = 1 << 62  # the generation a tracker waits for before the write that sets it has answered
SERVICE_ACCOUNT = r.Resource("", "v1", "ServiceAccount", "serviceaccounts")
Generations = dict[str, int]
Submit = Callable[[], Awaitable[None]]
X = TypeVar("X")


async def bounded(concurrency: int, job: Callable[[X], Awaitable[None]], items: Iterable[X]) -> None:
    """``job(item)`` for every item, at most ``concurrency`` in flight."""
    sem = asyncio.Semaphore(concurrency)

    async def one(item: X) -> None:
        async with sem:
            await job(item)

    await asyncio.gather(*(one(i) for i in items))


async def ensure_namespace(client: KubeClient, name: str, limit_s: float = 60) -> None:
    await client.apply(r.NAMESPACE, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    deadline = time.monotonic() + limit_s
    while not await client.get(SERVICE_ACCOUNT, "default", name):
        if time.monotonic() > deadline:
            raise TimeoutError(f"namespace {name} has no default service account after {limit_s}s")
        await asyncio.sleep(0.1)


def _needed(generations: Generations | None, key: str) -> int:
    return 0 if generations is None else generations.get(key, NOT_YET)


class Side(abc.ABC):
    """What both sides share: the namespace, the groups, the pod watch and the bounded client."""

    name = ""

    def __init__(self, client: KubeClient, namespace: str, groups: list[str], concurrency: int) -> None:
        self.client, self.namespace, self.groups, self.concurrency = client, namespace, groups, concurrency
        self.pods: Watch[PodInfo] = Watch(client, r.POD, namespace, PodInfo.of, group_label)
        self.watches: list[Watch[Any]] = [self.pods]

    @property
    def operator_pid(self) -> int | None:
        return None

    async def start(self) -> None:
        await ensure_namespace(self.client, self.namespace)
        for w in self.watches:
            await w.start()

    async def stop(self) -> None:
        for w in self.watches:
            await w.stop()

    @abc.abstractmethod
    def creation(self) -> Submit:
        """The writes that create every group, prepared (so that preparing them is not timed)."""

    @abc.abstractmethod
    def rollout(self, version: int, generations: Generations) -> Submit:
        """The writes that change every group to ``version``, prepared; each records the generation it
        produced in ``generations``."""

    @abc.abstractmethod
    def track_status(self, label: str, generations: Generations | None) -> Tracker:
        """A tracker of groups ready (and updated to ``generations``, if given) as this side sees it."""

    def untrack(self, *trackers: Tracker) -> None:
        for w in self.watches:
            w.untrack(*trackers)

    def recheck(self) -> None:
        for w in self.watches:
            w.recheck()

    def dump(self, group: str) -> str:
        return f"pods {self.pods.of(group)}"

    async def remove(self, limit_s: float) -> None:
        """Delete the namespace and wait until it is gone, so the other side has the cluster to itself (the
        operator still runs meanwhile: it releases its groups' finalizers)."""
        await self.client.delete(r.NAMESPACE, self.namespace)
        say(f"  waiting for namespace {self.namespace} to be gone (the other side runs alone)")
        started = time.monotonic()
        report = started + PROGRESS_EVERY_S
        while await self.client.get(r.NAMESPACE, self.namespace) is not None:
            now = time.monotonic()
            if now - started > limit_s:
                raise TimeoutError(f"namespace {self.namespace} still exists after {limit_s}s")
            if now >= report:
                say(f"    still terminating after {now - started:.0f}s")
                report = now + PROGRESS_EVERY_S
            await asyncio.sleep(1)


class Baseline(Side):
    name = "baseline"

    def __init__(self, client: KubeClient, groups: list[str], concurrency: int, again: bool = False) -> None:
        """``again``: the repeat after the operator (an A-B-A run), in a namespace of its own."""
        super().__init__(client, "bench-baseline-again" if again else "bench-baseline", groups, concurrency)
        if again:
            self.name = "baseline_again"
        self.workloads: Watch[WorkloadInfo] = Watch(
            client, r.STATEFULSET, self.namespace, WorkloadInfo.of, group_label
        )
        self.watches.append(self.workloads)

    async def _apply(self, obj: dict[str, Any], generations: Generations | None = None) -> None:
        res = r.resource_for(obj["apiVersion"], obj["kind"])
        out = await self.client.apply(res, obj, field_manager="bench-baseline")
        if generations is not None and obj["kind"] == "StatefulSet":
            generations[obj["metadata"]["name"]] = int(out["metadata"].get("generation", 0))

    def creation(self) -> Submit:
        objs = [o for g in self.groups for o in baseline_objects(g, self.namespace)]
        return functools.partial(bounded, self.concurrency, self._apply, objs)

    def rollout(self, version: int, generations: Generations) -> Submit:
        objs = [o for g in self.groups for o in changed_objects(g, self.namespace, version)]
        job = functools.partial(self._apply, generations=generations)
        return functools.partial(bounded, self.concurrency, job, objs)

    def track_status(self, label: str, generations: Generations | None) -> Tracker:
        return self.workloads.track(
            label,
            self.groups,
            lambda g, ws: len(ws) == len(ROLES) and all(w.done(_needed(generations, w.name)) for w in ws),
        )

    def dump(self, group: str) -> str:
        return f"{super().dump(group)} statefulsets {self.workloads.of(group)}"


class Operated(Side):
    name = "operator"
    audit_user = "rbg-operator"  # its client certificate's name, as the audit log records it

    def __init__(
        self, client: KubeClient, cluster: DevCluster, groups: list[str], concurrency: int, workers: int
    ) -> None:
        super().__init__(client, "bench-operator", groups, concurrency)
        self.process = OperatorProcess(
            cluster.layout.client_kubeconfig("rbg-operator"),
            cluster.layout.logs / "bench-operator.log",
            extra_args=["--workers", str(workers)],
        )
        self.rbgs: Watch[GroupInfo] = Watch(client, r.RBG, self.namespace, GroupInfo.of, own_name)
        self.watches.append(self.rbgs)

    @property
    def operator_pid(self) -> int | None:
        return self.process.proc.pid if self.process.proc is not None else None

    def reconciles(self) -> dict[str, float]:
        """The operator's reconcile counters, from its own /metrics (on 127.0.0.1)."""
        return reconciles(self.process.metrics())

    async def start(self) -> None:
        await ensure_namespace(self.client, self.namespace)
        self.process.launch()
        for w in self.watches:
            await w.start()

    async def stop(self) -> None:
        try:
            await super().stop()
        finally:
            self.process.stop()

    async def _create(self, body: dict[str, Any]) -> None:
        await self.client.create(r.RBG, body, self.namespace)

    async def _patch(self, body: dict[str, Any], group: str, generations: Generations) -> None:
        out = await self.client.patch(r.RBG, group, self.namespace, body)
        generations[group] = int(out["metadata"].get("generation", 0))

    def creation(self) -> Submit:
        bodies = [group_manifest(g, self.namespace) for g in self.groups]
        return functools.partial(bounded, self.concurrency, self._create, bodies)

    def rollout(self, version: int, generations: Generations) -> Submit:
        body = {"spec": {"roles": roles(version)}}

        async def patch(group: str) -> None:
            await self._patch(body, group, generations)

        return functools.partial(bounded, self.concurrency, patch, self.groups)

    def track_status(self, label: str, generations: Generations | None) -> Tracker:
        return self.rbgs.track(
            label,
            self.groups,
            lambda g, infos: len(infos) == 1 and infos[0].done(_needed(generations, g), len(ROLES)),
        )

    def dump(self, group: str) -> str:
        return f"{super().dump(group)} status {self.rbgs.of(group)}"
