"""v1alpha1 Instance: a set of pods of several components (e.g. one leader and N workers) that is
created, updated and restarted as one unit, and the components roles use with InstanceSet."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from annotated_types import MinLen
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
from rbg_operator.api.pod import PodTemplateSpec
from rbg_operator.api.v1alpha1.common import BY_NAME, BY_TYPE, DNSLabel, PodGroupPolicy
from rbg_operator.api.v1alpha1.enums import ConditionStatus, InstanceReadyPolicy, InstanceRestartPolicy


class InstanceComponent(KubeModel):
    """One component of an Instance: ``size`` pods from one template."""

    name: DNSLabel = Field(description="Name of the component, unique in the Instance.")
    size: NonNegInt32 | None = Field(
        default=None, description="Number of pods of the component (1 when unset)."
    )
    service_name: str | None = Field(
        default=None, description="Headless Service that gives the component's pods their DNS names."
    )
    template: PodTemplateSpec = Field(description="Pod template of the component.")

    @property
    def effective_size(self) -> int:
        """The pod count with the implicit default of 1."""
        return 1 if self.size is None else self.size


class InstanceReadinessGate(KubeModel):
    """An extra Instance condition that must be True for the Instance to be ready."""

    condition_type: str = Field(description="Type of the Instance condition.")


class InstanceSpec(KubeModel):
    """Desired state of an Instance."""

    components: Annotated[list[InstanceComponent], MinLen(1), BY_NAME] = Field(
        description="Components of the Instance."
    )
    pod_group_policy: PodGroupPolicy | None = Field(
        default=None, description="Gang scheduling of the Instance's pods."
    )
    ready_policy: InstanceReadyPolicy = Field(
        default=InstanceReadyPolicy.ALL_POD_READY, description="When the Instance counts as ready."
    )
    restart_policy: InstanceRestartPolicy | None = Field(
        default=None, description="What happens to the Instance when one of its pods restarts."
    )
    readiness_gates: list[InstanceReadinessGate] | None = Field(
        default=None, description="Extra conditions required for readiness."
    )


class InstanceCondition(KubeModel):
    """One aspect of the observed state of an instance or a set of instances (InstanceSet and Instance,
    RoleInstanceSet and RoleInstance)."""

    type: str = Field(description="Type of the condition.")
    status: ConditionStatus = Field(description="True, False or Unknown.")
    last_transition_time: Timestamp | None = Field(default=None, description="Last status change.")
    reason: str | None = Field(default=None, description="Machine-readable reason.")
    message: str | None = Field(default=None, description="Human-readable details.")


class ComponentStatus(KubeModel):
    """Pod counts of one component of an Instance."""

    name: str = Field(description="Name of the component.")
    replicas: NonNegInt32 = Field(default=0, description="Pods of the component.")
    ready_replicas: NonNegInt32 = Field(default=0, description="Ready pods.")
    updated_replicas: NonNegInt32 = Field(default=0, description="Pods at the update revision.")
    scheduled_replicas: NonNegInt32 = Field(default=0, description="Scheduled pods.")
    available_replicas: NonNegInt32 = Field(default=0, description="Pods ready for minReadySeconds.")
    updated_ready_replicas: NonNegInt32 = Field(default=0, description="Updated and ready pods.")


class InstanceStatus(KubeModel):
    """Observed state of an Instance."""

    observed_generation: Int64 | None = Field(default=None, description="Generation last acted on.")
    conditions: Annotated[list[InstanceCondition], BY_TYPE] | None = Field(
        default=None, description="Conditions of the Instance."
    )
    component_statuses: Annotated[list[ComponentStatus], BY_NAME] | None = Field(
        default=None, description="Pod counts per component."
    )
    label_selector: str | None = Field(default=None, description="Label query over the Instance's pods.")
    current_revision: str | None = Field(default=None, description="Revision of the current pods.")
    update_revision: str | None = Field(default=None, description="Revision being rolled out.")
    collision_count: NonNegInt32 | None = Field(default=None, description="Revision hash collisions.")
    epoch: NonNegInt32 | None = Field(
        default=None,
        description="How many times all pods of the Instance were recreated together (update or restart).",
    )
    restart_count: NonNegInt32 | None = Field(
        default=None, description="Recreations of the whole Instance after a pod failed or restarted."
    )
    last_restart_time: Timestamp | None = Field(default=None, description="Time of the last recreation.")
    restart_backoff_seconds: NonNegInt32 | None = Field(
        default=None, description="Wait before the next recreation if a pod fails again soon."
    )


class Instance(KubeObject):
    """A group of pods of several components managed as one unit."""

    crd: ClassVar[CrdInfo] = CrdInfo(
        kind=keys.KIND_INSTANCE,
        plural="instances",
        singular="instance",
        short_names=("ins",),
        categories=("rbg-all",),
        printer_columns=(
            PrinterColumn(
                "READY",
                "string",
                ".status.conditions[?(@.type=='InstanceReady')].status",
                "Overall readiness of the Instance.",
            ),
            PrinterColumn("AGE", "date", ".metadata.creationTimestamp", "Time since creation."),
        ),
    )

    api_version: Literal["workloads.x-k8s.io/v1alpha1"] = keys.API_VERSION_V1ALPHA1
    kind: Literal["Instance"] = "Instance"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta, description="Standard object metadata.")
    spec: InstanceSpec = Field(description="Desired state of the Instance.")
    status: InstanceStatus | None = Field(default=None, description="Observed state of the Instance.")
