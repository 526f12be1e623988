"""The ``workloads.x-k8s.io/v1alpha1`` API (RBG v0.6): models of every kind and their parts.

Parse a manifest with ``RoleBasedGroup.from_dict(obj)`` (or ``parse_object(obj)`` for any kind) and
dump it back with ``.to_dict()``.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from rbg_operator.api.v1alpha1.common import (
    SUPPORTED_WORKLOADS,
    Coordination,
    CoordinationRollingUpdate,
    CoordinationStrategy,
    EngineRuntime,
    InPlaceUpdateStrategy,
    KubeSchedulingPodGroupPolicySource,
    LeaderWorkerTemplate,
    PodGroupPolicy,
    RoleTemplate,
    RollingUpdate,
    RolloutStrategy,
    ScalingAdapter,
    TemplateRef,
    VolcanoSchedulingPodGroupPolicySource,
    WorkloadSpec,
)
from rbg_operator.api.v1alpha1.engineruntime import (
    ClusterEngineRuntimeProfile,
    ClusterEngineRuntimeProfileSpec,
    ClusterEngineRuntimeProfileStatus,
)
from rbg_operator.api.v1alpha1.enums import (
    AdapterPhase,
    ConditionStatus,
    EngineRuntimeUpdateStrategy,
    InstanceReadyPolicy,
    InstanceRestartPolicy,
    RestartPolicy,
    RolloutStrategyType,
    UpdateStrategyType,
)
from rbg_operator.api.v1alpha1.instance import (
    ComponentStatus,
    Instance,
    InstanceComponent,
    InstanceCondition,
    InstanceReadinessGate,
    InstanceSpec,
    InstanceStatus,
)
from rbg_operator.api.v1alpha1.instanceset import (
    InstanceSet,
    InstanceSetScaleStrategy,
    InstanceSetSpec,
    InstanceSetStatus,
    InstanceSetUpdateStrategy,
    Lifecycle,
    LifecycleHook,
)
from rbg_operator.api.v1alpha1.rolebasedgroup import (
    RoleBasedGroup,
    RoleBasedGroupSpec,
    RoleBasedGroupStatus,
    RoleSpec,
    RoleStatus,
)
from rbg_operator.api.v1alpha1.rolebasedgroupset import (
    RoleBasedGroupSet,
    RoleBasedGroupSetSpec,
    RoleBasedGroupSetStatus,
)
from rbg_operator.api.v1alpha1.scalingadapter import (
    AdapterScaleTargetRef,
    RoleBasedGroupScalingAdapter,
    RoleBasedGroupScalingAdapterSpec,
    RoleBasedGroupScalingAdapterStatus,
)

#: Every root kind of the version, in a stable order.
ROOT_KINDS = (
    RoleBasedGroup,
    RoleBasedGroupSet,
    RoleBasedGroupScalingAdapter,
    InstanceSet,
    Instance,
    ClusterEngineRuntimeProfile,
)

AnyObject = (
    RoleBasedGroup
    | RoleBasedGroupSet
    | RoleBasedGroupScalingAdapter
    | InstanceSet
    | Instance
    | ClusterEngineRuntimeProfile
)

_BY_KIND: Mapping[str, type[AnyObject]] = MappingProxyType({cls.crd.kind: cls for cls in ROOT_KINDS})


def model_for_kind(kind: str) -> type[AnyObject] | None:
    """The model class of a v1alpha1 kind, or None for an unknown kind."""
    return _BY_KIND.get(kind)


def parse_object(obj: Mapping[str, Any]) -> AnyObject:
    """Parse any v1alpha1 object by its ``kind``; raises ValueError for an unknown kind and
    pydantic.ValidationError for an invalid body."""
    cls = model_for_kind(str(obj.get("kind", "")))
    if cls is None:
        raise ValueError(f"unknown v1alpha1 kind {obj.get('kind')!r}")
    return cls.from_dict(obj)


__all__ = [
    "ROOT_KINDS",
    "SUPPORTED_WORKLOADS",
    "AdapterPhase",
    "AdapterScaleTargetRef",
    "AnyObject",
    "ClusterEngineRuntimeProfile",
    "ClusterEngineRuntimeProfileSpec",
    "ClusterEngineRuntimeProfileStatus",
    "ComponentStatus",
    "ConditionStatus",
    "Coordination",
    "CoordinationRollingUpdate",
    "CoordinationStrategy",
    "EngineRuntime",
    "EngineRuntimeUpdateStrategy",
    "InPlaceUpdateStrategy",
    "Instance",
    "InstanceComponent",
    "InstanceCondition",
    "InstanceReadinessGate",
    "InstanceReadyPolicy",
    "InstanceRestartPolicy",
    "InstanceSet",
    "InstanceSetScaleStrategy",
    "InstanceSetSpec",
    "InstanceSetStatus",
    "InstanceSetUpdateStrategy",
    "InstanceSpec",
    "InstanceStatus",
    "KubeSchedulingPodGroupPolicySource",
    "LeaderWorkerTemplate",
    "Lifecycle",
    "LifecycleHook",
    "PodGroupPolicy",
    "RestartPolicy",
    "RoleBasedGroup",
    "RoleBasedGroupScalingAdapter",
    "RoleBasedGroupScalingAdapterSpec",
    "RoleBasedGroupScalingAdapterStatus",
    "RoleBasedGroupSet",
    "RoleBasedGroupSetSpec",
    "RoleBasedGroupSetStatus",
    "RoleBasedGroupSpec",
    "RoleBasedGroupStatus",
    "RoleSpec",
    "RoleStatus",
    "RoleTemplate",
    "RollingUpdate",
    "RolloutStrategy",
    "RolloutStrategyType",
    "ScalingAdapter",
    "TemplateRef",
    "UpdateStrategyType",
    "VolcanoSchedulingPodGroupPolicySource",
    "WorkloadSpec",
    "model_for_kind",
    "parse_object",
]
