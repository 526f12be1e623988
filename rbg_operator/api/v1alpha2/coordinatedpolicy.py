"""v1alpha2 CoordinatedPolicy: cross-role rollout, scaling and gang rules of the RoleBasedGroup with the
same name and namespace."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from annotated_types import MaxLen, MinLen
from pydantic import Field, StringConstraints

from rbg_operator.api import keys
from rbg_operator.api.base import (
    CrdInfo,
    Int64,
    IntOrPercent,
    KubeModel,
    KubeObject,
    NonNegInt32,
    PrinterColumn,
)
from rbg_operator.api.meta import Condition, ObjectMeta
from rbg_operator.api.v1alpha1.common import BY_TYPE, MAX_NAME_LENGTH, MAX_ROLES, RoleNameRef


class ScalingProgression(StrEnum):
    """What a coordinated scaling step waits for before the next one."""

    ORDER_SCHEDULED = "OrderScheduled"
    ORDER_READY = "OrderReady"
    PARALLEL = "Parallel"


class RollingUpdateCoordination(KubeModel):
    """Bounds on the update progress of the rule's roles."""

    max_skew: IntOrPercent | None = Field(
        default=None, description="Largest difference of update progress between the roles (number or %)."
    )
    partition: IntOrPercent | None = Field(
        default=None, description="Overrides the partition of the roles (number or %)."
    )
    max_unavailable: IntOrPercent | None = Field(
        default=None, description="Overrides maxUnavailable of the roles (number or %)."
    )


class ScalingCoordination(KubeModel):
    """Staged scaling of the rule's roles."""

    max_skew: IntOrPercent | None = Field(
        default=None, description="Largest difference of scaling progress between the roles (number or %)."
    )
    progression: ScalingProgression | None = Field(
        default=None, description="OrderScheduled (default), OrderReady or Parallel."
    )


class GangScheduling(KubeModel):
    """All-or-nothing scheduling of the rule's roles."""

    min_replicas: dict[str, NonNegInt32] | None = Field(
        default=None,
        description="Complete instances each role needs to start; empty means every instance of every role.",
    )


class SchedulingCoordination(KubeModel):
    """Scheduling rules of the rule's roles."""

    gang: GangScheduling | None = Field(default=None, description="Gang scheduling.")


class CoordinatedPolicyStrategy(KubeModel):
    """The coordinated strategies of a rule."""

    rolling_update: RollingUpdateCoordination | None = Field(
        default=None, description="Coordinated rolling update."
    )
    scaling: ScalingCoordination | None = Field(default=None, description="Coordinated scaling.")
    scheduling: SchedulingCoordination | None = Field(default=None, description="Coordinated scheduling.")


class CoordinatedPolicyRule(KubeModel):
    """A set of roles and how they move together."""

    name: Annotated[str, StringConstraints(max_length=MAX_NAME_LENGTH)] | None = Field(
        default=None, description="Name of the rule."
    )
    roles: Annotated[list[RoleNameRef], MinLen(1), MaxLen(MAX_ROLES)] = Field(
        description="Names of the roles the rule constrains."
    )
    strategy: CoordinatedPolicyStrategy = Field(description="The coordinated strategies.")


class CoordinatedPolicySpec(KubeModel):
    """Desired state of a CoordinatedPolicy."""

    policies: Annotated[list[CoordinatedPolicyRule], MinLen(1), MaxLen(MAX_ROLES)] = Field(
        description="The coordination rules."
    )


class CoordinatedPolicyStatus(KubeModel):
    """Observed state of a CoordinatedPolicy."""

    observed_generation: Int64 | None = Field(default=None, description="Generation last acted on.")
    conditions: Annotated[list[Condition], BY_TYPE] | None = Field(
        default=None, description="Conditions of the policy."
    )


class CoordinatedPolicy(KubeObject):
    """Cross-role coordination of the RoleBasedGroup with the same name and namespace."""

    crd: ClassVar[CrdInfo] = CrdInfo(
        kind=keys.KIND_COORDINATED_POLICY,
        plural="coordinatedpolicies",
        singular="coordinatedpolicy",
        short_names=("cpolicy",),
        categories=("rbg-all",),
        printer_columns=(
            PrinterColumn("AGE", "date", ".metadata.creationTimestamp", "Time since creation."),
        ),
    )

    api_version: Literal["workloads.x-k8s.io/v1alpha2"] = keys.API_VERSION_V1ALPHA2
    kind: Literal["CoordinatedPolicy"] = "CoordinatedPolicy"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta, description="Standard object metadata.")
    spec: CoordinatedPolicySpec = Field(description="The coordination rules.")
    status: CoordinatedPolicyStatus | None = Field(default=None, description="Observed state.")
