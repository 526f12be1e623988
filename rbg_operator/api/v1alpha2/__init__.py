"""The ``workloads.x-k8s.io/v1alpha2`` API, the hub and storage version: models of every kind.

Parse with ``parse_object(obj)`` (any kind) or ``RoleBasedGroup.from_dict(obj)``; v1alpha1 objects are
converted with :mod:`rbg_operator.api.conversion`.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

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
    UpdateStrategyType,
)
from rbg_operator.api.v1alpha2.coordinatedpolicy import (
    CoordinatedPolicy,
    CoordinatedPolicyRule,
    CoordinatedPolicySpec,
    CoordinatedPolicyStrategy,
    GangScheduling,
    RollingUpdateCoordination,
    ScalingCoordination,
    ScalingProgression,
)
from rbg_operator.api.v1alpha2.rolebasedgroup import (
    WORKLOAD_TYPES,
    RoleBasedGroup,
    RoleBasedGroupSpec,
    RoleBasedGroupStatus,
    RoleSpec,
    RoleStatus,
)
from rbg_operator.api.v1alpha2.rolebasedgroupset import (
    GroupSetRolloutStrategy,
    GroupUpdateStrategyType,
    RoleBasedGroupSet,
    RoleBasedGroupSetSpec,
    RoleBasedGroupSetStatus,
    RoleBasedGroupTemplateSpec,
)
from rbg_operator.api.v1alpha2.roleinstance import (
    ContainerUpdateBaseline,
    RoleInstance,
    RoleInstanceComponentStatus,
    RoleInstanceCondition,
    RoleInstanceConditionType,
    RoleInstanceReadinessGate,
    RoleInstanceSpec,
    RoleInstanceStatus,
    RoleInstanceTemplate,
)
from rbg_operator.api.v1alpha2.roleinstanceset import (
    RoleInstanceSet,
    RoleInstanceSetConditionType,
    RoleInstanceSetLifecycle,
    RoleInstanceSetLifecycleHook,
    RoleInstanceSetScaleStrategy,
    RoleInstanceSetSpec,
    RoleInstanceSetStatus,
    RoleInstanceSetUpdateStrategy,
)
from rbg_operator.api.v1alpha2.scalingadapter import ClusterEngineRuntimeProfile, RoleBasedGroupScalingAdapter

#: Every root kind of the version, in a stable order.
ROOT_KINDS = (
    RoleBasedGroup,
    RoleBasedGroupSet,
    RoleBasedGroupScalingAdapter,
    ClusterEngineRuntimeProfile,
    CoordinatedPolicy,
    RoleInstanceSet,
    RoleInstance,
)

AnyObject = (
    RoleBasedGroup
    | RoleBasedGroupSet
    | RoleBasedGroupScalingAdapter
    | ClusterEngineRuntimeProfile
    | CoordinatedPolicy
    | RoleInstanceSet
    | RoleInstance
)

_BY_KIND: Mapping[str, type[AnyObject]] = MappingProxyType({cls.crd.kind: cls for cls in ROOT_KINDS})


def model_for_kind(kind: str) -> type[AnyObject] | None:
    """The model class of a v1alpha2 kind, or None for an unknown kind."""
    return _BY_KIND.get(kind)


def parse_object(obj: Mapping[str, Any]) -> AnyObject:
    """Parse any v1alpha2 object by its ``kind``; raises ValueError for an unknown kind and
    pydantic.ValidationError for an invalid body."""
    cls = model_for_kind(str(obj.get("kind", "")))
    if cls is None:
        raise ValueError(f"unknown v1alpha2 kind {obj.get('kind')!r}")
    return cls.from_dict(obj)


__all__ = [
    "ROOT_KINDS",
    "WORKLOAD_TYPES",
    "AnyObject",
    "ClusterEngineRuntimeProfile",
    "ContainerUpdateBaseline",
    "CoordinatedPolicy",
    "CoordinatedPolicyRule",
    "CoordinatedPolicySpec",
    "CoordinatedPolicyStrategy",
    "CustomComponentsPattern",
    "GangScheduling",
    "GroupSetRolloutStrategy",
    "GroupUpdateStrategyType",
    "InstanceComponent",
    "LeaderWorkerPattern",
    "PodManagementPolicy",
    "RestartPolicyConfig",
    "RoleBasedGroup",
    "RoleBasedGroupScalingAdapter",
    "RoleBasedGroupSet",
    "RoleBasedGroupSetSpec",
    "RoleBasedGroupSetStatus",
    "RoleBasedGroupSpec",
    "RoleBasedGroupStatus",
    "RoleBasedGroupTemplateSpec",
    "RoleInstance",
    "RoleInstanceComponentStatus",
    "RoleInstanceCondition",
    "RoleInstanceConditionType",
    "RoleInstanceReadinessGate",
    "RoleInstanceSet",
    "RoleInstanceSetConditionType",
    "RoleInstanceSetLifecycle",
    "RoleInstanceSetLifecycleHook",
    "RoleInstanceSetScaleStrategy",
    "RoleInstanceSetSpec",
    "RoleInstanceSetStatus",
    "RoleInstanceSetUpdateStrategy",
    "RoleInstanceSpec",
    "RoleInstanceStatus",
    "RoleInstanceTemplate",
    "RoleSpec",
    "RoleStatus",
    "RollingUpdate",
    "RollingUpdateCoordination",
    "RolloutStrategy",
    "ScalingAdapter",
    "ScalingCoordination",
    "ScalingProgression",
    "SharedServiceSelection",
    "StandalonePattern",
    "TemplateRef",
    "UpdateStrategyType",
    "model_for_kind",
    "parse_object",
]
