"""v1alpha1 RoleBasedGroup: one object that describes a whole multi-role inference service."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from annotated_types import MaxLen, MinLen
from pydantic import Field

from rbg_operator.api import keys
from rbg_operator.api.base import (
    Cel,
    CrdInfo,
    Int64,
    KubeModel,
    KubeObject,
    NonNegInt32,
    PrinterColumn,
    Timestamp,
)
from rbg_operator.api.meta import Condition, ObjectMeta, ServicePort
from rbg_operator.api.pod import PodTemplateSpec
from rbg_operator.api.v1alpha1.common import (
    BY_NAME,
    BY_TYPE,
    MAX_ROLES,
    Coordination,
    DNSLabel,
    EngineRuntime,
    LeaderWorkerTemplate,
    PodGroupPolicy,
    RawPatch,
    RoleNameRef,
    RoleTemplate,
    RollingUpdate,
    RolloutStrategy,
    ScalingAdapter,
    TemplateRef,
    WorkloadSpec,
)
from rbg_operator.api.v1alpha1.enums import RestartPolicy
from rbg_operator.api.v1alpha1.instance import InstanceComponent

_ROLE_RULES = (
    Cel(
        rule="!(has(self.template) && has(self.templateRef))",
        message="template and templateRef are mutually exclusive",
    ),
    Cel(
        rule="!has(self.templateRef) || !has(self.workload) || self.workload.kind != 'InstanceSet'",
        message="templateRef is not supported for InstanceSet workloads",
    ),
    Cel(
        rule=(
            "!has(self.workload) || self.workload.kind == 'InstanceSet'"
            " || (has(self.template) != has(self.templateRef))"
        ),
        message="template or templateRef must be set for non-InstanceSet workloads",
    ),
    Cel(
        rule="!has(self.dependencies) || !(self.name in self.dependencies)",
        message="a role cannot depend on itself",
        field_path=".dependencies",
    ),
)


class RoleSpec(KubeModel):
    """One role of the group (e.g. router, prefill, decode): its workload, pod template and policies."""

    crd_validations: ClassVar[tuple[Cel, ...]] = _ROLE_RULES

    name: DNSLabel = Field(description="Name of the role, unique in the group.")
    labels: dict[str, str] | None = Field(
        default=None, description="Labels added to the role's workload and pods."
    )
    annotations: dict[str, str] | None = Field(
        default=None, description="Annotations added to the role's workload and pods."
    )
    replicas: NonNegInt32 = Field(
        default=1, description="Replicas of the role (pods, or leader/worker groups for LeaderWorkerSet)."
    )
    rollout_strategy: RolloutStrategy | None = Field(
        default=None, description="How replicas are replaced when the template changes."
    )
    restart_policy: RestartPolicy | None = Field(
        default=None,
        description=(
            "What a pod restart recreates; when unset RecreateRoleInstanceOnPodRestart for LeaderWorkerSet, "
            "None otherwise."
        ),
    )
    dependencies: Annotated[list[RoleNameRef], MaxLen(MAX_ROLES)] | None = Field(
        default=None, description="Roles that must be ready before this role is created."
    )
    workload: WorkloadSpec = Field(
        default_factory=WorkloadSpec, description="Workload kind of the role; apps/v1 StatefulSet by default."
    )
    template: PodTemplateSpec | None = Field(default=None, description="Inline pod template.")
    template_ref: TemplateRef | None = Field(
        default=None,
        description="Reference to spec.roleTemplates; the pod template is that template plus templatePatch.",
    )
    template_patch: RawPatch | None = Field(
        default=None,
        description="Strategic-merge patch of the template; required with templateRef (use {} for none).",
    )
    leader_worker_set: LeaderWorkerTemplate | None = Field(
        default=None, description="Leader/worker settings of a LeaderWorkerSet role."
    )
    components: Annotated[list[InstanceComponent], BY_NAME] | None = Field(
        default=None, description="Components of each Instance of an InstanceSet role."
    )
    service_ports: list[ServicePort] | None = Field(
        default=None, description="Ports of the role's headless Service."
    )
    engine_runtimes: list[EngineRuntime] | None = Field(
        default=None, description="ClusterEngineRuntimeProfiles injected into the role's pods."
    )
    scaling_adapter: ScalingAdapter | None = Field(
        default=None, description="Create a RoleBasedGroupScalingAdapter for this role."
    )
    min_ready_seconds: NonNegInt32 = Field(
        default=0, description="Seconds a new pod must be ready, without crashing, to count as available."
    )

    @property
    def workload_type(self) -> str:
        """``<apiVersion>/<kind>`` of the role's workload."""
        return self.workload.type_string

    @property
    def effective_restart_policy(self) -> RestartPolicy:
        """The restart policy with upstream's implicit, workload-dependent default."""
        if self.restart_policy is not None:
            return self.restart_policy
        if self.workload.is_leaderworkerset:
            return RestartPolicy.RECREATE_ROLE_INSTANCE_ON_POD_RESTART
        return RestartPolicy.NONE

    @property
    def group_size(self) -> int:
        """Pods per replica: the leader/worker group size for LeaderWorkerSet roles, the summed
        component sizes for InstanceSet roles with components, else 1."""
        if self.workload.is_leaderworkerset:
            return self.leader_worker_set.size if self.leader_worker_set else 1
        if self.workload.is_instanceset and self.components:
            return sum(c.effective_size for c in self.components)
        return 1

    @property
    def effective_rolling_update(self) -> RollingUpdate:
        """The rolling-update parameters with upstream defaults when none are given."""
        if self.rollout_strategy is not None and self.rollout_strategy.rolling_update is not None:
            return self.rollout_strategy.rolling_update
        return RollingUpdate()

    @property
    def scaling_adapter_enabled(self) -> bool:
        """Whether a RoleBasedGroupScalingAdapter is wanted for the role."""
        return self.scaling_adapter is not None and self.scaling_adapter.enable


_SPEC_RULES = (
    Cel(
        rule=(
            "self.roles.all(r, !has(r.dependencies)"
            " || r.dependencies.all(d, self.roles.exists(x, x.name == d)))"
        ),
        message="every dependency must name a role of this group",
        field_path=".roles",
    ),
    Cel(
        rule=(
            "self.roles.all(r, !has(r.templateRef) || (has(self.roleTemplates)"
            " && self.roleTemplates.exists(t, t.name == r.templateRef.name)))"
        ),
        message="every templateRef must name an entry of spec.roleTemplates",
        field_path=".roles",
    ),
    Cel(
        rule=(
            "!has(self.coordination)"
            " || self.coordination.all(c, c.roles.all(n, self.roles.exists(r, r.name == n)))"
        ),
        message="every coordination must name roles of this group",
        field_path=".coordination",
    ),
)


class RoleBasedGroupSpec(KubeModel):
    """Desired state of a RoleBasedGroup."""

    crd_validations: ClassVar[tuple[Cel, ...]] = _SPEC_RULES

    roles: Annotated[list[RoleSpec], MinLen(1), MaxLen(MAX_ROLES), BY_NAME] = Field(
        description="Roles of the group; names are unique."
    )
    role_templates: Annotated[list[RoleTemplate], MaxLen(MAX_ROLES), BY_NAME] | None = Field(
        default=None, description="Reusable pod templates that roles reference with templateRef."
    )
    pod_group_policy: PodGroupPolicy | None = Field(
        default=None, description="Gang-schedule all pods of the group (scheduler-plugins or Volcano)."
    )
    coordination: Annotated[list[Coordination], MaxLen(MAX_ROLES), BY_NAME] | None = Field(
        default=None, description="Groups of roles whose rolling updates are coordinated."
    )

    def role(self, name: str) -> RoleSpec | None:
        """The role called ``name``, if any."""
        return next((r for r in self.roles if r.name == name), None)

    @property
    def role_names(self) -> list[str]:
        """Role names in spec order."""
        return [r.name for r in self.roles]


class RoleStatus(KubeModel):
    """Replica counts of one role."""

    name: str = Field(description="Name of the role.")
    ready_replicas: NonNegInt32 = Field(default=0, description="Ready replicas.")
    replicas: NonNegInt32 = Field(default=0, description="Desired replicas.")
    updated_replicas: NonNegInt32 = Field(default=0, description="Replicas at the latest revision.")


class RoleBasedGroupStatus(KubeModel):
    """Observed state of a RoleBasedGroup."""

    observed_generation: Int64 | None = Field(
        default=None, description="The .metadata.generation the status was computed from."
    )
    conditions: Annotated[list[Condition], BY_TYPE] | None = Field(
        default=None, description="Ready, Progressing, RollingUpdateInProgress, RestartInProgress."
    )
    role_statuses: Annotated[list[RoleStatus], BY_NAME] = Field(
        default_factory=list, description="Replica counts per role."
    )
    role_summary: str | None = Field(
        default=None,
        description="Ready/desired replicas per role, e.g. 'prefill 2/2, decode 1/2' (not upstream).",
    )
    restart_count: NonNegInt32 | None = Field(
        default=None, description="Whole-group recreations under RecreateRBGOnPodRestart (not upstream)."
    )
    restarts_without_ready: NonNegInt32 | None = Field(
        default=None, description="Recreations since the group was last Ready (not upstream)."
    )
    last_restart_time: Timestamp | None = Field(default=None, description="Time of the last recreation.")

    def condition(self, type_: str) -> Condition | None:
        """The condition of the given type, if present."""
        return next((c for c in self.conditions or () if c.type == type_), None)


class RoleBasedGroup(KubeObject):
    """A group of roles (e.g. router, prefill, decode) deployed, scaled and updated together."""

    crd: ClassVar[CrdInfo] = CrdInfo(
        kind=keys.KIND_ROLE_BASED_GROUP,
        plural="rolebasedgroups",
        singular="rolebasedgroup",
        short_names=("rbg",),
        categories=("all", "rbg-all"),
        printer_columns=(
            PrinterColumn(
                "READY",
                "string",
                ".status.conditions[?(@.type=='Ready')].status",
                "Whether all roles are ready.",
            ),
            PrinterColumn("ROLES", "string", ".status.roleSummary", "Ready/desired replicas per role."),
            PrinterColumn(
                "PROGRESSING",
                "string",
                ".status.conditions[?(@.type=='Progressing')].status",
                "Whether the group is converging.",
                priority=1,
            ),
            PrinterColumn("AGE", "date", ".metadata.creationTimestamp", "Time since creation."),
        ),
    )

    api_version: Literal["workloads.x-k8s.io/v1alpha1"] = keys.API_VERSION_V1ALPHA1
    kind: Literal["RoleBasedGroup"] = "RoleBasedGroup"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta, description="Standard object metadata.")
    spec: RoleBasedGroupSpec = Field(description="Desired state of the group.")
    status: RoleBasedGroupStatus | None = Field(default=None, description="Observed state of the group.")

    @property
    def name(self) -> str:
        """metadata.name ('' when unset)."""
        return self.metadata.name or ""

    @property
    def namespace(self) -> str:
        """metadata.namespace ('' when unset)."""
        return self.metadata.namespace or ""

    @property
    def exclusive_topology_key(self) -> str | None:
        """The exclusive-topology annotation of either generation (V2 key wins)."""
        annotations = self.metadata.annotations or {}
        return annotations.get(keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2) or annotations.get(
            keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1
        )
