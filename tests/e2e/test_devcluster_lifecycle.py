"""`devcluster up/status/down` as a user runs them: a second, small cluster in a temporary directory."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from rbg_operator.devcluster import binaries
from rbg_operator.devcluster.cluster import DevCluster, DevClusterError, Options
from rbg_operator.devcluster.nodes import ClusterShape
from rbg_operator.devcluster.processes import alive


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rbg_operator.cli", "devcluster", *args],
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_up_status_down_leaves_no_process(tmp_path: Path) -> None:
    state = tmp_path / "dc"
    up = cli("up", "--dir", str(state), "--gpu-nodes", "1", "--cpu-nodes", "0")
    assert up.returncode == 0, up.stdout + up.stderr
    assert cli("status", "--dir", str(state)).returncode == 0
    cluster = DevCluster(state)
    pids = [(int(p["pid"]), p["binary"]) for p in cluster._state()["processes"].values()]  # type: ignore[union-attr]
    assert len(pids) == 5 and all(alive(pid, binary) for pid, binary in pids)
    assert (state / "kubeconfig").exists()
    down = cli("down", "--dir", str(state))
    assert down.returncode == 0, down.stdout + down.stderr
    assert not any(alive(pid, binary) for pid, binary in pids)
    status = cli("status", "--dir", str(state))
    assert status.returncode == 1 and "not running" in status.stdout


def test_up_refuses_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(DevClusterError, match=f"port {port} on 127.0.0.1 is in use"):
            DevCluster(tmp_path / "dc").up(
                Options(shape=ClusterShape(gpu_nodes=1, cpu_nodes=0), apiserver_port=port)
            )
    assert DevCluster(tmp_path / "dc").problems() != []  # nothing left running


def test_missing_binary_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("KUBEBUILDER_ASSETS", raising=False)
    monkeypatch.setattr(binaries, "repo_root", lambda: None)
    with pytest.raises(binaries.BinaryError, match="kube-apiserver not found in KUBEBUILDER_ASSETS or PATH"):
        binaries.find_binary("kube-apiserver")


def test_incompatible_binary_on_path_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "kubectl"
    fake.write_text("#!/bin/sh\necho 'Client Version: v1.29.0'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    seen: list[str] = []
    found = binaries.find_binary("kubectl", log=seen.append)
    assert found != fake and "is not compatible" in seen[0]
