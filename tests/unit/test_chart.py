"""The Helm chart: lints, renders, ships the current CRDs, and its RBAC grants nothing beyond a reviewed
list (what the operator's code uses)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from rbg_operator.devcluster.binaries import find_binary

ROOT = Path(__file__).resolve().parents[1].parent
CHART = ROOT / "charts" / "rbg-operator"

REVIEWED = {
    ("workloads.x-k8s.io", "rolebasedgroups"): "create delete get list patch update watch",
    ("workloads.x-k8s.io", "rolebasedgroupsets"): "create delete get list patch update watch",
    ("workloads.x-k8s.io", "rolebasedgroupscalingadapters"): "create delete get list patch update watch",
    ("workloads.x-k8s.io", "instancesets"): "create delete get list patch update watch",
    ("workloads.x-k8s.io", "instances"): "create delete get list patch update watch",
    ("workloads.x-k8s.io", "rolebasedgroups/status"): "get patch update",
    ("workloads.x-k8s.io", "rolebasedgroupsets/status"): "get patch update",
    ("workloads.x-k8s.io", "rolebasedgroupscalingadapters/status"): "get patch update",
    ("workloads.x-k8s.io", "instancesets/status"): "get patch update",
    ("workloads.x-k8s.io", "instances/status"): "get patch update",
    ("workloads.x-k8s.io", "rolebasedgroups/finalizers"): "update",
    ("workloads.x-k8s.io", "rolebasedgroupsets/finalizers"): "update",
    ("workloads.x-k8s.io", "instancesets/finalizers"): "update",
    ("workloads.x-k8s.io", "instances/finalizers"): "update",
    ("workloads.x-k8s.io", "clusterengineruntimeprofiles"): "get list watch",
    ("apps", "statefulsets"): "create delete get list patch update watch",
    ("apps", "deployments"): "create delete get list patch update watch",
    ("apps", "controllerrevisions"): "create delete get list patch update watch",
    ("leaderworkerset.x-k8s.io", "leaderworkersets"): "create delete get list patch update watch",
    ("", "services"): "create delete get list patch update watch",
    ("", "configmaps"): "create delete get list patch update watch",
    ("", "pods"): "create delete get list patch watch",
    ("policy", "poddisruptionbudgets"): "create delete get list patch watch",
    ("scheduling.x-k8s.io", "podgroups"): "create delete get list patch watch",
    ("scheduling.volcano.sh", "podgroups"): "create delete get list patch watch",
    ("", "pods/status"): "patch",
    ("", "events"): "create patch",
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"): "create get list patch watch",
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"): "create get list patch watch",
    ("apiextensions.k8s.io", "customresourcedefinitions"): "get list watch",
    ("coordination.k8s.io", "leases"): "create get update",
    ("", "secrets"): "create get update",
}


def helm(*args: str) -> str:
    out = subprocess.run([str(find_binary("helm")), *args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_chart_lints() -> None:
    helm("lint", str(CHART), "--strict")


def test_chart_renders_and_rbac_is_the_reviewed_list() -> None:
    docs = [d for d in yaml.safe_load_all(helm("template", "rbg", str(CHART), "-n", "rbg-system")) if d]
    kinds = {d["kind"] for d in docs}
    assert {
        "Deployment",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
        "Service",
    } <= kinds
    granted: dict[tuple[str, str], set[str]] = {}
    for doc in docs:
        if doc["kind"] in ("ClusterRole", "Role"):
            for rule in doc["rules"]:
                for group in rule["apiGroups"]:
                    for res in rule["resources"]:
                        granted.setdefault((group, res), set()).update(rule["verbs"])
    assert {k: " ".join(sorted(v)) for k, v in granted.items()} == REVIEWED
    deploy = next(d for d in docs if d["kind"] == "Deployment")
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    assert deploy["spec"]["replicas"] == 2 and "--leader-elect" in container["args"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}


def test_chart_ships_the_generated_crds() -> None:
    for crd in (ROOT / "crds").glob("*.yaml"):
        assert (CHART / "crds" / crd.name).read_text() == crd.read_text(), f"charts CRD {crd.name} is stale"
