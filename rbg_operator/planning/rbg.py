"""plan(RoleBasedGroup, observed, now) -> Plan: the whole desired state of a group, level by level in
dependency order, reduced to what differs from what is observed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rbg_operator.api import keys
from rbg_operator.api.children import ControllerRevision, Manifest
from rbg_operator.api.meta import ObjectMeta
from rbg_operator.api.v1alpha1 import ClusterEngineRuntimeProfile
from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleBasedGroupStatus

from . import dependencies, names
from .adapter import adapter_manifest
from .applied import needs_apply, with_hash
from .coordination import RolloutProgress, ScaleProgress, coordinations, rollout_targets, scaling_targets
from .gang import pod_group
from .instance_role import instanceset
from .observed import ObjectView, PodView, RevisionView, WorkloadView
from .plan import Deletion, Event, Plan
from .restart import plan_restarts
from .status import RoleState, group_status, status_changed, with_kstatus
from .teardown import teardown
from .template import TemplateError, role_templates
from .workloads import (
    BUILDERS,
    KIND_API,
    RoleContext,
    discovery_config,
    discovery_configmap,
    disruption_budget,
    headless_service,
)

REVISION_HISTORY = 5
_ONCE = {"InvalidRoleTemplate", "WorkloadCRDMissing", "InvalidRoleDependency"}


@dataclass(frozen=True)
class GroupObserved:
    """What the informers hold for one group."""

    workloads: Sequence[WorkloadView] = ()
    objects: Sequence[ObjectView] = ()  # Services, ConfigMaps, ...
    revisions: Sequence[RevisionView] = ()
    profiles: Mapping[str, ClusterEngineRuntimeProfile] = field(default_factory=dict)
    lws_available: bool = True
    pods: Sequence[PodView] = ()  # the group's pods (restart policies)
    absent_apis: frozenset[str] = frozenset()  # apiVersions whose CRDs are not installed


def role_hash(rbg: RoleBasedGroup, index: int) -> str:
    """Upstream's role revision: the role without replicas, plus the roleTemplate it references."""
    role = rbg.spec.roles[index]
    data = role.to_dict()
    data.pop("replicas", None)
    parts: list[object] = [data]
    if role.template_ref is not None:
        parts += [
            t.template.to_dict() for t in rbg.spec.role_templates or [] if t.name == role.template_ref.name
        ]
    return names.content_hash(parts)


def _revision(rbg: RoleBasedGroup, revisions: Sequence[RevisionView], plan: Plan) -> None:
    """A ControllerRevision per distinct spec (roles without replicas, and roleTemplates); last 5 kept."""
    spec = rbg.spec.to_dict()
    data = {
        "spec": {
            "roles": [{k: v for k, v in r.items() if k != "replicas"} for r in spec["roles"]],
            "roleTemplates": spec.get("roleTemplates", []),
        }
    }
    digest = names.content_hash(data)
    group, ns = rbg.metadata.name or "", rbg.metadata.namespace or ""
    # Only revisions the group owns: a StatefulSet's revisions carry the group's labels too, and are the
    # StatefulSet controller's to prune.
    ours = sorted(
        (
            r
            for r in revisions
            if rbg.metadata.uid in r.owner_uids and keys.LABEL_GROUP_REVISION_V1 in r.labels
        ),
        key=lambda r: r.revision,
    )
    if not any(r.data_hash == digest for r in ours):
        number = (ours[-1].revision if ours else 0) + 1
        plan.apply.append(
            ControllerRevision(
                metadata=ObjectMeta.model_validate(
                    {
                        "name": names.truncate(f"{group[:220]}-{digest}", 253),
                        "namespace": ns,
                        "labels": {
                            **names.group_labels(ns, group),
                            keys.LABEL_GROUP_REVISION_V1: digest,
                            keys.LABEL_GROUP_REVISION_V2: digest,
                        },
                        "ownerReferences": [
                            names.owner_reference(rbg.api_version, rbg.kind, group, rbg.metadata.uid or "")
                        ],
                    }
                ),
                data=data,
                revision=number,
            )
        )
        ours = [*ours, RevisionView(name="", namespace=ns, uid="", revision=number, data_hash=digest)]
    for old in ours[: max(0, len(ours) - REVISION_HISTORY)]:
        plan.delete.append(Deletion("apps/v1", "ControllerRevision", ns, old.name, old.uid))


def plan_group(rbg: RoleBasedGroup, observed: GroupObserved, now: str) -> Plan:
    plan = Plan()
    group, ns, uid = rbg.metadata.name or "", rbg.metadata.namespace or "", rbg.metadata.uid or ""
    roles = rbg.spec.roles
    index = {r.name: i for i, r in enumerate(roles)}
    mine = [w for w in observed.workloads if uid in w.owner_uids]
    by_kind_name = {(w.kind, w.name): w for w in mine}
    objects = {(o.kind, o.name): o for o in observed.objects if uid in o.owner_uids}
    if rbg.metadata.deletion_timestamp:
        teardown(rbg, mine, plan)
        return plan.sort()
    if keys.FINALIZER_TEARDOWN not in (rbg.metadata.finalizers or []):
        plan.finalizer = "add"

    _revision(rbg, observed.revisions, plan)
    try:
        order = [
            r
            for level in dependencies.levels(
                {r.name: list(r.dependencies or []) for r in roles}, [r.name for r in roles]
            )
            for r in level
        ]
    except ValueError as err:
        order = []
        plan.events.append(Event("Warning", "InvalidRoleDependency", str(err)))
    gang = pod_group(rbg)
    if gang is not None and gang.api_version in observed.absent_apis:
        plan.events.append(
            Event(
                "Warning",
                "PodGroupCRDMissing",
                f"podGroupPolicy needs {gang.api_version} PodGroup, not installed",
            )
        )
        gang = None
    if gang is not None:
        gang = with_hash(gang)
        held = next(
            (
                o
                for o in observed.objects
                if o.kind == "PodGroup" and o.api_version == gang.api_version and o.name == group
            ),
            None,
        )
        if needs_apply(gang, held):
            plan.apply.append(gang)
    for o in observed.objects:
        unwanted = gang is None or o.api_version != gang.api_version
        if o.kind == "PodGroup" and uid in o.owner_uids and unwanted and not o.deleting:
            plan.delete.append(Deletion(o.api_version, "PodGroup", ns, o.name, o.uid))
    staged, partitions, holds = _coordinate(rbg, by_kind_name)
    # Roles of a coordinated rollout move together; their dependencies order creation only.
    coordinated = {n for members, skew, _, _ in coordinations(rbg) if skew is not None for n in members}
    replicas = {r.name: r.replicas for r in roles}
    config = discovery_config(rbg, replicas)
    states: dict[str, RoleState] = {}
    for name in order:
        i = index[name]
        role = roles[i]
        kind = role.workload.kind
        wl = by_kind_name.get((kind, names.workload_name(group, name)))
        if wl is not None and wl.deleting:  # recreated once the old one is gone (group restart)
            states[name] = RoleState(
                name, role.replicas, None, blocked="the previous workload is being removed"
            )
            continue
        waiting = [d for d in role.dependencies or [] if not states[d].is_ready]
        if kind == "LeaderWorkerSet" and not observed.lws_available:
            states[name] = RoleState(
                name, role.replicas, wl, blocked="the LeaderWorkerSet CRD is not installed"
            )
            plan.events.append(
                Event(
                    "Warning",
                    "WorkloadCRDMissing",
                    f"role {name}: leaderworkersets.leaderworkerset.x-k8s.io is not installed",
                )
            )
            continue
        if kind not in BUILDERS and kind != keys.KIND_INSTANCE_SET:
            states[name] = RoleState(
                name, role.replicas, wl, blocked=f"workload kind {kind} is not supported yet"
            )
            continue
        selector = wl.selector if wl is not None and wl.selector else names.selector_labels(ns, group, name)
        ctx = RoleContext(
            rbg,
            role,
            staged.get(name, role.replicas),
            role_hash(rbg, i),
            selector,
            partitions.get(name),
            holds.get(name, False),
        )
        try:
            if kind == keys.KIND_INSTANCE_SET:
                built: Manifest = instanceset(ctx, i, observed.profiles)
            else:
                built = BUILDERS[kind](ctx, role_templates(rbg, i, observed.profiles, selector))
        except TemplateError as err:
            states[name] = RoleState(name, role.replicas, wl, blocked=str(err))
            plan.events.append(Event("Warning", "InvalidRoleTemplate", str(err)))
            continue
        workload = with_hash(built)
        stale = needs_apply(workload, wl)
        if waiting and (wl is None or (stale and name not in coordinated)):
            # Nothing of a role is created, nor its workload changed, before its dependencies are Ready.
            states[name] = RoleState(
                name, role.replicas, wl, blocked="waiting for " + ", ".join(waiting), stale=stale
            )
            if wl is None:
                continue
        # Its Service and discovery ConfigMap never restart pods: kept current once the role exists.
        budget = disruption_budget(ctx)
        supporting = [headless_service(ctx), discovery_configmap(ctx, config), *([budget] if budget else [])]
        if role.scaling_adapter_enabled:
            supporting.append(adapter_manifest(rbg, role))
        for child in (with_hash(m) for m in supporting):
            if needs_apply(child, objects.get((child.kind, child.metadata.name or ""))):
                plan.apply.append(child)
        if name in states:
            continue
        if stale:
            plan.apply.append(workload)
            if wl is None:
                plan.events.append(Event("Normal", "RoleCreated", f"created {kind} {workload.metadata.name}"))
        states[name] = RoleState(name, role.replicas, wl, stale=stale)

    wanted = {(roles[index[n]].workload.kind, names.workload_name(group, n)) for n in index}
    for (kind, name), w in sorted(by_kind_name.items()):
        if (kind, name) not in wanted and not w.deleting:
            plan.delete.append(Deletion(KIND_API.get(kind, w.api_version), kind, ns, name, w.uid))
    wanted_objects = {("Service", names.service_name(group, n)) for n in index} | {
        ("ConfigMap", names.discovery_configmap_name(group, n)) for n in index
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
    for (kind, name), o in sorted(objects.items()):
        managed = ("Service", "ConfigMap", "PodDisruptionBudget", "RoleBasedGroupScalingAdapter")
        if kind in managed and (kind, name) not in wanted_objects and not o.deleting:
            plan.delete.append(Deletion(o.api_version, kind, ns, name, o.uid))

    ordered = [
        states.get(r.name) or RoleState(r.name, r.replicas, None, blocked="invalid dependencies")
        for r in roles
    ]
    status = group_status(rbg, ordered, now)
    previous = {s.name: s for s in (rbg.status.role_statuses if rbg.status else [])}
    for st in ordered:
        before = previous.get(st.name)
        was_ready = before is not None and before.ready_replicas >= before.replicas > 0
        if st.is_ready and not was_ready and st.desired > 0:
            plan.events.append(Event("Normal", "RoleReady", f"role {st.name}: {st.ready}/{st.desired} ready"))
    old_progress = (
        next((c for c in (rbg.status.conditions or []) if c.type == keys.CONDITION_PROGRESSING), None)
        if rbg.status
        else None
    )
    new_progress = next(c for c in status.conditions or [] if c.type == keys.CONDITION_PROGRESSING)
    changed = old_progress is None or old_progress.message != new_progress.message
    if new_progress.reason == "Waiting" and changed and any("waiting for" in st.blocked for st in ordered):
        plan.events.append(Event("Normal", "WaitingForDependency", new_progress.message or ""))
    if not changed:  # a problem that persists is reported once, when it appears
        plan.events = [e for e in plan.events if e.reason not in _ONCE]
    status = _with_restarts(rbg, observed, mine, status, plan, now)
    if status_changed(rbg, status):
        plan.status = status
    return plan.sort()


_RESTART_CONDITIONS = (keys.CONDITION_RESTART_IN_PROGRESS, keys.CONDITION_FAILED)


def _with_restarts(
    rbg: RoleBasedGroup,
    observed: GroupObserved,
    mine: Sequence[WorkloadView],
    status: RoleBasedGroupStatus,
    plan: Plan,
    now: str,
) -> RoleBasedGroupStatus:
    """Apply the restart policies: pod/workload deletions, and the restart bookkeeping in the status."""
    ready = (c := status.condition(keys.CONDITION_READY)) is not None and c.status == "True"
    decision = plan_restarts(rbg, observed.pods, mine, ready, now)
    plan.delete += decision.delete
    plan.events += decision.events
    if decision.restarting:
        plan.apply = [m for m in plan.apply if m.kind not in KIND_API]
        plan.events = [e for e in plan.events if e.reason != "RoleCreated"]
    if decision.wake is not None:
        plan.requeue_after = (
            decision.wake if plan.requeue_after is None else min(plan.requeue_after, decision.wake)
        )
    old = rbg.status
    carried = {
        "restart_count": old.restart_count if old else None,
        "restarts_without_ready": old.restarts_without_ready if old else None,
        "last_restart_time": old.last_restart_time if old else None,
    }
    conditions = [
        c for c in status.conditions or [] if c.type not in _RESTART_CONDITIONS
    ] + decision.conditions
    restarted = status.model_copy(update={**carried, **decision.fields, "conditions": conditions})
    return with_kstatus(rbg, restarted, now)


def _coordinate(
    rbg: RoleBasedGroup, workloads: Mapping[tuple[str, str], WorkloadView]
) -> tuple[dict[str, int], dict[str, int], dict[str, bool]]:
    """Replicas (staged scaling), partitions and Deployment holds (coordinated rollout) of the
    coordinated roles."""
    group = rbg.metadata.name or ""
    index = {r.name: i for i, r in enumerate(rbg.spec.roles)}
    staged: dict[str, int] = {}
    partitions: dict[str, int] = {}
    holds: dict[str, bool] = {}
    for members, rollout_skew, scaling_skew, progression in coordinations(rbg):
        roles = [rbg.spec.roles[index[n]] for n in members if n in index]
        current = {
            r.name: workloads.get((r.workload.kind, names.workload_name(group, r.name))) for r in roles
        }
        if scaling_skew is not None:
            steps = [
                ScaleProgress(
                    r.name,
                    r.replicas,
                    w.replicas if w is not None and not w.deleting else 0,
                    (w.ready_replicas if progression == "OrderReady" else w.status_replicas) if w else 0,
                )
                for r in roles
                if (w := current[r.name]) is None or w.settled
            ]
            if len(steps) == len(roles):
                for name, target in scaling_targets(steps, scaling_skew).items():
                    staged[name] = min(staged.get(name, target), target)
            else:  # a workload has not seen its last step yet: hold every role where it is
                for r in roles:
                    w = current[r.name]
                    staged[r.name] = min(staged.get(r.name, r.replicas), w.replicas if w else 0)
        if rollout_skew is not None:
            progress = []
            for r in roles:
                w = current[r.name]
                n = staged.get(r.name, r.replicas)
                fresh = w is None or w.labels.get(
                    keys.LABEL_ROLE_REVISION_V1_FMT.format(role=r.name)
                ) != role_hash(rbg, index[r.name])
                applied = 0 if fresh or w is None else max(0, n - (w.partition or 0))
                if r.workload.kind == "Deployment" and w is not None and not fresh:
                    applied = w.updated_replicas  # no partition: held by pausing where it is
                updated = (
                    0
                    if fresh or w is None
                    else (w.updated_replicas if w.settled else min(w.updated_replicas, applied))
                )
                progress.append(RolloutProgress(r.name, n, min(updated, n), min(applied, n)))
            unsettled = any(w is not None and not w.settled for w in current.values())
            targets = (
                {p.name: p.applied_target for p in progress}  # counts are stale: hold until they catch up
                if unsettled
                else rollout_targets(progress, rollout_skew)
            )
            by_name = {p.name: p for p in progress}
            for name, target in targets.items():
                n = staged.get(name, rbg.spec.roles[index[name]].replicas)
                partitions[name] = max(partitions.get(name, 0), n - target)
                if rbg.spec.roles[index[name]].workload.kind == "Deployment":
                    updated = by_name[name].updated
                    holds[name] = holds.get(name, False) or (updated >= n - partitions[name] and updated < n)
    return staged, partitions, holds
