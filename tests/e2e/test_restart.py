"""Restart policies against the devcluster: RecreateRBGOnPodRestart recreates every role in dependency
order exactly once per failure; RecreateRoleInstanceOnPodRestart replaces a restarted StatefulSet pod
with a fresh one."""

from __future__ import annotations

import functools
import time
from typing import Any

import pytest

from rbg_operator.api import keys
from rbg_operator.planning.timestamps import parse
from tests.e2e.kube import Kube, Recorder
from tests.e2e.test_instanceset import condition

pytestmark = pytest.mark.usefixtures("operator")
CRASHES = "devcluster.rbg.x-k8s.io/crash-restart-count"


def role(name: str, deps: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "replicas": 1,
        **({"dependencies": deps} if deps else {}),
        "template": {"spec": {"containers": [{"name": "c", "image": f"{name}:v1"}]}},
        **extra,
    }


def group(name: str, prefill: dict[str, Any], annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "RoleBasedGroup",
        "metadata": {"name": name, "annotations": annotations or {}},
        "spec": {"roles": [role("router", []), prefill, role("decode", ["prefill"])]},
    }


def dump(kube: Kube, ns: str) -> dict[str, Any]:
    return {"rbg": kube.list("RoleBasedGroup", ns), **kube.dump_namespace(ns, ("StatefulSet", "Pod"))}


def is_ready(kube: Kube, ns: str, name: str) -> bool:
    c = condition(kube.get("RoleBasedGroup", name, ns), "Ready")
    return bool(c and c["status"] == "True")


def status_of(kube: Kube, ns: str, name: str) -> dict[str, Any]:
    return dict((kube.get("RoleBasedGroup", name, ns) or {}).get("status") or {})


def test_group_restart_recreates_roles_in_order_once(kube: Kube, namespace: str) -> None:
    prefill = role("prefill", ["router"], restartPolicy="RecreateRBGOnPodRestart")
    kube.create(group("rr", prefill), namespace)
    ready = functools.partial(is_ready, kube, namespace, "rr")
    kube.wait_for("rr Ready", ready, 90, dump=lambda: dump(kube, namespace))
    rec = Recorder(kube, "StatefulSet", namespace)
    try:
        # The engine in the prefill pod crashes once (the simulated kubelet restarts the container).
        kube.patch("Pod", "rr-prefill-0", namespace, {"metadata": {"annotations": {CRASHES: "1"}}})

        def recovered() -> bool:
            st = status_of(kube, namespace, "rr")
            c = condition({"status": st}, keys.CONDITION_RESTART_IN_PROGRESS)
            return bool(
                st.get("restartCount") == 1 and c and c["status"] == "False" and c["reason"] == "Recovered"
            )

        kube.wait_for("the group recreated and Ready", recovered, 120, dump=lambda: dump(kube, namespace))
        kube.wait_for("rr Ready", ready, 60, dump=lambda: dump(kube, namespace))
    finally:
        rec.stop()
    deleted = [o["metadata"]["name"] for t, o in rec.events if t == "DELETED"]
    added = [o["metadata"]["name"] for t, o in rec.events if t == "ADDED"]
    assert sorted(deleted) == ["rr-decode", "rr-prefill", "rr-router"], "every role recreated exactly once"
    assert added == ["rr-router", "rr-prefill", "rr-decode"], "created again in dependency order"
    last: dict[str, dict[str, Any]] = {}
    deps = {"rr-router": [], "rr-prefill": ["rr-router"], "rr-decode": ["rr-prefill"]}
    for etype, obj in rec.events:
        name = obj["metadata"]["name"]
        if etype == "ADDED":
            for dep in deps[name]:
                assert last[dep]["status"].get("readyReplicas", 0) == 1, (
                    f"{name} created before {dep} was Ready"
                )
        last[name] = obj
    assert status_of(kube, namespace, "rr").get("restartCount") == 1


def test_repeated_group_restarts_back_off_and_end_in_failed(kube: Kube, namespace: str) -> None:
    prefill = role("prefill", ["router"], restartPolicy="RecreateRBGOnPodRestart")
    # The prefill engine crashes on every start and never becomes ready.
    prefill["template"]["metadata"] = {
        "annotations": {CRASHES: "1000", "devcluster.rbg.x-k8s.io/crash-delay": "0"}
    }
    kube.create(group("rf", prefill, {"rbg.workloads.x-k8s.io/max-restarts": "2"}), namespace)
    rec = Recorder(kube, "RoleBasedGroup", namespace)
    try:

        def failed() -> dict[str, Any] | None:
            c = condition(kube.get("RoleBasedGroup", "rf", namespace), "Failed")
            return c if c and c["status"] == "True" else None

        cond = kube.wait_for("Failed", failed, 150, dump=lambda: dump(kube, namespace))
    finally:
        rec.stop()
    assert cond["reason"] == "RestartLimitReached"
    assert status_of(kube, namespace, "rf")["restartCount"] == 2
    times = sorted(
        {
            o["status"]["lastRestartTime"]
            for _, o in rec.events
            if (o.get("status") or {}).get("lastRestartTime")
        }
    )
    assert len(times) == 2 and parse(times[1]) - parse(times[0]) >= 9, (
        f"the second recreation backed off: {times}"
    )
    # Terminal: no more recreations (watched for a few seconds; any recreation fails at once).
    window = time.monotonic() + 5
    while time.monotonic() < window:
        assert status_of(kube, namespace, "rf")["restartCount"] == 2
        time.sleep(0.5)


def test_role_instance_restart_replaces_a_statefulset_pod(kube: Kube, namespace: str) -> None:
    decode = role("decode", [], restartPolicy="RecreateRoleInstanceOnPodRestart")
    decode["replicas"] = 2
    kube.create(
        {
            "apiVersion": "workloads.x-k8s.io/v1alpha1",
            "kind": "RoleBasedGroup",
            "metadata": {"name": "ri"},
            "spec": {"roles": [decode]},
        },
        namespace,
    )
    ready = functools.partial(is_ready, kube, namespace, "ri")
    kube.wait_for("ri Ready", ready, 90, dump=lambda: dump(kube, namespace))
    before = {p["metadata"]["name"]: p["metadata"]["uid"] for p in kube.list("Pod", namespace)}
    kube.patch("Pod", "ri-decode-1", namespace, {"metadata": {"annotations": {CRASHES: "1"}}})

    def replaced() -> bool:
        pods = {
            p["metadata"]["name"]: p
            for p in kube.list("Pod", namespace)
            if not p["metadata"].get("deletionTimestamp")
        }
        fresh = pods.get("ri-decode-1")
        return bool(
            fresh
            and fresh["metadata"]["uid"] != before["ri-decode-1"]
            and all(
                c.get("restartCount", 0) == 0
                for c in fresh.get("status", {}).get("containerStatuses") or [{}]
            )
        )

    kube.wait_for("ri-decode-1 replaced by a fresh pod", replaced, 60, dump=lambda: dump(kube, namespace))
    kube.wait_for("ri Ready", ready, 60, dump=lambda: dump(kube, namespace))
    assert {p["metadata"]["name"]: p["metadata"]["uid"] for p in kube.list("Pod", namespace)}[
        "ri-decode-0"
    ] == before["ri-decode-0"]
