"""Restart policies (pure): role-instance replacement, and whole-group recreation once per failure, with
back-off, a limit that ends in Failed, and recovery."""

from __future__ import annotations

from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.v1alpha1 import RoleBasedGroup
from rbg_operator.planning.observed import ContainerView, PodView, WorkloadView
from rbg_operator.planning.restart import BACKOFF_BASE, plan_restarts
from rbg_operator.planning.timestamps import format_ts, parse
from tests.unit.hub import hub_group

T0 = "2026-01-01T00:00:00Z"


def at(s: float) -> str:
    return format_ts(parse(T0) + s)


def rbg(policy: str, status: dict[str, Any] | None = None, generation: int = 1) -> RoleBasedGroup:
    return hub_group(
        {
            "metadata": {
                "name": "g",
                "namespace": "ns",
                "generation": generation,
                "annotations": {"rbg.workloads.x-k8s.io/max-restarts": "2"},
            },
            "spec": {
                "roles": [
                    {"name": "router", "template": {"spec": {"containers": [{"name": "c", "image": "r"}]}}},
                    {
                        "name": "prefill",
                        "restartPolicy": policy,
                        "template": {"spec": {"containers": [{"name": "c", "image": "p"}]}},
                    },
                ]
            },
            **({"status": status} if status else {}),
        }
    )


def crashed(name: str = "g-prefill-0", role: str = "prefill") -> PodView:
    return PodView(
        name=name,
        namespace="ns",
        uid=f"u-{name}",
        phase="Running",
        labels={keys.LABEL_ROLE_NAME_V1: role},
        containers=(ContainerView(name="c", restart_count=1),),
    )


def workload(name: str, deleting: bool = False) -> WorkloadView:
    return WorkloadView(
        api_version="apps/v1",
        kind="StatefulSet",
        name=name,
        namespace="ns",
        uid=f"w-{name}",
        deleting=deleting,
    )


WORKLOADS = [workload("g-router"), workload("g-prefill")]


def status_after(group: RoleBasedGroup, decision: Any) -> dict[str, Any]:
    st = group.status.to_dict() if group.status else {"roleStatuses": []}
    st.update(
        {
            k: v
            for k, v in {
                "restartCount": decision.fields.get("restart_count", st.get("restartCount")),
                "restartsWithoutReady": decision.fields.get(
                    "restarts_without_ready", st.get("restartsWithoutReady")
                ),
                "lastRestartTime": decision.fields.get("last_restart_time", st.get("lastRestartTime")),
            }.items()
            if v is not None
        }
    )
    st["conditions"] = [c.to_dict() for c in decision.conditions]
    return st


def test_role_instance_policy_replaces_only_the_failed_statefulset_pod() -> None:
    d = plan_restarts(rbg("RecreateRoleInstanceOnPodRestart"), [crashed()], WORKLOADS, True, T0)
    assert [x.name for x in d.delete] == ["g-prefill-0"] and not d.restarting
    assert plan_restarts(rbg("None"), [crashed()], WORKLOADS, True, T0).delete == []


def test_group_restart_once_then_back_off_then_failed() -> None:
    g = rbg("RecreateRBGOnPodRestart")
    first = plan_restarts(g, [crashed()], WORKLOADS, False, T0)
    assert first.restarting and [x.name for x in first.delete] == ["g-router", "g-prefill"]
    assert all(x.propagation == "Foreground" for x in first.delete)
    assert first.fields == {"restart_count": 1, "restarts_without_ready": 1, "last_restart_time": T0}
    g1 = rbg("RecreateRBGOnPodRestart", status_after(g, first))
    # while the old workloads go away, their failing pods change nothing
    tearing = plan_restarts(g1, [crashed()], [workload("g-router", True)], False, at(1))
    assert tearing.restarting and not tearing.delete and not tearing.fields
    # the new incarnation fails too: wait for the back-off, then recreate again
    early = plan_restarts(g1, [crashed()], WORKLOADS, False, at(3))
    assert not early.delete and early.wake == BACKOFF_BASE - 3
    second = plan_restarts(g1, [crashed()], WORKLOADS, False, at(BACKOFF_BASE))
    assert second.fields["restart_count"] == 2 and second.fields["restarts_without_ready"] == 2
    g2 = rbg("RecreateRBGOnPodRestart", status_after(g1, second))
    final = plan_restarts(g2, [crashed()], WORKLOADS, False, at(100))
    assert not final.delete and [e.reason for e in final.events] == ["RestartLimitReached"]
    g3 = rbg("RecreateRBGOnPodRestart", status_after(g2, final))
    assert plan_restarts(g3, [crashed()], WORKLOADS, False, at(1000)).delete == [], "Failed is terminal"
    # ... until the spec changes
    g4 = rbg("RecreateRBGOnPodRestart", status_after(g2, final), generation=2)
    assert plan_restarts(g4, [crashed()], WORKLOADS, False, at(1000)).restarting


def test_recovery_clears_the_condition_and_the_streak() -> None:
    g = rbg("RecreateRBGOnPodRestart")
    first = plan_restarts(g, [crashed()], WORKLOADS, False, T0)
    g1 = rbg("RecreateRBGOnPodRestart", status_after(g, first))
    healthy = plan_restarts(g1, [], WORKLOADS, True, at(30))
    cond = healthy.conditions[0]
    assert (cond.type, cond.status, cond.reason) == (keys.CONDITION_RESTART_IN_PROGRESS, "False", "Recovered")
    assert healthy.fields == {"restarts_without_ready": 0}
