"""`make demo`: the local simulated GPU cluster, the operator, and an example prefill/decode-disaggregated
RoleBasedGroup, with its status printed. Leaves everything running; `make down` stops it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import yaml

from rbg_operator.devcluster.binaries import find_binary
from rbg_operator.devcluster.cluster import DevCluster, Options
from rbg_operator.devcluster.operator import operator_argv, wait_ready
from rbg_operator.devcluster.processes import alive, free_port
from rbg_operator.devcluster.rest import ApiError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "pd-disagg-statefulset.yaml"


def say(msg: str) -> None:
    print(msg, flush=True)


def main() -> int:
    cluster = DevCluster(ROOT / ".devcluster", log=say)
    say("== 1/4 the local control plane with simulated GPU nodes")
    cluster.up(Options(crd_dirs=[ROOT / "crds"]))
    kubeconfig = cluster.layout.kubeconfig
    say("== 2/4 the operator")
    metrics = free_port()
    log = cluster.layout.logs / "rbg-operator.log"
    argv = operator_argv(cluster.layout.client_kubeconfig("rbg-operator"), metrics, free_port())
    pid = cluster.launch("rbg-operator", argv)
    wait_ready(metrics, log, lambda: alive(pid))
    say(
        f"   running (metrics on http://127.0.0.1:{metrics}/metrics, "
        f"log {cluster.layout.logs}/rbg-operator.log)"
    )
    say(f"== 3/4 apply {EXAMPLE.relative_to(ROOT)}")
    rbg = yaml.safe_load(EXAMPLE.read_text())
    name = rbg["metadata"]["name"]
    api = cluster.rest()
    path = f"/apis/workloads.x-k8s.io/v1alpha2/namespaces/default/rolebasedgroups/{name}"
    rbg["metadata"]["namespace"] = "default"
    for _ in range(50):  # the webhook may need a moment to be registered
        try:
            api.apply(path, rbg, manager="rbg-demo")
            break
        except ApiError as err:
            if "webhook" not in str(err):
                raise
            time.sleep(0.2)
    say("== 4/4 waiting for the group to be Ready (roles start in dependency order: router, prefill, decode)")
    last, deadline = "", time.monotonic() + 180
    while time.monotonic() < deadline:
        status = (api.request("GET", path) or {}).get("status", {})
        summary = status.get("roleSummary", "")
        ready = any(c["type"] == "Ready" and c["status"] == "True" for c in status.get("conditions", []))
        if summary != last:
            say(f"   {summary}")
            last = summary
        if ready:
            break
        time.sleep(0.5)
    kubectl = str(find_binary("kubectl"))
    for args in (
        ["get", "rolebasedgroup", name],
        [
            "get",
            "pods",
            "-l",
            f"rbg.workloads.x-k8s.io/group-name={name}",
            "-o",
            "custom-columns=POD:.metadata.name,ROLE:.metadata.labels.rbg\\.workloads\\.x-k8s\\.io/role-name,"
            "NODE:.spec.nodeName,READY:.status.conditions[?(@.type=='Ready')].status",
        ],
        ["get", "rolebasedgroup", name, "-o", "jsonpath={.status.conditions}"],
    ):
        out = subprocess.run(
            [kubectl, "--kubeconfig", str(kubeconfig), *args], capture_output=True, text=True
        )
        say(out.stdout.rstrip() or out.stderr.rstrip())
    say("")
    say(f"Try it: export KUBECONFIG={kubeconfig}; kubectl get rbg,sts,pods")
    say("Stop everything with: make down")
    return 0 if ready else 1


if __name__ == "__main__":
    sys.exit(main())
