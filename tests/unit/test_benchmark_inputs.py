"""The benchmarks' inputs are what the operator would meet: valid manifests and statuses."""

from __future__ import annotations

from benchmarks.groups import PODS_PER_GROUP, baseline_objects, changed_objects, group_manifest
from benchmarks.runner import drift, ratios
from benchmarks.writecost import group_status
from tests.unit.hub import hub_group


def test_write_cost_statuses_are_valid_and_all_different() -> None:
    manifest = group_manifest("pd-0", "ns")
    statuses = [group_status(i) for i in range(10)]
    for status in statuses:
        rbg = hub_group({**manifest, "status": status})
        assert rbg.status is not None
        assert [s.name for s in rbg.status.role_statuses] == ["router", "prefill", "decode"]
    assert len({repr(s) for s in statuses}) == len(statuses)  # no write is a no-op


def test_baseline_writes_the_planners_objects() -> None:
    objs = baseline_objects("pd-0", "ns")
    kinds = sorted(o["kind"] for o in objs)
    assert kinds == ["ConfigMap"] * 3 + ["Service"] * 3 + ["StatefulSet"] * 3
    assert sum(o["spec"]["replicas"] for o in objs if o["kind"] == "StatefulSet") == PODS_PER_GROUP
    assert all("ownerReferences" not in o["metadata"] for o in objs)
    changed = changed_objects("pd-0", "ns", 2)
    assert sorted(o["kind"] for o in changed) == ["StatefulSet"] * 3


def test_ratios_are_to_the_mean_of_the_baselines_in_an_a_b_a_run() -> None:
    section = {
        "baseline": {"all_pods_exist_s": 10.0, "writes": 5},
        "operator": {"all_pods_exist_s": 15.0, "writes": 9},
        "baseline_again": {"all_pods_exist_s": 14.0},
    }
    assert ratios(section) == {"all_pods_exist_s": 1.25}
    assert drift(section) == {"all_pods_exist_s": 1.4}
    del section["baseline_again"]
    assert ratios(section) == {"all_pods_exist_s": 1.5}
    assert drift(section) == {}
