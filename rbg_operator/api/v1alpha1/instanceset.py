"""v1alpha1 InstanceSet: ``replicas`` Instances from one template, with ordered scaling, partitioned
rolling and in-place updates. The operator creates one per InstanceSet role."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from rbg_operator.api import keys
from rbg_operator.api.base import (
    CrdInfo,
    Int64,
    IntOrPercent,
    KubeModel,
    KubeObject,
    NonNegInt32,
    PreserveUnknown,
    PrinterColumn,
    ScaleSubresource,
)
from rbg_operator.api.meta import LabelSelector, ObjectMeta
from rbg_operator.api.v1alpha1.common import BY_TYPE, InPlaceUpdateStrategy
from rbg_operator.api.v1alpha1.enums import UpdateStrategyType
from rbg_operator.api.v1alpha1.instance import InstanceCondition, InstanceSpec


class LifecycleHook(KubeModel):
    """A hook that holds an Instance in a lifecycle state until labels/finalizers are cleared."""

    labels_handler: dict[str, str] | None = Field(default=None, description="Labels that hold the Instance.")
    finalizers_handler: list[str] | None = Field(
        default=None, description="Finalizers that hold the Instance."
    )
    mark_pod_not_ready: bool | None = Field(
        default=None, description="Mark the Instance not ready while the hook holds it."
    )


class Lifecycle(KubeModel):
    """Lifecycle hooks of the Instances of a set."""

    pre_delete: LifecycleHook | None = Field(default=None, description="Hook before an Instance is deleted.")
    in_place_update: LifecycleHook | None = Field(
        default=None, description="Hook around an in-place update of an Instance."
    )


class InstanceSetScaleStrategy(KubeModel):
    """How Instances are created and deleted."""

    instance_to_delete: list[str] | None = Field(
        default=None, description="Names of Instances to delete first when scaling in."
    )
    max_unavailable: IntOrPercent | None = Field(
        default=None, description="Maximum unavailable Instances tolerated while scaling out."
    )


class InstanceSetUpdateStrategy(KubeModel):
    """How Instances are updated when the template changes."""

    type: UpdateStrategyType | None = Field(
        default=None, description="Recreate or InPlaceIfPossible (upstream default: Recreate)."
    )
    partition: IntOrPercent | None = Field(
        default=None, description="Instances (number or percentage) kept at the old revision."
    )
    max_unavailable: IntOrPercent | None = Field(
        default=None, description="Maximum unavailable Instances during the update (upstream default 20%)."
    )
    max_surge: IntOrPercent | None = Field(
        default=None, description="Maximum Instances above replicas during the update (default 0)."
    )
    paused: bool | None = Field(default=None, description="Pause the update.")
    in_place_update_strategy: InPlaceUpdateStrategy | None = Field(
        default=None, description="Tuning of in-place updates."
    )


class InstanceSetSpec(KubeModel):
    """Desired state of an InstanceSet."""

    replicas: NonNegInt32 | None = Field(default=None, description="Desired Instances (1 when unset).")
    selector: LabelSelector | None = Field(
        default=None, description="Label query over the Instances; must match the template's labels."
    )
    instance_template: Annotated[InstanceSpec, PreserveUnknown()] = Field(
        description="Template of the Instances (an Instance spec)."
    )
    scale_strategy: InstanceSetScaleStrategy | None = Field(default=None, description="Scaling behaviour.")
    update_strategy: InstanceSetUpdateStrategy | None = Field(default=None, description="Update behaviour.")
    revision_history_limit: NonNegInt32 | None = Field(
        default=None, description="Old revisions kept (10 when unset)."
    )
    min_ready_seconds: NonNegInt32 | None = Field(
        default=None, description="Seconds an Instance must be ready to count as available."
    )
    lifecycle: Lifecycle | None = Field(default=None, description="Lifecycle hooks.")

    @property
    def effective_replicas(self) -> int:
        """Replicas with the implicit default of 1."""
        return 1 if self.replicas is None else self.replicas


class InstanceSetStatus(KubeModel):
    """Observed state of an InstanceSet."""

    observed_generation: Int64 | None = Field(default=None, description="Generation last acted on.")
    replicas: NonNegInt32 = Field(default=0, description="Instances created.")
    ready_replicas: NonNegInt32 = Field(default=0, description="Ready Instances.")
    available_replicas: NonNegInt32 = Field(default=0, description="Instances ready for minReadySeconds.")
    current_replicas: NonNegInt32 = Field(default=0, description="Instances at the current revision.")
    updated_replicas: NonNegInt32 = Field(default=0, description="Instances at the update revision.")
    updated_ready_replicas: NonNegInt32 = Field(default=0, description="Updated and ready Instances.")
    expected_updated_replicas: NonNegInt32 | None = Field(
        default=None, description="Instances that should be updated (replicas - partition)."
    )
    update_revision: str | None = Field(default=None, description="Revision being rolled out.")
    current_revision: str | None = Field(default=None, description="Revision of the current Instances.")
    collision_count: NonNegInt32 | None = Field(default=None, description="Revision hash collisions.")
    conditions: Annotated[list[InstanceCondition], BY_TYPE] | None = Field(
        default=None, description="Conditions of the InstanceSet."
    )
    label_selector: str | None = Field(
        default=None, description="Label query over the Instances, for the scale subresource."
    )


class InstanceSet(KubeObject):
    """A set of identical Instances."""

    crd: ClassVar[CrdInfo] = CrdInfo(
        kind=keys.KIND_INSTANCE_SET,
        plural="instancesets",
        singular="instanceset",
        short_names=("is",),
        categories=("rbg-all",),
        scale=ScaleSubresource(".spec.replicas", ".status.replicas", ".status.labelSelector"),
        printer_columns=(
            PrinterColumn("DESIRED", "integer", ".spec.replicas", "Desired Instances."),
            PrinterColumn("UPDATED", "integer", ".status.updatedReplicas", "Updated Instances."),
            PrinterColumn(
                "UPDATED_READY", "integer", ".status.updatedReadyReplicas", "Updated and ready Instances."
            ),
            PrinterColumn("READY", "integer", ".status.readyReplicas", "Ready Instances."),
            PrinterColumn("TOTAL", "integer", ".status.replicas", "All Instances."),
            PrinterColumn("AGE", "date", ".metadata.creationTimestamp", "Time since creation."),
            PrinterColumn("SELECTOR", "string", ".status.labelSelector", "Label selector.", priority=1),
        ),
    )

    api_version: Literal["workloads.x-k8s.io/v1alpha1"] = keys.API_VERSION_V1ALPHA1
    kind: Literal["InstanceSet"] = "InstanceSet"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta, description="Standard object metadata.")
    spec: InstanceSetSpec = Field(description="Desired state of the InstanceSet.")
    status: InstanceSetStatus | None = Field(default=None, description="Observed state of the InstanceSet.")
