"""The group's status for this reconcile (per-role counts and conditions, in spec order) and the events
of what changed in it: roles that became Ready, a new wait for a dependency; a problem that persists is
reported once, when it appears."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleBasedGroupStatus

from .plan import Event, Plan
from .status import KIND_NOT_SUPPORTED, RoleState, group_status

#: Warnings posted when the problem appears, not on every reconcile while it lasts.
ONCE = frozenset({"InvalidRoleTemplate", "WorkloadCRDMissing", "InvalidRoleDependency", KIND_NOT_SUPPORTED})


def report_status(
    rbg: RoleBasedGroup, states: Mapping[str, RoleState], now: str, plan: Plan[Any]
) -> RoleBasedGroupStatus:
    """Step: the status from how each role stands (a role never planned has invalid dependencies), and
    the events of its changes."""
    ordered = [
        states.get(r.name) or RoleState(r.name, r.replicas, None, blocked="invalid dependencies")
        for r in rbg.spec.roles
    ]
    status = group_status(rbg, ordered, now)
    previous = {s.name: s for s in (rbg.status.role_statuses if rbg.status else [])}
    for st in ordered:
        before = previous.get(st.name)
        was_ready = before is not None and before.ready_replicas >= before.replicas > 0
        if st.is_ready and not was_ready and st.desired > 0:
            plan.events.append(Event("Normal", "RoleReady", f"role {st.name}: {st.ready}/{st.desired} ready"))
    old_progress = rbg.status.condition(keys.CONDITION_PROGRESSING) if rbg.status else None
    new_progress = next(c for c in status.conditions or [] if c.type == keys.CONDITION_PROGRESSING)
    changed = old_progress is None or (old_progress.reason, old_progress.message) != (
        new_progress.reason,
        new_progress.message,
    )
    if new_progress.reason == "Waiting" and changed and any("waiting for" in st.blocked for st in ordered):
        plan.events.append(Event("Normal", "WaitingForDependency", new_progress.message or ""))
    if not changed:  # a problem that persists is reported once, when it appears
        plan.events = [e for e in plan.events if e.reason not in ONCE]
    return status
