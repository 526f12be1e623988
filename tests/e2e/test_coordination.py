"""Coordinated rollouts and scaling against the devcluster: prefill (4) and decode (8) with maxSkew 25%
never drift apart by more than that, sampled at every poll, during an image rollout and while scaling
from 1:2 to 4:8 with OrderReady."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest

from rbg_operator.api import keys
from tests.e2e.kube import Kube, Recorder, pod_condition
from tests.e2e.test_instanceset import condition

pytestmark = pytest.mark.usefixtures("operator")
SKEW = 0.25


def group(
    prefill: int, decode: int, strategy: dict[str, Any], prefill_kind: str = "StatefulSet"
) -> dict[str, Any]:
    def role(name: str, n: int) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": name,
            "replicas": n,
            "template": {"spec": {"containers": [{"name": "c", "image": "e:v1"}]}},
        }
        if name == "prefill":
            out["workload"] = {"apiVersion": "apps/v1", "kind": prefill_kind}
        return out

    return {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "RoleBasedGroup",
        "metadata": {"name": "co"},
        "spec": {
            "roles": [role("prefill", prefill), role("decode", decode)],
            "coordination": [{"name": "pd", "roles": ["prefill", "decode"], "strategy": strategy}],
        },
    }


def ready(kube: Kube, ns: str) -> bool:
    rbg = kube.get("RoleBasedGroup", "co", ns)
    c = condition(rbg, "Ready")
    return bool(
        rbg
        and c
        and c["status"] == "True"
        and rbg["status"]["observedGeneration"] == rbg["metadata"]["generation"]
    )


def pods_by_role(kube: Kube, ns: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"prefill": [], "decode": []}
    for p in kube.list("Pod", ns):
        if not p["metadata"].get("deletionTimestamp"):
            out[p["metadata"]["labels"][keys.LABEL_ROLE_NAME_V1]].append(p)
    return out


def sample_until(kube: Kube, ns: str, fractions: Any, done: Any, timeout: float) -> list[tuple[float, float]]:
    """Poll: record (prefill, decode) fractions at every sample, assert the skew each time."""
    samples: list[tuple[float, float]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        f = fractions(pods_by_role(kube, ns))
        samples.append(f)
        assert abs(f[0] - f[1]) <= SKEW + 1e-9, f"skew exceeded at sample {len(samples)}: {f}; all: {samples}"
        if done(f):
            return samples
        time.sleep(0.2)
    raise AssertionError(f"did not finish in {timeout}s; samples: {samples[-20:]}\n{kube.dump_namespace(ns)}")


@pytest.mark.parametrize("prefill_kind", ["StatefulSet", "Deployment"])
def test_coordinated_rollout_holds_the_skew_at_every_sample(
    kube: Kube, namespace: str, prefill_kind: str
) -> None:
    kube.create(group(4, 8, {"rollingUpdate": {"maxSkew": "25%"}}, prefill_kind), namespace)
    kube.wait_for("co Ready", lambda: ready(kube, namespace), 90, dump=lambda: kube.dump_namespace(namespace))
    rbg = kube.get("RoleBasedGroup", "co", namespace)
    assert rbg is not None
    roles = copy.deepcopy(rbg["spec"]["roles"])
    for r in roles:
        r["template"]["spec"]["containers"][0]["image"] = "e:v2"
    kube.patch("RoleBasedGroup", "co", namespace, {"spec": {"roles": roles}})

    def fractions(pods: dict[str, list[dict[str, Any]]]) -> tuple[float, float]:
        def f(role: str, n: int) -> float:
            return sum(1 for p in pods[role] if p["spec"]["containers"][0]["image"] == "e:v2") / n

        return f("prefill", 4), f("decode", 8)

    samples = sample_until(kube, namespace, fractions, lambda f: f == (1.0, 1.0), 240)
    assert len({s for s in samples}) >= 4, f"the rollout went in several steps: {sorted(set(samples))}"
    kube.wait_for("co Ready again", lambda: ready(kube, namespace), 90)
    # Settled means settled: the workloads are not rewritten any more (watched for a few seconds).
    kind = prefill_kind
    before = (kube.get(kind, "co-prefill", namespace) or {})["metadata"]["generation"]
    window = time.monotonic() + 4
    while time.monotonic() < window:
        assert (kube.get(kind, "co-prefill", namespace) or {})["metadata"]["generation"] == before
        time.sleep(0.5)


def test_coordinated_scaling_with_order_ready(kube: Kube, namespace: str) -> None:
    kube.create(group(1, 2, {"scaling": {"maxSkew": "25%", "progression": "OrderReady"}}), namespace)
    kube.wait_for("co Ready", lambda: ready(kube, namespace), 90, dump=lambda: kube.dump_namespace(namespace))
    rbg = kube.get("RoleBasedGroup", "co", namespace)
    assert rbg is not None
    roles = copy.deepcopy(rbg["spec"]["roles"])
    roles[0]["replicas"], roles[1]["replicas"] = 4, 8
    sts = Recorder(kube, "StatefulSet", namespace)  # every replicas step the operator writes, in order
    kube.patch("RoleBasedGroup", "co", namespace, {"spec": {"roles": roles}})

    def fractions(pods: dict[str, list[dict[str, Any]]]) -> tuple[float, float]:
        return len(pods["prefill"]) / 4, len(pods["decode"]) / 8

    def all_ready(f: tuple[float, float]) -> bool:
        pods = pods_by_role(kube, namespace)
        return f == (1.0, 1.0) and all(
            pod_condition(p, "Ready") == "True" for ps in pods.values() for p in ps
        )

    samples = sample_until(kube, namespace, fractions, all_ready, 240)
    sts.stop()
    replicas = {"co-prefill": 1, "co-decode": 2}
    steps = []
    for _, obj in sts.events:
        replicas[obj["metadata"]["name"]] = obj["spec"]["replicas"]
        step = (replicas["co-prefill"] / 4, replicas["co-decode"] / 8)
        assert abs(step[0] - step[1]) <= SKEW + 1e-9, f"a step exceeded the skew: {step}"
        if not steps or steps[-1] != step:
            steps.append(step)
    assert len(steps) >= 4, f"the scaling went in steps: {steps} (pods sampled: {sorted(set(samples))})"
    kube.wait_for("co Ready again", lambda: ready(kube, namespace), 90)
