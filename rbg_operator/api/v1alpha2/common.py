"""v1alpha2 building blocks: the three role patterns (standalone, leader/worker, custom components),
template sources, rolling updates, restart policies and scaling adapters, with upstream's field names."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar

from annotated_types import Ge
from pydantic import Field

from rbg_operator.api.base import Cel, IntOrPercent, KubeModel, NonNegInt32
from rbg_operator.api.pod import PodTemplateSpec
from rbg_operator.api.v1alpha1.common import BY_NAME, DNSLabel, InPlaceUpdateStrategy, RawPatch
from rbg_operator.api.v1alpha1.enums import RestartPolicy, RolloutStrategyType


class UpdateStrategyType(StrEnum):
    """How one replica moves to a new template (v1alpha2 names; the defaulter maps ``""`` and the
    v1alpha1 ``Recreate`` onto them)."""

    RECREATE_POD = "RecreatePod"
    IN_PLACE_IF_POSSIBLE = "InPlaceIfPossible"
    IN_PLACE_ONLY = "InPlaceOnly"


class PodManagementPolicy(StrEnum):
    """How the instances of a role are created on a scale-up."""

    PARALLEL = "Parallel"
    ORDERED_READY = "OrderedReady"


class SharedServiceSelection(StrEnum):
    """Which pods of a leader/worker role the role's headless Service selects."""

    ALL = "All"
    LEADER_ONLY = "LeaderOnly"


class TemplateRef(KubeModel):
    """A reference to an entry of spec.roleTemplates, with an optional strategic-merge patch."""

    name: DNSLabel = Field(description="Name of the RoleTemplate.")
    patch: RawPatch | None = Field(
        default=None, description="Strategic-merge patch applied to the referenced template."
    )


_ONE_SOURCE = Cel(
    rule="!(has(self.template) && has(self.templateRef))",
    message="template and templateRef are mutually exclusive",
)


class RestartPolicyConfig(KubeModel):
    """The restart policy of a pattern and its back-off."""

    crd_validations: ClassVar[tuple[Cel, ...]] = (
        Cel(
            rule=(
                "!has(self.baseDelaySeconds) || !has(self.maxDelaySeconds)"
                " || self.maxDelaySeconds >= self.baseDelaySeconds"
            ),
            message="maxDelaySeconds must be greater than or equal to baseDelaySeconds",
        ),
    )

    type: RestartPolicy | None = Field(
        default=None,
        description=(
            "What a pod restart recreates: None, RecreateRoleInstanceOnPodRestart (default for "
            "leader/worker and components), or RecreateRBGOnPodRestart (the whole group; kept from v1alpha1)."
        ),
    )
    base_delay_seconds: NonNegInt32 | None = Field(
        default=None, description="First back-off between recreations (upstream default 30)."
    )
    max_delay_seconds: NonNegInt32 | None = Field(
        default=None, description="Cap of the exponential back-off (upstream default 600)."
    )


class StandalonePattern(KubeModel):
    """One pod per replica."""

    crd_validations: ClassVar[tuple[Cel, ...]] = (_ONE_SOURCE,)

    template: PodTemplateSpec | None = Field(default=None, description="Inline pod template.")
    template_ref: TemplateRef | None = Field(
        default=None, description="Reference to spec.roleTemplates, with an optional patch."
    )
    restart_policy_config: RestartPolicyConfig | None = Field(
        default=None,
        description=(
            "Restart policy (not upstream for this pattern: kept for v1alpha1 groups; None by default)."
        ),
    )


class LeaderWorkerPattern(KubeModel):
    """A leader and ``size - 1`` workers per replica (multi-node tensor parallelism)."""

    crd_validations: ClassVar[tuple[Cel, ...]] = (_ONE_SOURCE,)

    size: Annotated[int, Ge(1)] | None = Field(
        default=None, description="Pods per replica, leader included (1 when unset)."
    )
    template: PodTemplateSpec | None = Field(default=None, description="Inline pod template.")
    template_ref: TemplateRef | None = Field(
        default=None, description="Reference to spec.roleTemplates, with an optional patch."
    )
    leader_template_patch: RawPatch | None = Field(
        default=None, description="Strategic-merge patch of the template for the leader."
    )
    worker_template_patch: RawPatch | None = Field(
        default=None, description="Strategic-merge patch of the template for the workers."
    )
    shared_service_selection: SharedServiceSelection | None = Field(
        default=None,
        description=(
            "Pods behind the role's headless Service: All, or LeaderOnly (RoleInstanceSet roles only; "
            "their default)."
        ),
    )
    restart_policy_config: RestartPolicyConfig | None = Field(
        default=None, description="Restart policy (RecreateRoleInstanceOnPodRestart when unset)."
    )

    @property
    def effective_size(self) -> int:
        """Pods per replica with the implicit default of 1."""
        return 1 if self.size is None else self.size


class InstanceComponent(KubeModel):
    """One component of each instance of a custom-components role: ``size`` pods from one template."""

    name: DNSLabel = Field(description="Name of the component, unique in the role.")
    size: NonNegInt32 | None = Field(default=None, description="Pods of the component (1 when unset).")
    service_name: str | None = Field(
        default=None, description="Headless Service that gives the component's pods their DNS names."
    )
    labels: dict[str, str] | None = Field(
        default=None, description="Labels merged into every pod of the component (they win)."
    )
    annotations: dict[str, str] | None = Field(
        default=None, description="Annotations merged into every pod of the component (they win)."
    )
    template: PodTemplateSpec = Field(description="Pod template of the component.")

    @property
    def effective_size(self) -> int:
        """The pod count with the implicit default of 1."""
        return 1 if self.size is None else self.size

    def merged_template(self) -> PodTemplateSpec:
        """The template with the component's labels and annotations merged into its metadata."""
        if not self.labels and not self.annotations:
            return self.template
        data: dict[str, Any] = self.template.to_dict()
        meta = data.setdefault("metadata", {})
        if self.labels:
            meta["labels"] = {**(meta.get("labels") or {}), **self.labels}
        if self.annotations:
            meta["annotations"] = {**(meta.get("annotations") or {}), **self.annotations}
        return PodTemplateSpec.from_dict(data)


class CustomComponentsPattern(KubeModel):
    """Several components per replica (e.g. a router with its sidecars)."""

    components: Annotated[list[InstanceComponent], BY_NAME] | None = Field(
        default=None, description="Components of each instance."
    )
    restart_policy_config: RestartPolicyConfig | None = Field(
        default=None, description="Restart policy (RecreateRoleInstanceOnPodRestart when unset)."
    )


class RollingUpdate(KubeModel):
    """Parameters of the RollingUpdate rollout strategy."""

    crd_validations: ClassVar[tuple[Cel, ...]] = (
        Cel(
            rule=(
                "!(has(self.maxSurge) && has(self.maxUnavailable)"
                " && (type(self.maxSurge) == int ? self.maxSurge == 0 : self.maxSurge == '0%')"
                " && (type(self.maxUnavailable) == int ? self.maxUnavailable == 0"
                " : self.maxUnavailable == '0%'))"
            ),
            message="maxSurge and maxUnavailable cannot both be 0",
        ),
    )

    type: UpdateStrategyType | None = Field(
        default=None,
        description="RecreatePod, InPlaceIfPossible (default when unset) or InPlaceOnly.",
    )
    partition: IntOrPercent = Field(
        default=0, description="Replicas below this ordinal (or percentage) keep the old revision."
    )
    max_unavailable: IntOrPercent = Field(
        default=1, description="Maximum replicas unavailable during the update (number or %, rounded down)."
    )
    max_surge: IntOrPercent = Field(
        default=0, description="Maximum replicas above the desired count during the update (rounded up)."
    )
    paused: bool | None = Field(default=None, description="Pause the rollout (false when unset).")
    in_place_update_strategy: InPlaceUpdateStrategy | None = Field(
        default=None, description="Tuning of in-place updates."
    )

    @property
    def effective_type(self) -> UpdateStrategyType:
        """The update type with upstream's implicit default (InPlaceIfPossible)."""
        return self.type or UpdateStrategyType.IN_PLACE_IF_POSSIBLE

    @property
    def is_paused(self) -> bool:
        """Whether the rollout is paused."""
        return bool(self.paused)


class RolloutStrategy(KubeModel):
    """How the replicas of a role are replaced when its template changes."""

    type: RolloutStrategyType = Field(
        default=RolloutStrategyType.ROLLING_UPDATE, description="Rollout strategy; only RollingUpdate."
    )
    rolling_update: RollingUpdate | None = Field(default=None, description="Parameters of RollingUpdate.")


class ScalingAdapter(KubeModel):
    """Creates a RoleBasedGroupScalingAdapter ``<group>-<role>`` so HPA/KEDA can scale the role."""

    enable: bool = Field(default=False, description="Create the scaling adapter for this role.")
    labels: dict[str, str] | None = Field(
        default=None,
        description="Extra labels of the adapter (the group and role labels win).",
    )
