"""Restart policies of a group's roles (pure).

- ``RecreateRoleInstanceOnPodRestart`` on a role whose workload kind does not recreate instances itself
  (StatefulSet, Deployment): a pod whose container restarted, or that failed, is deleted and so recreated
  by its workload (a fresh pod, not a restarted container). LeaderWorkerSets and InstanceSets do this
  themselves.
- ``RecreateRBGOnPodRestart``: a failure of a pod of such a role recreates every role of the group: all
  workloads are deleted (foreground, so their pods go first) and created again in dependency order by the
  normal reconcile. The ``RestartInProgress`` condition, the counters and the time are written by the
  operator alone and first, so the recreation never triggers itself. Consecutive recreations back off
  (10 s doubling up to 5 min); after ``max-restarts`` recreations without reaching Ready the group is
  ``Failed`` and left alone until its spec changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.meta import Condition
from rbg_operator.api.v1alpha1.enums import RestartPolicy
from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleBasedGroupStatus

from . import kinds
from .observed import PodView, WorkloadView
from .plan import Deletion, Event, Plan
from .pod_health import failure
from .status import transition, with_kstatus
from .timestamps import parse

ANNOTATION_MAX_RESTARTS = "rbg.workloads.x-k8s.io/max-restarts"
DEFAULT_MAX_RESTARTS = 3
BACKOFF_BASE = 10.0
BACKOFF_CAP = 300.0


@dataclass
class RestartDecision:
    delete: list[Deletion] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    fields: dict[str, object] = field(default_factory=dict)  # status fields to set
    wake: float | None = None
    restarting: bool = False  # workloads are being recreated: do not apply them now


def _role_policy(rbg: RoleBasedGroup) -> dict[str, RestartPolicy | None]:
    return {r.name: r.restart_policy for r in rbg.spec.roles}


def _cond(
    old: RoleBasedGroupStatus | None, kind: str, ok: bool, reason: str, msg: str, gen: int, now: str
) -> Condition:
    return transition(old.condition(kind) if old else None, kind, ok, reason, msg, gen, now)


def max_restarts(rbg: RoleBasedGroup) -> int:
    value = (rbg.metadata.annotations or {}).get(ANNOTATION_MAX_RESTARTS, "")
    return int(value) if (value.isascii() and value.isdigit()) else DEFAULT_MAX_RESTARTS


def plan_restarts(
    rbg: RoleBasedGroup,
    pods: Sequence[PodView],
    workloads: Sequence[WorkloadView],
    ready: bool,
    now: str,
) -> RestartDecision:
    out = RestartDecision()
    ns = rbg.metadata.namespace or ""
    policy = _role_policy(rbg)
    own_pods = {
        r.name for r in rbg.spec.roles if (k := kinds.for_role(r)) is not None and not k.recreates_instances
    }
    role_of = {p.name: p.labels.get(keys.LABEL_ROLE_NAME_V1, "") for p in pods}

    # Role instances: a failed pod of a role whose kind does not recreate instances is replaced.
    for pod in pods:
        role = role_of[pod.name]
        if (
            policy.get(role) == RestartPolicy.RECREATE_ROLE_INSTANCE_ON_POD_RESTART
            and role in own_pods
            and not pod.deleting
            and failure(pod)
        ):
            out.delete.append(Deletion("v1", "Pod", ns, pod.name, pod.uid))
            out.events.append(
                Event("Normal", "RoleInstanceRecreated", f"role {role}: {failure(pod)}; recreating it")
            )

    # The whole group.
    if RestartPolicy.RECREATE_RBG_ON_POD_RESTART not in policy.values():
        return out
    _group_restart(rbg, pods, workloads, ready, now, out)
    return out


def _group_restart(
    rbg: RoleBasedGroup,
    pods: Sequence[PodView],
    workloads: Sequence[WorkloadView],
    ready: bool,
    now: str,
    out: RestartDecision,
) -> None:
    ns, gen, status = rbg.metadata.namespace or "", rbg.metadata.generation or 0, rbg.status
    policy = _role_policy(rbg)
    current = status.condition(keys.CONDITION_RESTART_IN_PROGRESS) if status else None
    failed = status.condition(keys.CONDITION_FAILED) if status else None
    count = (status.restart_count or 0) if status else 0
    streak = (status.restarts_without_ready or 0) if status else 0
    last = (status.last_restart_time or "") if status else ""

    def keep(*conds: Condition | None) -> None:
        out.conditions.extend(c for c in conds if c is not None)

    if failed is not None and failed.status == "True":
        if (failed.observed_generation or 0) >= gen:
            keep(failed, current)  # terminal until the spec changes
            return
        streak = 0
    if current is not None and current.status == "True" and any(w.deleting for w in workloads):
        out.restarting = True  # the old incarnation is still going away
        keep(current)
        return
    if ready and streak:  # Ready again since the last recreation: a new failure starts afresh
        out.fields["restarts_without_ready"] = 0
        streak = 0
    role_of = {p.name: p.labels.get(keys.LABEL_ROLE_NAME_V1, "") for p in pods}
    reasons = [
        f"role {role_of[p.name]}: {failure(p)}"
        for p in pods
        if policy.get(role_of[p.name]) == RestartPolicy.RECREATE_RBG_ON_POD_RESTART
        and not p.deleting
        and failure(p)
    ]
    if not reasons:
        if ready and current is not None and current.status == "True":
            msg = "all roles recreated and Ready"
            keep(_cond(status, keys.CONDITION_RESTART_IN_PROGRESS, False, "Recovered", msg, gen, now))
        else:
            keep(current)
        return
    if streak >= max_restarts(rbg):
        msg = f"{streak} recreations without reaching Ready; last failure: {reasons[0]}"
        keep(
            _cond(status, keys.CONDITION_FAILED, True, "RestartLimitReached", msg, gen, now),
            _cond(status, keys.CONDITION_RESTART_IN_PROGRESS, False, "RestartLimitReached", msg, gen, now),
        )
        out.events.append(Event("Warning", "RestartLimitReached", msg))
        return
    backoff = min(BACKOFF_BASE * 2 ** (streak - 1), BACKOFF_CAP) if streak else 0.0
    due = parse(last) + backoff if last else 0.0
    if backoff and parse(now) < due:
        out.wake = due - parse(now)
        keep(current)
        return
    msg = f"{reasons[0]}: recreating every role in dependency order (restart {count + 1})"
    keep(_cond(status, keys.CONDITION_RESTART_IN_PROGRESS, True, "RecreatingGroup", msg, gen, now))
    out.fields.update(restart_count=count + 1, restarts_without_ready=streak + 1, last_restart_time=now)
    out.events.append(Event("Warning", "GroupRecreating", msg))
    out.restarting = True
    for w in workloads:
        if not w.deleting:
            api = kinds.api_version_of(w.kind, w.api_version)
            out.delete.append(Deletion(api, w.kind, ns, w.name, w.uid, propagation="Foreground"))


_RESTART_CONDITIONS = (keys.CONDITION_RESTART_IN_PROGRESS, keys.CONDITION_FAILED)


def apply_restarts(
    rbg: RoleBasedGroup,
    pods: Sequence[PodView],
    workloads: Sequence[WorkloadView],
    status: RoleBasedGroupStatus,
    plan: Plan[Any],
    now: str,
) -> RoleBasedGroupStatus:
    """Step: the restart policies: pod/workload deletions (no workload is applied while the group is
    being recreated), and the restart bookkeeping and kstatus conditions in the status."""
    ready = (c := status.condition(keys.CONDITION_READY)) is not None and c.status == "True"
    decision = plan_restarts(rbg, pods, workloads, ready, now)
    plan.delete += decision.delete
    plan.events += decision.events
    if decision.restarting:
        plan.apply = [m for m in plan.apply if not kinds.is_workload(m.kind)]
        plan.events = [e for e in plan.events if e.reason != "RoleCreated"]
    if decision.wake is not None:
        plan.wake(decision.wake)
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
