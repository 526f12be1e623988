"""The Helm chart: lints, renders, ships the current CRDs, and its RBAC grants nothing beyond a reviewed
list (what the operator's code uses)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
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
    ("workloads.x-k8s.io", "clusterengineruntimeprofiles"): "get list patch watch",
    ("workloads.x-k8s.io", "coordinatedpolicies"): "get",
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
    ("apiextensions.k8s.io", "customresourcedefinitions"): "get list patch watch",
    ("apiextensions.k8s.io", "customresourcedefinitions/status"): "patch",
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


# --- Grafana dashboard and cert-manager options ----------------------------------------------------------
DASHBOARD = CHART / "dashboards" / "rbg-operator.json"
#: The operator's metrics (rbg_operator/operator/metrics.py, docs/observability.md); histograms by _bucket.
METRICS = {
    "rbg_operator_reconcile_total",
    "rbg_operator_reconcile_duration_seconds_bucket",
    "rbg_operator_workqueue_depth",
    "rbg_operator_api_requests_total",
    "rbg_operator_api_request_duration_seconds_bucket",
    "rbg_operator_group_ready",
    "rbg_operator_role_ready",
    "rbg_operator_role_replicas",
    "rbg_operator_role_time_to_ready_seconds_bucket",
    "rbg_operator_rollout_progress_ratio",
    "rbg_operator_restarts_total",
    "rbg_operator_pod_drains_total",
    "rbg_operator_leader",
}


def render(*values: str) -> list[dict[str, Any]]:
    args = [a for v in values for a in ("--set", v)]
    return [
        d for d in yaml.safe_load_all(helm("template", "rbg", str(CHART), "-n", "rbg-system", *args)) if d
    ]


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def container_args(docs: list[dict[str, Any]]) -> list[str]:
    deploy = of_kind(docs, "Deployment")[0]
    return list(deploy["spec"]["template"]["spec"]["containers"][0]["args"])


def test_logs_are_json_by_default_and_text_on_request() -> None:
    assert "--log-format=json" in container_args(render())
    assert "--log-format=text" in container_args(render("logFormat=text"))


def test_dashboard_is_off_by_default() -> None:
    assert not [d for d in of_kind(render(), "ConfigMap") if "grafana_dashboard" in d["metadata"]["labels"]]


def test_dashboard_configmap_for_the_grafana_sidecar() -> None:
    docs = render("grafanaDashboard.enabled=true", "grafanaDashboard.annotations.grafana_folder=LLM")
    (cm,) = of_kind(docs, "ConfigMap")
    assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert cm["metadata"]["namespace"] == "rbg-system"
    assert cm["metadata"]["annotations"] == {"grafana_folder": "LLM"}
    assert json.loads(cm["data"]["rbg-operator.json"]) == json.loads(DASHBOARD.read_text())
    elsewhere = render("grafanaDashboard.enabled=true", "grafanaDashboard.namespace=monitoring")
    assert of_kind(elsewhere, "ConfigMap")[0]["metadata"]["namespace"] == "monitoring"


def _targets(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    return [t for p in panels for t in p["targets"]]


def test_dashboard_queries_only_the_operators_metrics_and_all_of_them() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for t in _targets(dashboard)]
    used = {m for e in exprs for m in re.findall(r"\brbg_operator_[a-z_]+", e)}
    assert used <= METRICS, f"not metrics of the operator: {sorted(used - METRICS)}"
    assert used == METRICS, f"metrics without a panel: {sorted(METRICS - used)}"
    # Per-group series are filtered by the dashboard's namespace and group variables.
    for e in exprs:
        for m in ("rbg_operator_group_ready", "rbg_operator_role_ready", "rbg_operator_role_replicas"):
            if m in e:
                assert 'namespace=~"$namespace"' in e and 'group=~"$group"' in e, e


def test_dashboard_uses_a_datasource_variable_and_namespace_group_variables() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert (
        variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    )
    assert {"namespace", "group"} <= set(variables)
    for name in ("namespace", "group"):
        assert variables[name]["datasource"]["uid"] == "${datasource}"
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert all(p["datasource"]["uid"] == "${datasource}" for p in panels)
    assert all(t["datasource"]["uid"] == "${datasource}" for t in _targets(dashboard))
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)) and dashboard["uid"] == "rbg-operator"


def test_without_cert_manager_the_operator_keeps_the_certificate() -> None:
    docs = render()
    assert not of_kind(docs, "Certificate") and not of_kind(docs, "Issuer")
    args = container_args(docs)
    assert "--webhook-secret=rbg-system/rbg-operator-webhook-cert" in args
    assert "--webhook-cert-provided" not in args


def _webhook_service_names(docs: list[dict[str, Any]]) -> list[str]:
    """The names the API server may use for the webhook Service (the operator asks for the same)."""
    args = container_args(docs)
    ns, name = next(a.split("=", 1)[1] for a in args if a.startswith("--webhook-service=")).split("/")
    (svc,) = [s for s in of_kind(docs, "Service") if s["metadata"]["name"] == name]
    assert svc["metadata"]["namespace"] == ns
    return [f"{name}.{ns}.svc", f"{name}.{ns}.svc.cluster.local", f"{name}.{ns}", name]


def test_cert_manager_issues_the_webhook_certificate_from_a_self_signed_ca() -> None:
    docs = render("webhook.certManager.enabled=true")
    issuers = {d["metadata"]["name"]: d for d in of_kind(docs, "Issuer")}
    certs = {d["metadata"]["name"]: d for d in of_kind(docs, "Certificate")}
    serving = certs.pop("rbg-rbg-operator-webhook")
    (ca,) = certs.values()
    assert serving["spec"]["dnsNames"] == _webhook_service_names(docs)
    assert serving["spec"]["secretName"] == "rbg-operator-webhook-cert"
    assert "server auth" in serving["spec"]["usages"]
    # serving <- CA Issuer <- CA certificate <- self-signed Issuer
    ca_issuer = issuers[serving["spec"]["issuerRef"]["name"]]
    assert serving["spec"]["issuerRef"]["kind"] == "Issuer"
    assert ca_issuer["spec"]["ca"]["secretName"] == ca["spec"]["secretName"]
    assert ca["spec"]["isCA"] is True
    assert "selfSigned" in issuers[ca["spec"]["issuerRef"]["name"]]["spec"]
    args = container_args(docs)
    assert "--webhook-cert-provided" in args
    assert "--webhook-secret=rbg-system/rbg-operator-webhook-cert" in args


def test_cert_manager_with_an_issuer_of_yours() -> None:
    docs = render(
        "webhook.certManager.enabled=true",
        "webhook.certManager.issuerRef.kind=ClusterIssuer",
        "webhook.certManager.issuerRef.name=corp-ca",
    )
    assert not of_kind(docs, "Issuer")
    (serving,) = of_kind(docs, "Certificate")
    assert serving["spec"]["issuerRef"] == {"kind": "ClusterIssuer", "name": "corp-ca"}
    assert serving["spec"]["dnsNames"] == _webhook_service_names(docs)


def test_with_cert_manager_the_operator_may_only_read_its_secret() -> None:
    docs = render("webhook.certManager.enabled=true")
    (role_doc,) = of_kind(docs, "Role")
    secrets = [r for r in role_doc["rules"] if "secrets" in r["resources"]]
    assert secrets == [
        {
            "apiGroups": [""],
            "resources": ["secrets"],
            "resourceNames": ["rbg-operator-webhook-cert"],
            "verbs": ["get"],
        }
    ]
    granted: dict[tuple[str, str], set[str]] = {}
    for doc in of_kind(docs, "ClusterRole") + of_kind(docs, "Role"):
        for rule in doc["rules"]:
            for group in rule["apiGroups"]:
                for res in rule["resources"]:
                    granted.setdefault((group, res), set()).update(rule["verbs"])
    assert {k: " ".join(sorted(v)) for k, v in granted.items()} == {**REVIEWED, ("", "secrets"): "get"}


def test_start_up_may_wait_for_the_certificate() -> None:
    container = of_kind(render("webhook.certManager.enabled=true"), "Deployment")[0]["spec"]["template"][
        "spec"
    ]["containers"][0]
    probe = container["startupProbe"]
    assert (
        probe["httpGet"]["path"] == "/healthz" and probe["periodSeconds"] * probe["failureThreshold"] >= 120
    )


def test_chart_lints_with_every_option() -> None:
    helm(
        "lint",
        str(CHART),
        "--strict",
        "--set",
        "webhook.certManager.enabled=true,grafanaDashboard.enabled=true,serviceMonitor.enabled=true",
    )


@pytest.mark.parametrize(
    "value",
    [
        "webhook.certManager.enabled=yes",
        "webhook.certManager.duration=90d",
        "webhook.certManager.issuerRef.kind=ClusterIssuer",  # a kind without a name
        "webhook.certManager.colour=blue",
        "grafanaDashboard.enabled=1",
        "grafanaDashboard.folder=x",
        "logFormat=yaml",
    ],
)
def test_values_schema_rejects(value: str) -> None:
    out = subprocess.run(
        [str(find_binary("helm")), "template", "rbg", str(CHART), "--set", value],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode != 0 and "schema" in out.stderr, out.stderr
