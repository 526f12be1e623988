"""Admission checks of the annotations that carry configuration: the ``rbg.workloads.x-k8s.io/`` keys the
planners read, the v1alpha1 exclusive-topology keys and upstream's ``conversion.workloads.x-k8s.io/``
podGroupPolicy and coordination. Each is checked where it is set -- the group's metadata, a role's
annotations, a pod template's (component annotations and template patches included), a
RoleBasedGroupSet's metadata and its groupTemplate -- with the field path, so that nothing the operator
would ignore, read differently or fail to apply is accepted:

- a value the planner cannot read as written is an error (``"2m"`` for a timeout in seconds, ``"yes"``
  for a ``"true"``/``"false"`` switch, a topology key that is no label key);
- a key set where the operator does not read it (a group key on a role, say) is an error;
- two settings that contradict each other are an error (the one that loses is named);
- a setting another one makes inert (a gang timeout while gang scheduling is off) is a warning, as is an
  unknown ``rbg.workloads.x-k8s.io/`` key (with the nearest known one). No I/O."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.annotation_rules import (
    ANNOTATION_MAX_RESTARTS,
    GROUP,
    ROLE,
    SET,
    TEMPLATE,
    map_errors,
    warn,
)
from rbg_operator.api.errors import ErrorType, FieldError
from rbg_operator.api.v1alpha1.enums import RestartPolicy
from rbg_operator.api.v1alpha2 import (
    WORKLOAD_TYPES,
    RoleBasedGroup,
    RoleBasedGroupSet,
    RoleBasedGroupSpec,
    RoleSpec,
)
from rbg_operator.api.validation_group import conversion_annotation_errors

_GANG = (
    keys.ANNOTATION_GANG_SCHEDULING_V2,
    keys.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2,
    keys.ANNOTATION_GANG_VOLCANO_QUEUE_V2,
    keys.ANNOTATION_GANG_VOLCANO_PRIORITY_V2,
)
_EXCLUSIVE = (keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2, keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1)
_DISABLE = (keys.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2, keys.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V1)
_WT = keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2
#: Annotation -> (value, field path of that key).
Located = dict[str, tuple[str, str]]


def workload_type_errors(role: RoleSpec, path: str) -> list[FieldError]:
    """The role-workload-type annotation names a workload kind the operator runs (also a CEL rule)."""
    value = (role.annotations or {}).get(_WT)
    if value is None or value in WORKLOAD_TYPES:
        return []
    reason = f"unsupported workload type {value!r} (supported: {', '.join(WORKLOAD_TYPES)})"
    return [FieldError(f"{path}.annotations[{_WT}]", reason, ErrorType.NOT_SUPPORTED)]


def _pair_errors(ann: Located) -> list[FieldError]:
    """Drain-probe and PodDisruptionBudget settings of one map (a role's, or the group's) that collide."""
    out: list[FieldError] = []
    url, port, path = (
        keys.ANNOTATION_DRAIN_PROBE_URL,
        keys.ANNOTATION_DRAIN_PROBE_PORT,
        keys.ANNOTATION_DRAIN_PROBE_PATH,
    )
    for key in (port, path):
        if url in ann and key in ann:
            out.append(
                FieldError(ann[key][1], f"conflicts with {url}, which is the probe used: set one of them")
            )
    if path in ann and url not in ann and port not in ann:
        out.append(warn(ann[path][1], f"has no effect without {port}"))
    low, high = keys.ANNOTATION_PDB_MIN_AVAILABLE, keys.ANNOTATION_PDB_MAX_UNAVAILABLE
    if low in ann and high in ann:
        out.append(
            FieldError(ann[low][1], f"conflicts with {high}, which the PodDisruptionBudget uses: set one")
        )
    return out


def _gang_errors(g: Located, hub: RoleBasedGroup, kept: bool) -> list[FieldError]:
    """The gang keys against what the operator follows: a kept (readable) v1alpha1 podGroupPolicy first,
    else the keys themselves."""
    out: list[FieldError] = []
    pgp, switch, timeout, queue, priority = keys.ANNOTATION_CONVERSION_POD_GROUP_POLICY, *_GANG
    try:
        policy = hub.pod_group_policy
    except ValueError:  # an unreadable timeout: reported by _map_errors
        return out
    if pgp in g:
        kube, volcano = (
            (policy.kube_scheduling, policy.volcano_scheduling) if policy and kept else (None, None)
        )
        expected = {
            switch: "true" if kube or volcano else "false",
            timeout: str(kube.schedule_timeout_seconds) if kube else None,
            queue: volcano.queue if volcano else None,
            priority: volcano.priority_class_name if volcano else None,
        }
        for key in _GANG if kept else ():
            if key in g and g[key][0] != expected[key]:
                reason = (
                    f"conflicts with the group's podGroupPolicy (spec.podGroupPolicy in v1alpha1, annotation "
                    f"{pgp} in v1alpha2: {g[pgp][0]}), which the operator follows"
                )
                out.append(FieldError(g[key][1], reason))
        return out
    if g.get(switch, ("",))[0] != "true":
        for key in (timeout, queue, priority):
            if key in g:
                out.append(warn(g[key][1], f'has no effect: gang scheduling is off ({switch} is not "true")'))
    elif timeout in g and policy is not None and policy.volcano_scheduling is not None:
        reason = (
            "has no effect: the group is gang-scheduled by Volcano (a Volcano queue or priority is set, or "
            "every role names schedulerName volcano), which has no schedule timeout"
        )
        out.append(warn(g[timeout][1], reason))
    if keys.ANNOTATION_SCHEDULER_NAME in g and policy is None:
        reason = "has no effect without gang scheduling: set schedulerName in the pod templates instead"
        out.append(warn(g[keys.ANNOTATION_SCHEDULER_NAME][1], reason))
    return out


def _group_errors(g: Located, spec: RoleBasedGroupSpec, path: str) -> list[FieldError]:
    """Cross-key checks of a group's effective annotations (``path``: the roles' list)."""
    out: list[FieldError] = []
    names = set(spec.role_names)
    v2, v1 = _EXCLUSIVE
    if v1 in g and v2 in g and g[v1][0] != g[v2][0]:
        out.append(FieldError(g[v1][1], f"differs from {v2} ({g[v2][0]!r}), which the operator uses"))
    pack, roles = keys.ANNOTATION_PACK_TOPOLOGY, keys.ANNOTATION_PACK_ROLES
    for key in (keys.ANNOTATION_PACK_MODE, roles):
        if key in g and pack not in g:
            out.append(warn(g[key][1], f"has no effect without {pack}"))
    if roles in g:
        listed = [r.strip() for r in g[roles][0].split(",") if r.strip()]
        if not listed:
            reason = "must list at least one role, comma-separated (leave it out to pack every role)"
            out.append(FieldError(g[roles][1], reason))
        for name in listed:
            if name not in names:
                reason = f"role {name!r} does not exist (roles: {', '.join(sorted(names))})"
                out.append(FieldError(g[roles][1], reason, ErrorType.NOT_FOUND))
    recreate = any(r.restart_policy == RestartPolicy.RECREATE_RBG_ON_POD_RESTART for r in spec.roles)
    if ANNOTATION_MAX_RESTARTS in g and not recreate:
        reason = (
            f"has no effect: no role has restart policy {RestartPolicy.RECREATE_RBG_ON_POD_RESTART.value}"
        )
        out.append(warn(g[ANNOTATION_MAX_RESTARTS][1], reason))
    kept = True
    for key in (keys.ANNOTATION_CONVERSION_POD_GROUP_POLICY, keys.ANNOTATION_CONVERSION_COORDINATION):
        if key in g:
            found = conversion_annotation_errors({key: g[key][0]}, g[key][1].rpartition("[")[0], names)
            kept = kept and (key != keys.ANNOTATION_CONVERSION_POD_GROUP_POLICY or not found)
            out += found
    values = {k: v for k, (v, _) in g.items()}
    hub = RoleBasedGroup.model_validate({"metadata": {"annotations": values}, "spec": spec})
    out += _gang_errors(g, hub, kept) + _pair_errors(g)
    exclusive = any(g.get(k, ("",))[0] for k in _EXCLUSIVE)
    for i, role in enumerate(spec.roles):
        out += _role_errors(role, f"{path}[{i}]", g, exclusive)
    return out


def _role_errors(role: RoleSpec, path: str, group: Located, exclusive: bool) -> list[FieldError]:
    where = f"{path}.annotations"
    ann = {k: (v, f"{where}[{k}]") for k, v in (role.annotations or {}).items()}
    out = map_errors(role.annotations, where, ROLE) + _pair_errors(ann)
    drain = [k for k in keys.DRAIN_ANNOTATIONS if k in ann]
    lost = [k for k in keys.DRAIN_ANNOTATIONS if k in group and k not in ann]
    if drain and lost:
        reason = f"the role's drain settings replace the group's; not applied to this role: {', '.join(lost)}"
        out.append(warn(ann[drain[0]][1], reason))
    if keys.ANNOTATION_SPREAD_MODE in ann and keys.ANNOTATION_SPREAD_TOPOLOGY not in ann:
        out.append(
            warn(
                ann[keys.ANNOTATION_SPREAD_MODE][1],
                f"has no effect without {keys.ANNOTATION_SPREAD_TOPOLOGY}",
            )
        )
    templates = list(_templates(role, path))
    for found, at in [(role.annotations, where), *templates]:
        for key in _DISABLE:
            if (found or {}).get(key) == "true" and not exclusive:
                out.append(warn(f"{at}[{key}]", "has no effect: the group has no exclusive topology"))
    for found, at in templates:
        out += map_errors(found, at, TEMPLATE)
        if (found or {}).get(keys.ANNOTATION_RESTART_TRIGGER_POLICY_V2) == "Ignore":
            reason = (
                "not honoured by rbg-operator yet: pod failures of this component still trigger the role's "
                "restart policy"
            )
            out.append(warn(f"{at}[{keys.ANNOTATION_RESTART_TRIGGER_POLICY_V2}]", reason))
    return out


def _templates(role: RoleSpec, path: str) -> Iterator[tuple[Mapping[str, str] | None, str]]:
    """Every pod-template annotation map of a role (inline templates, patches, components) and its path."""
    pattern, field = role.pattern, role.pattern_field
    if pattern is None:
        return
    base = f"{path}.{field}"
    sources: list[tuple[Any, str]] = [(getattr(pattern, "template", None), f"{base}.template")]
    ref = getattr(pattern, "template_ref", None)
    sources.append((ref.patch if ref else None, f"{base}.templateRef.patch"))
    for attr, name in (
        ("leader_template_patch", "leaderTemplatePatch"),
        ("worker_template_patch", "workerTemplatePatch"),
    ):
        sources.append((getattr(pattern, attr, None), f"{base}.{name}"))
    for c, component in enumerate(role.components or []):
        yield component.annotations, f"{base}.components[{c}].annotations"
        sources.append((component.template, f"{base}.components[{c}].template"))
    for source, at in sources:
        meta = source.get("metadata") if isinstance(source, dict) else getattr(source, "metadata", None)
        annotations = (
            meta.get("annotations") if isinstance(meta, dict) else getattr(meta, "annotations", None)
        )
        if isinstance(annotations, dict):
            yield annotations, f"{at}.metadata.annotations"


def _located(annotations: Mapping[str, str] | None, path: str) -> Located:
    return {k: (v, f"{path}[{k}]") for k, v in (annotations or {}).items()}


def _role_templates_errors(spec: RoleBasedGroupSpec, path: str) -> list[FieldError]:
    out: list[FieldError] = []
    for k, template in enumerate(spec.role_templates or []):
        meta = template.template.metadata
        out += map_errors(
            meta.annotations if meta else None, f"{path}[{k}].template.metadata.annotations", TEMPLATE
        )
    return out


def group_annotation_errors(rbg: RoleBasedGroup) -> list[FieldError]:
    """Every annotation problem of a v1alpha2 RoleBasedGroup."""
    ann = rbg.metadata.annotations
    out = map_errors(ann, "metadata.annotations", GROUP)
    out += _group_errors(_located(ann, "metadata.annotations"), rbg.spec, "spec.roles")
    return out + _role_templates_errors(rbg.spec, "spec.roleTemplates")


def set_annotation_errors(rbgs: RoleBasedGroupSet) -> list[FieldError]:
    """Every annotation problem of a v1alpha2 RoleBasedGroupSet: its own keys, and its members' (the
    groupTemplate's annotations, under the group keys the set copies to every member, which win)."""
    template, own = rbgs.spec.group_template, rbgs.metadata.annotations or {}
    copied = {k: v for k, v in own.items() if k in _EXCLUSIVE or k.startswith(keys.PREFIX_V2 + "group-")}
    out = map_errors({k: v for k, v in own.items() if k not in copied}, "metadata.annotations", SET)
    member: Located = {}
    for given, path in (
        (
            template.metadata.annotations if template.metadata else None,
            "spec.groupTemplate.metadata.annotations",
        ),
        (template.annotations, "spec.groupTemplate.annotations"),
        (copied, "metadata.annotations"),
    ):
        out += map_errors(given, path, GROUP)
        for key, (value, at) in _located(given, path).items():
            if key in member and member[key][0] != value:
                out.append(warn(member[key][1], f"has no effect: {at} sets it too, and wins"))
            member[key] = (value, at)
    spec_path = "spec.groupTemplate.spec"
    out += _group_errors(member, template.spec, f"{spec_path}.roles")
    return out + _role_templates_errors(template.spec, f"{spec_path}.roleTemplates")
