"""What a phase costs: percentiles of per-group times, CPU seconds and peak RSS of the operator and of the
control-plane processes, and a py-spy profile."""

from __future__ import annotations

import contextlib
import json
import math
import os
import resource
import signal
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from rbg_operator.devcluster.cluster import DevCluster
from rbg_operator.devcluster.processes import alive


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def spread(prefix: str, values: Iterable[float]) -> dict[str, float | None]:
    """p50, p99 and max of per-group durations, in seconds."""
    vals = list(values)
    if not vals:
        return {f"{prefix}_p50_s": None, f"{prefix}_p99_s": None, f"{prefix}_max_s": None}
    return {
        f"{prefix}_p50_s": round(statistics.median(vals), 3),
        f"{prefix}_p99_s": round(percentile(vals, 99), 3),
        f"{prefix}_max_s": round(max(vals), 3),
    }


# -- processes ---------------------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    """VmHWM: the highest RSS since the process started or since reset_peak_rss."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss(pid: int) -> bool:
    """Restart VmHWM from the current RSS (Linux clear_refs "5"), so a phase reports its own peak."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _processes(cluster: DevCluster) -> dict[str, dict[str, Any]]:
    try:
        state = json.loads(cluster.layout.state.read_text())
    except (OSError, ValueError):
        return {}
    return dict(state.get("processes", {}))


def control_plane_pids(cluster: DevCluster) -> dict[str, int]:
    return {name: int(p["pid"]) for name, p in _processes(cluster).items()}


def in_use(cluster: DevCluster) -> bool:
    """Some process of this devcluster's state still runs (a cluster up, or being brought up)."""
    return any(alive(int(p["pid"]), str(p.get("binary"))) for p in _processes(cluster).values())


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Usage:
    """CPU of the operator (if any), of each control-plane process and of this benchmark process over one
    phase, and the operator's peak RSS within it."""

    operator_pid: int | None
    control_plane: dict[str, int]
    started: dict[str, float] = field(default_factory=dict)
    peak_reset: bool = False

    def _sample(self) -> dict[str, float]:
        out = {name: cpu_seconds(pid) for name, pid in self.control_plane.items()}
        out["bench client"] = own_cpu_seconds()
        if self.operator_pid is not None:
            out["operator"] = cpu_seconds(self.operator_pid)
        return out

    def begin(self) -> None:
        if self.operator_pid is not None:
            self.peak_reset = reset_peak_rss(self.operator_pid)
        self.started = self._sample()

    def figures(self) -> dict[str, object]:
        now = self._sample()
        spent = {k: round(now[k] - self.started.get(k, 0.0), 2) for k in now}
        out: dict[str, object] = {
            "control_plane_cpu_s": round(sum(v for k, v in spent.items() if k in self.control_plane), 2),
            "cpu_by_process_s": spent,
        }
        if self.operator_pid is not None:
            out["operator_cpu_s"] = spent["operator"]
            key = "operator_peak_rss_mib" if self.peak_reset else "operator_peak_rss_since_start_mib"
            out[key] = round(peak_rss_mib(self.operator_pid), 1)
        return out


# -- the operator's own reconcile metrics (not its API requests: those come from the audit log) -------------
def reconciles(metrics_text: str) -> dict[str, float]:
    """Reconciles by kind (``rbg_operator_reconcile_total``) and their summed duration in seconds."""
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == "rbg_operator_reconcile_total":
                kind = sample.labels.get("kind", "")
                out[kind] = out.get(kind, 0.0) + sample.value
            elif sample.name == "rbg_operator_reconcile_duration_seconds_sum":
                out["seconds"] = out.get("seconds", 0.0) + sample.value
    return out


# -- profile -----------------------------------------------------------------------------------------------
@dataclass
class Profiler:
    """py-spy sampling one process (raw collapsed stacks) from start to stop."""

    out: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self, pid: int) -> None:
        self.proc = subprocess.Popen(
            [
                *(str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid), "--rate", "100"),
                *("--format", "raw", "--output", str(self.out), "--nonblocking"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> dict[str, list[str]]:
        """Stop sampling; the hottest functions by self time, and the operator's own by inclusive time."""
        if self.proc is None:
            return {}
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None
        if not self.out.exists():
            return {}
        return {"profile_top_self": top_self(self.out), "profile_top_operator": top_inclusive(self.out)}


def _stacks(raw: Path) -> list[tuple[list[str], int]]:
    out = []
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            out.append((stack.split(";"), int(count)))
    return out


def _ranked(samples: Counter[str], total: int, top: int, below: float = 1.0) -> list[str]:
    kept = [(f, n) for f, n in samples.most_common() if n < below * total][:top]
    return [f"{100 * n / max(total, 1):5.1f}% {frame}" for frame, n in kept]


def top_self(raw: Path, top: int = 15) -> list[str]:
    """The functions with the most samples on top of the stack (self time)."""
    samples: Counter[str] = Counter()
    for frames, n in _stacks(raw):
        samples[frames[-1]] += n
    return _ranked(samples, sum(samples.values()), top)


def top_inclusive(raw: Path, top: int = 15, marker: str = "rbg_operator/") -> list[str]:
    """The operator's own functions by the share of samples they are on the stack for (inclusive time),
    without the entry points (on the stack nearly always)."""
    samples: Counter[str] = Counter()
    total = 0
    for frames, n in _stacks(raw):
        total += n
        for frame in {f for f in frames if marker in f}:
            samples[frame] += n
    return _ranked(samples, total, top, below=0.9)
