"""Semantic validation the CRD schema and CEL cannot express, for the validating webhook.

Pure functions, no I/O. Each returns a list of :class:`FieldError` (empty when valid) whose
``path`` is a Kubernetes field path such as ``spec.roles[2].dependencies[0]``. Errors reject the
request; warnings (``severity="warning"``) are returned to the client as admission warnings.

Entry point for raw admission bodies: :func:`validate_object`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from rbg_operator.api import keys, v1alpha2
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
from rbg_operator.api.validation_group import validate_group_spec
from rbg_operator.api.validation_v2 import (
    validate_coordinated_policy,
    validate_rolebasedgroup_v2,
    validate_rolebasedgroupset_v2,
)

#: What the webhook checks beyond the CRD schema and CEL (rendered into docs/api.md).
WEBHOOK_CHECKS: tuple[str, ...] = (
    "`metadata.name` of a RoleBasedGroup or RoleBasedGroupSet is a DNS-1123 label.",
    "Role, role template, component, coordination and service port names are unique.",
    "`dependencies` name existing roles, not the role itself, without repeats and without cycles.",
    "A role has `template` or `templateRef` (InstanceSet roles: `template` or `components`), not both; "
    "`templateRef` names a role template and comes with `templatePatch`, which needs `templateRef`.",
    "`components` only with the InstanceSet workload; the workload is one of StatefulSet, Deployment, "
    "LeaderWorkerSet or InstanceSet.",
    "`maxSurge` and `maxUnavailable` do not both resolve to 0 (a warning when only percentages round to 0), "
    "and `partition` is not beyond `replicas`.",
    "Several `servicePorts` each have a name; port/protocol pairs are unique.",
    "`coordination` names existing roles; `podGroupPolicy` sets one scheduler only.",
    "A ClusterEngineRuntimeProfile does not reuse a name between containers and initContainers.",
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
    return validator(parsed)


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
