"""v1alpha2 RoleInstanceSet: ``replicas`` RoleInstances from one template, the default workload of a
v1alpha2 role. Stateful by default (RoleInstances ``<set>-<ordinal>``); stateless with the annotation
``rbg.workloads.x-k8s.io/role-instance-pattern: Stateless``. The schema follows upstream's."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from rbg_operator.api import keys
from rbg_operator.api.base import (
    CrdInfo,
    Int32,
    Int64,
    IntOrPercent,
    KubeModel,
    KubeObject,
    NonNegInt32,
    PreserveUnknown,
    PrinterColumn,
    ScaleSubresource,
    percent_or_int_value,
)
from rbg_operator.api.meta import LabelSelector, ObjectMeta
from rbg_operator.api.v1alpha1.common import BY_TYPE, InPlaceUpdateStrategy
from rbg_operator.api.v1alpha2.common import PodManagementPolicy, UpdateStrategyType
from rbg_operator.api.v1alpha2.roleinstance import RoleInstanceCondition, RoleInstanceTemplate

#: Upstream's implicit values of a RoleInstanceSet (applied by the controller, not stored).
DEFAULT_REPLICAS = 1
DEFAULT_MAX_UNAVAILABLE = "10%"
DEFAULT_REVISION_HISTORY_LIMIT = 10


class RoleInstanceSetConditionType(StrEnum):
    """The condition types upstream defines for a RoleInstanceSet."""

    FAILED_SCALE = keys.CONDITION_FAILED_SCALE
    FAILED_UPDATE = keys.CONDITION_FAILED_UPDATE
    EARLY_ROLLBACK_REPLACEMENT = keys.CONDITION_EARLY_ROLLBACK_REPLACEMENT


class RoleInstanceSetLifecycleHook(KubeModel):
    """Holds a RoleInstance in a lifecycle state until the listed labels and finalizers are gone."""

    labels_handler: dict[str, str] | None = Field(
        default=None, description="Labels whose presence holds the RoleInstance in the state."
    )
    finalizers_handler: list[str] | None = Field(
        default=None, description="Finalizers whose presence holds the RoleInstance in the state."
    )
    mark_pod_not_ready: bool | None = Field(
        default=None,
        description=(
            "Mark the RoleInstance not ready while it prepares for deletion or an update, and ready again "
            "once updated (false when unset)."
        ),
    )


class RoleInstanceSetLifecycle(KubeModel):
    """Lifecycle hooks of the RoleInstances of a set."""

    pre_delete: RoleInstanceSetLifecycleHook | None = Field(
        default=None, description="Hook before a RoleInstance is deleted."
    )
    in_place_update: RoleInstanceSetLifecycleHook | None = Field(
        default=None, description="Hook before and after a RoleInstance is updated in place."
    )


class RoleInstanceSetScaleStrategy(KubeModel):
    """How RoleInstances are created and deleted."""

    role_instance_to_delete: list[str] | None = Field(
        default=None,
        description=(
            "Names of RoleInstances to delete (first, when scaling in); names that do not exist are dropped."
        ),
    )
    max_unavailable: IntOrPercent | None = Field(
        default=None,
        description=(
            "Scaling out stops while more RoleInstances than this (number or %) are unavailable; "
            "scaling in is not limited."
        ),
    )


class RoleInstanceSetUpdateStrategy(KubeModel):
    """How RoleInstances move to a new template."""

    type: UpdateStrategyType | None = Field(
        default=None, description="RecreatePod, InPlaceIfPossible (default when unset) or InPlaceOnly."
    )
    partition: IntOrPercent | None = Field(
        default=None,
        description=(
            "RoleInstances (number, or % of replicas rounded up) kept at the old revision; "
            "replicas - partition are updated (0 when unset)."
        ),
    )
    max_unavailable: IntOrPercent | None = Field(
        default=None,
        description=(
            "Most RoleInstances unavailable during an update or scale (number or %, rounded up; rounded "
            "down when maxSurge > 0; 10% when unset)."
        ),
    )
    max_surge: IntOrPercent | None = Field(
        default=None,
        description=(
            "Most RoleInstances above replicas during an update or a specified delete (number or %, "
            "rounded up; 0 when unset)."
        ),
    )
    paused: bool | None = Field(default=None, description="Pause the update (false when unset).")
    in_place_update_strategy: InPlaceUpdateStrategy | None = Field(
        default=None, description="Tuning of in-place updates."
    )

    @property
    def effective_type(self) -> UpdateStrategyType:
        """The update type with upstream's default (InPlaceIfPossible)."""
        return self.type or UpdateStrategyType.IN_PLACE_IF_POSSIBLE

    def partition_of(self, replicas: int) -> int:
        """The partition as a count of RoleInstances (a percentage rounds up), at most ``replicas``."""
        if self.partition is None:
            return 0
        return min(percent_or_int_value(self.partition, replicas, round_up=True), replicas)

    def max_surge_of(self, replicas: int) -> int:
        """maxSurge as a count of RoleInstances (a percentage rounds up)."""
        if self.max_surge is None:
            return 0
        return percent_or_int_value(self.max_surge, replicas, round_up=True)

    def max_unavailable_of(self, replicas: int) -> int:
        """maxUnavailable as a count of RoleInstances: a percentage rounds up, or down when maxSurge > 0."""
        value = DEFAULT_MAX_UNAVAILABLE if self.max_unavailable is None else self.max_unavailable
        return percent_or_int_value(value, replicas, round_up=self.max_surge_of(replicas) == 0)


class RoleInstanceSetSpec(KubeModel):
    """Desired state of a RoleInstanceSet."""

    replicas: NonNegInt32 | None = Field(default=None, description="Desired RoleInstances (1 when unset).")
    selector: LabelSelector | None = Field(
        default=None, description="Label query over the RoleInstances; must match the template's labels."
    )
    role_instance_template: Annotated[RoleInstanceTemplate, PreserveUnknown()] = Field(
        description="Template of the RoleInstances (a RoleInstance spec)."
    )
    pod_management_policy: PodManagementPolicy | None = Field(
        default=PodManagementPolicy.PARALLEL,
        description=(
            "Parallel (default) creates RoleInstances together; OrderedReady creates them one by one, "
            "each after the previous one is ready."
        ),
    )
    scale_strategy: RoleInstanceSetScaleStrategy | None = Field(
        default=None, description="How RoleInstances are created and deleted."
    )
    update_strategy: RoleInstanceSetUpdateStrategy | None = Field(
        default=None, description="How RoleInstances move to a new template."
    )
    revision_history_limit: NonNegInt32 | None = Field(
        default=DEFAULT_REVISION_HISTORY_LIMIT,
        description="Old revisions kept besides the current and update revisions (default 10).",
    )
    min_ready_seconds: Int32 | None = Field(
        default=None,
        description=(
            "Seconds a new RoleInstance must be ready, with no container crashing, to count as available."
        ),
    )
    lifecycle: RoleInstanceSetLifecycle | None = Field(
        default=None, description="Hooks before deletion and around in-place updates of a RoleInstance."
    )

    @property
    def effective_replicas(self) -> int:
        """Replicas with upstream's default of 1."""
        return DEFAULT_REPLICAS if self.replicas is None else self.replicas

    @property
    def effective_update_strategy(self) -> RoleInstanceSetUpdateStrategy:
        """The update strategy, empty (all defaults) when unset."""
        return self.update_strategy or RoleInstanceSetUpdateStrategy()

    @property
    def effective_pod_management_policy(self) -> PodManagementPolicy:
        """The pod management policy with upstream's default (Parallel)."""
        return self.pod_management_policy or PodManagementPolicy.PARALLEL

    @property
    def effective_revision_history_limit(self) -> int:
        """Old revisions kept, with upstream's default of 10."""
        limit = self.revision_history_limit
        return DEFAULT_REVISION_HISTORY_LIMIT if limit is None else limit


class RoleInstanceSetStatus(KubeModel):
    """Observed state of a RoleInstanceSet."""

    observed_generation: Int64 | None = Field(default=None, description="Generation last acted on.")
    replicas: NonNegInt32 = Field(default=0, description="RoleInstances created.")
    ready_replicas: NonNegInt32 = Field(default=0, description="RoleInstances with a Ready condition.")
    available_replicas: NonNegInt32 = Field(default=0, description="RoleInstances ready for minReadySeconds.")
    current_replicas: NonNegInt32 = Field(default=0, description="RoleInstances at currentRevision.")
    updated_replicas: NonNegInt32 = Field(default=0, description="RoleInstances at updateRevision.")
    updated_ready_replicas: NonNegInt32 = Field(
        default=0, description="RoleInstances at updateRevision and ready."
    )
    expected_updated_replicas: NonNegInt32 | None = Field(
        default=None, description="RoleInstances that should be updated (replicas - partition)."
    )
    update_revision: str | None = Field(default=None, description="Latest revision of the set.")
    current_revision: str | None = Field(default=None, description="Revision of the current RoleInstances.")
    collision_count: NonNegInt32 | None = Field(
        default=None, description="Revision hash collisions (keeps new revision names unique)."
    )
    conditions: Annotated[list[RoleInstanceCondition], BY_TYPE] | None = Field(
        default=None, description="Conditions of the RoleInstanceSet."
    )
    label_selector: str | None = Field(
        default=None, description="Label query over the RoleInstances, for the scale subresource (HPA)."
    )

    def condition(self, type_: str) -> RoleInstanceCondition | None:
        """The condition of the given type, if present."""
        return next((c for c in self.conditions or () if c.type == type_), None)


class RoleInstanceSet(KubeObject):
    """A set of RoleInstances from one template: the default workload of a v1alpha2 role."""

    crd: ClassVar[CrdInfo] = CrdInfo(
        kind=keys.KIND_ROLE_INSTANCE_SET,
        plural="roleinstancesets",
        singular="roleinstanceset",
        short_names=("ris",),
        categories=("rbg-all",),
        scale=ScaleSubresource(".spec.replicas", ".status.replicas", ".status.labelSelector"),
        printer_columns=(
            PrinterColumn("DESIRED", "integer", ".spec.replicas", "Desired RoleInstances."),
            PrinterColumn("UPDATED", "integer", ".status.updatedReplicas", "Updated RoleInstances."),
            PrinterColumn(
                "UPDATED_READY", "integer", ".status.updatedReadyReplicas", "Updated and ready RoleInstances."
            ),
            PrinterColumn("READY", "integer", ".status.readyReplicas", "Ready RoleInstances."),
            PrinterColumn("TOTAL", "integer", ".status.replicas", "All RoleInstances."),
            PrinterColumn("AGE", "date", ".metadata.creationTimestamp", "Time since creation."),
            PrinterColumn("SELECTOR", "string", ".status.labelSelector", "Label selector.", priority=1),
        ),
    )

    api_version: Literal["workloads.x-k8s.io/v1alpha2"] = keys.API_VERSION_V1ALPHA2
    kind: Literal["RoleInstanceSet"] = "RoleInstanceSet"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta, description="Standard object metadata.")
    spec: RoleInstanceSetSpec = Field(description="Desired state of the RoleInstanceSet.")
    status: RoleInstanceSetStatus | None = Field(
        default=None, description="Observed state of the RoleInstanceSet."
    )

    @property
    def is_stateless(self) -> bool:
        """Whether the set is stateless (annotation ``role-instance-pattern: Stateless``): random name
        suffixes instead of ordinals."""
        annotations = self.metadata.annotations or {}
        return annotations.get(keys.ANNOTATION_ROLE_INSTANCE_PATTERN_V2) == keys.INSTANCE_PATTERN_STATELESS
