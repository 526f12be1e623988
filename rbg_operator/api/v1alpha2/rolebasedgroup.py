"""v1alpha2 RoleBasedGroup, the hub of the API: every planner reads this model. Roles carry one pattern
(standalone, leader/worker or custom components); the workload kind comes from the role annotation
``rbg.workloads.x-k8s.io/role-workload-type`` (RoleInstanceSet when absent).

The accessors at the end of :class:`RoleSpec` and :class:`RoleBasedGroup` are what planners use: they
resolve the pattern, the workload kind, defaults, and the v1alpha1 settings a converted group keeps in
its ``conversion.workloads.x-k8s.io/`` annotations."""

from __future__ import annotations

import json
from typing import Annotated, Any, ClassVar, Literal

from annotated_types import MaxLen, MinLen
from pydantic import Field, ValidationError

from rbg_operator.api import keys
from rbg_operator.api.base import Cel, CrdInfo, KubeModel, KubeObject, NonNegInt32, PrinterColumn
from rbg_operator.api.meta import ObjectMeta, ServicePort
from rbg_operator.api.pod import PodTemplateSpec
from rbg_operator.api.v1alpha1.common import (
    BY_NAME,
    MAX_ROLES,
    Coordination,
    DNSLabel,
    EngineRuntime,
    KubeSchedulingPodGroupPolicySource,
    PodGroupPolicy,
    RawPatch,
    RoleNameRef,
    RoleTemplate,
    VolcanoSchedulingPodGroupPolicySource,
    WorkloadSpec,
)
from rbg_operator.api.v1alpha1.enums import RestartPolicy
from rbg_operator.api.v1alpha1.rolebasedgroup import RoleBasedGroupStatus, RoleStatus
from rbg_operator.api.v1alpha2.common import (
    CustomComponentsPattern,
    InstanceComponent,
    LeaderWorkerPattern,
    PodManagementPolicy,
    RestartPolicyConfig,
    RollingUpdate,
    RolloutStrategy,
    ScalingAdapter,
    SharedServiceSelection,
    StandalonePattern,
    TemplateRef,
)

#: Workload types a role may name in its workload-type annotation.
WORKLOAD_TYPES: tuple[str, ...] = (
    keys.WORKLOAD_STATEFULSET,
    keys.WORKLOAD_DEPLOYMENT,
    keys.WORKLOAD_LEADERWORKERSET,
    keys.WORKLOAD_INSTANCESET,
    keys.WORKLOAD_ROLEINSTANCESET,
)

_WT = keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2
_PATTERNS = ("standalonePattern", "leaderWorkerPattern", "customComponentsPattern")
_ROLE_RULES = (
    Cel(
        rule=" + ".join(f"(has(self.{p}) ? 1 : 0)" for p in _PATTERNS) + " <= 1",
        message="only one of standalonePattern, leaderWorkerPattern and customComponentsPattern may be set",
    ),
    Cel(
        rule="!has(self.dependencies) || !(self.name in self.dependencies)",
        message="a role cannot depend on itself",
        field_path=".dependencies",
    ),
    Cel(
        rule=(
            f"!has(self.annotations) || !('{_WT}' in self.annotations)"
            f" || self.annotations['{_WT}'] in [{', '.join(repr(t) for t in WORKLOAD_TYPES)}]"
        ),
        message="the role-workload-type annotation must be one of: " + ", ".join(WORKLOAD_TYPES),
        field_path=".annotations",
    ),
    Cel(
        rule=(
            "!has(self.leaderWorkerPattern) || !has(self.leaderWorkerPattern.sharedServiceSelection)"
            " || self.leaderWorkerPattern.sharedServiceSelection != 'LeaderOnly'"
            f" || !has(self.annotations) || !('{_WT}' in self.annotations)"
            f" || self.annotations['{_WT}'] == '{keys.WORKLOAD_ROLEINSTANCESET}'"
        ),
        message=(
            "leaderWorkerPattern.sharedServiceSelection=LeaderOnly is only supported for RoleInstanceSet "
            "+ leaderWorkerPattern"
        ),
    ),
)


class RoleSpec(KubeModel):
    """One role of the group (e.g. router, prefill, decode): its pattern, replicas and policies."""

    crd_validations: ClassVar[tuple[Cel, ...]] = _ROLE_RULES

    name: DNSLabel = Field(description="Name of the role, unique in the group.")
    labels: dict[str, str] | None = Field(
        default=None, description="Labels added to the role's workload and pods."
    )
    annotations: dict[str, str] | None = Field(
        default=None,
        description=(
            "Annotations added to the role's workload and pods; rbg.workloads.x-k8s.io/role-workload-type "
            "picks the workload (apps/v1/StatefulSet, apps/v1/Deployment, "
            "leaderworkerset.x-k8s.io/v1/LeaderWorkerSet; RoleInstanceSet when unset)."
        ),
    )
    replicas: NonNegInt32 = Field(
        default=1, description="Replicas of the role (instances: one pod, or a leader with workers)."
    )
    rollout_strategy: RolloutStrategy | None = Field(
        default=None, description="How replicas are replaced when the template changes."
    )
    dependencies: Annotated[list[RoleNameRef], MaxLen(MAX_ROLES)] | None = Field(
        default=None, description="Roles that must be ready before this role is created."
    )
    standalone_pattern: StandalonePattern | None = Field(default=None, description="One pod per replica.")
    leader_worker_pattern: LeaderWorkerPattern | None = Field(
        default=None, description="A leader and size-1 workers per replica."
    )
    custom_components_pattern: CustomComponentsPattern | None = Field(
        default=None, description="Several components per replica."
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
    pod_management_policy: PodManagementPolicy | None = Field(
        default=None,
        description="Parallel (default) or OrderedReady creation of the role's instances on a scale-up.",
    )

    # ---- accessors the planners use -------------------------------------------------------------

    @property
    def workload(self) -> WorkloadSpec:
        """The workload kind from the role-workload-type annotation (RoleInstanceSet when unset)."""
        value = (self.annotations or {}).get(_WT) or keys.WORKLOAD_ROLEINSTANCESET
        api_version, _, kind = value.rpartition("/")
        return WorkloadSpec(api_version=api_version, kind=kind)

    @property
    def workload_type(self) -> str:
        """``<apiVersion>/<kind>`` of the role's workload."""
        return self.workload.type_string

    @property
    def pattern_field(self) -> str:
        """The JSON name of the role's pattern (standalonePattern when none is set), for messages."""
        if self.leader_worker_pattern is not None:
            return "leaderWorkerPattern"
        if self.custom_components_pattern is not None:
            return "customComponentsPattern"
        return "standalonePattern"

    @property
    def pattern(self) -> StandalonePattern | LeaderWorkerPattern | CustomComponentsPattern | None:
        """The role's one pattern, if any."""
        return self.leader_worker_pattern or self.custom_components_pattern or self.standalone_pattern

    @property
    def template(self) -> PodTemplateSpec | None:
        """The inline pod template of a standalone or leader/worker role."""
        p = self.pattern
        return p.template if isinstance(p, StandalonePattern | LeaderWorkerPattern) else None

    @property
    def template_ref(self) -> TemplateRef | None:
        """The roleTemplates reference of a standalone or leader/worker role."""
        p = self.pattern
        return p.template_ref if isinstance(p, StandalonePattern | LeaderWorkerPattern) else None

    @property
    def template_patch(self) -> RawPatch | None:
        """The patch of the roleTemplates reference ({} when a reference has none)."""
        ref = self.template_ref
        if ref is None:
            return None
        return ref.patch if ref.patch is not None else {}

    @property
    def leader_worker_set(self) -> LeaderWorkerPattern | None:
        """The leader/worker settings, if the role has that pattern."""
        return self.leader_worker_pattern

    @property
    def components(self) -> list[InstanceComponent] | None:
        """The components of a custom-components role."""
        p = self.custom_components_pattern
        return p.components if p is not None else None

    @property
    def restart_policy_config(self) -> RestartPolicyConfig | None:
        """The pattern's restart policy and back-off, if set."""
        p = self.pattern
        return p.restart_policy_config if p is not None else None

    @property
    def restart_policy(self) -> RestartPolicy | None:
        """The restart policy as written (None when unset)."""
        config = self.restart_policy_config
        return config.type if config is not None else None

    @property
    def effective_restart_policy(self) -> RestartPolicy:
        """The restart policy with its default: RecreateRoleInstanceOnPodRestart for LeaderWorkerSet
        roles and for multi-pod RoleInstanceSet roles, None otherwise (as v1alpha1 did for its kinds)."""
        if self.restart_policy is not None:
            return self.restart_policy
        workload = self.workload
        multi_pod = self.leader_worker_pattern is not None or self.custom_components_pattern is not None
        if workload.is_leaderworkerset or (workload.is_roleinstanceset and multi_pod):
            return RestartPolicy.RECREATE_ROLE_INSTANCE_ON_POD_RESTART
        return RestartPolicy.NONE

    @property
    def group_size(self) -> int:
        """Pods per replica: the leader/worker size, the summed component sizes, else 1."""
        if self.leader_worker_pattern is not None:
            return self.leader_worker_pattern.effective_size
        if self.components:
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

    @property
    def effective_shared_service_selection(self) -> SharedServiceSelection:
        """LeaderOnly for leader/worker RoleInstanceSet roles when unset, All otherwise (upstream)."""
        lwp = self.leader_worker_pattern
        if lwp is not None and lwp.shared_service_selection is not None:
            return lwp.shared_service_selection
        if lwp is not None and self.workload.is_roleinstanceset:
            return SharedServiceSelection.LEADER_ONLY
        return SharedServiceSelection.ALL


def _has_ref(pattern: str) -> str:
    return (
        f"!has(r.{pattern}) || !has(r.{pattern}.templateRef) || (has(self.roleTemplates)"
        f" && self.roleTemplates.exists(t, t.name == r.{pattern}.templateRef.name))"
    )


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
        rule=f"self.roles.all(r, ({_has_ref('standalonePattern')}) && ({_has_ref('leaderWorkerPattern')}))",
        message="every templateRef must name an entry of spec.roleTemplates",
        field_path=".roles",
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

    def role(self, name: str) -> RoleSpec | None:
        """The role called ``name``, if any."""
        return next((r for r in self.roles if r.name == name), None)

    @property
    def role_names(self) -> list[str]:
        """Role names in spec order."""
        return [r.name for r in self.roles]


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

    api_version: Literal["workloads.x-k8s.io/v1alpha2"] = keys.API_VERSION_V1ALPHA2
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

    @property
    def pod_group_policy(self) -> PodGroupPolicy | None:
        """Gang scheduling of the whole group: a v1alpha1 podGroupPolicy kept by conversion, else the
        group-gang-scheduling annotations (Volcano when a Volcano setting or scheduler is named,
        scheduler-plugins otherwise)."""
        annotations = self.metadata.annotations or {}
        kept = _json_annotation(annotations, keys.ANNOTATION_CONVERSION_POD_GROUP_POLICY)
        if isinstance(kept, dict):
            try:
                return PodGroupPolicy.from_dict(kept)
            except ValidationError:
                return None
        if annotations.get(keys.ANNOTATION_GANG_SCHEDULING_V2) != "true":
            return None
        queue = annotations.get(keys.ANNOTATION_GANG_VOLCANO_QUEUE_V2)
        priority = annotations.get(keys.ANNOTATION_GANG_VOLCANO_PRIORITY_V2)
        if queue or priority or self._scheduler_names() == {"volcano"}:
            return PodGroupPolicy(
                volcano_scheduling=VolcanoSchedulingPodGroupPolicySource(
                    queue=queue, priority_class_name=priority
                )
            )
        timeout = annotations.get(keys.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2, "")
        source = KubeSchedulingPodGroupPolicySource()
        if timeout.isascii() and timeout.isdigit():
            source = KubeSchedulingPodGroupPolicySource(schedule_timeout_seconds=int(timeout))
        return PodGroupPolicy(kube_scheduling=source)

    @property
    def coordination(self) -> list[Coordination] | None:
        """The v1alpha1 coordination a converted group keeps (CoordinatedPolicy objects come on top)."""
        kept = _json_annotation(self.metadata.annotations or {}, keys.ANNOTATION_CONVERSION_COORDINATION)
        if not isinstance(kept, list):
            return None
        try:
            return [Coordination.from_dict(c) for c in kept]
        except (ValidationError, TypeError):
            return None

    def _scheduler_names(self) -> set[str]:
        names = set()
        for role in self.spec.roles:
            template = role.template
            if template is not None and template.spec is not None:
                names.add(template.spec.scheduler_name or "default-scheduler")
        return names


def _json_annotation(annotations: dict[str, str], key: str) -> Any:
    raw = annotations.get(key)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


__all__ = [
    "WORKLOAD_TYPES",
    "RoleBasedGroup",
    "RoleBasedGroupSpec",
    "RoleBasedGroupStatus",
    "RoleSpec",
    "RoleStatus",
]
