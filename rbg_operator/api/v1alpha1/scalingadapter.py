"""v1alpha1 RoleBasedGroupScalingAdapter: a scale subresource for one role of a RoleBasedGroup, so
HPA, KEDA and ``kubectl scale`` can scale a role."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from rbg_operator.api import keys
from rbg_operator.api.base import (
    CrdInfo,
    KubeModel,
    KubeObject,
    NonNegInt32,
    PrinterColumn,
    ScaleSubresource,
    Timestamp,
)
from rbg_operator.api.meta import ObjectMeta
from rbg_operator.api.v1alpha1.enums import AdapterPhase

_Name = Annotated[str, StringConstraints(min_length=1, max_length=253)]


class AdapterScaleTargetRef(KubeModel):
    """The role the adapter scales."""

    name: _Name = Field(description="Name of the RoleBasedGroup in the adapter's namespace.")
    role: _Name = Field(description="Name of the role.")


class RoleBasedGroupScalingAdapterSpec(KubeModel):
    """Desired state of a RoleBasedGroupScalingAdapter."""

    replicas: NonNegInt32 | None = Field(
        default=None,
        description="Desired replicas of the target role (written by HPA/KEDA or kubectl scale).",
    )
    scale_target_ref: AdapterScaleTargetRef = Field(description="The role to scale.")


class RoleBasedGroupScalingAdapterStatus(KubeModel):
    """Observed state of a RoleBasedGroupScalingAdapter."""

    phase: AdapterPhase | None = Field(default=None, description="Bound once the target role is found.")
    replicas: NonNegInt32 | None = Field(default=None, description="Current replicas of the target role.")
    ready_replicas: NonNegInt32 | None = Field(
        default=None, description="Ready replicas of the target role (an addition of later releases)."
    )
    selector: str | None = Field(default=None, description="Label query over the role's pods, for metrics.")
    last_scale_time: Timestamp | None = Field(
        default=None, description="Last time the adapter scaled the role."
    )


class RoleBasedGroupScalingAdapter(KubeObject):
    """Scales one role of a RoleBasedGroup through the scale subresource."""

    crd: ClassVar[CrdInfo] = CrdInfo(
        kind=keys.KIND_SCALING_ADAPTER,
        plural="rolebasedgroupscalingadapters",
        singular="rolebasedgroupscalingadapter",
        short_names=("rbgsa",),
        categories=("rbg-all",),
        scale=ScaleSubresource(".spec.replicas", ".status.replicas", ".status.selector"),
        printer_columns=(
            PrinterColumn("PHASE", "string", ".status.phase", "The current phase of the adapter."),
            PrinterColumn("REPLICAS", "integer", ".status.replicas", "Current replicas of the role."),
            PrinterColumn("READY", "integer", ".status.readyReplicas", "Ready replicas of the role."),
            PrinterColumn("AGE", "date", ".metadata.creationTimestamp", "Time since creation."),
        ),
    )

    api_version: Literal["workloads.x-k8s.io/v1alpha1"] = keys.API_VERSION_V1ALPHA1
    kind: Literal["RoleBasedGroupScalingAdapter"] = "RoleBasedGroupScalingAdapter"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta, description="Standard object metadata.")
    spec: RoleBasedGroupScalingAdapterSpec = Field(description="Desired state of the adapter.")
    status: RoleBasedGroupScalingAdapterStatus | None = Field(
        default=None, description="Observed state of the adapter."
    )
