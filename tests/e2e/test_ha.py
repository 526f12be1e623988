"""Two operator replicas with leader election: only the leader reconciles; when it is killed mid-rollout,
the standby takes the Lease over and finishes the rollout."""

from __future__ import annotations

import copy
import datetime
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from rbg_operator.api import keys
from rbg_operator.devcluster.cluster import DevCluster
from tests.e2e.kube import Kube
from tests.e2e.operator_process import OperatorProcess
from tests.e2e.test_rbg_reconciler import wait_ready

ROOT = Path(__file__).resolve().parents[2]
NOT_RECONCILING = {"validatingwebhookconfigurations", "mutatingwebhookconfigurations", "leases"}


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture
def replicas(
    devcluster: DevCluster, kube: Kube, operator: OperatorProcess, namespace: str
) -> Iterator[dict[str, OperatorProcess]]:
    """The session's operator steps aside; two leader-electing replicas run instead, then it comes back."""
    operator.stop()
    procs: dict[str, OperatorProcess] = {}
    try:
        for who in ("rbg-operator", "rbg-operator-b"):
            procs[who] = OperatorProcess(
                devcluster.layout.client_kubeconfig(who),
                devcluster.layout.logs / f"ha-{who}.log",
                extra_args=["--leader-elect", "--lease-namespace", namespace, "--leader-identity", who],
            )
            procs[who].start(kube)
        yield procs
    finally:
        for proc in procs.values():
            proc.kill()
        operator.start(kube)


def test_standby_takes_over_a_rollout(
    kube: Kube, namespace: str, devcluster: DevCluster, replicas: dict[str, OperatorProcess]
) -> None:
    lease = kube.wait_for(
        "a leader",
        lambda: (
            (
                lease := kube.rest.request(
                    "GET", f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/rbg-operator-leader"
                )
            )
            and lease["spec"].get("holderIdentity")
            and lease
        ),
        timeout=30,
    )
    leader = lease["spec"]["holderIdentity"]
    standby = next(w for w in replicas if w != leader)
    since = now()
    rbg = yaml.safe_load((ROOT / "examples" / "pd-disagg-statefulset.yaml").read_text())
    kube.create(rbg, namespace)
    wait_ready(kube, namespace, "sglang-pd")
    standby_writes = [
        w for w in devcluster.audit_writes(standby, since=since) if w.resource not in NOT_RECONCILING
    ]
    assert standby_writes == [], f"the standby wrote: {standby_writes[:5]}"
    assert devcluster.audit_writes(leader, since=since), "the leader did not write"

    # A rollout in which each new decode pod takes 3 s to become ready; kill the leader right after it starts.
    roles = copy.deepcopy(kube.get("RoleBasedGroup", "sglang-pd", namespace)["spec"]["roles"])
    tmpl = roles[2]["template"]
    tmpl.setdefault("metadata", {}).setdefault("annotations", {})["devcluster.rbg.x-k8s.io/startup-delay"] = (
        "3s"
    )
    tmpl["spec"]["containers"][0]["image"] = "lmsysorg/sglang:v0.5.5"
    kube.patch("RoleBasedGroup", "sglang-pd", namespace, {"spec": {"roles": roles}})
    kube.wait_for(
        "the rollout to start",
        lambda: (
            (s := kube.get("StatefulSet", "sglang-pd-decode", namespace))
            and s["spec"]["template"]["spec"]["containers"][0]["image"] == "lmsysorg/sglang:v0.5.5"
        ),
        30,
    )
    replicas[leader].kill()
    killed = time.monotonic()
    kube.wait_for(
        "the standby to take the lease",
        lambda: (
            kube.rest.request(
                "GET", f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/rbg-operator-leader"
            )["spec"].get("holderIdentity")
            == standby
        ),
        timeout=60,
    )
    takeover = time.monotonic() - killed
    done = wait_ready(kube, namespace, "sglang-pd", timeout=120)
    print(f"takeover after {takeover:.1f}s; rollout finished {time.monotonic() - killed:.1f}s after the kill")
    decode = [p for p in kube.list("Pod", namespace, f"{keys.LABEL_ROLE_NAME_V1}=decode")]
    assert {p["spec"]["containers"][0]["image"] for p in decode} == {"lmsysorg/sglang:v0.5.5"}
    assert done["status"]["roleStatuses"][2] == {
        "name": "decode",
        "replicas": 2,
        "readyReplicas": 2,
        "updatedReplicas": 2,
    }
    assert [w for w in devcluster.audit_writes(standby, since=since) if w.resource == "rolebasedgroups"]
    assert takeover < 30
