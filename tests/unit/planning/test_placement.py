"""Placement terms on pod templates, PodGroups, and the placement report (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from rbg_operator.api import keys
from rbg_operator.api.v1alpha1 import RoleBasedGroup
from rbg_operator.planning import names
from rbg_operator.planning.gang import pod_group
from rbg_operator.planning.placement import apply_placement
from rbg_operator.planning.placement_report import PlacedPod, placement_report
from tests.unit.hub import hub_group

KEY = "topology.rbg.workloads.x-k8s.io/nvlink-domain"
UID = names.group_unique_key("ns", "g")


def group(
    annotations: dict[str, str], role_annotations: dict[str, str] | None = None, **spec: Any
) -> RoleBasedGroup:
    def role(name: str, **extra: Any) -> dict[str, Any]:
        return {
            "name": name,
            "annotations": role_annotations or {},
            "template": {"spec": {"containers": [{"name": "c", "image": "x"}]}},
            **extra,
        }

    return hub_group(
        {
            "metadata": {"name": "g", "namespace": "ns", "annotations": annotations},
            "spec": {
                "roles": [
                    role("prefill", replicas=2),
                    role(
                        "decode",
                        leaderWorkerSet={"size": 3},
                        workload={"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet"},
                    ),
                ],
                **spec,
            },
        }
    )


def placed(rbg: RoleBasedGroup, index: int = 0, template: dict[str, Any] | None = None) -> dict[str, Any]:
    out = template or {"spec": {"containers": []}}
    apply_placement(out, rbg, rbg.spec.roles[index])
    return out


@pytest.mark.parametrize(
    "key", [keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1, keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2]
)
def test_exclusive_topology_selects_the_label_pods_carry(key: str) -> None:
    t = placed(group({key: KEY}))
    aff = t["spec"]["affinity"]
    own = aff["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert own["topologyKey"] == KEY
    assert own["labelSelector"]["matchExpressions"] == [
        {"key": keys.LABEL_GROUP_UNIQUE_KEY_V1, "operator": "In", "values": [UID]}
    ]
    other = aff["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]["labelSelector"]
    assert {"key": keys.LABEL_GROUP_UNIQUE_KEY_V1, "operator": "NotIn", "values": [UID]} in other[
        "matchExpressions"
    ]
    assert t["metadata"]["annotations"][keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1] == KEY
    assert names.group_labels("ns", "g")[keys.LABEL_GROUP_UNIQUE_KEY_V1] == UID  # every pod has it
    assert placed(group({key: KEY}), template=t) == t  # idempotent


def test_a_role_can_opt_out_of_exclusive_topology() -> None:
    rbg = group(
        {keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1: KEY}, {keys.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2: "true"}
    )
    assert "affinity" not in placed(rbg)["spec"]


@pytest.mark.parametrize(
    ("mode", "field"),
    [
        ("required", "requiredDuringSchedulingIgnoredDuringExecution"),
        ("preferred", "preferredDuringSchedulingIgnoredDuringExecution"),
    ],
)
def test_pack_required_or_preferred_and_only_named_roles(mode: str, field: str) -> None:
    ann = {
        keys.ANNOTATION_PACK_TOPOLOGY: KEY,
        keys.ANNOTATION_PACK_MODE: mode,
        keys.ANNOTATION_PACK_ROLES: "prefill",
    }
    t = placed(group(ann))
    assert field in t["spec"]["affinity"]["podAffinity"]
    assert "affinity" not in placed(group(ann), index=1)["spec"]


def test_spread_gpu_product_and_gang_labels() -> None:
    role_ann = {keys.ANNOTATION_SPREAD_TOPOLOGY: KEY, keys.ANNOTATION_GPU_PRODUCT: "NVIDIA-B200"}
    t = placed(group({}, role_ann, podGroupPolicy={"volcanoScheduling": {"queue": "q"}}))
    (spread,) = t["spec"]["topologySpreadConstraints"]
    assert (
        spread["whenUnsatisfiable"] == "ScheduleAnyway"
        and spread["labelSelector"]["matchLabels"][keys.LABEL_ROLE_NAME_V1] == "prefill"
    )
    assert t["spec"]["nodeSelector"] == {keys.LABEL_NODE_GPU_PRODUCT: "NVIDIA-B200"}
    assert (
        t["metadata"]["annotations"][keys.ANNOTATION_VOLCANO_GROUP_NAME] == "g"
        and t["spec"]["schedulerName"] == "volcano"
    )
    k = placed(group({}, podGroupPolicy={"kubeScheduling": {}}))
    assert (
        k["metadata"]["labels"][keys.LABEL_POD_GROUP_SCHEDULER_PLUGINS] == "g"
        and "schedulerName" not in k["spec"]
    )


def test_pod_group_counts_every_pod() -> None:
    pg = pod_group(group({}, podGroupPolicy={"kubeScheduling": {"scheduleTimeoutSeconds": 30}}))
    assert pg is not None and pg.kind == "PodGroup" and pg.api_version == "scheduling.x-k8s.io/v1alpha1"
    assert pg.to_dict()["spec"] == {"minMember": 2 + 3, "scheduleTimeoutSeconds": 30}
    assert pod_group(group({})) is None


def test_report_tells_whether_exclusive_placement_holds() -> None:
    rbg = group({keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1: KEY})
    labels = {"n0": {KEY: "d0"}, "n1": {KEY: "d0"}, "n2": {KEY: "d1"}}
    mine = [PlacedPod("g-prefill-0", "prefill", UID, "n0"), PlacedPod("g-decode-0", "decode", UID, "n1")]
    ok = placement_report(rbg, [*mine, PlacedPod("o-0", "x", "other", "n2")], labels)
    assert ok.checks == [("exclusive-topology", True, "domains ['d0']")]
    bad = placement_report(rbg, [*mine, PlacedPod("o-0", "x", "other", "n1")], labels)
    assert bad.checks[0][1] is False and "o-0" in bad.checks[0][2]
    assert "g-prefill-0" in ok.render()
