"""Running the operator as a process next to the devcluster (the demo, the benchmarks and the e2e tests):
its command line, waiting until it is ready, stopping it, and its CPU time and peak memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .processes import free_port, log_tail


def operator_argv(
    kubeconfig: Path, metrics_port: int, webhook_port: int, extra: list[str] | None = None
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "rbg_operator.cli",
        "run",
        "--kubeconfig",
        str(kubeconfig),
        "--metrics-port",
        str(metrics_port),
        "--webhook-port",
        str(webhook_port),
        *(extra or []),
    ]


def is_ready(metrics_port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/readyz", timeout=1) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def wait_ready(
    metrics_port: int,
    log: Path,
    alive: Callable[[], bool],
    timeout: float = 60.0,
    also: Callable[[], bool] = lambda: True,
) -> None:
    """Until /readyz answers (and ``also`` holds); fails at once, with its log, if the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the operator exited:\n{log_tail(log, 40)}")
        if is_ready(metrics_port) and also():
            return
        time.sleep(0.2)
    raise RuntimeError(f"the operator was not ready after {timeout}s:\n{log_tail(log, 40)}")


@dataclass
class OperatorProcess:
    kubeconfig: Path
    log: Path
    extra_args: list[str] = field(default_factory=list)
    metrics_port: int = 0
    webhook_port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    #: Another source tree of the operator to run instead of this one (an older release, for upgrade
    #: tests): ``python -m`` imports from its working directory first.
    source: Path | None = None

    def launch(self, timeout: float = 60.0, also: Callable[[], bool] = lambda: True) -> None:
        self.metrics_port, self.webhook_port = free_port(), free_port()
        args = operator_argv(self.kubeconfig, self.metrics_port, self.webhook_port, self.extra_args)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            log.write(f"\n===== start {' '.join(args)}\n".encode())
            self.proc = subprocess.Popen(
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                cwd=self.source,
            )
        proc = self.proc
        try:
            wait_ready(self.metrics_port, self.log, lambda: proc.poll() is None, timeout, also)
        except BaseException:
            self.kill()
            raise

    def metrics(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as resp:
            return str(resp.read().decode())

    def kill(self) -> None:
        """SIGKILL: no clean-up runs (a crash)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def cpu_seconds(self) -> float:
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mib(self) -> float:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0
