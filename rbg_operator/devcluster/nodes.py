"""Simulated nodes: GPU servers laid out in NVLink domains, racks and zones, plus CPU-only nodes.

Label keys (documented in docs/devcluster.md):

- ``nvidia.com/gpu.product``, ``nvidia.com/gpu.count``, ``nvidia.com/gpu.memory``, ``nvidia.com/gpu.present``
  as NVIDIA GPU feature discovery sets them;
- ``nvidia.com/gpu.clique``: the NVLink domain (GFD's label for multi-node NVLink cliques);
- ``topology.kubernetes.io/region`` and ``topology.kubernetes.io/zone`` (well-known);
- ``topology.rbg.workloads.x-k8s.io/rack`` and ``topology.rbg.workloads.x-k8s.io/nvlink-domain``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GPU_RESOURCE = "nvidia.com/gpu"
LABEL_GPU_PRODUCT = "nvidia.com/gpu.product"
LABEL_GPU_COUNT = "nvidia.com/gpu.count"
LABEL_GPU_MEMORY = "nvidia.com/gpu.memory"
LABEL_GPU_PRESENT = "nvidia.com/gpu.present"
LABEL_GPU_CLIQUE = "nvidia.com/gpu.clique"
LABEL_REGION = "topology.kubernetes.io/region"
LABEL_ZONE = "topology.kubernetes.io/zone"
LABEL_RACK = "topology.rbg.workloads.x-k8s.io/rack"
LABEL_NVLINK_DOMAIN = "topology.rbg.workloads.x-k8s.io/nvlink-domain"
LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_ROLE = "devcluster.rbg.workloads.x-k8s.io/node-kind"

KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node"
KWOK_NODE_VALUE = "fake"

_GPU_MEMORY_MIB = {"NVIDIA-H100-80GB-HBM3": "81559", "NVIDIA-H20": "97871", "NVIDIA-A100-SXM4-80GB": "81920"}


@dataclass(frozen=True)
class ClusterShape:
    """How many simulated nodes of each kind, and how they are grouped."""

    gpu_nodes: int = 8
    gpus_per_node: int = 8
    gpu_product: str = "NVIDIA-H100-80GB-HBM3"
    nodes_per_nvlink_domain: int = 2
    nvlink_domains_per_rack: int = 2
    racks_per_zone: int = 2
    cpu_nodes: int = 2
    region: str = "local-1"
    pods_per_node: int = 256

    def validate(self) -> None:
        for field in (
            "gpus_per_node",
            "nodes_per_nvlink_domain",
            "nvlink_domains_per_rack",
            "racks_per_zone",
        ):
            if getattr(self, field) < 1:
                raise ValueError(f"{field} must be at least 1")
        if self.gpu_nodes < 0 or self.cpu_nodes < 0 or self.gpu_nodes + self.cpu_nodes == 0:
            raise ValueError("the cluster needs at least one node")
        if self.gpu_nodes + self.cpu_nodes > 4096:
            raise ValueError("at most 4096 simulated nodes")


def _node(name: str, index: int, labels: dict[str, str], capacity: dict[str, str]) -> dict[str, Any]:
    hi, lo = divmod(index, 256)
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                LABEL_HOSTNAME: name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kwok",
                **labels,
            },
            "annotations": {KWOK_NODE_ANNOTATION: KWOK_NODE_VALUE, "node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {"podCIDR": f"10.{64 + hi}.{lo}.0/24", "podCIDRs": [f"10.{64 + hi}.{lo}.0/24"]},
        "status": {
            "capacity": capacity,
            "allocatable": capacity,
            "nodeInfo": {
                "architecture": "amd64",
                "operatingSystem": "linux",
                "kubeletVersion": "fake",
                "kubeProxyVersion": "fake",
            },
        },
    }


def gpu_node_topology(shape: ClusterShape, i: int) -> dict[str, str]:
    """Zone, rack and NVLink domain labels of the i-th GPU node."""
    domain = i // shape.nodes_per_nvlink_domain
    rack = domain // shape.nvlink_domains_per_rack
    zone = rack // shape.racks_per_zone
    return {
        LABEL_REGION: shape.region,
        LABEL_ZONE: f"{shape.region}-{chr(ord('a') + zone % 26)}{zone // 26 or ''}",
        LABEL_RACK: f"rack-{rack}",
        LABEL_NVLINK_DOMAIN: f"nvl-{domain}",
        LABEL_GPU_CLIQUE: f"clique-{domain}",
    }


def node_manifests(shape: ClusterShape) -> list[dict[str, Any]]:
    """Every Node object of the simulated cluster, GPU nodes first."""
    shape.validate()
    nodes = []
    gpu_capacity = {
        "cpu": "192",
        "memory": "2015Gi",
        "ephemeral-storage": "7Ti",
        "pods": str(shape.pods_per_node),
        GPU_RESOURCE: str(shape.gpus_per_node),
    }
    for i in range(shape.gpu_nodes):
        labels = {
            **gpu_node_topology(shape, i),
            LABEL_GPU_PRODUCT: shape.gpu_product,
            LABEL_GPU_COUNT: str(shape.gpus_per_node),
            LABEL_GPU_MEMORY: _GPU_MEMORY_MIB.get(shape.gpu_product, "81920"),
            LABEL_GPU_PRESENT: "true",
            LABEL_ROLE: "gpu",
        }
        nodes.append(_node(f"gpu-node-{i}", i, labels, gpu_capacity))
    cpu_capacity = {
        "cpu": "64",
        "memory": "256Gi",
        "ephemeral-storage": "1Ti",
        "pods": str(shape.pods_per_node),
    }
    for j in range(shape.cpu_nodes):
        labels = {LABEL_REGION: shape.region, LABEL_ZONE: f"{shape.region}-a", LABEL_ROLE: "cpu"}
        nodes.append(_node(f"cpu-node-{j}", shape.gpu_nodes + j, labels, cpu_capacity))
    return nodes
