"""RoleBasedGroupSet (pure): members per index, scale-in, and a paced template rollout."""

from __future__ import annotations

from rbg_operator.api import keys
from rbg_operator.api.v1alpha1 import RoleBasedGroupSet
from rbg_operator.planning.groupset import MemberView, plan_groupset
from tests.unit.hub import hub_groupset

T0 = "2026-01-01T00:00:00Z"


def rbgs(replicas: int, image: str = "v1", annotations: dict[str, str] | None = None) -> RoleBasedGroupSet:
    tpl = {"spec": {"containers": [{"name": "c", "image": image}]}}
    return hub_groupset(
        {
            "metadata": {"name": "s", "namespace": "ns", "uid": "S", "annotations": annotations or {}},
            "spec": {"replicas": replicas, "template": {"roles": [{"name": "r", "template": tpl}]}},
        }
    )


def members(obj: RoleBasedGroupSet, n: int, ready: bool = True) -> list[MemberView]:
    plan = plan_groupset(obj, [], T0)
    h = (plan.apply[0].metadata.annotations or {})[keys.LABEL_GROUPSET_REVISION_V2]
    return [MemberView(f"s-{i}", f"u{i}", i, h, ready) for i in range(n)]


def test_members_are_created_and_trimmed() -> None:
    plan = plan_groupset(rbgs(3), [], T0)
    assert [m.metadata.name for m in plan.apply] == ["s-0", "s-1", "s-2"]
    assert (plan.apply[1].metadata.labels or {})[keys.LABEL_GROUPSET_INDEX_V1] == "1"
    shrink = plan_groupset(rbgs(2), members(rbgs(3), 3), T0)
    assert [d.name for d in shrink.delete] == ["s-2"] and not shrink.apply


def test_a_template_change_goes_one_group_at_a_time() -> None:
    old = members(rbgs(3), 3)
    first = plan_groupset(rbgs(3, "v2"), old, T0)
    assert [m.metadata.name for m in first.apply] == ["s-0"]
    rolling = [old[0].__class__(**{**old[0].__dict__, "ready": False}), *old[1:]]
    assert plan_groupset(rbgs(3, "v2"), rolling, T0).apply == [], "waits for s-0 to be Ready"
    two = plan_groupset(rbgs(3, "v2", {keys.ANNOTATION_GROUPSET_MAX_UNAVAILABLE: "2"}), old, T0)
    assert [m.metadata.name for m in two.apply] == ["s-0", "s-1"]
