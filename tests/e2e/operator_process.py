"""The operator as a real subprocess against the devcluster (so tests can kill and restart it)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from rbg_operator.devcluster.processes import free_port, log_tail
from rbg_operator.devcluster.rest import ApiError
from tests.e2e.kube import Kube

WEBHOOK_CONFIG = "rbg-operator.workloads.x-k8s.io"


@dataclass
class OperatorProcess:
    kubeconfig: Path
    log: Path
    extra_args: list[str] = field(default_factory=list)
    metrics_port: int = 0
    webhook_port: int = 0
    proc: subprocess.Popen[bytes] | None = None

    def start(self, kube: Kube, timeout: float = 60.0, webhook: bool = True) -> None:
        self.metrics_port = free_port()
        self.webhook_port = free_port()
        args = [
            sys.executable,
            "-m",
            "rbg_operator.cli",
            "run",
            "--kubeconfig",
            str(self.kubeconfig),
            "--metrics-port",
            str(self.metrics_port),
            "--webhook-port",
            str(self.webhook_port),
            *([] if webhook else ["--no-webhook"]),
            *self.extra_args,
        ]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            log.write(f"\n===== start {' '.join(args)}\n".encode())
            self.proc = subprocess.Popen(
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        try:
            self._wait_ready(kube, timeout, webhook)
        except BaseException:
            self.kill()
            raise

    def _wait_ready(self, kube: Kube, timeout: float, webhook: bool) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"operator exited with {self.proc.returncode}:\n{log_tail(self.log, 40)}")
            if self._ready() and (not webhook or self._webhook_registered(kube)):
                return
            time.sleep(0.2)
        raise RuntimeError(f"operator not ready after {timeout}s:\n{log_tail(self.log, 40)}")

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/readyz", timeout=1) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False

    def _webhook_registered(self, kube: Kube) -> bool:
        try:
            cfg = kube.rest.request(
                "GET",
                f"/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/{WEBHOOK_CONFIG}",
            )
        except ApiError:
            return False
        hooks = cfg.get("webhooks") or []
        return bool(hooks) and all(
            f":{self.webhook_port}/" in w["clientConfig"].get("url", "") for w in hooks
        )

    def metrics(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as resp:
            return str(resp.read().decode())

    def kill(self) -> None:
        """SIGKILL: no cleanup runs (a crash)."""
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


def remove_webhooks(kube: Kube) -> None:
    """A stopped operator leaves its webhook configuration behind; tests without an operator need it gone."""
    for kind in ("validatingwebhookconfigurations", "mutatingwebhookconfigurations"):
        with contextlib.suppress(Exception):
            kube.rest.request("DELETE", f"/apis/admissionregistration.k8s.io/v1/{kind}/{WEBHOOK_CONFIG}")
