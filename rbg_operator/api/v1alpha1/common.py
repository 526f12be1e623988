"""v1alpha1 building blocks shared by RoleBasedGroup, RoleBasedGroupSet and InstanceSet:
workload kind, rollout strategy, gang-scheduling policy, coordination, role templates."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from annotated_types import Ge, MaxLen, MinLen
from pydantic import Field, StringConstraints

from rbg_operator.api import keys
from rbg_operator.api.base import (
    DNS_LABEL_PATTERN,
    Cel,
    IntOrPercent,
    KubeModel,
    ListType,
    NonNegInt32,
    PreserveUnknown,
)
from rbg_operator.api.pod import Container, PodTemplateSpec
from rbg_operator.api.v1alpha1.enums import RolloutStrategyType, UpdateStrategyType

#: Upper bounds that keep CEL cost estimation within the API server's limits.
MAX_ROLES = 64
MAX_NAME_LENGTH = 63

#: A role or template name: a DNS-1123 label (it becomes part of child object names and labels).
DNSLabel = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH, pattern=DNS_LABEL_PATTERN)
]
#: A reference to a role by name (bounded for CEL cost).
RoleNameRef = Annotated[str, StringConstraints(max_length=MAX_NAME_LENGTH)]
#: A percentage from 0% to 100%.
Percent = Annotated[str, StringConstraints(pattern=r"^([0-9]|[1-9][0-9]|100)%$")]
#: A free-form object kept verbatim, e.g. a strategic-merge patch of a pod template.
RawPatch = Annotated[dict[str, Any], PreserveUnknown()]

_API_VERSION_PATTERN = (
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/v[0-9]+((alpha|beta)[0-9]+)?$"
)


class WorkloadSpec(KubeModel):
    """The Kubernetes workload a role runs on: StatefulSet (default), Deployment, LeaderWorkerSet or
    InstanceSet."""

    api_version: Annotated[str, StringConstraints(pattern=_API_VERSION_PATTERN)] = Field(
        default="apps/v1", description="API version of the workload, e.g. apps/v1."
    )
    kind: str = Field(default="StatefulSet", description="Kind of the workload, e.g. StatefulSet.")

    @property
    def type_string(self) -> str:
        """``<apiVersion>/<kind>``, comparable with the ``keys.WORKLOAD_*`` constants."""
        return f"{self.api_version}/{self.kind}"

    @property
    def is_statefulset(self) -> bool:
        """True for apps/v1 StatefulSet."""
        return self.type_string == keys.WORKLOAD_STATEFULSET

    @property
    def is_deployment(self) -> bool:
        """True for apps/v1 Deployment."""
        return self.type_string == keys.WORKLOAD_DEPLOYMENT

    @property
    def is_leaderworkerset(self) -> bool:
        """True for leaderworkerset.x-k8s.io/v1 LeaderWorkerSet."""
        return self.type_string == keys.WORKLOAD_LEADERWORKERSET

    @property
    def is_instanceset(self) -> bool:
        """True for workloads.x-k8s.io/v1alpha1 InstanceSet."""
        return self.type_string == keys.WORKLOAD_INSTANCESET

    @property
    def is_roleinstanceset(self) -> bool:
        """True for workloads.x-k8s.io/v1alpha2 RoleInstanceSet (the v1alpha2 default)."""
        return self.type_string == keys.WORKLOAD_ROLEINSTANCESET


SUPPORTED_WORKLOADS: tuple[str, ...] = (
    keys.WORKLOAD_STATEFULSET,
    keys.WORKLOAD_DEPLOYMENT,
    keys.WORKLOAD_LEADERWORKERSET,
    keys.WORKLOAD_INSTANCESET,
)


class InPlaceUpdateStrategy(KubeModel):
    """Tuning of in-place updates."""

    grace_period_seconds: NonNegInt32 | None = Field(
        default=None,
        description="Seconds between marking a pod not ready and updating its images in place.",
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
        description=(
            "How a replica is updated: InPlaceIfPossible (upstream default when unset), InPlaceOnly, "
            "Recreate or RecreatePod."
        ),
    )
    partition: IntOrPercent = Field(
        default=0,
        description=(
            "Ordinal (or percentage of replicas) from which replicas are updated; replicas below it "
            "keep the old revision (canary)."
        ),
    )
    max_unavailable: IntOrPercent = Field(
        default=1,
        description="Maximum replicas unavailable during the update (number or percentage, rounded down).",
    )
    max_surge: IntOrPercent = Field(
        default=0,
        description="Maximum replicas above the desired count during the update (number or %, rounded up).",
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


class KubeSchedulingPodGroupPolicySource(KubeModel):
    """Gang scheduling with the scheduler-plugins coscheduling plugin; minMember is the group's pod count."""

    schedule_timeout_seconds: NonNegInt32 = Field(
        default=60, description="Seconds to wait for the whole group to be schedulable (0 means 60)."
    )


class VolcanoSchedulingPodGroupPolicySource(KubeModel):
    """Gang scheduling with Volcano."""

    priority_class_name: str | None = Field(default=None, description="PriorityClass of the PodGroup.")
    queue: str | None = Field(
        default=None, description="Volcano queue of the PodGroup (default queue when unset)."
    )


class PodGroupPolicy(KubeModel):
    """Gang scheduling of all pods of the group; at most one plugin may be set."""

    crd_validations: ClassVar[tuple[Cel, ...]] = (
        Cel(
            rule="!(has(self.kubeScheduling) && has(self.volcanoScheduling))",
            message="only one of kubeScheduling and volcanoScheduling may be set",
        ),
    )

    kube_scheduling: KubeSchedulingPodGroupPolicySource | None = Field(
        default=None, description="Use the scheduler-plugins coscheduling plugin."
    )
    volcano_scheduling: VolcanoSchedulingPodGroupPolicySource | None = Field(
        default=None, description="Use Volcano."
    )


class CoordinationRollingUpdate(KubeModel):
    """Rolling update constraints across the roles of a coordination (percentages only)."""

    max_skew: Percent | None = Field(
        default=None,
        description="Maximum difference of updated fractions between the roles, e.g. 1%.",
    )
    partition: Percent | None = Field(
        default=None, description="Overrides the partition of the roles, as a percentage of replicas."
    )
    max_unavailable: Percent | None = Field(
        default=None, description="Overrides maxUnavailable of the roles, as a percentage of replicas."
    )


class CoordinationScaling(KubeModel):
    """Staged scaling across the roles of a coordination."""

    max_skew: Percent | None = Field(
        default=None,
        description="Maximum difference of scaled fractions between the roles (100% when unset).",
    )
    progression: Literal["OrderScheduled", "OrderReady"] | None = Field(
        default=None,
        description="What a step waits for before the next: the pods scheduled (default) or ready.",
    )


class CoordinationStrategy(KubeModel):
    """Strategies of a coordination."""

    rolling_update: CoordinationRollingUpdate | None = Field(
        default=None, description="Coordinated rolling update."
    )
    scaling: CoordinationScaling | None = Field(default=None, description="Coordinated scaling.")


class Coordination(KubeModel):
    """A set of roles whose rollouts move together (e.g. prefill and decode)."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH)] = Field(
        description="Name of the coordination, unique in the group."
    )
    roles: Annotated[list[RoleNameRef], MinLen(1), MaxLen(MAX_ROLES)] = Field(
        description="Names of the roles it constrains."
    )
    strategy: CoordinationStrategy | None = Field(default=None, description="The coordination strategy.")


class TemplateRef(KubeModel):
    """A reference to an entry of spec.roleTemplates."""

    name: DNSLabel = Field(description="Name of the RoleTemplate.")


class RoleTemplate(KubeModel):
    """A reusable pod template that roles reference with templateRef."""

    name: DNSLabel = Field(description="Name of the template, unique in the group.")
    template: PodTemplateSpec = Field(description="The pod template.")


class LeaderWorkerTemplate(KubeModel):
    """Leader/worker groups of a LeaderWorkerSet role: size and patches of the role template."""

    size: Annotated[int, Ge(1)] = Field(
        default=1, description="Pods per group, leader included (1 means a leader only)."
    )
    patch_leader_template: RawPatch | None = Field(
        default=None, description="Strategic-merge patch applied to the role template for the leader."
    )
    patch_worker_template: RawPatch | None = Field(
        default=None, description="Strategic-merge patch applied to the role template for the workers."
    )


class ScalingAdapter(KubeModel):
    """Creates a RoleBasedGroupScalingAdapter ``<group>-<role>`` so HPA/KEDA can scale the role."""

    enable: bool = Field(default=False, description="Create the scaling adapter for this role.")


class EngineRuntime(KubeModel):
    """Injects the containers of a ClusterEngineRuntimeProfile into the role's pods."""

    profile_name: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="Name of the ClusterEngineRuntimeProfile."
    )
    inject_containers: list[str] | None = Field(
        default=None, description="Containers of the role that receive the runtime."
    )
    containers: list[Container] | None = Field(
        default=None, description="Overrides of the profile's containers (command and args only)."
    )


#: List annotations shared by several models.
BY_NAME = ListType("map", ("name",))
BY_TYPE = ListType("map", ("type",))
