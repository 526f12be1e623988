"""v1alpha2 RoleBasedGroupSet: ``replicas`` RoleBasedGroups ``<set>-<i>`` from ``groupTemplate``, with
upstream's ``rolloutStrategy`` for template changes."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from rbg_operator.api import keys
from rbg_operator.api.base import Cel, IntOrPercent, KubeModel, KubeObject, NonNegInt32
from rbg_operator.api.meta import Condition, ObjectMeta
from rbg_operator.api.v1alpha1.common import BY_TYPE
from rbg_operator.api.v1alpha1.rolebasedgroupset import RoleBasedGroupSet as _V1Set
from rbg_operator.api.v1alpha2.rolebasedgroup import RoleBasedGroupSpec


class GroupUpdateStrategyType(StrEnum):
    """How one member group moves to a new template."""

    IN_PLACE_UPDATE = "InPlaceUpdate"
    RECREATE = "Recreate"


class GroupTemplateMetadata(KubeModel):
    """Labels and annotations of the member groups (not upstream, whose schema prunes this block)."""

    labels: dict[str, str] | None = Field(default=None, description="Labels of each member group.")
    annotations: dict[str, str] | None = Field(default=None, description="Annotations of each member.")


class RoleBasedGroupTemplateSpec(KubeModel):
    """What each member RoleBasedGroup is made of."""

    labels: dict[str, str] | None = Field(default=None, description="Labels of each member group.")
    annotations: dict[str, str] | None = Field(default=None, description="Annotations of each member group.")
    metadata: GroupTemplateMetadata | None = Field(
        default=None,
        description="Also accepted for labels and annotations (the top-level fields win on a conflict).",
    )
    spec: RoleBasedGroupSpec = Field(description="Spec of each member group.")

    @property
    def member_labels(self) -> dict[str, str]:
        """Labels of a member: metadata.labels, then labels."""
        return {**((self.metadata.labels if self.metadata else None) or {}), **(self.labels or {})}

    @property
    def member_annotations(self) -> dict[str, str]:
        """Annotations of a member: metadata.annotations, then annotations."""
        return {
            **((self.metadata.annotations if self.metadata else None) or {}),
            **(self.annotations or {}),
        }


class GroupSetRolloutStrategy(KubeModel):
    """How member groups move to a new groupTemplate."""

    crd_validations: ClassVar[tuple[Cel, ...]] = (
        Cel(
            rule=(
                "!has(self.type) || self.type != 'InPlaceUpdate' || !has(self.maxUnavailable)"
                " || (type(self.maxUnavailable) == int ? self.maxUnavailable > 0"
                " : self.maxUnavailable != '0%')"
            ),
            message="maxUnavailable must be positive for InPlaceUpdate",
            field_path=".maxUnavailable",
        ),
        Cel(
            rule=(
                "!has(self.type) || self.type != 'InPlaceUpdate' || !has(self.maxSurge)"
                " || (type(self.maxSurge) == int ? self.maxSurge == 0 : self.maxSurge == '0%')"
            ),
            message="maxSurge must be 0 for InPlaceUpdate",
            field_path=".maxSurge",
        ),
    )

    type: GroupUpdateStrategyType = Field(
        default=GroupUpdateStrategyType.IN_PLACE_UPDATE, description="InPlaceUpdate (default) or Recreate."
    )
    partition: IntOrPercent = Field(
        default=0, description="Lowest ordinals held on the previous template (number or %, rounded down)."
    )
    max_unavailable: IntOrPercent = Field(
        default=1, description="Member groups unavailable at once during the rollout (number or %)."
    )
    max_surge: IntOrPercent = Field(
        default=0, description="Extra member groups created above replicas during a Recreate rollout."
    )


class RoleBasedGroupSetSpec(KubeModel):
    """Desired state of a RoleBasedGroupSet."""

    replicas: NonNegInt32 = Field(default=1, description="Number of RoleBasedGroups to run.")
    group_template: RoleBasedGroupTemplateSpec = Field(description="What each RoleBasedGroup is made of.")
    rollout_strategy: GroupSetRolloutStrategy | None = Field(
        default=None, description="How member groups move to a new template."
    )


class RoleBasedGroupSetStatus(KubeModel):
    """Observed state of a RoleBasedGroupSet."""

    observed_generation: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="Generation last acted on."
    )
    replicas: NonNegInt32 | None = Field(default=None, description="RoleBasedGroups that exist.")
    ready_replicas: NonNegInt32 = Field(default=0, description="RoleBasedGroups that are Ready.")
    current_replicas: NonNegInt32 | None = Field(
        default=None, description="Members below replicas not yet at the current template."
    )
    updated_replicas: NonNegInt32 | None = Field(
        default=None, description="Members below replicas at the current template."
    )
    updated_ready_replicas: NonNegInt32 | None = Field(
        default=None, description="Members at the current template that are Ready."
    )
    expected_updated_replicas: NonNegInt32 | None = Field(
        default=None, description="Members the rollout brings to the current template (replicas - partition)."
    )
    current_revision: str | None = Field(default=None, description="Revision of the last finished rollout.")
    update_revision: str | None = Field(default=None, description="Revision of the current groupTemplate.")
    selector: str | None = Field(default=None, description="Label query for the scale subresource.")
    conditions: Annotated[list[Condition], BY_TYPE] | None = Field(
        default=None, description="Conditions of the set (Ready, Rolling)."
    )


class RoleBasedGroupSet(KubeObject):
    """A set of identical RoleBasedGroups, scalable as a whole."""

    crd = _V1Set.crd

    api_version: Literal["workloads.x-k8s.io/v1alpha2"] = keys.API_VERSION_V1ALPHA2
    kind: Literal["RoleBasedGroupSet"] = "RoleBasedGroupSet"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta, description="Standard object metadata.")
    spec: RoleBasedGroupSetSpec = Field(description="Desired state of the set.")
    status: RoleBasedGroupSetStatus | None = Field(default=None, description="Observed state of the set.")
