"""The API server's CPU per write, by kind of write: what one RoleBasedGroup status write costs the control
plane next to a ConfigMap write of the same content. The operator's control-plane overhead is mostly its
status writes, so this is the price list behind the other scenarios' ratios.

A fresh devcluster (no operator) holds ``objects`` RoleBasedGroups (the benchmark's PD group) and as many
ConfigMaps; each case makes ``writes`` writes, ``concurrency`` in flight, round robin over the objects, every
write with a new content (so none is a no-op), and reads the kube-apiserver's CPU time from /proc before and
after."""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rbg_operator.devcluster.cluster import DevCluster, Options
from rbg_operator.devcluster.nodes import ClusterShape
from rbg_operator.kube import resources as r
from rbg_operator.kube.client import KubeClient

from .groups import group_manifest
from .meter import control_plane_pids, cpu_seconds
from .runner import ROOT, claim
from .sides import bounded, ensure_namespace
from .tracking import say

NAMESPACE = "bench-writecost"
Write = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class CostSettings:
    state_dir: Path
    writes: int = 2000
    objects: int = 50
    concurrency: int = 16


def group_status(i: int) -> dict[str, Any]:
    """A status like the operator's for the PD group, different for every ``i``."""
    ready = i % 2 == 0
    at = (datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(seconds=i)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )

    def condition(kind: str, status: bool, reason: str) -> dict[str, Any]:
        return {
            "type": kind,
            "status": "True" if status else "False",
            "reason": reason,
            "message": f"{reason} at step {i}",
            "lastTransitionTime": at,
            "observedGeneration": 1,
        }

    return {
        "observedGeneration": 1,
        "conditions": [
            condition("Ready", ready, "AllRolesReady" if ready else "RolesNotReady"),
            condition("RollingUpdateInProgress", False, "RolloutComplete"),
            condition("Reconciling", not ready, "RolesNotReady" if not ready else "Ready"),
        ],
        "roleStatuses": [
            {"name": "router", "replicas": 1, "readyReplicas": 1, "updatedReplicas": 1},
            {"name": "prefill", "replicas": 2, "readyReplicas": 2 - i % 2, "updatedReplicas": 2},
            {"name": "decode", "replicas": 4, "readyReplicas": i % 5, "updatedReplicas": 4},
        ],
    }


def _configmap(name: str, status: dict[str, Any]) -> dict[str, Any]:
    """A ConfigMap carrying ``status`` as JSON."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "data": {"status": json.dumps(status)},
    }


def _cases(client: KubeClient, objects: int) -> dict[str, Write]:
    def group(i: int) -> str:
        return f"pd-{i % objects}"

    def configmap(i: int) -> str:
        return f"cm-{i % objects}"

    async def group_status_apply(i: int) -> None:  # what the operator does
        body = {
            "apiVersion": "workloads.x-k8s.io/v1alpha1",
            "kind": "RoleBasedGroup",
            "metadata": {"name": group(i), "namespace": NAMESPACE},
            "status": group_status(i),
        }
        await client.apply(r.RBG, body, subresource="status")

    async def group_status_merge_patch(i: int) -> None:
        await client.patch(r.RBG, group(i), NAMESPACE, {"status": group_status(i + 1)}, subresource="status")

    async def configmap_apply(i: int) -> None:
        await client.apply(r.CONFIGMAP, _configmap(configmap(i), group_status(i + 2)))

    async def configmap_merge_patch(i: int) -> None:
        await client.patch(
            r.CONFIGMAP, configmap(i), NAMESPACE, _configmap(configmap(i), group_status(i + 3))
        )

    return {
        "rolebasedgroup_status_apply": group_status_apply,
        "rolebasedgroup_status_merge_patch": group_status_merge_patch,
        "configmap_apply": configmap_apply,
        "configmap_merge_patch": configmap_merge_patch,
    }


async def _measure(cluster: DevCluster, s: CostSettings) -> dict[str, Any]:
    apiserver = control_plane_pids(cluster)["kube-apiserver"]
    client = await KubeClient.connect(str(cluster.layout.kubeconfig))
    try:
        await ensure_namespace(client, NAMESPACE)
        for i in range(s.objects):
            await client.create(r.RBG, group_manifest(f"pd-{i}", NAMESPACE), NAMESPACE)
            await client.apply(r.CONFIGMAP, _configmap(f"cm-{i}", {}))
        out: dict[str, Any] = {}
        for name, write in _cases(client, s.objects).items():
            say(f"{name}: {s.writes} writes")
            cpu0, t0 = cpu_seconds(apiserver), time.monotonic()
            await bounded(s.concurrency, write, range(s.writes))
            cpu, wall = cpu_seconds(apiserver) - cpu0, time.monotonic() - t0
            out[name] = {
                "writes": s.writes,
                "wall_s": round(wall, 3),
                "apiserver_cpu_s": round(cpu, 3),
                "apiserver_cpu_ms_per_write": round(cpu * 1000 / s.writes, 3),
            }
            say(f"  {out[name]}")
        base = out["configmap_apply"]["apiserver_cpu_ms_per_write"]
        out["ratio_to_configmap_apply"] = {
            k: round(v["apiserver_cpu_ms_per_write"] / base, 2) for k, v in out.items() if isinstance(v, dict)
        }
        return out
    finally:
        await client.close()


async def run(s: CostSettings) -> dict[str, Any]:
    cluster = claim(s.state_dir)
    result: dict[str, Any] = {
        "scenario": "writecost",
        "writes": s.writes,
        "objects": s.objects,
        "client_concurrency": s.concurrency,
    }
    try:
        shape = ClusterShape(gpu_nodes=1, cpu_nodes=1)
        cluster.up(Options(shape=shape, crd_dirs=[ROOT / "crds"], timeout=300))
        result.update(await _measure(cluster, s))
    finally:
        cluster.down(quiet=True)
    return result
