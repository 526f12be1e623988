"""Semantic checks of v1alpha2 objects (no I/O): the checks shared with v1alpha1 (names, dependencies and
cycles, rollout arithmetic, ports), the v1alpha2 rules for patterns, workload kinds and CoordinatedPolicy
rules, and the CRD's CEL rules again. CEL runs only on what a client writes in v1alpha2; a v1alpha1 write
is stored as its conversion, which no v1alpha2 rule sees unless the webhook checks it
(:func:`validate_as_stored`), so every v1alpha2 rule lives here too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from rbg_operator.api import keys
from rbg_operator.api.base import percent_or_int_value
from rbg_operator.api.convert import convert
from rbg_operator.api.errors import ErrorType, FieldError, duplicates, from_pydantic, name_errors
from rbg_operator.api.v1alpha2 import (
    CoordinatedPolicy,
    GroupUpdateStrategyType,
    RoleBasedGroup,
    RoleBasedGroupSet,
    RoleBasedGroupSpec,
    RoleSpec,
    SharedServiceSelection,
    StandalonePattern,
)
from rbg_operator.api.validation_annotations import (
    group_annotation_errors,
    set_annotation_errors,
    workload_type_errors,
)
from rbg_operator.api.validation_group import (
    _cycle_errors,
    _literal_zero,
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
#: JSON name of each pattern -> its attribute of RoleSpec.
_PATTERNS = {
    "standalonePattern": "standalone_pattern",
    "leaderWorkerPattern": "leader_worker_pattern",
    "customComponentsPattern": "custom_components_pattern",
}
_WT = keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2


def validate_group_spec_v2(spec: RoleBasedGroupSpec, path: str) -> list[FieldError]:
    """All semantic problems of a v1alpha2 RoleBasedGroupSpec found at ``path``."""
    out = duplicates([r.name for r in spec.roles], f"{path}.roles", "name")
    templates = [t.name for t in spec.role_templates or []]
    out += duplicates(templates, f"{path}.roleTemplates", "name")
    names = set(spec.role_names)
    for i, role in enumerate(spec.roles):
        role_path = f"{path}.roles[{i}]"
        out += workload_type_errors(role, role_path)
        out += _pattern_errors(role, role_path, set(templates))
        out += _role_dependency_errors(role, role_path, names)  # type: ignore[arg-type]
        out += _role_rollout_errors(role, role_path)  # type: ignore[arg-type]
        out += _role_port_errors(role, role_path)  # type: ignore[arg-type]
        profiles = [e.profile_name for e in role.engine_runtimes or []]
        out += duplicates(profiles, f"{role_path}.engineRuntimes", "profileName")
    out += _cycle_errors(spec, path)  # type: ignore[arg-type]
    return out


def _pattern_errors(role: RoleSpec, path: str, templates: set[str]) -> list[FieldError]:
    set_patterns = [p for p, attr in _PATTERNS.items() if getattr(role, attr) is not None]
    if not set_patterns:
        return [FieldError(path, f"one of {', '.join(_PATTERNS)} is required", ErrorType.REQUIRED)]
    if len(set_patterns) > 1:
        return [
            FieldError(
                f"{path}.{set_patterns[1]}",
                f"only one of {', '.join(_PATTERNS)} may be set (also set: {set_patterns[0]})",
                ErrorType.FORBIDDEN,
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
                f"(annotation {_WT}); it runs {' or '.join(allowed)}",
                ErrorType.FORBIDDEN,
            )
        )
    config = role.restart_policy_config
    base, cap = (config.base_delay_seconds, config.max_delay_seconds) if config else (None, None)
    if base is not None and cap is not None and cap < base:
        reason = f"must be greater than or equal to baseDelaySeconds ({base})"
        out.append(FieldError(f"{where}.restartPolicyConfig.maxDelaySeconds", reason))
    lwp = role.leader_worker_pattern
    if (
        lwp is not None
        and lwp.shared_service_selection == SharedServiceSelection.LEADER_ONLY
        and not role.workload.is_roleinstanceset
    ):
        out.append(
            FieldError(
                f"{where}.sharedServiceSelection",
                f"LeaderOnly is only supported for RoleInstanceSet roles, not {role.workload_type}",
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
    assert isinstance(role.pattern, StandalonePattern) or lwp is not None
    if role.template is not None and role.template_ref is not None:
        out.append(
            FieldError(
                f"{where}.templateRef", "template and templateRef are mutually exclusive", ErrorType.FORBIDDEN
            )
        )
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
    """All semantic problems of a v1alpha2 RoleBasedGroup, its annotations included."""
    return _group_problems(rbg) + group_annotation_errors(rbg)


def validate_rolebasedgroupset_v2(rbgs: RoleBasedGroupSet) -> list[FieldError]:
    """All semantic problems of a v1alpha2 RoleBasedGroupSet, its annotations included."""
    return _set_problems(rbgs) + set_annotation_errors(rbgs)


def _group_problems(rbg: RoleBasedGroup) -> list[FieldError]:
    return name_errors(rbg.metadata.name) + validate_group_spec_v2(rbg.spec, "spec")


def _set_problems(rbgs: RoleBasedGroupSet) -> list[FieldError]:
    """A set's problems but its annotations' (its group template is checked like a group)."""
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
    return out + _set_rollout_errors(rbgs)


def _set_rollout_errors(rbgs: RoleBasedGroupSet) -> list[FieldError]:
    """The CEL rules of an InPlaceUpdate rollout, and upstream's webhook rules: maxSurge and
    maxUnavailable not both 0, partition not beyond replicas (equal freezes every member)."""
    strategy, replicas = rbgs.spec.rollout_strategy, rbgs.spec.replicas
    if strategy is None:
        return []
    where, out = "spec.rolloutStrategy", []
    if strategy.type == GroupUpdateStrategyType.IN_PLACE_UPDATE:
        if not _literal_zero(strategy.max_surge):
            out.append(FieldError(f"{where}.maxSurge", "must be 0 for InPlaceUpdate"))
        elif _literal_zero(strategy.max_unavailable):
            out.append(FieldError(f"{where}.maxUnavailable", "must be positive for InPlaceUpdate"))
    elif _literal_zero(strategy.max_surge) and _literal_zero(strategy.max_unavailable):
        out.append(FieldError(where, "maxSurge and maxUnavailable cannot both be 0"))
    partition = percent_or_int_value(strategy.partition, replicas, round_up=False)
    if replicas > 0 and partition > replicas:
        out.append(FieldError(f"{where}.partition", f"partition {partition} is beyond replicas {replicas}"))
    return out


def validate_coordinated_policy(policy: CoordinatedPolicy, roles: set[str] | None) -> list[FieldError]:
    """Rule problems of a CoordinatedPolicy; ``roles`` are the roles of its group when it exists (then
    every rule must name roles of that group)."""
    out: list[FieldError] = [] if roles is None else _unknown_roles(policy, roles)
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
        minimums = (gang.min_replicas or {}) if gang else {}
        for name in sorted(minimums):
            field = f"{where}.strategy.scheduling.gang.minReplicas[{name}]"
            if name not in rule.roles:
                out.append(
                    FieldError(field, f"role {name!r} is not one of this rule's roles", ErrorType.NOT_FOUND)
                )
            elif minimums[name] < 1:
                out.append(FieldError(field, f"must be at least 1, got {minimums[name]}"))
    return out


def _unknown_roles(policy: CoordinatedPolicy, roles: set[str]) -> list[FieldError]:
    return [
        FieldError(
            f"spec.policies[{i}].roles[{k}]",
            f"role {name!r} does not exist in RoleBasedGroup {policy.metadata.name!r} "
            f"(its roles: {', '.join(sorted(roles))})",
            ErrorType.NOT_FOUND,
        )
        for i, rule in enumerate(policy.spec.policies)
        for k, name in enumerate(rule.roles)
        if name not in roles
    ]


def validate_policy_for_group(policy: Mapping[str, Any], group: Mapping[str, Any] | None) -> list[FieldError]:
    """A CoordinatedPolicy against the RoleBasedGroup of its name and namespace (read by the webhook):
    errors for rules naming roles the group lacks; a warning when there is no such group yet (upstream
    lets a policy come first; it applies once the group exists)."""
    try:
        parsed = CoordinatedPolicy.from_dict(policy)
    except ValidationError:
        return []  # validate_object reports it
    if group is None:
        reason = (
            f"no RoleBasedGroup {parsed.metadata.name!r} in namespace {parsed.metadata.namespace!r} yet: "
            "the policy applies to the group of its own name once that exists"
        )
        return [FieldError("metadata.name", reason, ErrorType.NOT_FOUND, severity="warning")]
    return _unknown_roles(parsed, {str(r.get("name")) for r in _roles(group)})


def validate_group_for_policy(group: Mapping[str, Any], policy: Mapping[str, Any] | None) -> list[FieldError]:
    """Warnings for a RoleBasedGroup write that leaves its CoordinatedPolicy naming roles it does not have
    (the policy's rules for them do nothing until the roles come back)."""
    if policy is None:
        return []
    names = {str(r.get("name")) for r in _roles(group)}
    policy_name = (policy.get("metadata") or {}).get("name")
    out: list[FieldError] = []
    for i, rule in enumerate((policy.get("spec") or {}).get("policies") or []):
        for k, name in enumerate(rule.get("roles") or [] if isinstance(rule, Mapping) else []):
            if name not in names:
                reason = (
                    f"CoordinatedPolicy {policy_name!r} names role {name!r} (spec.policies[{i}].roles[{k}]), "
                    "which this group does not have"
                )
                out.append(FieldError("spec.roles", reason, ErrorType.NOT_FOUND, severity="warning"))
    return out


def _roles(group: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    roles = (group.get("spec") or {}).get("roles") or []
    return [r for r in roles if isinstance(r, Mapping)]


# --- a v1alpha1 write, as it is stored ------------------------------------------------------------

#: v1alpha2 field names of a role and the v1alpha1 ones a message names instead (longest first).
_V1_NAMES = (
    (".standalonePattern.templateRef.patch", ".templatePatch"),
    (".leaderWorkerPattern.templateRef.patch", ".templatePatch"),
    (".leaderWorkerPattern.leaderTemplatePatch", ".leaderWorkerSet.patchLeaderTemplate"),
    (".leaderWorkerPattern.workerTemplatePatch", ".leaderWorkerSet.patchWorkerTemplate"),
    (".standalonePattern.template", ".template"),
    (".leaderWorkerPattern.template", ".template"),
    (".leaderWorkerPattern.restartPolicyConfig", ".restartPolicy"),
    (".leaderWorkerPattern", ".leaderWorkerSet"),
    (".customComponentsPattern.components", ".components"),
    (".customComponentsPattern", ".components"),
    (".standalonePattern", ""),
    ("spec.groupTemplate.spec.", "spec.template."),
)


def v1alpha1_path(path: str) -> str:
    """The v1alpha1 field path of a v1alpha2 one (the same path where the versions agree)."""
    for new, old in _V1_NAMES:
        path = path.replace(new, old)
    return path


def validate_as_stored(obj: Mapping[str, Any]) -> list[FieldError]:
    """Problems of a v1alpha1 RoleBasedGroup or RoleBasedGroupSet as v1alpha2, the version it is stored
    and planned in, with v1alpha1 field paths: what is valid in v1alpha1 but cannot be stored (a
    leaderWorkerSet on a StatefulSet role, say) is refused at admission, not found by the planner."""
    kind = obj.get("kind")
    if kind not in (keys.KIND_ROLE_BASED_GROUP, keys.KIND_ROLE_BASED_GROUP_SET):
        return []
    try:
        stored = convert(obj, keys.API_VERSION_V1ALPHA2)
        if kind == keys.KIND_ROLE_BASED_GROUP:  # annotations: validate_object checks them as stored
            problems = _group_problems(RoleBasedGroup.from_dict(stored))
        else:
            problems = _set_problems(RoleBasedGroupSet.from_dict(stored))
    except ValidationError as err:
        problems = from_pydantic(err)
    except (ValueError, KeyError, TypeError) as err:
        return [FieldError("spec", f"cannot be converted to {keys.API_VERSION_V1ALPHA2}: {err}")]
    out = []
    for p in problems:
        old = v1alpha1_path(p.path)
        where = f", at {p.path}" if old != p.path else ""
        note = f" (as {keys.API_VERSION_V1ALPHA2}, the version it is stored in{where})"
        out.append(FieldError(old, p.reason + note, p.type, p.severity))
    return out
