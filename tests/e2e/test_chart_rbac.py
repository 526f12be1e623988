"""The Helm chart installs into the devcluster, and its RBAC is enough: the operator, run out of cluster
with nothing but the chart's ServiceAccount token, drives a group through create, scale, rollout and
delete without a single 403."""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from rbg_operator.devcluster.binaries import find_binary
from rbg_operator.devcluster.cluster import DevCluster
from tests.e2e.kube import Kube
from tests.e2e.operator_process import OperatorProcess
from tests.e2e.test_rbg_reconciler import wait_ready, workloads

ROOT = Path(__file__).resolve().parents[2]
RELEASE, NS = "rbg", "rbg-system"
SA = "rbg-rbg-operator"


def helm(devcluster: DevCluster, *args: str) -> str:
    out = subprocess.run(
        [str(find_binary("helm")), "--kubeconfig", str(devcluster.layout.kubeconfig), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def token_kubeconfig(devcluster: DevCluster, kube: Kube, path: Path) -> Path:
    token = kube.rest.request(
        "POST",
        f"/api/v1/namespaces/{NS}/serviceaccounts/{SA}/token",
        {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {"expirationSeconds": 3600},
        },
    )["status"]["token"]
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "sa",
                "clusters": [
                    {
                        "name": "dc",
                        "cluster": {
                            "server": devcluster.server(),
                            "certificate-authority": str(devcluster.layout.pki.ca_crt),
                        },
                    }
                ],
                "users": [{"name": "sa", "user": {"token": token}}],
                "contexts": [{"name": "sa", "context": {"cluster": "dc", "user": "sa"}}],
            }
        )
    )
    return path


@pytest.fixture
def chart_operator(
    devcluster: DevCluster, kube: Kube, operator: OperatorProcess, tmp_path: Path
) -> Iterator[OperatorProcess]:
    helm(
        devcluster,
        "install",
        RELEASE,
        str(ROOT / "charts" / "rbg-operator"),
        "-n",
        NS,
        "--create-namespace",
        "--skip-crds",
    )
    operator.stop()
    proc = OperatorProcess(
        token_kubeconfig(devcluster, kube, tmp_path / "sa.kubeconfig"),
        devcluster.layout.logs / "chart-operator.log",
        extra_args=[
            "--leader-elect",
            "--lease-namespace",
            NS,
            "--leader-identity",
            "chart",
            "--webhook-secret",
            f"{NS}/rbg-operator-webhook-cert",
        ],
    )
    try:
        proc.start(kube)
        yield proc
    finally:
        proc.stop()
        operator.start(kube)
        helm(devcluster, "uninstall", RELEASE, "-n", NS)


def test_chart_installs_and_its_rbac_is_sufficient(
    kube: Kube, namespace: str, devcluster: DevCluster, chart_operator: OperatorProcess
) -> None:
    for kind, name in (("ClusterRole", SA), ("ClusterRoleBinding", SA)):
        path = f"/apis/rbac.authorization.k8s.io/v1/{kind.lower()}s/{name}"
        assert kube.rest.request("GET", path)["metadata"]["name"] == name
    assert kube.get("ServiceAccount", SA, NS) is not None
    assert kube.get("Deployment", SA, NS)["spec"]["replicas"] == 2
    assert kube.rest.request(
        "GET",
        "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/rbg-operator.workloads.x-k8s.io",
    )["webhooks"]  # the operator (as the chart's ServiceAccount) registered its webhook
    secret = kube.get("Secret", "rbg-operator-webhook-cert", NS)
    assert secret is not None and {"tls.crt", "tls.key", "ca.crt", "ca.key"} <= set(secret["data"])

    kube.create(yaml.safe_load((ROOT / "examples" / "pd-disagg-statefulset.yaml").read_text()), namespace)
    wait_ready(kube, namespace, "sglang-pd")
    roles = copy.deepcopy(kube.get("RoleBasedGroup", "sglang-pd", namespace)["spec"]["roles"])
    roles[1]["replicas"] = 3
    roles[2]["template"]["spec"]["containers"][0]["image"] = "lmsysorg/sglang:v0.5.5"
    kube.patch("RoleBasedGroup", "sglang-pd", namespace, {"spec": {"roles": roles}})
    kube.wait_for(
        "prefill at 3 and decode rolled",
        lambda: (
            (w := workloads(kube, namespace))
            and w["sglang-pd-prefill"]["status"].get("readyReplicas") == 3
            and w["sglang-pd-decode"]["status"].get("updatedReplicas") == 2
        ),
        timeout=90,
    )
    wait_ready(kube, namespace, "sglang-pd")
    # InstanceSet roles: the operator creates and patches pods (and their status) itself.
    kube.create(yaml.safe_load((ROOT / "examples" / "pd-disagg-instanceset.yaml").read_text()), namespace)
    wait_ready(kube, namespace, "sglang-pd-is", timeout=120)
    roles = copy.deepcopy(kube.get("RoleBasedGroup", "sglang-pd-is", namespace)["spec"]["roles"])
    roles[2]["template"]["spec"]["containers"][0]["image"] = "lmsysorg/sglang:v0.5.5"
    kube.patch("RoleBasedGroup", "sglang-pd-is", namespace, {"spec": {"roles": roles}})
    kube.wait_for(
        "decode updated in place",
        lambda: all(
            p["spec"]["containers"][0]["image"] == "lmsysorg/sglang:v0.5.5"
            for p in kube.list("Pod", namespace, "rolebasedgroup.workloads.x-k8s.io/role=decode")
            if p["metadata"]["labels"].get("rolebasedgroup.workloads.x-k8s.io/name") == "sglang-pd-is"
        ),
        timeout=90,
    )
    wait_ready(kube, namespace, "sglang-pd-is")
    kube.delete("RoleBasedGroup", "sglang-pd", namespace)
    kube.wait_for("the group gone", lambda: kube.get("RoleBasedGroup", "sglang-pd", namespace) is None, 90)
    denied = [
        line for line in chart_operator.log.read_text().splitlines() if " 403 " in line or "Forbidden" in line
    ]
    assert denied == [], denied[:5]
