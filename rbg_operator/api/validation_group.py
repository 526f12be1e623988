"""Semantic checks of a RoleBasedGroupSpec (also the template of a RoleBasedGroupSet) that the CRD
schema and CEL cannot express: cycles, references, duplicates, rollout arithmetic; and the v1alpha1
podGroupPolicy and coordination a v1alpha2 group keeps in its conversion annotations. No I/O."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from pydantic import ValidationError

from rbg_operator.api import keys
from rbg_operator.api.base import percent_or_int_value
from rbg_operator.api.errors import ErrorType, FieldError, duplicates, from_pydantic
from rbg_operator.api.v1alpha1 import SUPPORTED_WORKLOADS, RoleBasedGroupSpec, RoleSpec
from rbg_operator.api.v1alpha1.common import Coordination, PodGroupPolicy

_PGP = keys.ANNOTATION_CONVERSION_POD_GROUP_POLICY
_COORD = keys.ANNOTATION_CONVERSION_COORDINATION


def validate_group_spec(spec: RoleBasedGroupSpec, path: str) -> list[FieldError]:
    """All semantic problems of a RoleBasedGroupSpec found at ``path``."""
    out = duplicates([r.name for r in spec.roles], f"{path}.roles", "name")
    templates = [t.name for t in spec.role_templates or []]
    out += duplicates(templates, f"{path}.roleTemplates", "name")
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
        out += duplicates(profiles, f"{role_path}.engineRuntimes", "profileName")
    out += _cycle_errors(spec, path)
    out += coordination_errors(spec.coordination or [], f"{path}.coordination", names)
    return out + pod_group_policy_errors(spec.pod_group_policy, f"{path}.podGroupPolicy")


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
    out += duplicates([c.name for c in role.components or []], f"{path}.components", "name")
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
    """maxSurge/maxUnavailable both 0 (an error when literal, a warning when only percentages round to
    0 at the current replicas, since scaling can cause it) and partition beyond replicas."""
    strategy = role.rollout_strategy
    if strategy is None or strategy.rolling_update is None:
        return []
    ru, where = strategy.rolling_update, f"{path}.rolloutStrategy.rollingUpdate"
    both_zero = "maxSurge and maxUnavailable cannot both be 0"
    if _literal_zero(ru.max_surge) and _literal_zero(ru.max_unavailable):
        return [FieldError(where, both_zero)]
    if role.replicas == 0:
        return []
    out: list[FieldError] = []
    surge = percent_or_int_value(ru.max_surge, role.replicas, round_up=True)
    unavailable = percent_or_int_value(ru.max_unavailable, role.replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        reason = f"{both_zero} (both resolve to 0 at replicas={role.replicas}; the rollout cannot progress)"
        out.append(FieldError(where, reason, severity="warning"))
    partition = percent_or_int_value(ru.partition, role.replicas, round_up=True)
    if partition > role.replicas:
        out.append(
            FieldError(f"{where}.partition", f"partition {partition} is beyond replicas {role.replicas}")
        )
    return out


def _literal_zero(value: int | str) -> bool:
    """0, "0%", "00%": zero whatever the replica count."""
    return value == 0 or (isinstance(value, str) and value.rstrip("%").strip("0") == "")


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
    out += duplicates([p.name or None for p in ports], f"{path}.servicePorts", "name")
    keyed = [f"{p.port}/{p.protocol or 'TCP'}" for p in ports]
    out += duplicates(keyed, f"{path}.servicePorts", "port")
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


def coordination_errors(entries: Sequence[Coordination], path: str, names: set[str]) -> list[FieldError]:
    """Duplicate names, unknown and repeated roles of v1alpha1 coordination entries (the list at ``path``)."""
    out = duplicates([c.name for c in entries], path, "name")
    for c, entry in enumerate(entries):
        for k, role in enumerate(entry.roles):
            if role not in names:
                out.append(
                    FieldError(
                        f"{path}[{c}].roles[{k}]", f"role {role!r} does not exist", ErrorType.NOT_FOUND
                    )
                )
        out += duplicates(list(entry.roles), f"{path}[{c}].roles", None)
    return out


def pod_group_policy_errors(policy: PodGroupPolicy | None, path: str) -> list[FieldError]:
    """A podGroupPolicy names one scheduler at most."""
    if policy is None or policy.kube_scheduling is None or policy.volcano_scheduling is None:
        return []
    reason = "only one of kubeScheduling and volcanoScheduling may be set"
    return [FieldError(path, reason, ErrorType.FORBIDDEN)]


def conversion_annotation_errors(
    annotations: Mapping[str, str], path: str, names: set[str]
) -> list[FieldError]:
    """The v1alpha1 podGroupPolicy and coordination a v1alpha2 group keeps as JSON in upstream's conversion
    annotations (``path`` is the annotation map's): checked as the v1alpha1 fields are, since the operator
    follows them (a value it cannot read would otherwise be dropped without a word)."""
    out: list[FieldError] = []
    for key, shape in (
        (_PGP, "a JSON object (a v1alpha1 podGroupPolicy)"),
        (_COORD, "a JSON list (v1alpha1 coordination)"),
    ):
        if key not in annotations:
            continue
        where = f"{path}[{key}]"
        try:
            value = json.loads(annotations[key])
        except ValueError as err:
            out.append(FieldError(where, f"must be {shape}: not JSON ({err})"))
            continue
        if not isinstance(value, dict if key == _PGP else list):
            out.append(FieldError(where, f"must be {shape}, got {type(value).__name__}"))
        elif key == _PGP:
            try:
                out += pod_group_policy_errors(PodGroupPolicy.model_validate(value), where)
            except ValidationError as err:
                out += from_pydantic(err, where)
        else:
            entries = []
            for i, item in enumerate(value):
                try:
                    entries.append(Coordination.model_validate(item))
                except ValidationError as err:
                    out += from_pydantic(err, f"{where}[{i}]")
            if len(entries) == len(value):
                out += coordination_errors(entries, where, names)
    return out
