"""The RoleBasedGroup reconciler against the devcluster: role order, discovery, status, rollouts,
scaling, removal and deletion."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from rbg_operator.api import keys
from tests.e2e.kube import Kube, Recorder
from tests.e2e.operator_process import OperatorProcess

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("operator")


def load(path: str) -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / path).read_text()))


def condition(obj: dict[str, Any] | None, ctype: str) -> str | None:
    for c in (obj or {}).get("status", {}).get("conditions", []) or []:
        if c["type"] == ctype:
            return str(c["status"])
    return None


def wait_ready(kube: Kube, ns: str, name: str, timeout: float = 90) -> dict[str, Any]:
    def ready() -> dict[str, Any] | None:
        rbg = kube.get("RoleBasedGroup", name, ns)
        if (
            rbg
            and condition(rbg, "Ready") == "True"
            and rbg["status"].get("observedGeneration") == rbg["metadata"]["generation"]
        ):
            return rbg
        return None

    return kube.wait_for(
        f"RoleBasedGroup {ns}/{name} Ready",
        ready,
        timeout,
        dump=lambda: {
            "rbg": kube.get("RoleBasedGroup", name, ns),
            **kube.dump_namespace(ns, ("Pod", "StatefulSet", "Deployment")),
        },
    )


def workloads(kube: Kube, ns: str) -> dict[str, dict[str, Any]]:
    return {w["metadata"]["name"]: w for k in ("StatefulSet", "Deployment") for w in kube.list(k, ns)}


def test_pd_group_starts_roles_in_dependency_order(kube: Kube, namespace: str) -> None:
    rec = Recorder(kube, "StatefulSet", namespace)
    try:
        kube.create(load("examples/pd-disagg-statefulset.yaml"), namespace)
        rbg = wait_ready(kube, namespace, "sglang-pd")
    finally:
        rec.stop()
    # Replay the watch in resourceVersion order: when a role's StatefulSet first appears, each of its
    # dependencies' StatefulSets must already have been fully ready.
    deps = {
        "sglang-pd-router": [],
        "sglang-pd-prefill": ["sglang-pd-router"],
        "sglang-pd-decode": ["sglang-pd-prefill"],
    }
    last: dict[str, dict[str, Any]] = {}
    created: list[str] = []
    for etype, obj in rec.events:
        name = obj["metadata"]["name"]
        if etype == "ADDED" and name not in created:
            created.append(name)
            for dep in deps[name]:
                st = last.get(dep, {}).get("status", {})
                assert st.get("readyReplicas", 0) == last[dep]["spec"]["replicas"], (
                    f"{name} was created while {dep} was not ready: {st}"
                )
        last[name] = obj
    assert created == ["sglang-pd-router", "sglang-pd-prefill", "sglang-pd-decode"]
    assert rbg["status"]["roleStatuses"] == [
        {"name": "router", "replicas": 1, "readyReplicas": 1, "updatedReplicas": 1},
        {"name": "prefill", "replicas": 2, "readyReplicas": 2, "updatedReplicas": 2},
        {"name": "decode", "replicas": 2, "readyReplicas": 2, "updatedReplicas": 2},
    ]
    assert condition(rbg, "Progressing") == "False" and condition(rbg, "RollingUpdateInProgress") == "False"
    reasons = [
        e["reason"] for e in kube.list("Event", namespace) if e["involvedObject"]["kind"] == "RoleBasedGroup"
    ]
    assert reasons.count("RoleCreated") == 3 and "WaitingForDependency" in reasons and "RoleReady" in reasons


def test_pods_have_labels_env_services_and_discovery(kube: Kube, namespace: str) -> None:
    kube.create(load("examples/pd-disagg-statefulset.yaml"), namespace)
    wait_ready(kube, namespace, "sglang-pd")
    pods = kube.list("Pod", namespace, f"{keys.LABEL_GROUP_NAME_V2}=sglang-pd")
    assert len(pods) == 5
    for pod in pods:
        labels = pod["metadata"]["labels"]
        role = labels[keys.LABEL_ROLE_NAME_V1]
        assert labels[keys.LABEL_GROUP_NAME_V1] == labels[keys.LABEL_GROUP_NAME_V2] == "sglang-pd"
        assert labels[keys.LABEL_ROLE_NAME_V2] == role
        env = {e["name"]: e for e in pod["spec"]["containers"][0]["env"]}
        for name in ("GROUP_NAME", "RBG_GROUP_NAME"):
            assert env[name]["value"] == "sglang-pd"
        for name in ("ROLE_NAME", "RBG_ROLE_NAME"):
            assert env[name]["value"] == role
        for name in ("ROLE_INDEX", "RBG_ROLE_INDEX"):
            assert (
                env[name]["valueFrom"]["fieldRef"]["fieldPath"]
                == "metadata.labels['apps.kubernetes.io/pod-index']"
            )
        mounts = {m["mountPath"] for m in pod["spec"]["containers"][0]["volumeMounts"]}
        assert "/etc/rbg" in mounts
    # The headless Service of each role selects exactly its pods (stable DNS: <pod>.s-<rbg>-<role>).
    for role, count in (("router", 1), ("prefill", 2), ("decode", 2)):
        svc = kube.get("Service", f"s-sglang-pd-{role}", namespace)
        assert (
            svc is not None and svc["spec"]["clusterIP"] == "None" and svc["spec"]["publishNotReadyAddresses"]
        )
        slices = kube.wait_for(
            f"EndpointSlice of s-sglang-pd-{role}",
            lambda r=role, c=count: (
                (
                    s := [
                        a
                        for sl in kube.list(
                            "EndpointSlice", namespace, f"kubernetes.io/service-name=s-sglang-pd-{r}"
                        )
                        for a in sl.get("endpoints") or []
                    ]
                )
                and len(s) == c
                and s
            ),
            timeout=30,
        )
        role_pods = {
            p["metadata"]["name"]: p for p in pods if p["metadata"]["labels"][keys.LABEL_ROLE_NAME_V1] == role
        }
        assert {e["targetRef"]["name"] for e in slices} == set(role_pods)
        assert {e["addresses"][0] for e in slices} == {p["status"]["podIP"] for p in role_pods.values()}
        assert {e.get("hostname") for e in slices} == set(role_pods)
    config = yaml.safe_load(kube.get("ConfigMap", "sglang-pd-decode", namespace)["data"]["config.yaml"])
    assert config["group"] == {"name": "sglang-pd", "size": 3, "roles": ["router", "prefill", "decode"]}
    assert [i["address"] for i in config["roles"]["decode"]["instances"]] == [
        "sglang-pd-decode-0.s-sglang-pd-decode",
        "sglang-pd-decode-1.s-sglang-pd-decode",
    ]
    assert config["roles"]["prefill"]["instances"][0]["ports"] == {"http": 30000}


def test_image_change_rolls_only_that_role_and_scaling_only_scales_it(kube: Kube, namespace: str) -> None:
    kube.create(load("examples/pd-disagg-statefulset.yaml"), namespace)
    wait_ready(kube, namespace, "sglang-pd")
    before = {
        n: (w["metadata"]["generation"], w["spec"]["template"]) for n, w in workloads(kube, namespace).items()
    }
    rbg = kube.get("RoleBasedGroup", "sglang-pd", namespace)
    roles = copy.deepcopy(rbg["spec"]["roles"])
    roles[2]["template"]["spec"]["containers"][0]["image"] = "lmsysorg/sglang:v0.5.5"
    kube.patch("RoleBasedGroup", "sglang-pd", namespace, {"spec": {"roles": roles}})
    kube.wait_for(
        "decode to roll to the new image",
        lambda: all(
            p["spec"]["containers"][0]["image"] == "lmsysorg/sglang:v0.5.5"
            for p in kube.list("Pod", namespace, f"{keys.LABEL_ROLE_NAME_V1}=decode")
        ),
        timeout=60,
    )
    wait_ready(kube, namespace, "sglang-pd")
    after = workloads(kube, namespace)
    assert after["sglang-pd-router"]["metadata"]["generation"] == before["sglang-pd-router"][0]
    assert after["sglang-pd-prefill"]["metadata"]["generation"] == before["sglang-pd-prefill"][0]
    assert after["sglang-pd-decode"]["metadata"]["generation"] > before["sglang-pd-decode"][0]

    roles[1]["replicas"] = 3
    kube.patch("RoleBasedGroup", "sglang-pd", namespace, {"spec": {"roles": roles}})
    kube.wait_for(
        "prefill at 3",
        lambda: workloads(kube, namespace)["sglang-pd-prefill"]["status"].get("readyReplicas") == 3,
        timeout=60,
    )
    rbg = wait_ready(kube, namespace, "sglang-pd")
    scaled = workloads(kube, namespace)
    for name in ("sglang-pd-router", "sglang-pd-decode"):
        assert scaled[name]["metadata"]["generation"] == after[name]["metadata"]["generation"]
    assert scaled["sglang-pd-prefill"]["spec"]["template"] == after["sglang-pd-prefill"]["spec"]["template"]
    config = yaml.safe_load(kube.get("ConfigMap", "sglang-pd-router", namespace)["data"]["config.yaml"])
    assert len(config["roles"]["prefill"]["instances"]) == 3
    assert rbg["status"]["roleStatuses"][1]["readyReplicas"] == 3


def test_removing_a_role_and_deleting_the_group_leave_nothing(kube: Kube, namespace: str) -> None:
    kube.create(load("examples/pd-disagg-statefulset.yaml"), namespace)
    wait_ready(kube, namespace, "sglang-pd")
    rbg = kube.get("RoleBasedGroup", "sglang-pd", namespace)
    kube.patch("RoleBasedGroup", "sglang-pd", namespace, {"spec": {"roles": rbg["spec"]["roles"][:2]}})
    kube.wait_for(
        "decode children removed",
        lambda: (
            kube.get("StatefulSet", "sglang-pd-decode", namespace) is None
            and kube.get("Service", "s-sglang-pd-decode", namespace) is None
            and kube.get("ConfigMap", "sglang-pd-decode", namespace) is None
            and not kube.list("Pod", namespace, f"{keys.LABEL_ROLE_NAME_V1}=decode")
        ),
        timeout=60,
    )
    wait_ready(kube, namespace, "sglang-pd")
    rbg = kube.get("RoleBasedGroup", "sglang-pd", namespace)
    assert keys.FINALIZER_TEARDOWN in rbg["metadata"]["finalizers"]
    kube.patch(
        "RoleBasedGroup",
        "sglang-pd",
        namespace,
        {
            "spec": {
                "roles": rbg["spec"]["roles"]
                + [{**rbg["spec"]["roles"][1], "name": "decode", "dependencies": ["prefill"]}]
            }
        },
    )
    wait_ready(kube, namespace, "sglang-pd")
    rec = Recorder(kube, "StatefulSet", namespace)
    try:
        kube.delete("RoleBasedGroup", "sglang-pd", namespace)
        selector = f"{keys.LABEL_GROUP_NAME_V1}=sglang-pd"
        kube.wait_for(
            "every child garbage-collected",
            lambda: (
                kube.get("RoleBasedGroup", "sglang-pd", namespace) is None
                and not any(
                    kube.list(k, namespace, selector)
                    for k in ("StatefulSet", "Service", "ConfigMap", "Pod", "ControllerRevision")
                )
            ),
            timeout=90,
            dump=lambda: kube.dump_namespace(namespace),
        )
    finally:
        rec.stop()
    # Reverse dependency order: a level starts going only after the level that depends on it is gone.
    started: dict[str, int] = {}
    gone: dict[str, int] = {}
    for i, (etype, obj) in enumerate(rec.events):
        name = obj["metadata"]["name"]
        if obj["metadata"].get("deletionTimestamp") and name not in started:
            started[name] = i
        if etype == "DELETED":
            gone[name] = i
    assert set(gone) == {"sglang-pd-router", "sglang-pd-prefill", "sglang-pd-decode"}
    assert gone["sglang-pd-decode"] < started["sglang-pd-prefill"]
    assert gone["sglang-pd-prefill"] < started["sglang-pd-router"]


def test_deployment_and_leaderworkerset_roles(kube: Kube, namespace: str) -> None:
    rbg = {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "RoleBasedGroup",
        "metadata": {"name": "mixed"},
        "spec": {
            "roles": [
                {
                    "name": "gateway",
                    "replicas": 2,
                    "workload": {"apiVersion": "apps/v1", "kind": "Deployment"},
                    "template": {"spec": {"containers": [{"name": "gw", "image": "nginx:1.27"}]}},
                },
                {
                    "name": "engine",
                    "replicas": 2,
                    "workload": {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet"},
                    "leaderWorkerSet": {
                        "size": 3,
                        "patchLeaderTemplate": {"metadata": {"labels": {"tier": "leader"}}},
                        "patchWorkerTemplate": {"metadata": {"labels": {"tier": "worker"}}},
                    },
                    "template": {
                        "spec": {"containers": [{"name": "sglang", "image": "lmsysorg/sglang:v0.5.4"}]}
                    },
                },
            ]
        },
    }
    kube.create(rbg, namespace)
    deploy = kube.wait_for("the Deployment", lambda: kube.get("Deployment", "mixed-gateway", namespace), 30)
    assert deploy["spec"]["replicas"] == 2
    lws = kube.wait_for(
        "the LeaderWorkerSet", lambda: kube.get("LeaderWorkerSet", "mixed-engine", namespace), 30
    )
    tmpl = lws["spec"]["leaderWorkerTemplate"]
    assert tmpl["size"] == 3 and lws["spec"]["replicas"] == 2
    assert tmpl["leaderTemplate"]["metadata"]["labels"]["tier"] == "leader"
    assert tmpl["workerTemplate"]["metadata"]["labels"]["tier"] == "worker"
    assert tmpl["restartPolicy"] == "RecreateGroupOnPodRestart"
    assert lws["metadata"]["ownerReferences"][0]["kind"] == "RoleBasedGroup"


def test_idle_groups_make_no_writes(
    kube: Kube, namespace: str, devcluster, operator: OperatorProcess
) -> None:
    import datetime
    import time

    base = load("examples/pd-disagg-statefulset.yaml")
    for role in base["spec"]["roles"]:
        role["replicas"] = 1
        role["template"]["spec"]["containers"][0]["resources"] = {}
    for i in range(20):
        kube.create({**base, "metadata": {"name": f"idle-{i}"}}, namespace)
    # InstanceSet roles too: the operator's own workload, Instances and pods must settle as well.
    own = load("examples/pd-disagg-instanceset.yaml")
    for role in own["spec"]["roles"]:
        role["template"]["spec"]["containers"][0]["resources"] = {}
    for i in range(3):
        kube.create({**own, "metadata": {"name": f"idle-is-{i}"}}, namespace)
    for i in range(20):
        wait_ready(kube, namespace, f"idle-{i}", timeout=120)
    for i in range(3):
        wait_ready(kube, namespace, f"idle-is-{i}", timeout=120)

    def quiet() -> bool:
        """Idle means idle: no namespace of an earlier test still being torn down, and no write by the
        operator for 3 seconds (the last status and event writes of the start-up have landed)."""
        if any(n.get("status", {}).get("phase") == "Terminating" for n in kube.list("Namespace")):
            return False
        return devcluster.quiet_for("rbg-operator", 3)

    kube.wait_for("a quiet cluster", quiet, timeout=120, interval=1)
    since = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    time.sleep(60)  # the measurement window itself, not a wait for a condition
    writes = devcluster.audit_writes("rbg-operator", since=since)
    assert writes == [], f"{len(writes)} writes while idle: {writes[:10]}"
    assert "rbg_operator_reconcile_total" in operator.metrics()
