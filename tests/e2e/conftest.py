"""Session fixtures: one devcluster per test run (real etcd, kube-apiserver, controller manager, scheduler
and KWOK), the project's CRDs installed, and a fresh namespace per test."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from rbg_operator.devcluster.cluster import DevCluster, Options
from tests.e2e.kube import Kube
from tests.e2e.operator_process import OperatorProcess, remove_webhooks

ROOT = Path(__file__).resolve().parents[2]


def _log(msg: str) -> None:
    print(msg, flush=True)


@pytest.fixture(scope="session")
def devcluster() -> Iterator[DevCluster]:
    """Bring the devcluster up once (``RBG_E2E_REUSE=1`` keeps and reuses a running one)."""
    reuse = os.environ.get("RBG_E2E_REUSE") == "1"
    cluster = DevCluster(Path(os.environ.get("RBG_E2E_DIR", ROOT / ".devcluster-e2e")), log=_log)
    if not (reuse and cluster.running()):
        cluster.down(quiet=True)
        cluster.up(Options(crd_dirs=[ROOT / "crds"]))
    yield cluster
    if not reuse:
        cluster.down(quiet=True)


@pytest.fixture(scope="session")
def kubeconfig(devcluster: DevCluster) -> Path:
    return devcluster.layout.kubeconfig


@pytest.fixture(scope="session")
def kube(devcluster: DevCluster) -> Kube:
    return Kube(devcluster.rest())


@pytest.fixture
def namespace(kube: Kube, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh namespace whose default ServiceAccount exists (pods are refused before it does)."""
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:40].strip("-")
    name = f"e2e-{slug}-{secrets.token_hex(4)}"  # parametrized cases share a slug: 32 random bits
    kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    kube.wait_for("default ServiceAccount", lambda: kube.get("ServiceAccount", "default", name), timeout=30)
    yield name
    kube.delete("Namespace", name)


@pytest.fixture(scope="session")
def operator(devcluster: DevCluster, kube: Kube) -> Iterator[OperatorProcess]:
    """One operator process for the session, with its own identity (audit-log attribution)."""
    op = OperatorProcess(
        devcluster.layout.client_kubeconfig("rbg-operator"),
        devcluster.layout.logs / "operator.log",
        extra_args=["--log-format", "json"],  # as the chart runs it; test_observability parses it
    )
    op.start(kube)
    yield op
    op.stop()
    remove_webhooks(kube)
