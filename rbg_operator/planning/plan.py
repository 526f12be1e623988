"""A Plan: everything one reconcile should do, as a plain value (only the differences from what is
observed: a plan of an up-to-date group is empty)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from rbg_operator.api.base import KubeModel
from rbg_operator.api.children import Manifest
from rbg_operator.api.v1alpha2 import RoleBasedGroupStatus

EventType = Literal["Normal", "Warning"]


@dataclass(frozen=True, order=True)
class Event:
    type: EventType
    reason: str
    message: str


@dataclass(frozen=True, order=True)
class Deletion:
    api_version: str
    kind: str
    namespace: str
    name: str
    uid: str
    propagation: Literal["Background", "Foreground", "Orphan"] = "Background"


@dataclass
class Plan:
    apply: list[Manifest] = field(default_factory=list)
    delete: list[Deletion] = field(default_factory=list)
    status: RoleBasedGroupStatus | None = None  # None: the current status is right
    events: list[Event] = field(default_factory=list)
    requeue_after: float | None = None
    finalizer: Literal["add", "remove"] | None = None  # the group's teardown finalizer

    @property
    def empty(self) -> bool:
        return not (self.apply or self.delete or self.status is not None or self.events or self.finalizer)

    def sort(self) -> Plan:
        """Deterministic order: kinds in creation order, then by name."""
        rank = {"ControllerRevision": 0, "ConfigMap": 1, "Service": 2}
        self.apply.sort(key=lambda m: (rank.get(m.kind, 3), m.kind, m.metadata.name or ""))
        self.delete.sort()
        self.events = merge_events(self.events, MERGED_REASONS)
        return self


#: Per-role events that one reconcile may emit for several roles at once: posted as one event.
MERGED_REASONS = frozenset({"RoleCreated", "RoleReady"})


def merge_events(events: list[Event], reasons: frozenset[str]) -> list[Event]:
    """One event per (type, reason) in ``reasons``, its messages joined (each event is an API write)."""
    out: list[Event] = []
    merged: dict[tuple[EventType, str], list[str]] = {}
    for e in sorted(events):
        if e.reason in reasons:
            merged.setdefault((e.type, e.reason), []).append(e.message)
        else:
            out.append(e)
    out += [Event(t, r, "; ".join(msgs)) for (t, r), msgs in merged.items()]
    return sorted(out)


@dataclass(frozen=True)
class Patch:
    """A strategic merge patch of one pod (``status``: of its status subresource), UID-checked."""

    name: str
    uid: str
    body: dict[str, Any]
    status: bool = False


@dataclass
class ObjectPlan:
    """One reconcile of an InstanceSet or Instance: children to apply, patch and delete, then status.
    ``status_first`` writes the status before anything else (a recorded decision, e.g. a new epoch)."""

    apply: list[Manifest] = field(default_factory=list)
    patch: list[Patch] = field(default_factory=list)
    delete: list[Deletion] = field(default_factory=list)
    status: KubeModel | None = None
    events: list[Event] = field(default_factory=list)
    requeue_after: float | None = None
    status_first: bool = False

    @property
    def empty(self) -> bool:
        return not (self.apply or self.patch or self.delete or self.status is not None or self.events)

    def wake(self, seconds: float) -> None:
        """Look again after ``seconds`` at the latest (the earliest of all wishes wins)."""
        seconds = max(0.0, seconds)
        self.requeue_after = seconds if self.requeue_after is None else min(self.requeue_after, seconds)
