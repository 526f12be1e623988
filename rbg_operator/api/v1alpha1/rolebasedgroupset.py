"""v1alpha1 RoleBasedGroupSet: ``replicas`` identical RoleBasedGroups named ``<set>-<i>``."""

from __future__ import annotations

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
    ScaleSubresource,
)
from rbg_operator.api.meta import Condition, ObjectMeta
from rbg_operator.api.v1alpha1.common import BY_TYPE
from rbg_operator.api.v1alpha1.rolebasedgroup import RoleBasedGroupSpec


class RoleBasedGroupSetSpec(KubeModel):
    """Desired state of a RoleBasedGroupSet."""

    replicas: NonNegInt32 = Field(default=1, description="Number of RoleBasedGroups to run.")
    template: RoleBasedGroupSpec = Field(description="Spec of each RoleBasedGroup.")


class RoleBasedGroupSetStatus(KubeModel):
    """Observed state of a RoleBasedGroupSet."""

    observed_generation: Int64 | None = Field(default=None, description="Generation last acted on.")
    replicas: NonNegInt32 | None = Field(default=None, description="RoleBasedGroups that exist.")
    ready_replicas: NonNegInt32 = Field(default=0, description="RoleBasedGroups that are Ready.")
    updated_replicas: NonNegInt32 | None = Field(
        default=None, description="RoleBasedGroups at the current template (not upstream)."
    )
    selector: str | None = Field(
        default=None, description="Label query over the member RoleBasedGroups, for the scale subresource."
    )
    conditions: Annotated[list[Condition], BY_TYPE] | None = Field(
        default=None, description="Conditions of the set (Ready)."
    )


class RoleBasedGroupSet(KubeObject):
    """A set of identical RoleBasedGroups, scalable as a whole."""

    crd: ClassVar[CrdInfo] = CrdInfo(
        kind=keys.KIND_ROLE_BASED_GROUP_SET,
        plural="rolebasedgroupsets",
        singular="rolebasedgroupset",
        short_names=("rbgs",),
        categories=("all", "rbg-all"),
        scale=ScaleSubresource(".spec.replicas", ".status.replicas", ".status.selector"),
        printer_columns=(
            PrinterColumn("DESIRED", "integer", ".spec.replicas", "Desired RoleBasedGroups."),
            PrinterColumn("CURRENT", "integer", ".status.replicas", "Existing RoleBasedGroups."),
            PrinterColumn("READY", "integer", ".status.readyReplicas", "Ready RoleBasedGroups."),
            PrinterColumn("AGE", "date", ".metadata.creationTimestamp", "Time since creation."),
        ),
    )

    api_version: Literal["workloads.x-k8s.io/v1alpha1"] = keys.API_VERSION_V1ALPHA1
    kind: Literal["RoleBasedGroupSet"] = "RoleBasedGroupSet"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta, description="Standard object metadata.")
    spec: RoleBasedGroupSetSpec = Field(description="Desired state of the set.")
    status: RoleBasedGroupSetStatus | None = Field(default=None, description="Observed state of the set.")
