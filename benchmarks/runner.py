"""Benchmark scenarios on a fresh devcluster: every phase is run first by the baseline (a bare concurrent
client writes the very objects the operator would create, no operator) and then through the operator, in
the same run, so that each time figure can be given as a ratio operator / baseline. API requests are
counted from the API server's audit log, CPU and memory from /proc."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rbg_operator.devcluster.cluster import DevCluster, Options
from rbg_operator.devcluster.nodes import ClusterShape
from rbg_operator.kube.client import KubeClient

from . import phases
from .audit import AuditLog, Requests, utc_ago, wait_quiet
from .groups import PODS_PER_GROUP, group_name
from .meter import Profiler, Usage, control_plane_pids, cpu_seconds, in_use, peak_rss_mib
from .sides import Baseline, Operated, Side
from .tracking import say

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS: dict[str, tuple[str, ...]] = {
    "create": ("create", "steady"),
    "rollout": ("create", "rollout"),
    "failover": ("create", "failover"),
    "all": ("create", "steady", "rollout", "failover"),
}
CLIENT_USER = "devcluster-admin"  # the benchmark's own client (the admin kubeconfig)
Figures = dict[str, Any]


class ClusterBusy(RuntimeError):
    """The state directory holds a devcluster that still runs (another benchmark?)."""


@dataclass(frozen=True)
class Settings:
    scenario: str
    groups: int
    limit_s: float = 1800
    steady_s: float = 60
    workers: int = 16
    concurrency: int = 32
    state_dir: Path = ROOT / ".devcluster-bench"
    profile_dir: Path | None = None  # profile-<scenario>-n<N>-<phase>.txt go there; None: no profile
    operator_first: bool = False  # run the operator's side first (to rule out an order effect)
    baseline_again: bool = False  # repeat the baseline after the operator (A-B-A: ratios to their mean)

    def profile(self, phase: str) -> Path | None:
        if self.profile_dir is None:
            return None
        return self.profile_dir / f"profile-{self.scenario}-n{self.groups}-{phase}.txt"


def shape_for(groups: int) -> ClusterShape:
    return ClusterShape(gpu_nodes=max(8, math.ceil(groups * PODS_PER_GROUP / 200)), cpu_nodes=2)


@dataclass(frozen=True)
class Bench:
    """One run: its settings, its devcluster and the cluster's audit log."""

    settings: Settings
    cluster: DevCluster
    log: AuditLog


async def _timed(side: Side, phase: str, s: Settings, log: AuditLog) -> Figures:
    if phase == "create":
        return await phases.create(side, s.limit_s)
    if phase == "rollout":
        return await phases.rollout(side, s.limit_s)
    if phase == "failover":
        return await phases.failover(side, s.limit_s)
    assert phase == "steady" and isinstance(side, Operated)
    return await phases.steady(side, log, s.steady_s)


@dataclass
class Meters:
    """What one phase of one side costs, from its start: CPU and peak RSS, API requests (audit log),
    reconciles (the operator's metrics), and a profile if asked."""

    usage: Usage
    profiler: Profiler | None
    reconciles: dict[str, float]
    since: str
    started: float

    @classmethod
    def start(cls, side: Side, phase: str, b: Bench) -> Meters:
        pid, out = side.operator_pid, b.settings.profile(phase)
        meters = cls(
            usage=Usage(pid, control_plane_pids(b.cluster)),
            profiler=Profiler(out) if out is not None and pid is not None else None,
            reconciles=side.reconciles() if isinstance(side, Operated) else {},
            since=utc_ago(),
            started=time.monotonic(),
        )
        meters.usage.begin()
        if meters.profiler is not None and pid is not None:
            meters.profiler.start(pid)
        return meters

    def stop_profile(self) -> dict[str, list[str]]:
        return self.profiler.stop() if self.profiler is not None else {}

    def figures(self, side: Side, b: Bench) -> Figures:
        out: Figures = {"phase_wall_s": round(time.monotonic() - self.started, 3), **self.usage.figures()}
        until = utc_ago()
        out.update(Requests.of(b.log, CLIENT_USER, self.since, until).figures("client", reads=False))
        if isinstance(side, Operated):
            out.update(Requests.of(b.log, side.audit_user, self.since, until).figures("operator_api"))
            out.update(reconciled(self.reconciles, side.reconciles(), len(side.groups)))
        return out


async def run_phase(side: Side, phase: str, b: Bench) -> Figures:
    """One phase of one side, with what it cost. The operator's phases after the create start once it has
    settled (no write for 3 s, at most 60 s)."""
    settle = None
    if isinstance(side, Operated) and phase != "create":
        settle = await wait_quiet(b.log, side.audit_user)
    meters = Meters.start(side, phase, b)
    try:
        figures = await _timed(side, phase, b.settings, b.log)
    finally:
        hot = meters.stop_profile()
    figures.update(meters.figures(side, b))
    if settle is not None:
        figures["settle_wait_s"] = settle
    figures.update(hot)
    return figures


def reconciled(before: dict[str, float], after: dict[str, float], groups: int) -> Figures:
    """Reconciles of the phase, from the operator's own metrics."""
    delta = {k: after[k] - before.get(k, 0.0) for k in after}
    seconds = delta.pop("seconds", 0.0)
    total = sum(delta.values())
    return {
        "operator_reconciles": int(total),
        "operator_reconciles_by_kind": {k: int(v) for k, v in sorted(delta.items()) if v},
        "operator_reconciles_per_group": round(total / groups, 2) if groups else None,
        "operator_reconcile_seconds": round(seconds, 2),
    }


def brief(figures: Figures) -> str:
    keys = [k for k, v in figures.items() if k.endswith(("_s", "_mib")) and isinstance(v, int | float)]
    return ", ".join(f"{k}={figures[k]}" for k in keys)


async def run_side(side: Side, b: Bench, sections: dict[str, dict[str, Any]], last: bool) -> None:
    """Start the side, run its phases of the scenario, remove its namespace unless it is the ``last`` side,
    stop it (also on failure)."""
    s = b.settings
    await side.start()
    try:
        if side.operator_pid is not None:
            sections["resources"] = {
                "operator_startup_cpu_s": round(cpu_seconds(side.operator_pid), 2),
                "operator_startup_peak_rss_mib": round(peak_rss_mib(side.operator_pid), 1),
            }
        for phase in SCENARIOS[s.scenario]:
            if phase == "steady" and side.operator_pid is None:
                continue  # nothing runs on the baseline's side while it is idle
            say(f"{side.name} {phase}: {s.groups} groups")
            figures = await run_phase(side, phase, b)
            sections.setdefault(phase, {})[side.name] = figures
            say(f"  {brief(figures)}")
        if not last:
            await side.remove(s.limit_s)
    finally:
        await side.stop()


def _time(figures: Figures, key: str) -> float | None:
    v = figures.get(key)
    return float(v) if key.endswith("_s") and isinstance(v, int | float) and v else None


def ratios(section: dict[str, Figures]) -> dict[str, float]:
    """operator / baseline for every time figure both sides have; in an A-B-A run, operator / the mean of
    the baseline before and the baseline after (which cancels a drift of the cluster over the run)."""
    bases = [section[b] for b in ("baseline", "baseline_again") if b in section]
    op = section.get("operator", {})
    out = {}
    for k in bases[0] if bases else {}:
        times = [_time(b, k) for b in bases]
        mine = _time(op, k)
        if mine is not None and all(t is not None for t in times):
            out[k] = round(mine / (sum(t for t in times if t is not None) / len(times)), 3)
    return out


def drift(section: dict[str, Figures]) -> dict[str, float]:
    """In an A-B-A run: the baseline after / the baseline before, per time figure (1 = no drift)."""
    before, after = section.get("baseline", {}), section.get("baseline_again", {})
    return {
        k: round(a / b, 3)
        for k in before
        if (b := _time(before, k)) is not None and (a := _time(after, k)) is not None
    }


def resources_summary(sections: dict[str, dict[str, Any]], phase_names: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = dict(sections.get("resources", {}))
    ops = {p: sections[p]["operator"] for p in phase_names if "operator" in sections.get(p, {})}
    out["operator_cpu_s"] = {p: f.get("operator_cpu_s") for p, f in ops.items()}
    out["operator_peak_rss_mib"] = {p: f.get("operator_peak_rss_mib") for p, f in ops.items()}
    peaks = [v for v in out["operator_peak_rss_mib"].values() if isinstance(v, int | float)]
    peaks.append(out.get("operator_startup_peak_rss_mib", 0))
    out["operator_peak_rss_mib_max"] = max(peaks)
    out["control_plane_cpu_s"] = {
        p: {side: f.get("control_plane_cpu_s") for side, f in sections[p].items()}
        for p in phase_names
        if p in sections
    }
    return out


async def measure(b: Bench, sections: dict[str, dict[str, Any]]) -> None:
    s, cluster = b.settings, b.cluster
    client = await KubeClient.connect(str(cluster.layout.kubeconfig))
    try:
        names = [group_name(i) for i in range(s.groups)]
        sides: list[Side] = [
            Baseline(client, names, s.concurrency),
            Operated(client, cluster, names, s.concurrency, s.workers),
        ]
        if s.operator_first:
            sides.reverse()
        if s.baseline_again:
            sides.append(Baseline(client, names, s.concurrency, again=True))
        for n, side in enumerate(sides):
            await run_side(side, b, sections, last=n == len(sides) - 1)
    finally:
        await client.close()


def clear_logs(cluster: DevCluster) -> None:
    """Logs of earlier runs in this (stopped) devcluster's state dir: the audit log is read whole."""
    for path in cluster.layout.logs.glob("*.log"):
        path.unlink()


def claim(state_dir: Path) -> DevCluster:
    """The devcluster of ``state_dir``, stopped and ready to be brought up; ClusterBusy if one runs there."""
    cluster = DevCluster(state_dir, log=say)
    if in_use(cluster):
        raise ClusterBusy(
            f"a devcluster already runs in {state_dir} (another benchmark?): stop it with "
            f"`rbg-operator devcluster down --dir {state_dir}` or pass another --dir"
        )
    cluster.down(quiet=True)  # a stale state left by a killed run
    return cluster


async def run(s: Settings) -> dict[str, Any]:
    """Bring a devcluster up in ``s.state_dir``, run the scenario, tear it down (also on failure). A phase
    that fails ends the run; the figures measured until then are kept, with the error."""
    cluster = claim(s.state_dir)
    clear_logs(cluster)
    shape = shape_for(s.groups)
    sections: dict[str, dict[str, Any]] = {}
    error = ""
    started = time.monotonic()
    bring_up = 0.0
    try:
        cluster.up(Options(shape=shape, crd_dirs=[ROOT / "crds"], timeout=300))
        bring_up = time.monotonic() - started
        log = AuditLog(cluster.layout.audit_log, frozenset({CLIENT_USER, Operated.audit_user}))
        await measure(Bench(s, cluster, log), sections)
    except Exception as err:  # keep what was measured; the caller exits non-zero
        error = f"{type(err).__name__}: {err}"
        say(f"FAILED: {error}")
    finally:
        say("tearing the devcluster down")
        cluster.down(quiet=True)
    phase_names = SCENARIOS[s.scenario]
    result: dict[str, Any] = {
        "scenario": s.scenario,
        "phases": list(phase_names),
        "groups": s.groups,
        "pods": s.groups * PODS_PER_GROUP,
        "nodes": shape.gpu_nodes + shape.cpu_nodes,
        "workers": s.workers,
        "client_concurrency": s.concurrency,
        "order": ("operator first" if s.operator_first else "baseline first")
        + (", baseline again last" if s.baseline_again else ""),
        "bring_up_s": round(bring_up, 1),
        "run_time_s": round(time.monotonic() - started, 1),
        "resources": resources_summary(sections, phase_names),
    }
    for p in phase_names:
        if p in sections:
            result[p] = {**sections[p], "ratio": ratios(sections[p])} if len(sections[p]) > 1 else sections[p]
            if "baseline_again" in sections[p]:
                result[p]["baseline_drift"] = drift(sections[p])
    if error:
        result["error"] = error
    return result
