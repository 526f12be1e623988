"""A Plan: everything one reconcile of any controller should do, as a plain value (only the differences
from what is observed: a plan of an up-to-date object is empty). The kube layer's executor carries it
out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from rbg_operator.api.base import KubeModel
from rbg_operator.api.children import Manifest

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


@dataclass(frozen=True)
class Patch:
    """A strategic merge patch of one pod (``status``: of its status subresource), UID-checked."""

    name: str
    uid: str
    body: dict[str, Any]
    status: bool = False


S = TypeVar("S", bound=KubeModel)


@dataclass
class Plan(Generic[S]):
    """One reconcile of one object (a group, set, instance, adapter or pod), for every controller:
    manifests to apply (server-side, under ``field_manager``, else the operator's), pods to patch,
    objects to delete, the object's status (``S``; None: the current one is right, written first when
    ``status_first``: a recorded decision such as a new epoch), the group's teardown finalizer, events,
    and when to look again."""

    apply: list[Manifest] = field(default_factory=list)
    patch: list[Patch] = field(default_factory=list)
    delete: list[Deletion] = field(default_factory=list)
    status: S | None = None  # None: the current status is right
    events: list[Event] = field(default_factory=list)
    requeue_after: float | None = None
    finalizer: Literal["add", "remove"] | None = None  # the group's teardown finalizer
    status_first: bool = False
    field_manager: str | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.apply
            or self.patch
            or self.delete
            or self.status is not None
            or self.events
            or self.finalizer
        )

    def wake(self, seconds: float) -> None:
        """Look again after ``seconds`` at the latest (the earliest of all wishes wins)."""
        seconds = max(0.0, seconds)
        self.requeue_after = seconds if self.requeue_after is None else min(self.requeue_after, seconds)

    def sort(self) -> Plan[S]:
        """Deterministic order: kinds in creation order, then by name."""
        rank = {"ControllerRevision": 0, "ConfigMap": 1, "Service": 2}
        self.apply.sort(key=lambda m: (rank.get(m.kind, 3), m.kind, m.metadata.name or ""))
        self.delete.sort()
        self.events = merge_events(self.events, MERGED_REASONS)
        return self


#: Per-role events that one reconcile may emit for several roles at once: posted as one event.
MERGED_REASONS = frozenset({"RoleCreated", "RoleReady", "WorkloadKindNotSupported"})


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
