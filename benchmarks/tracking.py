"""Watch caches of the benchmark's pods, workloads and groups, and trackers that record, at the moment a watch
event arrives, when each group first meets a condition and when all groups meet it at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from rbg_operator.api import keys
from rbg_operator.kube.client import KubeClient, cancel_quietly
from rbg_operator.kube.informer import Informer
from rbg_operator.kube.resources import Resource

T = TypeVar("T")
PROGRESS_EVERY_S = 15.0


def say(msg: str) -> None:
    print(msg, flush=True)


def _ready(obj: dict[str, Any]) -> bool:
    return any(
        c.get("type") == keys.CONDITION_READY and c.get("status") == "True"
        for c in (obj.get("status") or {}).get("conditions") or []
    )


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    return dict(obj["metadata"].get("labels") or {})


@dataclass(frozen=True)
class PodInfo:
    name: str
    uid: str
    role: str
    images: tuple[str, ...]
    ready: bool
    deleting: bool

    @classmethod
    def of(cls, obj: dict[str, Any]) -> PodInfo:
        meta = obj["metadata"]
        return cls(
            name=meta["name"],
            uid=meta.get("uid", ""),
            role=_labels(obj).get(keys.LABEL_ROLE_NAME_V1, ""),
            images=tuple(c.get("image", "") for c in obj["spec"].get("containers", [])),
            ready=_ready(obj),
            deleting=bool(meta.get("deletionTimestamp")),
        )


@dataclass(frozen=True)
class WorkloadInfo:
    """A StatefulSet's spec and status counts (the baseline's notion of a ready, updated role)."""

    name: str
    generation: int
    observed_generation: int
    replicas: int
    status_replicas: int
    ready: int
    updated: int
    revisions_equal: bool

    @classmethod
    def of(cls, obj: dict[str, Any]) -> WorkloadInfo:
        status = obj.get("status") or {}
        return cls(
            name=obj["metadata"]["name"],
            generation=int(obj["metadata"].get("generation", 0)),
            observed_generation=int(status.get("observedGeneration", 0)),
            replicas=int(obj["spec"].get("replicas", 1)),
            status_replicas=int(status.get("replicas", 0)),
            ready=int(status.get("readyReplicas", 0)),
            updated=int(status.get("updatedReplicas", 0)),
            revisions_equal=status.get("currentRevision") == status.get("updateRevision"),
        )

    def done(self, min_generation: int) -> bool:
        """Observed at (at least) ``min_generation``, every replica updated and ready, rollout finished."""
        n = self.replicas
        return (
            self.observed_generation >= max(self.generation, min_generation)
            and self.status_replicas == self.ready == self.updated == n
            and self.revisions_equal
        )


@dataclass(frozen=True)
class GroupInfo:
    """A RoleBasedGroup's status as the operator reports it."""

    generation: int
    observed_generation: int
    ready: bool
    roles: tuple[tuple[str, int, int, int], ...]  # (name, replicas, ready, updated)

    @classmethod
    def of(cls, obj: dict[str, Any]) -> GroupInfo:
        status = obj.get("status") or {}
        return cls(
            generation=int(obj["metadata"].get("generation", 0)),
            observed_generation=int(status.get("observedGeneration") or 0),
            ready=_ready(obj),
            roles=tuple(
                (
                    str(s.get("name", "")),
                    int(s.get("replicas", 0)),
                    int(s.get("readyReplicas", 0)),
                    int(s.get("updatedReplicas", 0)),
                )
                for s in status.get("roleStatuses") or []
            ),
        )

    def done(self, min_generation: int, roles: int) -> bool:
        """Ready, status of (at least) ``min_generation``, every role's replicas updated and ready."""
        return (
            self.ready
            and self.observed_generation >= max(self.generation, min_generation)
            and len(self.roles) == roles
            and all(n == ready == updated for _, n, ready, updated in self.roles)
        )


@dataclass
class Tracker:
    """When each expected group first meets ``test`` and when all of them meet it at the same time
    (monotonic clock, taken when the watch event that made it true arrived)."""

    label: str
    expected: frozenset[str]
    test: Callable[[str], bool]
    first: dict[str, float] = field(default_factory=dict)
    holding: set[str] = field(default_factory=set)
    all_at: float | None = None

    def check(self, group: str) -> None:
        if group not in self.expected:
            return
        if not self.test(group):
            self.holding.discard(group)
            return
        now = time.monotonic()
        self.first.setdefault(group, now)
        self.holding.add(group)
        if self.all_at is None and len(self.holding) == len(self.expected):
            self.all_at = now

    @property
    def complete(self) -> bool:
        return self.all_at is not None

    def missing(self) -> list[str]:
        return sorted(self.expected - self.holding)


class Watch(Generic[T]):
    """A namespace's objects of one resource, by group, with the trackers each change is checked against."""

    def __init__(
        self,
        client: KubeClient,
        resource: Resource,
        namespace: str,
        view: Callable[[dict[str, Any]], T],
        group_of: Callable[[dict[str, Any]], str],
    ) -> None:
        self.trackers: list[Tracker] = []
        self.informer: Informer[T, str] = Informer(
            client,
            resource,
            view,
            lambda o: [g] if (g := group_of(o)) else [],
            self._changed,
            namespace=namespace,
        )
        self._task: asyncio.Task[None] | None = None

    def _changed(self, group: str) -> None:
        for t in self.trackers:
            t.check(group)

    async def start(self, limit_s: float = 120) -> None:
        self._task = asyncio.create_task(self.informer.run())
        await asyncio.wait_for(self.informer.synced.wait(), limit_s)

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_quietly(self._task)

    def of(self, group: str) -> list[T]:
        return self.informer.by_owner(group)

    def track(self, label: str, groups: Iterable[str], test: Callable[[str, list[T]], bool]) -> Tracker:
        """A tracker of ``test(group, this watch's objects of the group)``, checked on every change."""
        tracker = Tracker(label, frozenset(groups), lambda g: test(g, self.of(g)))
        self.trackers.append(tracker)
        self.recheck()
        return tracker

    def untrack(self, *trackers: Tracker) -> None:
        self.trackers = [t for t in self.trackers if t not in trackers]

    def recheck(self) -> None:
        """Check every tracker against what the cache holds now (after a change to what they test)."""
        for t in self.trackers:
            for g in t.expected:
                t.check(g)


def group_label(obj: dict[str, Any]) -> str:
    return _labels(obj).get(keys.LABEL_GROUP_NAME_V1, "")


def own_name(obj: dict[str, Any]) -> str:
    return str(obj["metadata"]["name"])


async def wait_all(
    trackers: list[Tracker],
    limit_s: float,
    what: str,
    dump: Callable[[str], str] = lambda g: "",
) -> None:
    """Poll until every tracker is complete; a progress line every PROGRESS_EVERY_S; on timeout, a
    TimeoutError naming the groups still missing and what the watch holds of them."""
    started = time.monotonic()
    report = started + PROGRESS_EVERY_S
    while not all(t.complete for t in trackers):
        now = time.monotonic()
        if now - started > limit_s:
            lines = [f"{what}: not done after {limit_s:.0f}s"]
            for t in trackers:
                missing = t.missing()
                lines.append(f"  {t.label}: {len(t.expected) - len(missing)}/{len(t.expected)}")
                lines.extend(f"    {g}: {dump(g)}" for g in missing[:5])
            raise TimeoutError("\n".join(lines))
        if now >= report:
            progress = ", ".join(f"{t.label} {len(t.holding)}/{len(t.expected)}" for t in trackers)
            say(f"    {what} {now - started:.0f}s: {progress}")
            report = now + PROGRESS_EVERY_S
        await asyncio.sleep(0.1)
