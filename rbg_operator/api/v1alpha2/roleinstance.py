"""v1alpha2 RoleInstance: one serving unit of a role (a standalone engine, a leader with its workers, or a
set of custom components), whose pods are created, updated and restarted together. A RoleInstanceSet
creates them from its ``roleInstanceTemplate``; the schema follows upstream's RoleInstance."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from rbg_operator.api import keys
from rbg_operator.api.base import (
    CrdInfo,
    Int64,
    KubeModel,
    KubeObject,
    NonNegInt32,
    PrinterColumn,
    Timestamp,
)
from rbg_operator.api.meta import ObjectMeta
from rbg_operator.api.v1alpha1.common import BY_NAME, BY_TYPE
from rbg_operator.api.v1alpha1.enums import InstanceReadyPolicy, RestartPolicy
from rbg_operator.api.v1alpha1.instance import InstanceCondition
from rbg_operator.api.v1alpha2.common import InstanceComponent

#: Upstream's implicit back-off of restart-policy recreations, in seconds.
DEFAULT_BASE_DELAY_SECONDS = 30
DEFAULT_MAX_DELAY_SECONDS = 600


class RoleInstanceConditionType(StrEnum):
    """The condition types upstream defines for a RoleInstance."""

    READY = keys.CONDITION_ROLE_INSTANCE_READY
    IN_PLACE_UPDATE_READY = keys.CONDITION_ROLE_INSTANCE_IN_PLACE_UPDATE_READY
    CUSTOM_READY = keys.CONDITION_ROLE_INSTANCE_CUSTOM_READY
    ALL_PODS_READY = keys.CONDITION_ROLE_INSTANCE_ALL_PODS_READY
    FAILED_SCALE = keys.CONDITION_FAILED_SCALE
    FAILED_UPDATE = keys.CONDITION_FAILED_UPDATE
    RESTARTING = keys.CONDITION_RESTARTING


class RoleInstanceReadinessGate(KubeModel):
    """A RoleInstance condition that must be True before the RoleInstance counts as ready."""

    condition_type: str = Field(description="Type of the RoleInstance condition to wait for.")


class RoleInstanceSpec(KubeModel):
    """Desired state of a RoleInstance."""

    components: Annotated[list[InstanceComponent], BY_NAME] = Field(
        description="Components of the RoleInstance, each with its pod count and pod template."
    )
    ready_policy: InstanceReadyPolicy | None = Field(
        default=InstanceReadyPolicy.ALL_POD_READY,
        description="When the RoleInstance counts as ready: AllPodReady (default) or None.",
    )
    restart_policy: RestartPolicy | None = Field(
        default=None,
        description=(
            "What a pod restart does to the RoleInstance: None (only that pod restarts) or "
            "RecreateRoleInstanceOnPodRestart (every pod of the RoleInstance is recreated)."
        ),
    )
    readiness_gates: list[RoleInstanceReadinessGate] | None = Field(
        default=None, description="Extra RoleInstance conditions required for readiness."
    )
    base_delay_seconds: NonNegInt32 | None = Field(
        default=None,
        description=(
            "First wait between restart-policy recreations; it doubles each round up to "
            "maxDelaySeconds (30 when unset)."
        ),
    )
    max_delay_seconds: NonNegInt32 | None = Field(
        default=None, description="Longest wait between restart-policy recreations (600 when unset)."
    )

    @property
    def effective_ready_policy(self) -> InstanceReadyPolicy:
        """The ready policy with upstream's default (AllPodReady)."""
        return self.ready_policy or InstanceReadyPolicy.ALL_POD_READY

    @property
    def effective_restart_policy(self) -> RestartPolicy:
        """The restart policy with the implicit default (None)."""
        return self.restart_policy or RestartPolicy.NONE

    @property
    def effective_base_delay_seconds(self) -> int:
        """The first back-off with upstream's default of 30 seconds."""
        return DEFAULT_BASE_DELAY_SECONDS if self.base_delay_seconds is None else self.base_delay_seconds

    @property
    def effective_max_delay_seconds(self) -> int:
        """The back-off cap with upstream's default of 600 seconds."""
        return DEFAULT_MAX_DELAY_SECONDS if self.max_delay_seconds is None else self.max_delay_seconds

    def restart_delay_seconds(self, round_: int) -> int:
        """Wait before recreation round ``round_`` (1-based): base * 2^(round-1), capped at the maximum."""
        base, cap = self.effective_base_delay_seconds, self.effective_max_delay_seconds
        if round_ <= 1:
            return min(base, cap)
        return min(base * (1 << min(round_ - 1, 32)), cap)


class RoleInstanceTemplate(RoleInstanceSpec):
    """The RoleInstance spec a RoleInstanceSet stamps out; no defaults are filled in here (upstream's
    template is schemaless), the RoleInstance's own schema defaults them."""

    crd_preserve_unknown: ClassVar[bool] = True

    ready_policy: InstanceReadyPolicy | None = Field(
        default=None,
        description="When each RoleInstance counts as ready: AllPodReady (default) or None.",
    )


#: Conditions of RoleInstances and RoleInstanceSets have the same fields as the v1alpha1 Instance's.
RoleInstanceCondition = InstanceCondition


class RoleInstanceComponentStatus(KubeModel):
    """Pod counts of one component of a RoleInstance."""

    name: str = Field(description="Name of the component.")
    size: NonNegInt32 = Field(default=0, description="Pods of the component.")
    ready_replicas: NonNegInt32 = Field(default=0, description="Ready pods of the component.")
    updated_replicas: NonNegInt32 = Field(default=0, description="Pods at the update revision.")
    scheduled_replicas: NonNegInt32 = Field(default=0, description="Pods bound to a node.")
    available_replicas: NonNegInt32 = Field(default=0, description="Pods ready for minReadySeconds.")
    updated_ready_replicas: NonNegInt32 = Field(default=0, description="Pods updated and ready.")


class ContainerUpdateBaseline(KubeModel):
    """A container as it was before an in-place update, so the restart the update causes is not taken
    for a crash."""

    restart_count: NonNegInt32 = Field(
        default=0, description="The container's restart count before the update."
    )
    image_id: str | None = Field(
        default=None, alias="imageID", description="The container's image ID before the update."
    )


class RoleInstanceStatus(KubeModel):
    """Observed state of a RoleInstance."""

    observed_generation: Int64 | None = Field(default=None, description="Generation last acted on.")
    conditions: Annotated[list[RoleInstanceCondition], BY_TYPE] | None = Field(
        default=None, description="Conditions of the RoleInstance."
    )
    component_statuses: Annotated[list[RoleInstanceComponentStatus], BY_NAME] | None = Field(
        default=None, description="Pod counts per component."
    )
    label_selector: str | None = Field(default=None, description="Label query over the RoleInstance's pods.")
    current_revision: str | None = Field(default=None, description="Revision of the current pods.")
    update_revision: str | None = Field(default=None, description="Revision being rolled out.")
    collision_count: NonNegInt32 | None = Field(default=None, description="Revision hash collisions.")
    in_place_update_container_baselines: dict[str, dict[str, ContainerUpdateBaseline]] | None = Field(
        default=None,
        description="Per pod name, then per container name: the container before its last in-place update.",
    )
    restart_count: NonNegInt32 | None = Field(
        default=None, description="Recreations of the whole RoleInstance triggered by its restart policy."
    )
    last_restart_time: Timestamp | None = Field(
        default=None, description="Time of the last restart-policy recreation (start of the back-off)."
    )

    def condition(self, type_: str) -> RoleInstanceCondition | None:
        """The condition of the given type, if present."""
        return next((c for c in self.conditions or () if c.type == type_), None)


class RoleInstance(KubeObject):
    """One serving unit of a role: the pods of its components, managed as one."""

    crd: ClassVar[CrdInfo] = CrdInfo(
        kind=keys.KIND_ROLE_INSTANCE,
        plural="roleinstances",
        singular="roleinstance",
        short_names=("rins",),
        categories=("rbg-all",),
        printer_columns=(
            PrinterColumn(
                "READY",
                "string",
                f".status.conditions[?(@.type=='{keys.CONDITION_ROLE_INSTANCE_READY}')].status",
                "Overall readiness of the RoleInstance.",
            ),
            PrinterColumn("AGE", "date", ".metadata.creationTimestamp", "Time since creation."),
        ),
    )

    api_version: Literal["workloads.x-k8s.io/v1alpha2"] = keys.API_VERSION_V1ALPHA2
    kind: Literal["RoleInstance"] = "RoleInstance"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta, description="Standard object metadata.")
    spec: RoleInstanceSpec = Field(description="Desired state of the RoleInstance.")
    status: RoleInstanceStatus | None = Field(default=None, description="Observed state of the RoleInstance.")
