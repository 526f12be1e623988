"""Placement and gang scheduling with the real kube-scheduler on the simulated GPU nodes (4 NVLink
domains of 2 nodes x 8 GPUs): exclusive topology, packing a group into one domain (measured against the
same groups without it), and PodGroups for both gang schedulers."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from rbg_operator import cli
from rbg_operator.api import keys
from tests.e2e.kube import Kube

pytestmark = pytest.mark.usefixtures("operator")
DOMAIN = "topology.rbg.workloads.x-k8s.io/nvlink-domain"


def gpu_role(name: str, replicas: int, gpus: int) -> dict[str, Any]:
    res = {"nvidia.com/gpu": str(gpus)}
    return {
        "name": name,
        "replicas": replicas,
        "template": {
            "spec": {
                "containers": [
                    {"name": "engine", "image": "e:v1", "resources": {"limits": res, "requests": res}}
                ]
            }
        },
    }


def pd_group(name: str, annotations: dict[str, str], gpus: int = 1, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "RoleBasedGroup",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"roles": [gpu_role("prefill", 1, gpus), gpu_role("decode", 1, gpus)], **spec},
    }


def domains_by_group(kube: Kube, ns: str) -> dict[str, set[str]]:
    nodes = {n["metadata"]["name"]: n["metadata"]["labels"].get(DOMAIN, "") for n in kube.list("Node")}
    out: dict[str, set[str]] = {}
    for pod in kube.list("Pod", ns):
        node = pod["spec"].get("nodeName")
        if node:
            out.setdefault(pod["metadata"]["labels"][keys.LABEL_GROUP_NAME_V1], set()).add(nodes[node])
    return out


def scheduled(kube: Kube, ns: str, count: int) -> bool:
    return sum(1 for p in kube.list("Pod", ns) if p["spec"].get("nodeName")) == count


def test_exclusive_topology_gives_each_group_its_own_domain(
    kube: Kube, namespace: str, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ann = {keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1: DOMAIN}
    for i in range(4):
        kube.create(pd_group(f"ex-{i}", ann, gpus=2), namespace)
    kube.wait_for(
        "4 groups scheduled",
        lambda: scheduled(kube, namespace, 8),
        60,
        dump=lambda: kube.dump_namespace(namespace),
    )
    placed = domains_by_group(kube, namespace)
    assert all(len(d) == 1 for d in placed.values()), placed
    assert len({next(iter(d)) for d in placed.values()}) == 4, f"one domain per group: {placed}"
    # A fifth group has GPUs enough but no free domain: it stays Pending, and the scheduler says why.
    kube.create(pd_group("ex-4", ann, gpus=2), namespace)

    def refused() -> list[dict[str, Any]]:
        return [
            e
            for e in kube.list("Event", namespace)
            if e["reason"] == "FailedScheduling" and e["involvedObject"]["name"].startswith("ex-4-")
        ]

    events = kube.wait_for(
        "ex-4 refused by the scheduler", refused, 60, dump=lambda: kube.dump_namespace(namespace)
    )
    assert "affinity" in events[0]["message"], events[0]["message"]
    pending = [p for p in kube.list("Pod", namespace) if p["metadata"]["name"].startswith("ex-4-")]
    assert pending and all(not p["spec"].get("nodeName") for p in pending)
    template = kube.get("StatefulSet", "ex-4-decode", namespace)["spec"]["template"]
    assert template["metadata"]["annotations"][keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1] == DOMAIN
    # The placement report: met for a placed group, not met (exit 1) for the pending one.
    capsys.readouterr()
    assert cli.main(["placement", "ex-0", "-n", namespace, "--kubeconfig", str(kubeconfig)]) == 0
    out = capsys.readouterr().out
    assert "exclusive-topology: met" in out and "ex-0-prefill-0" in out and next(iter(placed["ex-0"])) in out
    assert cli.main(["placement", "ex-4", "-n", namespace, "--kubeconfig", str(kubeconfig)]) == 1
    assert "exclusive-topology: NOT met" in capsys.readouterr().out


def _fraction_packed(kube: Kube, ns: str, annotations: dict[str, str], prefix: str) -> float:
    for i in range(20):
        kube.create(pd_group(f"{prefix}-{i}", annotations), ns)
    kube.wait_for(
        f"{prefix}: 40 pods scheduled",
        lambda: scheduled(kube, ns, 40),
        120,
        dump=lambda: kube.dump_namespace(ns),
    )
    placed = domains_by_group(kube, ns)
    together = sum(1 for d in placed.values() if len(d) == 1)
    for i in range(20):
        kube.delete("RoleBasedGroup", f"{prefix}-{i}", ns)
    kube.wait_for(f"{prefix}: groups gone", lambda: not kube.list("Pod", ns), 120)
    return together / 20


def test_pack_annotation_keeps_prefill_and_decode_in_one_domain(kube: Kube, namespace: str) -> None:
    spread = _fraction_packed(kube, namespace, {}, "free")
    packed = _fraction_packed(kube, namespace, {keys.ANNOTATION_PACK_TOPOLOGY: DOMAIN}, "pack")
    print(
        f"\nprefill and decode in one NVLink domain: {packed:.0%} packed, {spread:.0%} without the annotation"
    )
    assert packed == 1.0
    assert packed >= spread


def test_pod_groups_follow_the_gang_policy(kube: Kube, namespace: str) -> None:
    group = pd_group("gang", {}, podGroupPolicy={"kubeScheduling": {"scheduleTimeoutSeconds": 30}})
    group["spec"]["roles"][1]["replicas"] = 2
    kube.create(group, namespace)

    def pod_group(api: str) -> dict[str, Any] | None:
        path = f"/apis/{api}/namespaces/{namespace}/podgroups"
        items = kube.rest.request("GET", path)["items"]
        return items[0] if items else None

    pg = kube.wait_for("coscheduling PodGroup", lambda: pod_group("scheduling.x-k8s.io/v1alpha1"), 60)
    assert pg["metadata"]["name"] == "gang" and pg["spec"]["minMember"] == 3
    assert pg["spec"]["scheduleTimeoutSeconds"] == 30
    assert pg["metadata"]["ownerReferences"][0]["kind"] == "RoleBasedGroup"
    kube.wait_for(
        "pods reference it",
        lambda: len(kube.list("Pod", namespace, f"{keys.LABEL_POD_GROUP_SCHEDULER_PLUGINS}=gang")) == 3,
        60,
        dump=lambda: kube.dump_namespace(namespace),
    )
    # Switch to Volcano: the coscheduling PodGroup goes, a Volcano one comes, pods are rolled to it.
    rbg = kube.get("RoleBasedGroup", "gang", namespace)
    assert rbg is not None
    kube.patch(
        "RoleBasedGroup",
        "gang",
        namespace,
        {"spec": {"podGroupPolicy": {"kubeScheduling": None, "volcanoScheduling": {"queue": "inference"}}}},
    )
    vpg = kube.wait_for("Volcano PodGroup", lambda: pod_group("scheduling.volcano.sh/v1beta1"), 60)
    assert vpg["spec"]["minMember"] == 3 and vpg["spec"]["queue"] == "inference"
    kube.wait_for(
        "coscheduling PodGroup removed", lambda: pod_group("scheduling.x-k8s.io/v1alpha1") is None, 60
    )
    sts = kube.get("StatefulSet", "gang-decode", namespace)
    template = sts["spec"]["template"]
    assert template["metadata"]["annotations"][keys.ANNOTATION_VOLCANO_GROUP_NAME] == "gang"
    assert template["spec"]["schedulerName"] == "volcano"
    # Policy removed: no PodGroup left.
    spec = copy.deepcopy(kube.get("RoleBasedGroup", "gang", namespace)["spec"])
    kube.patch(
        "RoleBasedGroup", "gang", namespace, {"spec": {"podGroupPolicy": None, "roles": spec["roles"]}}
    )
    kube.wait_for("Volcano PodGroup removed", lambda: pod_group("scheduling.volcano.sh/v1beta1") is None, 60)
