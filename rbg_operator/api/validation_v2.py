"""Semantic checks of v1alpha2 objects that the CRD schema and CEL cannot express (no I/O): the checks
shared with v1alpha1 (names, dependencies and cycles, rollout arithmetic, ports) plus the v1alpha2 rules
for patterns, workload kinds and CoordinatedPolicy rules."""

from __future__ import annotations

from rbg_operator.api import keys
from rbg_operator.api.errors import ErrorType, FieldError, duplicates, name_errors
from rbg_operator.api.v1alpha2 import (
    CoordinatedPolicy,
    RoleBasedGroup,
    RoleBasedGroupSet,
    RoleBasedGroupSpec,
    RoleSpec,
    StandalonePattern,
)
from rbg_operator.api.validation_group import (
    _cycle_errors,
    _role_dependency_errors,
    _role_port_errors,
    _role_rollout_errors,
)

#: Patterns each workload kind can run (RoleInstanceSet and InstanceSet run all three).
_PATTERNS_BY_KIND = {
    "StatefulSet": ("standalonePattern",),
    "Deployment": ("standalonePattern",),
    "LeaderWorkerSet": ("standalonePattern", "leaderWorkerPattern"),
}


def validate_group_spec_v2(spec: RoleBasedGroupSpec, path: str) -> list[FieldError]:
    """All semantic problems of a v1alpha2 RoleBasedGroupSpec found at ``path``."""
    out = duplicates([r.name for r in spec.roles], f"{path}.roles", "name")
    templates = [t.name for t in spec.role_templates or []]
    out += duplicates(templates, f"{path}.roleTemplates", "name")
    names = set(spec.role_names)
    for i, role in enumerate(spec.roles):
        role_path = f"{path}.roles[{i}]"
        out += _pattern_errors(role, role_path, set(templates))
        out += _role_dependency_errors(role, role_path, names)  # type: ignore[arg-type]
        out += _role_rollout_errors(role, role_path)  # type: ignore[arg-type]
        out += _role_port_errors(role, role_path)  # type: ignore[arg-type]
        profiles = [e.profile_name for e in role.engine_runtimes or []]
        out += duplicates(profiles, f"{role_path}.engineRuntimes", "profileName")
    out += _cycle_errors(spec, path)  # type: ignore[arg-type]
    return out


def _pattern_errors(role: RoleSpec, path: str, templates: set[str]) -> list[FieldError]:
    pattern = role.pattern
    if pattern is None:
        return [
            FieldError(
                path,
                "one of standalonePattern, leaderWorkerPattern or customComponentsPattern is required",
                ErrorType.REQUIRED,
            )
        ]
    where = f"{path}.{role.pattern_field}"
    out: list[FieldError] = []
    allowed = _PATTERNS_BY_KIND.get(role.workload.kind)
    if allowed is not None and role.pattern_field not in allowed:
        out.append(
            FieldError(
                where,
                f"not supported with the {role.workload_type} workload "
                f"(annotation {keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2}); it runs {' or '.join(allowed)}",
                ErrorType.FORBIDDEN,
            )
        )
    if role.custom_components_pattern is not None:
        components = role.components or []
        if not components:
            out.append(
                FieldError(f"{where}.components", "at least one component is required", ErrorType.REQUIRED)
            )
        out += duplicates([c.name for c in components], f"{where}.components", "name")
        return out
    assert isinstance(pattern, StandalonePattern) or role.leader_worker_pattern is not None
    if role.template is None and role.template_ref is None:
        out.append(FieldError(f"{where}.template", "template or templateRef is required", ErrorType.REQUIRED))
    ref = role.template_ref
    if ref is not None and ref.name not in templates:
        out.append(
            FieldError(
                f"{where}.templateRef.name",
                f"template {ref.name!r} not found in spec.roleTemplates",
                ErrorType.NOT_FOUND,
            )
        )
    return out


def validate_rolebasedgroup_v2(rbg: RoleBasedGroup) -> list[FieldError]:
    """All semantic problems of a v1alpha2 RoleBasedGroup."""
    return name_errors(rbg.metadata.name) + validate_group_spec_v2(rbg.spec, "spec")


def validate_rolebasedgroupset_v2(rbgs: RoleBasedGroupSet) -> list[FieldError]:
    """All semantic problems of a v1alpha2 RoleBasedGroupSet (its group template is checked like a group)."""
    out = name_errors(rbgs.metadata.name)
    out += validate_group_spec_v2(rbgs.spec.group_template.spec, "spec.groupTemplate.spec")
    for i, role in enumerate(rbgs.spec.group_template.spec.roles):
        if role.scaling_adapter_enabled:
            out.append(
                FieldError(
                    f"spec.groupTemplate.spec.roles[{i}].scalingAdapter.enable",
                    "a scaling adapter inside a group template is not supported: scale the set instead",
                    ErrorType.FORBIDDEN,
                )
            )
    return out


def validate_coordinated_policy(policy: CoordinatedPolicy, roles: set[str] | None) -> list[FieldError]:
    """Rule problems of a CoordinatedPolicy; ``roles`` are the roles of its group when it exists (then
    every rule must name roles of that group)."""
    out: list[FieldError] = []
    claimed: dict[str, int] = {}
    for i, rule in enumerate(policy.spec.policies):
        where = f"spec.policies[{i}]"
        out += duplicates(list(rule.roles), f"{where}.roles", None)
        strategy = rule.strategy
        if strategy.rolling_update is None and strategy.scaling is None and strategy.scheduling is None:
            out.append(
                FieldError(
                    f"{where}.strategy",
                    "one of rollingUpdate, scaling or scheduling is required",
                    ErrorType.REQUIRED,
                )
            )
        for k, name in enumerate(rule.roles):
            if roles is not None and name not in roles:
                out.append(
                    FieldError(
                        f"{where}.roles[{k}]",
                        f"role {name!r} does not exist in RoleBasedGroup {policy.metadata.name!r}",
                        ErrorType.NOT_FOUND,
                    )
                )
            if name in claimed and claimed[name] != i:
                out.append(
                    FieldError(
                        f"{where}.roles[{k}]",
                        f"role {name!r} is already in spec.policies[{claimed[name]}]",
                        ErrorType.DUPLICATE,
                    )
                )
            claimed.setdefault(name, i)
        gang = strategy.scheduling.gang if strategy.scheduling else None
        for name in sorted((gang.min_replicas or {}) if gang else {}):
            if name not in rule.roles:
                out.append(
                    FieldError(
                        f"{where}.strategy.scheduling.gang.minReplicas[{name}]",
                        f"role {name!r} is not one of this rule's roles",
                        ErrorType.NOT_FOUND,
                    )
                )
    return out
