"""The registry of workload kinds a role can run on, keyed by kind (the role's ``workload.kind``, and
the ``kind`` of the workloads observed). A kind missing here (RoleInstanceSet, so far) is reported by the
group planner as not supported yet; adding one is its module and one line below."""

from __future__ import annotations

from collections.abc import Mapping

from rbg_operator.api.v1alpha2 import RoleSpec

from .base import WorkloadKind
from .deployment import DEPLOYMENT
from .instanceset import INSTANCESET
from .leaderworkerset import LEADERWORKERSET
from .statefulset import STATEFULSET

KINDS: Mapping[str, WorkloadKind] = {
    k.kind: k
    for k in (
        STATEFULSET,
        DEPLOYMENT,
        LEADERWORKERSET,
        INSTANCESET,
    )
}


def for_kind(kind: str) -> WorkloadKind | None:
    """The kind ``kind`` (of a role's workload or an observed one); None when it is not supported."""
    return KINDS.get(kind)


def for_role(role: RoleSpec) -> WorkloadKind | None:
    """The kind a role runs on; None when it is not supported (yet)."""
    return KINDS.get(role.workload.kind)


def is_workload(kind: str) -> bool:
    """Whether objects of ``kind`` are role workloads (applied after what their pods rely on)."""
    return kind in KINDS


def api_version_of(kind: str, default: str) -> str:
    """The apiVersion the operator writes a workload of ``kind`` in (``default`` for other kinds)."""
    found = KINDS.get(kind)
    return found.api_version if found is not None else default


__all__ = ["KINDS", "WorkloadKind", "api_version_of", "for_kind", "for_role", "is_workload"]
