"""A Plan: everything one reconcile should do, as a plain value (only the differences from what is
observed: a plan of an up-to-date group is empty)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rbg_operator.api.children import Manifest
from rbg_operator.api.v1alpha1 import RoleBasedGroupStatus


@dataclass(frozen=True, order=True)
class Event:
    type: Literal["Normal", "Warning"]
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
        self.events.sort()
        return self
