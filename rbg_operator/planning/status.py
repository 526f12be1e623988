"""A group's status: per-role counts and kstatus-style conditions (Ready, Progressing,
RollingUpdateInProgress), truthful at every step; transition times move only when a status flips."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rbg_operator.api import keys
from rbg_operator.api.meta import Condition
from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleBasedGroupStatus, RoleStatus

from . import kinds
from .observed import WorkloadView

#: The reason of Progressing=False and Stalled=True while a role's workload kind is not run (yet).
KIND_NOT_SUPPORTED = "WorkloadKindNotSupported"


@dataclass(frozen=True)
class RoleState:
    """How one role stands after this reconcile's decisions."""

    name: str
    desired: int
    workload: WorkloadView | None
    blocked: str = ""  # why the role could not be created/updated (dependency, missing CRD, bad input)
    stale: bool = False  # the workload was (or is about to be) changed by this plan
    unsupported: bool = False  # its workload kind is not run by this operator (yet): no spec change helps

    @property
    def ready(self) -> int:
        return self.workload.ready_replicas if self.workload else 0

    @property
    def updated(self) -> int:
        return self.workload.updated_replicas if self.workload else 0

    @property
    def is_ready(self) -> bool:
        w = self.workload
        return (
            w is not None
            and not self.stale
            and not self.blocked
            and w.settled
            and w.ready_replicas >= self.desired
            and w.updated_replicas >= self.desired
            and w.status_replicas == self.desired
        )

    @property
    def rolling(self) -> bool:
        w = self.workload
        if w is None:
            return False
        kind = kinds.for_kind(w.kind)
        if kind is not None and kind.tracks_revisions and w.current_revision and w.update_revision:
            return w.current_revision != w.update_revision
        return w.updated_replicas < w.status_replicas


def transition(
    old: Condition | None,
    ctype: str,
    ok: bool,
    reason: str,
    message: str,
    generation: int | None,
    now: str,
) -> Condition:
    """A kstatus condition whose transition time moves only when its status flips."""
    status = "True" if ok else "False"
    since = old.last_transition_time if old is not None and old.status == status else now
    return Condition(
        type=ctype,
        status=status,
        reason=reason,
        message=message,
        observed_generation=generation,
        last_transition_time=since,
    )


def _previous_conditions(rbg: RoleBasedGroup) -> dict[str, Condition]:
    """The group's stored conditions by type (empty before its first status)."""
    return {c.type: c for c in (rbg.status.conditions if rbg.status and rbg.status.conditions else [])}


def _condition(
    previous: Mapping[str, Condition],
    ctype: str,
    ok: bool,
    reason: str,
    message: str,
    generation: int,
    now: str,
) -> Condition:
    return transition(previous.get(ctype), ctype, ok, reason, message, generation, now)


def group_status(rbg: RoleBasedGroup, roles: Sequence[RoleState], now: str) -> RoleBasedGroupStatus:
    generation = rbg.metadata.generation or 0
    previous = _previous_conditions(rbg)
    not_ready = [r for r in roles if not r.is_ready]
    blocked = [r for r in roles if r.blocked]
    rolling = [r for r in roles if r.rolling]
    if not not_ready:
        ready = _condition(
            previous, keys.CONDITION_READY, True, "AllRolesReady", "All roles are ready", generation, now
        )
    else:
        detail = ", ".join(f"{r.name} {r.ready}/{r.desired}" for r in not_ready)
        ready = _condition(
            previous, keys.CONDITION_READY, False, "RoleNotReady", f"Not ready: {detail}", generation, now
        )
    if blocked:
        # A role of a kind this operator does not run never gets there: not progressing (Stalled, below).
        stuck = any(r.unsupported for r in blocked)
        msg = "; ".join(f"{r.name}: {r.blocked}" for r in blocked)
        progressing = _condition(
            previous,
            keys.CONDITION_PROGRESSING,
            not stuck,
            KIND_NOT_SUPPORTED if stuck else "Waiting",
            msg,
            generation,
            now,
        )
    elif not_ready:
        progressing = _condition(
            previous,
            keys.CONDITION_PROGRESSING,
            True,
            "RolesProgressing",
            "Progressing: " + ", ".join(r.name for r in not_ready),
            generation,
            now,
        )
    else:
        progressing = _condition(
            previous,
            keys.CONDITION_PROGRESSING,
            False,
            "Complete",
            "All roles are at their desired state",
            generation,
            now,
        )
    rolling_cond = _condition(
        previous,
        keys.CONDITION_ROLLING_UPDATE_IN_PROGRESS,
        bool(rolling),
        "RollingUpdate" if rolling else "NoRollingUpdate",
        ("Rolling: " + ", ".join(f"{r.name} {r.updated}/{r.desired}" for r in rolling))
        if rolling
        else "No rolling update in progress",
        generation,
        now,
    )
    kept = [
        c
        for t, c in previous.items()
        if t
        not in (keys.CONDITION_READY, keys.CONDITION_PROGRESSING, keys.CONDITION_ROLLING_UPDATE_IN_PROGRESS)
    ]
    return RoleBasedGroupStatus(
        observed_generation=generation,
        conditions=sorted([ready, progressing, rolling_cond, *kept], key=lambda c: c.type),
        role_statuses=[
            RoleStatus(name=r.name, replicas=r.desired, ready_replicas=r.ready, updated_replicas=r.updated)
            for r in roles
        ],
        role_summary=" ".join(f"{r.name}:{r.ready}/{r.desired}" for r in roles),
    )


def with_kstatus(rbg: RoleBasedGroup, status: RoleBasedGroupStatus, now: str) -> RoleBasedGroupStatus:
    """Add the kstatus conditions derived from the others: ``Stalled`` while the group has ``Failed``
    (restart limit reached) or a role of a workload kind not run yet (``Progressing`` False with reason
    ``WorkloadKindNotSupported``), else ``Reconciling`` while it is not Ready, rolling or restarting."""
    generation = rbg.metadata.generation or 0
    previous = _previous_conditions(rbg)
    current = {c.type: c for c in status.conditions or []}

    def true(ctype: str) -> Condition | None:
        c = current.get(ctype)
        return c if c is not None and c.status == "True" else None

    failed = true(keys.CONDITION_FAILED)
    progress = current.get(keys.CONDITION_PROGRESSING)
    if failed is None and progress is not None and progress.reason == KIND_NOT_SUPPORTED:
        failed = progress  # stalls like a failure: Reconciling False, whatever else is going on
    if failed is not None:
        stalled = _condition(
            previous,
            keys.CONDITION_STALLED,
            True,
            failed.reason or "Failed",
            failed.message or "",
            generation,
            now,
        )
    else:
        stalled = _condition(previous, keys.CONDITION_STALLED, False, "NotStalled", "", generation, now)
    cause = (
        None
        if failed is not None
        else next(
            (
                c
                for t in (
                    keys.CONDITION_RESTART_IN_PROGRESS,
                    keys.CONDITION_ROLLING_UPDATE_IN_PROGRESS,
                    keys.CONDITION_PROGRESSING,
                )
                if (c := true(t)) is not None
            ),
            None,
        )
    )
    ready = true(keys.CONDITION_READY)
    if cause is None and ready is None and failed is None:
        cause = current.get(keys.CONDITION_READY)
    if cause is not None:
        reconciling = _condition(
            previous,
            keys.CONDITION_RECONCILING,
            True,
            cause.reason or cause.type,
            cause.message or "",
            generation,
            now,
        )
    else:
        # Stalled: the operator has done all it can until the spec changes (kstatus: Reconciling False).
        reason = "Stalled" if failed is not None else "Reconciled"
        reconciling = _condition(previous, keys.CONDITION_RECONCILING, False, reason, "", generation, now)
    kept = [c for c in status.conditions or [] if c.type not in _KSTATUS]
    conditions = sorted([*kept, reconciling, stalled], key=lambda c: c.type)
    return status.model_copy(update={"conditions": conditions})


_KSTATUS = (keys.CONDITION_RECONCILING, keys.CONDITION_STALLED)


def only_counts_changed(old: RoleBasedGroupStatus | None, new: RoleBasedGroupStatus) -> bool:
    """True when ``new`` differs from ``old`` only in replica counts and the messages that quote them:
    no condition flips or changes reason, the generation and the restart bookkeeping are the same."""
    if old is None:
        return False

    def gist(s: RoleBasedGroupStatus) -> tuple[object, ...]:
        conditions = sorted((c.type, c.status, c.reason or "") for c in s.conditions or [])
        restarts = (s.restart_count, s.restarts_without_ready, s.last_restart_time)
        roles = [r.name for r in s.role_statuses]
        return (s.observed_generation, tuple(conditions), restarts, tuple(roles))

    return gist(old) == gist(new)


def status_changed(rbg: RoleBasedGroup, new: RoleBasedGroupStatus) -> bool:
    current = rbg.status.to_dict() if rbg.status is not None else {}
    return current != new.to_dict()
