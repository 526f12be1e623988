"""The devcluster really is a control plane: the real scheduler places GPU pods on simulated GPU nodes,
the real controller manager runs StatefulSets and garbage-collects dependents."""

from __future__ import annotations

import subprocess

from rbg_operator.devcluster.binaries import find_binary
from rbg_operator.devcluster.cluster import DevCluster
from rbg_operator.devcluster.nodes import GPU_RESOURCE, LABEL_GPU_PRODUCT, LABEL_NVLINK_DOMAIN
from tests.e2e.kube import Kube, pod_condition


def _pod(name: str, gpus: int) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "containers": [
                {
                    "name": "engine",
                    "image": "lmsysorg/sglang:latest",
                    "resources": {"limits": {GPU_RESOURCE: str(gpus)}, "requests": {GPU_RESOURCE: str(gpus)}},
                }
            ],
        },
    }


def test_nodes_have_gpu_capacity_and_topology_labels(kube: Kube, kubeconfig) -> None:
    nodes = kube.list("Node")
    gpu_nodes = [n for n in nodes if GPU_RESOURCE in n["status"].get("allocatable", {})]
    assert len(gpu_nodes) == 8
    for node in gpu_nodes:
        assert node["status"]["allocatable"][GPU_RESOURCE] == "8"
        assert node["metadata"]["labels"][LABEL_GPU_PRODUCT] == "NVIDIA-H100-80GB-HBM3"
        assert LABEL_NVLINK_DOMAIN in node["metadata"]["labels"]
    assert len({n["metadata"]["labels"][LABEL_NVLINK_DOMAIN] for n in gpu_nodes}) == 4
    # kubectl (version-compatible, found or built by the devcluster) lists them with their capacity
    kubectl = find_binary("kubectl")
    out = subprocess.run(
        [
            str(kubectl),
            "--kubeconfig",
            str(kubeconfig),
            "get",
            "nodes",
            "-o",
            "custom-columns=NAME:.metadata.name,GPU:.status.capacity.nvidia\\.com/gpu",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "gpu-node-0" in out and "cpu-node-0" in out
    assert any(line.split()[-1] == "8" for line in out.splitlines() if line.startswith("gpu-node"))


def test_gpu_pod_is_scheduled_onto_a_gpu_node_and_runs(kube: Kube, namespace: str) -> None:
    kube.create(_pod("eight-gpus", 8), namespace)
    pod = kube.wait_for(
        "the 8-GPU pod Running and Ready",
        lambda: (
            (p := kube.get("Pod", "eight-gpus", namespace))
            and p["status"].get("phase") == "Running"
            and pod_condition(p, "Ready") == "True"
            and p
        ),
        timeout=60,
        dump=lambda: kube.dump_namespace(namespace),
    )
    node = kube.get("Node", pod["spec"]["nodeName"])
    assert node is not None and node["status"]["allocatable"][GPU_RESOURCE] == "8"
    assert pod["status"]["containerStatuses"][0]["ready"] is True


def test_pod_asking_for_more_gpus_than_any_node_stays_pending(kube: Kube, namespace: str) -> None:
    kube.create(_pod("nine-gpus", 9), namespace)
    kube.wait_for(
        "a FailedScheduling condition",
        lambda: (
            (p := kube.get("Pod", "nine-gpus", namespace)) and pod_condition(p, "PodScheduled") == "False"
        ),
        timeout=30,
        dump=lambda: kube.dump_namespace(namespace),
    )
    pod = kube.get("Pod", "nine-gpus", namespace)
    assert pod is not None and not pod["spec"].get("nodeName")


def test_statefulset_gets_pods_and_owner_deletion_collects_them(kube: Kube, namespace: str) -> None:
    labels = {"app": "sts-smoke"}
    kube.create(
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 3,
                "serviceName": "web",
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
                },
            },
        },
        namespace,
    )
    pods = kube.wait_for(
        "3 ready StatefulSet pods",
        lambda: (
            len(
                ready := [
                    p
                    for p in kube.list("Pod", namespace, "app=sts-smoke")
                    if pod_condition(p, "Ready") == "True"
                ]
            )
            == 3
            and ready
        ),
        timeout=90,
        dump=lambda: kube.dump_namespace(namespace),
    )
    assert sorted(p["metadata"]["name"] for p in pods) == ["web-0", "web-1", "web-2"]
    for pod in pods:
        owner = pod["metadata"]["ownerReferences"][0]
        assert owner["kind"] == "StatefulSet" and owner["name"] == "web"
    kube.delete("StatefulSet", "web", namespace, propagation="Background")
    kube.wait_for(
        "the garbage collector to delete the pods",
        lambda: not kube.list("Pod", namespace, "app=sts-smoke"),
        timeout=60,
        dump=lambda: kube.dump_namespace(namespace),
    )


def test_up_is_idempotent_and_status_reports_running(devcluster: DevCluster) -> None:
    server = devcluster.server()
    devcluster.up()  # a second `up` finds it running and changes nothing
    assert devcluster.server() == server
    assert devcluster.problems() == []
