"""The KWOK stages behave like a kubelet where the operator relies on it: readiness gates evaluated both
ways, in-place image changes restart only that container, start-up delays, crashes, failures and slow
termination (see docs/devcluster-stages.md)."""

from __future__ import annotations

import datetime
import time
from typing import Any

from tests.e2e.kube import Kube, pod_condition

P = "devcluster.rbg.x-k8s.io/"
GATE = "rbg.workloads.x-k8s.io/in-service"


def make_pod(kube: Kube, ns: str, name: str, annotations: dict[str, str] | None = None, **spec: Any) -> None:
    kube.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "annotations": annotations or {}},
            "spec": {
                "containers": [
                    {"name": "engine", "image": "engine:1"},
                    {"name": "proxy", "image": "proxy:1"},
                ],
                "terminationGracePeriodSeconds": 30,
                **spec,
            },
        },
        ns,
    )


def get(kube: Kube, ns: str, name: str) -> dict[str, Any]:
    pod = kube.get("Pod", name, ns)
    assert pod is not None
    return pod


def status_of(pod: dict[str, Any], container: str) -> dict[str, Any]:
    return next((c for c in pod["status"].get("containerStatuses", []) if c["name"] == container), {})


def set_gate(kube: Kube, ns: str, name: str, value: str) -> None:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    kube.patch(
        "Pod",
        name,
        ns,
        {
            "status": {
                "conditions": [{"type": GATE, "status": value, "lastTransitionTime": now, "reason": "Test"}]
            }
        },
        subresource="status",
        patch_type="strategic",
    )


def wait_pod(kube: Kube, ns: str, name: str, what: str, check: Any, timeout: float = 20) -> dict[str, Any]:
    return kube.wait_for(
        what,
        lambda: (p := kube.get("Pod", name, ns)) and check(p) and p,
        timeout,
        dump=lambda: kube.get("Pod", name, ns),
    )


def test_readiness_gates_are_evaluated_both_ways(kube: Kube, namespace: str) -> None:
    make_pod(kube, namespace, "gated", readinessGates=[{"conditionType": GATE}])
    pod = wait_pod(
        kube, namespace, "gated", "containers ready", lambda p: pod_condition(p, "ContainersReady") == "True"
    )
    assert (
        pod_condition(pod, "Ready") == "False" and pod_condition(pod, GATE) is None
    )  # the gate is ours alone
    set_gate(kube, namespace, "gated", "True")
    wait_pod(
        kube, namespace, "gated", "Ready once the gate is True", lambda p: pod_condition(p, "Ready") == "True"
    )
    set_gate(kube, namespace, "gated", "False")
    pod = wait_pod(
        kube,
        namespace,
        "gated",
        "not Ready once the gate is False",
        lambda p: pod_condition(p, "Ready") == "False",
    )
    assert pod_condition(pod, "ContainersReady") == "True" and pod_condition(pod, GATE) == "False"
    set_gate(kube, namespace, "gated", "True")
    wait_pod(kube, namespace, "gated", "Ready again", lambda p: pod_condition(p, "Ready") == "True")


def test_image_change_restarts_only_that_container(kube: Kube, namespace: str) -> None:
    make_pod(kube, namespace, "inplace", annotations={P + "restart-delay": "2s"})
    before = wait_pod(kube, namespace, "inplace", "Ready", lambda p: pod_condition(p, "Ready") == "True")
    kube.patch(
        "Pod",
        "inplace",
        namespace,
        {"spec": {"containers": [{"name": "engine", "image": "engine:2"}]}},
        patch_type="strategic",
    )
    restarting = wait_pod(
        kube,
        namespace,
        "inplace",
        "the engine restarting on the new image",
        lambda p: status_of(p, "engine").get("image") == "engine:2",
    )
    assert status_of(restarting, "engine")["restartCount"] == 1
    assert status_of(restarting, "engine")["ready"] is False and pod_condition(restarting, "Ready") == "False"
    assert (
        status_of(restarting, "proxy")["restartCount"] == 0
        and status_of(restarting, "proxy")["ready"] is True
    )
    after = wait_pod(
        kube, namespace, "inplace", "Ready on the new image", lambda p: pod_condition(p, "Ready") == "True"
    )
    assert after["metadata"]["uid"] == before["metadata"]["uid"]
    assert after["spec"]["nodeName"] == before["spec"]["nodeName"]
    assert status_of(after, "engine")["restartCount"] == 1 and status_of(after, "proxy")["restartCount"] == 0


def test_startup_delay_keeps_containers_not_ready(kube: Kube, namespace: str) -> None:
    make_pod(kube, namespace, "slow", annotations={P + "startup-delay": "4s"})
    running = wait_pod(kube, namespace, "slow", "Running", lambda p: p["status"].get("phase") == "Running")
    seen_running = time.monotonic()
    assert pod_condition(running, "Ready") != "True"
    assert all(c.get("started") and not c["ready"] for c in running["status"]["containerStatuses"])
    wait_pod(kube, namespace, "slow", "Ready after the delay", lambda p: pod_condition(p, "Ready") == "True")
    assert time.monotonic() - seen_running >= 2.0


def test_crashes_restart_the_container_as_often_as_asked(kube: Kube, namespace: str) -> None:
    make_pod(
        kube,
        namespace,
        "crashy",
        annotations={
            P + "crash-restart-count": "2",
            P + "crash-container": "engine",
            P + "crash-delay": "1s",
            P + "restart-delay": "1s",
        },
    )
    pod = wait_pod(
        kube, namespace, "crashy", "two restarts", lambda p: status_of(p, "engine").get("restartCount") == 2
    )
    assert status_of(pod, "engine")["lastState"]["terminated"]["exitCode"] == 1
    pod = wait_pod(
        kube, namespace, "crashy", "Ready after the crashes", lambda p: pod_condition(p, "Ready") == "True"
    )
    assert status_of(pod, "engine")["restartCount"] == 2 and status_of(pod, "proxy")["restartCount"] == 0


def test_fail_annotation_fails_the_pod(kube: Kube, namespace: str) -> None:
    make_pod(
        kube,
        namespace,
        "doomed",
        annotations={P + "fail": "true", P + "fail-reason": "Evicted"},
        restartPolicy="Never",
    )
    pod = wait_pod(kube, namespace, "doomed", "phase Failed", lambda p: p["status"].get("phase") == "Failed")
    assert pod["status"].get("reason") == "Evicted"


def test_termination_delay_keeps_a_terminating_pod(kube: Kube, namespace: str) -> None:
    make_pod(kube, namespace, "lingering", annotations={P + "termination-delay": "3s"})
    wait_pod(kube, namespace, "lingering", "Ready", lambda p: pod_condition(p, "Ready") == "True")
    started = time.monotonic()
    kube.delete("Pod", "lingering", namespace)
    terminating = get(kube, namespace, "lingering")
    assert terminating["metadata"].get("deletionTimestamp")
    kube.wait_for("the pod to be gone", lambda: kube.get("Pod", "lingering", namespace) is None, timeout=20)
    assert time.monotonic() - started >= 2.0
