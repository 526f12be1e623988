"""The roles of a group, one at a time in dependency order: each role's workload (through its kind in
the registry), headless Service, discovery ConfigMap, PodDisruptionBudget and scaling adapter, gated on
its dependencies being Ready; and, for roles that are gone, the deletion of what they left behind."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rbg_operator.api.v1alpha2 import RoleBasedGroup

from . import kinds, names
from .adapter import adapter_manifest
from .applied import needs_apply, with_hash
from .coordination import Targets, coordinations
from .observed import Children, GroupObserved
from .plan import Deletion, Event, Plan
from .revisions import role_hash
from .role_context import RoleContext
from .status import KIND_NOT_SUPPORTED, RoleState
from .supporting import discovery_config, discovery_configmap, disruption_budget, headless_service
from .template import TemplateError

#: The kinds of a role's supporting objects (deleted when their role is removed).
SUPPORTING_KINDS = ("Service", "ConfigMap", "PodDisruptionBudget", "RoleBasedGroupScalingAdapter")


@dataclass(frozen=True)
class _Round:
    """What every role of this reconcile is planned from."""

    rbg: RoleBasedGroup
    observed: GroupObserved
    children: Children
    targets: Targets
    config: str  # the group's discovery document
    coordinated: frozenset[str]  # roles of a coordinated rollout


def plan_roles(
    rbg: RoleBasedGroup,
    observed: GroupObserved,
    children: Children,
    order: list[str],
    targets: Targets,
    plan: Plan[Any],
) -> dict[str, RoleState]:
    """Step: every role in dependency order; returns how each role stands (for the status)."""
    # Roles of a coordinated rollout move together; their dependencies order creation only.
    coordinated = frozenset(
        n for members, skew, _, _ in coordinations(rbg) if skew is not None for n in members
    )
    config = discovery_config(rbg, {r.name: r.replicas for r in rbg.spec.roles})
    round_ = _Round(rbg, observed, children, targets, config, coordinated)
    index = {r.name: i for i, r in enumerate(rbg.spec.roles)}
    states: dict[str, RoleState] = {}
    for name in order:
        states[name] = _plan_role(round_, index[name], states, plan)
    return states


def _plan_role(r: _Round, i: int, states: Mapping[str, RoleState], plan: Plan[Any]) -> RoleState:
    """One role: its workload unless blocked (old workload still going away, CRD missing, kind not
    supported, bad template, dependencies not Ready), and its supporting objects once it exists."""
    rbg, role = r.rbg, r.rbg.spec.roles[i]
    name, group, ns = role.name, rbg.metadata.name or "", rbg.metadata.namespace or ""
    wl = r.children.by_kind_name.get((role.workload.kind, names.workload_name(group, name)))
    if wl is not None and wl.deleting:  # recreated once the old one is gone (group restart)
        return RoleState(name, role.replicas, None, blocked="the previous workload is being removed")
    waiting = [d for d in role.dependencies or [] if not states[d].is_ready]
    kind = kinds.for_role(role)
    if kind is not None and kind.crd is not None and kind.api_version in r.observed.absent_apis:
        plan.events.append(
            Event("Warning", "WorkloadCRDMissing", f"role {name}: {kind.crd} is not installed")
        )
        return RoleState(name, role.replicas, wl, blocked=f"the {kind.kind} CRD is not installed")
    if kind is None:
        why = f"workload kind {role.workload.kind} is not supported yet"
        plan.events.append(Event("Warning", KIND_NOT_SUPPORTED, f"role {name}: {why}"))
        return RoleState(name, role.replicas, wl, blocked=why, unsupported=True)
    selector = wl.selector if wl is not None and wl.selector else names.selector_labels(ns, group, name)
    ctx = RoleContext(
        rbg,
        role,
        r.targets.replicas.get(name, role.replicas),
        role_hash(rbg, i),
        selector,
        r.targets.partitions.get(name),
        r.targets.holds.get(name, False),
    )
    try:
        workload = with_hash(kind.build(ctx, i, r.observed.profiles))
    except TemplateError as err:
        plan.events.append(Event("Warning", "InvalidRoleTemplate", str(err)))
        return RoleState(name, role.replicas, wl, blocked=str(err))
    stale = needs_apply(workload, wl)
    # Nothing of a role is created, nor its workload changed, before its dependencies are Ready.
    held = bool(waiting) and (wl is None or (stale and name not in r.coordinated))
    blocked = "waiting for " + ", ".join(waiting) if held else ""
    if held and wl is None:
        return RoleState(name, role.replicas, wl, blocked=blocked, stale=stale)
    _plan_supporting(r, ctx, plan)
    if held:
        return RoleState(name, role.replicas, wl, blocked=blocked, stale=stale)
    if stale:
        plan.apply.append(workload)
        if wl is None:
            plan.events.append(
                Event("Normal", "RoleCreated", f"created {kind.kind} {workload.metadata.name}")
            )
    return RoleState(name, role.replicas, wl, stale=stale)


def _plan_supporting(r: _Round, ctx: RoleContext, plan: Plan[Any]) -> None:
    """A role's Service, discovery ConfigMap, PodDisruptionBudget and scaling adapter: they never restart
    pods, so they are kept current once the role exists (whether or not its workload may change)."""
    budget = disruption_budget(ctx)
    supporting = [headless_service(ctx), discovery_configmap(ctx, r.config), *([budget] if budget else [])]
    if ctx.role.scaling_adapter_enabled:
        supporting.append(adapter_manifest(ctx.rbg, ctx.role))
    for child in (with_hash(m) for m in supporting):
        if needs_apply(child, r.children.objects.get((child.kind, child.metadata.name or ""))):
            plan.apply.append(child)


def prune_removed_roles(rbg: RoleBasedGroup, children: Children, plan: Plan[Any]) -> None:
    """Step: delete the workloads and supporting objects the group owns that no role wants any more (a
    removed role, or a role whose workload kind changed)."""
    group, ns, roles = rbg.metadata.name or "", rbg.metadata.namespace or "", rbg.spec.roles
    wanted = {(r.workload.kind, names.workload_name(group, r.name)) for r in roles}
    for (kind, name), w in sorted(children.by_kind_name.items()):
        if (kind, name) not in wanted and not w.deleting:
            plan.delete.append(Deletion(kinds.api_version_of(kind, w.api_version), kind, ns, name, w.uid))
    wanted_objects = {("Service", names.service_name(group, r.name)) for r in roles} | {
        ("ConfigMap", names.discovery_configmap_name(group, r.name)) for r in roles
    }
    wanted_objects |= {
        ("PodDisruptionBudget", m.metadata.name or "")
        for r in roles
        if (m := disruption_budget(RoleContext(rbg, r, r.replicas, "", {}))) is not None
    }
    wanted_objects |= {
        ("RoleBasedGroupScalingAdapter", names.scaling_adapter_name(group, r.name))
        for r in roles
        if r.scaling_adapter_enabled
    }
    for (kind, name), o in sorted(children.objects.items()):
        if kind in SUPPORTING_KINDS and (kind, name) not in wanted_objects and not o.deleting:
            plan.delete.append(Deletion(o.api_version, kind, ns, name, o.uid))
