"""The one protocol every workload kind a role can run on answers (StatefulSet, Deployment,
LeaderWorkerSet, InstanceSet, ...): what the planners ask of a kind, and nothing else. A kind is one
module of this package plus one line in its registry (``kinds/__init__.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from rbg_operator.api.base import percent_or_int_value
from rbg_operator.api.children import Manifest
from rbg_operator.api.v1alpha1 import ClusterEngineRuntimeProfile
from rbg_operator.api.v1alpha2 import RoleSpec
from rbg_operator.api.v1alpha2.common import RollingUpdate

from ..role_context import RoleContext

Profiles = Mapping[str, ClusterEngineRuntimeProfile]


class WorkloadKind(Protocol):
    """A workload kind: its API coordinates, how its manifest is built from a role, and the few facts
    about its behaviour the group planner branches on."""

    #: ``kind``, ``apiVersion`` and plural resource name of the workload object.
    kind: str
    api_version: str
    plural: str
    #: The CRD that must be installed for the kind (an add-on), None when the cluster always serves it.
    #: A role of a kind whose apiVersion is absent waits, with a ``WorkloadCRDMissing`` event.
    crd: str | None
    #: Pods have stable names ``<workload>-<i>...``: the discovery file lists every instance's address.
    stable_pod_names: bool
    #: Its status reports currentRevision/updateRevision: a rollout is running while they differ (else
    #: while updatedReplicas < replicas).
    tracks_revisions: bool
    #: A coordinated rollout holds it with a partition; False: it has none and is paused at its target.
    partitioned: bool
    #: It recreates a whole instance when one of its pods restarts, by itself; False: the operator
    #: deletes a failed pod of a ``RecreateRoleInstanceOnPodRestart`` role (a fresh pod, not a restart).
    recreates_instances: bool

    def build(self, ctx: RoleContext, index: int, profiles: Profiles) -> Manifest:
        """The role's workload ``<rbg>-<role>`` (raises ``TemplateError`` on a template it cannot build)."""
        ...

    def first_pod_suffix(self, role: RoleSpec) -> str:
        """What follows ``<workload>-<i>`` in the name of an instance's first pod (its address)."""
        ...

    def leader_labels(self, role: RoleSpec) -> dict[str, str]:
        """Labels that pick one pod per instance (the leader) when an instance has several pods."""
        ...

    def partition_of(self, spec: Mapping[str, Any]) -> int | None:
        """The rolling-update partition set in an observed workload's ``spec``."""
        ...


def rolling_update(role: RoleSpec) -> RollingUpdate | None:
    """The role's rolling-update parameters as written (None when the role has none)."""
    return role.rollout_strategy.rolling_update if role.rollout_strategy else None


def user_partition(role: RoleSpec, ru: RollingUpdate | None) -> int | None:
    """The role's own partition in pods (a percentage rounded up), None when unset."""
    if ru is None or ru.partition is None:
        return None
    return percent_or_int_value(ru.partition, role.replicas, round_up=True)


def int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None
