"""Semantic validation the CRD schema and CEL cannot express, for the validating webhook.

Pure functions, no I/O. Each returns a list of :class:`FieldError` (empty when valid) whose
``path`` is a Kubernetes field path such as ``spec.roles[2].dependencies[0]``. Errors reject the
request; warnings (``severity="warning"``) are returned to the client as admission warnings.

Entry point for raw admission bodies: :func:`validate_object`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal

from pydantic import ValidationError

from rbg_operator.api.base import percent_or_int_value
from rbg_operator.api.v1alpha1 import (
    SUPPORTED_WORKLOADS,
    ClusterEngineRuntimeProfile,
    Instance,
    InstanceSet,
    RoleBasedGroup,
    RoleBasedGroupScalingAdapter,
    RoleBasedGroupSet,
    RoleBasedGroupSpec,
    RoleSpec,
    model_for_kind,
)

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_UNION_TAG = re.compile(r"^(int|str|bool|float|none|dict\[.*|list\[.*|function-.*|.*\(\).*)$")


class ErrorType(StrEnum):
    """Kubernetes ``StatusCause.reason`` values."""

    INVALID = "FieldValueInvalid"
    REQUIRED = "FieldValueRequired"
    DUPLICATE = "FieldValueDuplicate"
    NOT_FOUND = "FieldValueNotFound"
    FORBIDDEN = "FieldValueForbidden"
    NOT_SUPPORTED = "FieldValueNotSupported"


@dataclass(frozen=True, order=True)
class FieldError:
    """One problem: where (a field path), why, and how bad."""

    path: str
    reason: str
    type: ErrorType = ErrorType.INVALID
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def errors_only(problems: list[FieldError]) -> list[FieldError]:
    """The problems that reject the request."""
    return [p for p in problems if p.severity == "error"]


def validate_object(obj: Mapping[str, Any]) -> list[FieldError]:
    """Parse an object of any v1alpha1 kind and validate it; schema errors become FieldErrors."""
    model = model_for_kind(str(obj.get("kind", "")))
    if model is None:
        return [FieldError("kind", f"unsupported kind {obj.get('kind')!r}", ErrorType.NOT_SUPPORTED)]
    try:
        parsed = model.from_dict(obj)
    except ValidationError as exc:
        return from_pydantic(exc)
    validator: Callable[[Any], list[FieldError]] = _VALIDATORS[type(parsed)]
    return validator(parsed)


def from_pydantic(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    """Convert pydantic errors to FieldErrors with Kubernetes field paths."""
    out: set[FieldError] = set()
    for error in exc.errors():
        loc = [part for part in error["loc"] if not (isinstance(part, str) and _UNION_TAG.match(part))]
        path = join_path(prefix, *loc) or "<root>"
        kind = ErrorType.REQUIRED if error["type"] == "missing" else ErrorType.INVALID
        out.add(FieldError(path, error["msg"], kind))
    return sorted(out)


def join_path(prefix: str, *parts: str | int) -> str:
    """``join_path("spec", "roles", 2, "name") == "spec.roles[2].name"``."""
    path = prefix
    for part in parts:
        path = f"{path}[{part}]" if isinstance(part, int) else (f"{path}.{part}" if path else str(part))
    return path


# --------------------------------------------------------------------------------------------
# RoleBasedGroup
# --------------------------------------------------------------------------------------------


def validate_rolebasedgroup(rbg: RoleBasedGroup) -> list[FieldError]:
    """All semantic problems of a RoleBasedGroup."""
    return _name_errors(rbg.metadata.name) + validate_group_spec(rbg.spec, "spec")


def validate_group_spec(spec: RoleBasedGroupSpec, path: str) -> list[FieldError]:
    """All semantic problems of a RoleBasedGroupSpec found at ``path``."""
    out = _duplicates([r.name for r in spec.roles], f"{path}.roles", "name")
    templates = [t.name for t in spec.role_templates or []]
    out += _duplicates(templates, f"{path}.roleTemplates", "name")
    names = set(spec.role_names)
    for i, role in enumerate(spec.roles):
        role_path = f"{path}.roles[{i}]"
        out += _role_template_errors(role, role_path, set(templates))
        out += _role_dependency_errors(role, role_path, names)
        out += _role_rollout_errors(role, role_path)
        out += _role_port_errors(role, role_path)
        if role.workload_type not in SUPPORTED_WORKLOADS:
            supported = ", ".join(SUPPORTED_WORKLOADS)
            out.append(
                FieldError(
                    f"{role_path}.workload",
                    f"unsupported workload {role.workload_type!r} (supported: {supported})",
                    ErrorType.NOT_SUPPORTED,
                )
            )
        profiles = [e.profile_name for e in role.engine_runtimes or []]
        out += _duplicates(profiles, f"{role_path}.engineRuntimes", "profileName")
    out += _cycle_errors(spec, path)
    out += _coordination_errors(spec, path, names)
    policy = spec.pod_group_policy
    if policy is not None and policy.kube_scheduling is not None and policy.volcano_scheduling is not None:
        out.append(
            FieldError(
                f"{path}.podGroupPolicy",
                "only one of kubeScheduling and volcanoScheduling may be set",
                ErrorType.FORBIDDEN,
            )
        )
    return out


def _role_template_errors(role: RoleSpec, path: str, templates: set[str]) -> list[FieldError]:
    out: list[FieldError] = []
    has_template, has_ref = role.template is not None, role.template_ref is not None
    if has_template and has_ref:
        out.append(
            FieldError(
                f"{path}.templateRef", "template and templateRef are mutually exclusive", ErrorType.FORBIDDEN
            )
        )
    if role.workload.is_instanceset:
        if has_ref:
            out.append(
                FieldError(
                    f"{path}.templateRef", "not supported for InstanceSet workloads", ErrorType.FORBIDDEN
                )
            )
        if not has_template and not role.components:
            out.append(
                FieldError(
                    f"{path}.components",
                    "an InstanceSet role needs components or a template",
                    ErrorType.REQUIRED,
                )
            )
    else:
        if not has_template and not has_ref:
            out.append(
                FieldError(f"{path}.template", "template or templateRef is required", ErrorType.REQUIRED)
            )
        if role.components:
            out.append(
                FieldError(f"{path}.components", "only valid for InstanceSet workloads", ErrorType.FORBIDDEN)
            )
    if role.template_ref is not None:
        if role.template_ref.name not in templates:
            out.append(
                FieldError(
                    f"{path}.templateRef.name",
                    f"template {role.template_ref.name!r} not found in spec.roleTemplates",
                    ErrorType.NOT_FOUND,
                )
            )
        if role.template_patch is None:
            out.append(
                FieldError(
                    f"{path}.templatePatch",
                    "required when templateRef is set (use {} for no changes)",
                    ErrorType.REQUIRED,
                )
            )
    elif role.template_patch is not None:
        out.append(
            FieldError(f"{path}.templatePatch", "only valid when templateRef is set", ErrorType.FORBIDDEN)
        )
    out += _duplicates([c.name for c in role.components or []], f"{path}.components", "name")
    return out


def _role_dependency_errors(role: RoleSpec, path: str, names: set[str]) -> list[FieldError]:
    out: list[FieldError] = []
    seen: set[str] = set()
    for j, dep in enumerate(role.dependencies or []):
        where = f"{path}.dependencies[{j}]"
        if dep == role.name:
            out.append(FieldError(where, f"role {role.name!r} cannot depend on itself"))
        elif dep not in names:
            out.append(FieldError(where, f"role {dep!r} does not exist", ErrorType.NOT_FOUND))
        elif dep in seen:
            out.append(FieldError(where, f"duplicate dependency {dep!r}", ErrorType.DUPLICATE))
        seen.add(dep)
    return out


def _role_rollout_errors(role: RoleSpec, path: str) -> list[FieldError]:
    strategy = role.rollout_strategy
    if strategy is None or strategy.rolling_update is None or role.replicas == 0:
        return []
    ru, where = strategy.rolling_update, f"{path}.rolloutStrategy.rollingUpdate"
    out: list[FieldError] = []
    surge = percent_or_int_value(ru.max_surge, role.replicas, round_up=True)
    unavailable = percent_or_int_value(ru.max_unavailable, role.replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        static = isinstance(ru.max_surge, int) and isinstance(ru.max_unavailable, int)
        reason = "maxSurge and maxUnavailable cannot both be 0"
        if not static:
            reason += f" (both resolve to 0 at replicas={role.replicas}; the rollout cannot progress)"
        out.append(FieldError(where, reason, severity="error" if static else "warning"))
    partition = percent_or_int_value(ru.partition, role.replicas, round_up=True)
    if partition > role.replicas:
        out.append(
            FieldError(f"{where}.partition", f"partition {partition} is beyond replicas {role.replicas}")
        )
    return out


def _role_port_errors(role: RoleSpec, path: str) -> list[FieldError]:
    ports = role.service_ports or []
    out: list[FieldError] = []
    if len(ports) > 1:
        for k, port in enumerate(ports):
            if not port.name:
                out.append(
                    FieldError(
                        f"{path}.servicePorts[{k}].name",
                        "required when there are several ports",
                        ErrorType.REQUIRED,
                    )
                )
    out += _duplicates([p.name or None for p in ports], f"{path}.servicePorts", "name")
    keyed = [f"{p.port}/{p.protocol or 'TCP'}" for p in ports]
    out += _duplicates(keyed, f"{path}.servicePorts", "port")
    return out


def _cycle_errors(spec: RoleBasedGroupSpec, path: str) -> list[FieldError]:
    """One error per dependency cycle, at the edge that closes it."""
    index = {r.name: i for i, r in enumerate(spec.roles)}
    state: dict[str, int] = {}
    out: list[FieldError] = []

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        role = spec.roles[index[name]]
        for j, dep in enumerate(role.dependencies or []):
            if dep not in index or dep == name:
                continue
            if state.get(dep) == 1:
                cycle = [*trail[trail.index(dep) :], name, dep] if dep in trail else [name, dep]
                out.append(
                    FieldError(
                        f"{path}.roles[{index[name]}].dependencies[{j}]",
                        "dependency cycle: " + " -> ".join(cycle),
                    )
                )
            elif dep not in state:
                visit(dep, [*trail, name])
        state[name] = 2

    for role in spec.roles:
        if role.name not in state:
            visit(role.name, [])
    return out


def _coordination_errors(spec: RoleBasedGroupSpec, path: str, names: set[str]) -> list[FieldError]:
    entries = spec.coordination or []
    out = _duplicates([c.name for c in entries], f"{path}.coordination", "name")
    for c, entry in enumerate(entries):
        for k, role in enumerate(entry.roles):
            if role not in names:
                out.append(
                    FieldError(
                        f"{path}.coordination[{c}].roles[{k}]",
                        f"role {role!r} does not exist",
                        ErrorType.NOT_FOUND,
                    )
                )
        out += _duplicates(list(entry.roles), f"{path}.coordination[{c}].roles", None)
    return out


# --------------------------------------------------------------------------------------------
# Other kinds
# --------------------------------------------------------------------------------------------


def validate_rolebasedgroupset(rbgs: RoleBasedGroupSet) -> list[FieldError]:
    """All semantic problems of a RoleBasedGroupSet (its template is checked like a group)."""
    return _name_errors(rbgs.metadata.name) + validate_group_spec(rbgs.spec.template, "spec.template")


def validate_scaling_adapter(rbgsa: RoleBasedGroupScalingAdapter) -> list[FieldError]:
    """A scaling adapter has no cross-field rules beyond its schema."""
    del rbgsa
    return []


def validate_instanceset(iset: InstanceSet) -> list[FieldError]:
    """Duplicate component names of an InstanceSet's template."""
    components = [c.name for c in iset.spec.instance_template.components]
    return _duplicates(components, "spec.instanceTemplate.components", "name")


def validate_instance(instance: Instance) -> list[FieldError]:
    """Duplicate component names of an Instance."""
    return _duplicates([c.name for c in instance.spec.components], "spec.components", "name")


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
    return (
        out + _duplicates(init, "spec.initContainers", "name") + _duplicates(main, "spec.containers", "name")
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


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _name_errors(name: str | None) -> list[FieldError]:
    if name is None or (_DNS_LABEL.match(name) and len(name) <= 63):
        return []
    return [FieldError("metadata.name", f"{name!r} is not a DNS-1123 label (lowercase, digits, '-', max 63)")]


def _duplicates(values: Sequence[str | None], path: str, field: str | None) -> list[FieldError]:
    """One error per repeated value (None values are skipped), at the repeating index."""
    seen: set[str] = set()
    out: list[FieldError] = []
    for i, value in enumerate(values):
        if value is None:
            continue
        if value in seen:
            where = f"{path}[{i}].{field}" if field else f"{path}[{i}]"
            out.append(FieldError(where, f"duplicate value {value!r}", ErrorType.DUPLICATE))
        seen.add(value)
    return out
