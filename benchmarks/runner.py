"""Benchmark scenarios on the devcluster: create (with a no-operator baseline), steady, resources.

The baseline applies the very objects the operator would create (from the planner, owner references
removed) with a bare concurrent client and waits for the pods the same way: the ratio of the two isolates
the operator's own cost. API requests are counted from the API server's audit log, not the operator's.
"""

from __future__ import annotations

import asyncio
import datetime
import math
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.v1alpha1 import RoleBasedGroup
from rbg_operator.devcluster.cluster import DevCluster, Options
from rbg_operator.devcluster.nodes import ClusterShape
from rbg_operator.devcluster.operator import OperatorProcess
from rbg_operator.kube import resources as r
from rbg_operator.kube.client import KubeClient
from rbg_operator.kube.informer import Informer
from rbg_operator.planning.rbg import GroupObserved, plan_group

ROOT = Path(__file__).resolve().parents[1]
ROLES = (("router", 1), ("prefill", 2), ("decode", 4))


def say(msg: str) -> None:
    print(msg, flush=True)


def group_manifest(name: str) -> dict[str, Any]:
    """A PD group (router 1, prefill 2, decode 4), without dependencies so that the operator and the
    baseline create the same objects at once."""
    roles = [
        {
            "name": role,
            "replicas": n,
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "engine",
                            "image": f"sglang:{role}",
                            "resources": {"requests": {"cpu": "100m"}},
                        }
                    ]
                }
            },
        }
        for role, n in ROLES
    ]
    return {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "RoleBasedGroup",
        "metadata": {"name": name},
        "spec": {"roles": roles},
    }


def baseline_objects(name: str, namespace: str) -> list[dict[str, Any]]:
    doc = group_manifest(name)
    doc["metadata"].update(namespace=namespace, uid="baseline", generation=1)
    plan = plan_group(RoleBasedGroup.from_dict(doc), GroupObserved(), "2026-01-01T00:00:00Z")
    out = []
    for m in plan.apply:
        if m.kind == "ControllerRevision":
            continue
        obj = m.to_dict()
        obj["metadata"].pop("ownerReferences", None)
        out.append(obj)
    return out


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class PodWatch:
    """Counts pods (and ready pods) of a namespace from a watch cache."""

    informer: Informer[tuple[bool, str], tuple[str, str]]

    @classmethod
    def start(cls, client: KubeClient, namespace: str) -> tuple[PodWatch, asyncio.Task[None]]:
        def view(obj: dict[str, Any]) -> tuple[bool, str]:
            ready = any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in (obj.get("status") or {}).get("conditions") or []
            )
            return ready, obj["metadata"]["labels"].get(keys.LABEL_GROUP_NAME_V1, "")

        inf: Informer[tuple[bool, str], tuple[str, str]] = Informer(
            client, r.POD, view, lambda o: [], lambda k: None, namespace=namespace
        )
        return cls(inf), asyncio.create_task(inf.run())

    def counts(self) -> tuple[int, int]:
        items = self.informer.all()
        return len(items), sum(1 for ready, _ in items if ready)


async def wait_counts(watch: PodWatch, total: int, started: float, limit_s: float) -> tuple[float, float]:
    t_exist = 0.0
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        exist, ready = watch.counts()
        now = time.monotonic() - started
        if exist >= total and not t_exist:
            t_exist = now
        if ready >= total:
            return t_exist or now, now
        await asyncio.sleep(0.1)
    raise TimeoutError(f"pods did not all become ready in {limit_s}s: {watch.counts()} of {total}")


async def ensure_namespace(client: KubeClient, name: str) -> None:
    await client.apply(r.NAMESPACE, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    for _ in range(300):
        if await client.get(r.Resource("", "v1", "ServiceAccount", "serviceaccounts"), "default", name):
            return
        await asyncio.sleep(0.1)


async def run_baseline(client: KubeClient, groups: int, limit_s: float) -> dict[str, float]:
    ns = "bench-baseline"
    await ensure_namespace(client, ns)
    objs = [o for i in range(groups) for o in baseline_objects(f"pd-{i}", ns)]
    watch, task = PodWatch.start(client, ns)
    await watch.informer.synced.wait()
    sem = asyncio.Semaphore(32)

    async def apply(obj: dict[str, Any]) -> None:
        async with sem:
            await client.apply(
                r.resource_for(obj["apiVersion"], obj["kind"]), obj, field_manager="bench-baseline"
            )

    started = time.monotonic()
    await asyncio.gather(*(apply(o) for o in objs))
    t_exist, t_ready = await wait_counts(watch, groups * 7, started, limit_s)
    task.cancel()
    await client.delete(r.NAMESPACE, ns)
    say("  waiting for the baseline namespace to be gone (so the operator run has the cluster to itself)")
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if await client.get(r.NAMESPACE, ns) is None:
            break
        await asyncio.sleep(1)
    return {
        "objects": len(objs),
        "all_pods_exist_s": round(t_exist, 3),
        "all_pods_ready_s": round(t_ready, 3),
    }


def start_operator(cluster: DevCluster, workers: int) -> OperatorProcess:
    op = OperatorProcess(
        cluster.layout.client_kubeconfig("rbg-operator"),
        cluster.layout.logs / "bench-operator.log",
        extra_args=["--workers", str(workers)],
    )
    op.launch()
    return op


def start_profile(op: OperatorProcess, out: Path | None) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the operator (its own process only) until stop_profile."""
    if out is None or op.proc is None:
        return None
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(op.proc.pid),
            "--rate",
            "100",
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_profile(profiler: subprocess.Popen[bytes] | None, out: Path | None, top: int = 15) -> list[str]:
    """Stop sampling; the functions with the most samples on top of the stack (self time)."""
    if profiler is None or out is None:
        return []
    profiler.send_signal(signal.SIGINT)
    profiler.wait(60)
    self_samples: dict[str, int] = {}
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frame = stack.split(";")[-1]
        self_samples[frame] = self_samples.get(frame, 0) + int(count)
        total += int(count)
    ranked = sorted(self_samples.items(), key=lambda kv: -kv[1])[:top]
    return [f"{100 * n / max(total, 1):5.1f}% {frame}" for frame, n in ranked]


async def run_operator(
    client: KubeClient,
    cluster: DevCluster,
    groups: int,
    limit_s: float,
    steady_seconds: float,
    workers: int,
    profile: Path | None = None,
) -> dict[str, Any]:
    ns = "bench-operator"
    await ensure_namespace(client, ns)
    op = start_operator(cluster, workers)
    cpu_start = op.cpu_seconds()
    profiler = start_profile(op, profile)
    watch, task = PodWatch.start(client, ns)
    ready_at: dict[str, float] = {}

    def rbg_view(obj: dict[str, Any]) -> bool:
        return any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in (obj.get("status") or {}).get("conditions") or []
        )

    rbgs: Informer[bool, str] = Informer(
        client, r.RBG, rbg_view, lambda o: [o["metadata"]["name"]], lambda k: None, namespace=ns
    )
    rbg_task = asyncio.create_task(rbgs.run())
    await asyncio.gather(watch.informer.synced.wait(), rbgs.synced.wait())
    sem = asyncio.Semaphore(32)

    async def create(i: int) -> None:
        async with sem:
            body = group_manifest(f"pd-{i}")
            body["metadata"]["namespace"] = ns
            await client.create(r.RBG, body, ns)

    started = time.monotonic()
    await asyncio.gather(*(create(i) for i in range(groups)))
    t_exist, t_pods_ready = await wait_counts(watch, groups * 7, started, limit_s)
    while len(ready_at) < groups and time.monotonic() - started < limit_s:
        for i in range(groups):
            name = f"pd-{i}"
            if name not in ready_at and rbgs.get(ns, name):
                ready_at[name] = time.monotonic() - started
        await asyncio.sleep(0.05)
    per_group = list(ready_at.values())
    create_cpu = op.cpu_seconds() - cpu_start
    hot = stop_profile(profiler, profile)
    # steady: wait for the last writes of the start-up, then count every request in the window
    since_quiet = time.monotonic()
    while time.monotonic() - since_quiet < 60:
        if cluster.quiet_for("rbg-operator", 3):
            break
        await asyncio.sleep(1)
    since = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    cpu_idle_start = op.cpu_seconds()
    await asyncio.sleep(steady_seconds)
    requests = cluster.audit_requests("rbg-operator", since=since)
    writes = [q for q in requests if q.verb not in ("get", "list", "watch")]
    reads = [q for q in requests if q.verb in ("get", "list")]
    result = {
        "all_pods_exist_s": round(t_exist, 3),
        "all_pods_ready_s": round(t_pods_ready, 3),
        "all_groups_ready_s": round(max(per_group, default=0), 3),
        "group_ready_p50_s": round(statistics.median(per_group), 3) if per_group else None,
        "group_ready_p99_s": round(percentile(per_group, 99), 3),
        "groups_ready": len(per_group),
        "create_cpu_s": round(create_cpu, 2),
        "steady_window_s": steady_seconds,
        "steady_writes_per_min": round(len(writes) * 60 / steady_seconds, 2),
        "steady_reads_per_min": round(len(reads) * 60 / steady_seconds, 2),
        "steady_watch_requests": sum(1 for q in requests if q.verb == "watch"),
        "steady_cpu_s": round(op.cpu_seconds() - cpu_idle_start, 2),
        "operator_peak_rss_mib": round(op.peak_rss_mib(), 1),
    }
    if hot:
        result["profile_top_self"] = hot
    task.cancel()
    rbg_task.cancel()
    op.stop()
    return result


async def scenario_create(
    groups: int, limit_s: float, steady_seconds: float, workers: int, profile: Path | None = None
) -> dict[str, Any]:
    cluster = DevCluster(ROOT / ".devcluster-bench", log=say)
    cluster.down(quiet=True)
    shape = ClusterShape(gpu_nodes=max(8, math.ceil(groups * 7 / 200)), cpu_nodes=2)
    cluster.up(Options(shape=shape, crd_dirs=[ROOT / "crds"], timeout=300))
    client = await KubeClient.connect(str(cluster.layout.kubeconfig))
    try:
        say(f"baseline: {groups} groups' objects applied directly")
        baseline = await run_baseline(client, groups, limit_s)
        say(f"  {baseline}")
        say(f"operator: {groups} RoleBasedGroups applied at once")
        operator = await run_operator(client, cluster, groups, limit_s, steady_seconds, workers, profile)
        say(f"  {operator}")
    finally:
        await client.close()
        cluster.down(quiet=True)
    ratio = (
        operator["all_pods_exist_s"] / baseline["all_pods_exist_s"] if baseline["all_pods_exist_s"] else None
    )
    return {
        "scenario": "create+steady",
        "groups": groups,
        "pods": groups * 7,
        "nodes": shape.gpu_nodes + shape.cpu_nodes,
        "workers": workers,
        "baseline": baseline,
        "operator": operator,
        "ratio_all_pods_exist": round(ratio, 3) if ratio else None,
        "ratio_all_pods_ready": round(operator["all_pods_ready_s"] / baseline["all_pods_ready_s"], 3)
        if baseline["all_pods_ready_s"]
        else None,
    }
