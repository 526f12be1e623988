"""Semantic validation the CRD schema and CEL cannot express, for the validating webhook.

Pure functions, no I/O. Each returns a list of :class:`FieldError` (empty when valid) whose
``path`` is a Kubernetes field path such as ``spec.roles[2].dependencies[0]``. Errors reject the
request; warnings (``severity="warning"``) are returned to the client as admission warnings.

Entry point for raw admission bodies: :func:`validate_object`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from rbg_operator.api import keys, v1alpha2
from rbg_operator.api.convert import convert
from rbg_operator.api.errors import (
    ErrorType,
    FieldError,
    duplicates,
    errors_only,
    from_pydantic,
    join_path,
    name_errors,
    warnings_only,
)
from rbg_operator.api.v1alpha1 import (
    ClusterEngineRuntimeProfile,
    Instance,
    InstanceSet,
    RoleBasedGroup,
    RoleBasedGroupScalingAdapter,
    RoleBasedGroupSet,
    model_for_kind,
)
from rbg_operator.api.v1alpha2 import CoordinatedPolicy
from rbg_operator.api.v1alpha2 import model_for_kind as v2_model_for_kind
from rbg_operator.api.validation_annotations import group_annotation_errors, set_annotation_errors
from rbg_operator.api.validation_group import validate_group_spec
from rbg_operator.api.validation_v2 import (
    v1alpha1_path,
    validate_coordinated_policy,
    validate_rolebasedgroup_v2,
    validate_rolebasedgroupset_v2,
)

_PGP = keys.ANNOTATION_CONVERSION_POD_GROUP_POLICY
_COORD = keys.ANNOTATION_CONVERSION_COORDINATION

#: What the webhook checks beyond the CRD schema and CEL (rendered into docs/api.md).
WEBHOOK_CHECKS: tuple[str, ...] = (
    "`metadata.name` of a RoleBasedGroup or RoleBasedGroupSet is a DNS-1123 label.",
    "Role, role template, component, coordination and service port names are unique.",
    "`dependencies` name existing roles, not the role itself, without repeats and without cycles.",
    "v1alpha1: a role has `template` or `templateRef` (InstanceSet roles: `template` or `components`), not "
    "both; `templateRef` names a role template and comes with `templatePatch`, which needs `templateRef`.",
    "v1alpha1: `components` only with the InstanceSet workload; the workload is one of StatefulSet, "
    "Deployment, LeaderWorkerSet or InstanceSet.",
    "`maxSurge` and `maxUnavailable` do not both resolve to 0 (a warning when only percentages round to 0), "
    "and `partition` is not beyond `replicas`.",
    "Several `servicePorts` each have a name; port/protocol pairs are unique.",
    "`coordination` names existing roles; `podGroupPolicy` sets one scheduler only.",
    "A ClusterEngineRuntimeProfile does not reuse a name between containers and initContainers.",
    "v1alpha2: a role has exactly one of `standalonePattern`, `leaderWorkerPattern` and "
    "`customComponentsPattern`, one its workload kind runs (StatefulSet and Deployment: standalone; "
    "LeaderWorkerSet: standalone or leader/worker); the `rbg.workloads.x-k8s.io/role-workload-type` "
    "annotation names a supported workload.",
    "v1alpha2: a pattern has `template` or `templateRef` (naming a role template), not both; "
    "`customComponentsPattern` has at least one component; `sharedServiceSelection: LeaderOnly` only on "
    "RoleInstanceSet roles; `restartPolicyConfig.maxDelaySeconds` is not below `baseDelaySeconds`.",
    "v1alpha2 RoleBasedGroupSet: no `scalingAdapter` inside `groupTemplate`; an `InPlaceUpdate` "
    "`rolloutStrategy` has `maxSurge` 0 and a positive `maxUnavailable`, a `Recreate` one not both 0; "
    "`partition` is not beyond `replicas`.",
    "CoordinatedPolicy: a role is in one rule only and once; each rule has a `rollingUpdate`, `scaling` or "
    "`scheduling` strategy; gang `minReplicas` name the rule's roles and are at least 1; the rules name "
    "roles of the RoleBasedGroup of the same name (a warning when that group does not exist yet, and on a "
    "group write that drops a role its policy names).",
    "A v1alpha1 RoleBasedGroup or RoleBasedGroupSet is also checked as the v1alpha2 object it is stored "
    "as (errors name the v1alpha1 fields).",
    "Configuration annotations (`rbg.workloads.x-k8s.io/*` the operator reads, the v1alpha1 "
    "`exclusive-topology` keys, and upstream's `conversion.workloads.x-k8s.io/v1alpha1-pod-group-policy` "
    'and `v1alpha1-coordination`) hold values the operator reads as written: `"true"`/`"false"` '
    "switches, whole seconds for `group-gang-scheduling-timeout`, label keys for topologies, DNS names "
    "for the Volcano queue, priority class and scheduler, existing roles in `group-pack-roles`, durations, "
    "ports, URLs and int-or-percent values for drain and PodDisruptionBudget settings, "
    '`role-disable-exclusive: "true"` only, and the conversion annotations as valid v1alpha1 JSON '
    "naming existing roles.",
    "Each such annotation is set where the operator reads it (group metadata, a role's annotations, a pod "
    "template's, a RoleBasedGroupSet's metadata); settings that contradict each other are refused "
    "(`group-gang-scheduling*` against a kept podGroupPolicy, a drain probe URL with a port, both "
    "PodDisruptionBudget bounds, two exclusive-topology keys that differ); a setting another makes inert, "
    "and an unknown `rbg.workloads.x-k8s.io/` key, get a warning.",
)


def validate_object(obj: Mapping[str, Any]) -> list[FieldError]:
    """Parse an object of any kind of either version and validate it; schema errors become FieldErrors."""
    v2 = obj.get("apiVersion") == keys.API_VERSION_V1ALPHA2
    model: Any = (v2_model_for_kind if v2 else model_for_kind)(str(obj.get("kind", "")))
    if model is None:
        return [FieldError("kind", f"unsupported kind {obj.get('kind')!r}", ErrorType.NOT_SUPPORTED)]
    try:
        parsed = model.from_dict(obj)
    except ValidationError as exc:
        return from_pydantic(exc)
    validator: Callable[[Any], list[FieldError]] = (_V2_VALIDATORS if v2 else _VALIDATORS)[type(parsed)]
    problems = validator(parsed)
    if not v2 and isinstance(parsed, RoleBasedGroup | RoleBasedGroupSet):
        problems += annotation_errors_as_stored(obj)
    return problems


def annotation_errors_as_stored(obj: Mapping[str, Any]) -> list[FieldError]:
    """The annotation checks of a v1alpha1 group or set, run on the v1alpha2 object it is stored and
    planned as (so they read what the planners read), with v1alpha1 field paths. Conversion annotations
    count only where the v1alpha1 object carries them itself: else they hold its podGroupPolicy and
    coordination, which are checked as fields."""
    try:
        stored = convert(obj, keys.API_VERSION_V1ALPHA2)
        if obj.get("kind") == keys.KIND_ROLE_BASED_GROUP:
            problems = group_annotation_errors(v1alpha2.RoleBasedGroup.from_dict(stored))
        else:
            problems = set_annotation_errors(v1alpha2.RoleBasedGroupSet.from_dict(stored))
    except (ValidationError, ValueError, KeyError, TypeError):
        return []  # validate_as_stored reports what cannot be stored
    given = (obj.get("metadata") or {}).get("annotations") or {}
    derived = [f"[{k}]" for k in (_PGP, _COORD) if k not in given]
    return [
        dataclasses.replace(p, path=v1alpha1_path(p.path))
        for p in problems
        if not any(p.path.endswith(d) or f"{d}[" in p.path for d in derived)
    ]


def validate_rolebasedgroup(rbg: RoleBasedGroup) -> list[FieldError]:
    """All semantic problems of a RoleBasedGroup."""
    return name_errors(rbg.metadata.name) + validate_group_spec(rbg.spec, "spec")


# --------------------------------------------------------------------------------------------
# Other kinds
# --------------------------------------------------------------------------------------------


def validate_rolebasedgroupset(rbgs: RoleBasedGroupSet) -> list[FieldError]:
    """All semantic problems of a RoleBasedGroupSet (its template is checked like a group)."""
    return name_errors(rbgs.metadata.name) + validate_group_spec(rbgs.spec.template, "spec.template")


def validate_scaling_adapter(rbgsa: RoleBasedGroupScalingAdapter) -> list[FieldError]:
    """A scaling adapter has no cross-field rules beyond its schema."""
    del rbgsa
    return []


def validate_instanceset(iset: InstanceSet) -> list[FieldError]:
    """Duplicate component names of an InstanceSet's template."""
    components = [c.name for c in iset.spec.instance_template.components]
    return duplicates(components, "spec.instanceTemplate.components", "name")


def validate_instance(instance: Instance) -> list[FieldError]:
    """Duplicate component names of an Instance."""
    return duplicates([c.name for c in instance.spec.components], "spec.components", "name")


def validate_engine_runtime_profile(profile: ClusterEngineRuntimeProfile) -> list[FieldError]:
    """Container names must be unique across containers and initContainers."""
    init = [c.name for c in profile.spec.init_containers or []]
    main = [c.name for c in profile.spec.containers or []]
    out = [
        FieldError(
            f"spec.containers[{i}].name", f"{name!r} is also an init container name", ErrorType.DUPLICATE
        )
        for i, name in enumerate(main)
        if name in init
    ]
    return out + duplicates(init, "spec.initContainers", "name") + duplicates(main, "spec.containers", "name")


_V2_VALIDATORS: Mapping[type, Callable[[Any], list[FieldError]]] = MappingProxyType(
    {
        v1alpha2.RoleBasedGroup: validate_rolebasedgroup_v2,
        v1alpha2.RoleBasedGroupSet: validate_rolebasedgroupset_v2,
        v1alpha2.RoleBasedGroupScalingAdapter: validate_scaling_adapter,
        v1alpha2.ClusterEngineRuntimeProfile: validate_engine_runtime_profile,
        CoordinatedPolicy: lambda policy: validate_coordinated_policy(policy, None),
    }
)

_VALIDATORS: Mapping[type, Callable[[Any], list[FieldError]]] = MappingProxyType(
    {
        RoleBasedGroup: validate_rolebasedgroup,
        RoleBasedGroupSet: validate_rolebasedgroupset,
        RoleBasedGroupScalingAdapter: validate_scaling_adapter,
        InstanceSet: validate_instanceset,
        Instance: validate_instance,
        ClusterEngineRuntimeProfile: validate_engine_runtime_profile,
    }
)


__all__ = [
    "WEBHOOK_CHECKS",
    "ErrorType",
    "FieldError",
    "errors_only",
    "from_pydantic",
    "join_path",
    "validate_engine_runtime_profile",
    "validate_group_spec",
    "validate_instance",
    "validate_instanceset",
    "validate_object",
    "validate_rolebasedgroup",
    "validate_rolebasedgroupset",
    "validate_scaling_adapter",
    "warnings_only",
]
