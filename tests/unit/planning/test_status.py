"""The kstatus conditions a group carries: Reconciling while it moves towards its spec, Stalled when it
cannot get there (restart limit reached), both False when it is Ready; transition times stay put."""

from __future__ import annotations

from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.meta import Condition
from rbg_operator.api.v1alpha1 import RoleBasedGroup, RoleBasedGroupStatus
from rbg_operator.planning.status import with_kstatus
from tests.unit.hub import hub_group

T0, T1 = "2026-01-01T00:00:00Z", "2026-01-01T00:05:00Z"


def group(status: dict[str, Any] | None = None, generation: int = 1) -> RoleBasedGroup:
    obj: dict[str, Any] = {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "RoleBasedGroup",
        "metadata": {"name": "g", "namespace": "ns", "generation": generation},
        "spec": {
            "roles": [
                {
                    "name": "r",
                    "replicas": 1,
                    "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}},
                }
            ]
        },
    }
    if status is not None:
        obj["status"] = status
    return hub_group(obj)


def cond(ctype: str, ok: bool, reason: str = "R", message: str = "") -> Condition:
    return Condition(
        type=ctype, status="True" if ok else "False", reason=reason, message=message, last_transition_time=T0
    )


def status(*conds: Condition) -> RoleBasedGroupStatus:
    return RoleBasedGroupStatus(observed_generation=1, conditions=list(conds))


def by_type(s: RoleBasedGroupStatus) -> dict[str, Condition]:
    return {c.type: c for c in s.conditions or []}


def test_not_ready_group_is_reconciling_with_the_progress_message() -> None:
    s = status(
        cond(keys.CONDITION_READY, False, "RoleNotReady", "Not ready: r 0/1"),
        cond(keys.CONDITION_PROGRESSING, True, "RolesProgressing", "Progressing: r"),
    )
    out = by_type(with_kstatus(group(), s, T0))
    assert out[keys.CONDITION_RECONCILING].status == "True"
    assert out[keys.CONDITION_RECONCILING].reason == "RolesProgressing"
    assert out[keys.CONDITION_RECONCILING].message == "Progressing: r"
    assert out[keys.CONDITION_STALLED].status == "False"
    assert out[keys.CONDITION_RECONCILING].observed_generation == 1


def test_rollout_and_restart_name_the_cause() -> None:
    s = status(
        cond(keys.CONDITION_READY, False),
        cond(keys.CONDITION_PROGRESSING, True),
        cond(keys.CONDITION_ROLLING_UPDATE_IN_PROGRESS, True, "RollingUpdate", "Rolling: r 0/1"),
    )
    assert by_type(with_kstatus(group(), s, T0))[keys.CONDITION_RECONCILING].reason == "RollingUpdate"
    s2 = status(*s.conditions or [], cond(keys.CONDITION_RESTART_IN_PROGRESS, True, "RecreatingGroup"))
    assert by_type(with_kstatus(group(), s2, T0))[keys.CONDITION_RECONCILING].reason == "RecreatingGroup"


def test_ready_group_is_neither_reconciling_nor_stalled() -> None:
    s = status(cond(keys.CONDITION_READY, True), cond(keys.CONDITION_PROGRESSING, False))
    out = by_type(with_kstatus(group(), s, T0))
    assert out[keys.CONDITION_RECONCILING].status == "False"
    assert out[keys.CONDITION_STALLED].status == "False"


def test_failed_group_is_stalled_and_not_reconciling() -> None:
    s = status(
        cond(keys.CONDITION_READY, False),
        cond(keys.CONDITION_PROGRESSING, True),
        cond(keys.CONDITION_FAILED, True, "RestartLimitReached", "3 recreations without reaching Ready"),
    )
    out = by_type(with_kstatus(group(), s, T0))
    assert out[keys.CONDITION_STALLED].status == "True"
    assert out[keys.CONDITION_STALLED].reason == "RestartLimitReached"
    assert out[keys.CONDITION_STALLED].message == "3 recreations without reaching Ready"
    assert out[keys.CONDITION_RECONCILING].status == "False", "kstatus reads Reconciling before Stalled"


def test_transition_time_moves_only_when_the_status_flips() -> None:
    not_ready = status(cond(keys.CONDITION_READY, False), cond(keys.CONDITION_PROGRESSING, True))
    first = with_kstatus(group(), not_ready, T0)
    again = with_kstatus(group(first.to_dict()), not_ready, T1)
    assert by_type(again)[keys.CONDITION_RECONCILING].last_transition_time == T0
    ready = status(cond(keys.CONDITION_READY, True), cond(keys.CONDITION_PROGRESSING, False))
    flipped = with_kstatus(group(again.to_dict()), ready, T1)
    assert by_type(flipped)[keys.CONDITION_RECONCILING].last_transition_time == T1
    assert by_type(flipped)[keys.CONDITION_STALLED].last_transition_time == T0


def test_conditions_are_replaced_not_duplicated() -> None:
    s = status(cond(keys.CONDITION_READY, True), cond(keys.CONDITION_RECONCILING, True))
    out = with_kstatus(group(), s, T0)
    types = [c.type for c in out.conditions or []]
    assert sorted(types) == types and len(types) == len(set(types))
    assert by_type(out)[keys.CONDITION_RECONCILING].status == "False"


def test_only_counts_changed_tells_a_progress_update_from_news() -> None:
    from rbg_operator.api.v1alpha1 import RoleStatus
    from rbg_operator.planning.status import only_counts_changed

    def st(ready: int, *conds: Condition, generation: int = 1) -> RoleBasedGroupStatus:
        return RoleBasedGroupStatus(
            observed_generation=generation,
            conditions=list(conds),
            role_statuses=[RoleStatus(name="r", replicas=4, ready_replicas=ready, updated_replicas=4)],
        )

    waiting = cond(keys.CONDITION_READY, False, "RoleNotReady", "Not ready: r 1/4")
    still = cond(keys.CONDITION_READY, False, "RoleNotReady", "Not ready: r 2/4")
    ready = cond(keys.CONDITION_READY, True, "AllRolesReady")
    assert only_counts_changed(st(1, waiting), st(2, still))
    assert not only_counts_changed(st(3, still), st(4, ready)), "a condition flip is news"
    assert not only_counts_changed(st(1, waiting), st(1, waiting, generation=2)), "a new generation is news"
    assert not only_counts_changed(None, st(1, waiting)), "the first status is news"
    rolling = cond(keys.CONDITION_ROLLING_UPDATE_IN_PROGRESS, True, "RollingUpdate")
    assert not only_counts_changed(st(1, waiting), st(1, waiting, rolling)), "a new condition is news"
