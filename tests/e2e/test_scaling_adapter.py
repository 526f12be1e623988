"""RoleBasedGroupScalingAdapter against the devcluster: created and bound for a role, `kubectl scale`
through its scale subresource changes the role, an HPA reads it and its selector matches the role's
pods, a GitOps apply that leaves replicas out does not take them back, and a pre-existing adapter is
adopted."""

from __future__ import annotations

from typing import Any

import pytest

from rbg_operator.api import keys
from tests.e2e.kube import Kube
from tests.e2e.test_instanceset import condition

pytestmark = pytest.mark.usefixtures("operator")
API = "workloads.x-k8s.io/v1alpha1"


def role(name: str, replicas: int, adapter: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "replicas": replicas,
        "template": {"spec": {"containers": [{"name": "c", "image": f"{name}:v1"}]}},
    }
    if adapter:
        out["scalingAdapter"] = {"enable": True}
    return out


def manifest(prefill: int | None = 1) -> dict[str, Any]:
    p = role("prefill", prefill or 1, False)
    if prefill is None:
        del p["replicas"]
    d = role("decode", 2, True)
    return {
        "apiVersion": API,
        "kind": "RoleBasedGroup",
        "metadata": {"name": "sa"},
        "spec": {"roles": [p, d]},
    }


def ready_pods(kube: Kube, ns: str, role: str) -> int:
    pods = kube.list("Pod", ns, f"{keys.LABEL_ROLE_NAME_V1}={role}")
    return sum(
        1
        for p in pods
        if any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))
    )


def test_scaling_adapter_drives_the_role(kube: Kube, namespace: str) -> None:
    kube.apply(manifest(), namespace, manager="gitops")

    def bound() -> dict[str, Any] | None:
        a = kube.get("RoleBasedGroupScalingAdapter", "sa-decode", namespace)
        return a if a and (a.get("status") or {}).get("phase") == "Bound" else None

    adapter = kube.wait_for("adapter bound", bound, 60, dump=lambda: kube.dump_namespace(namespace))
    assert adapter["spec"]["replicas"] == 2 and adapter["spec"]["scaleTargetRef"] == {
        "name": "sa",
        "role": "decode",
    }
    assert adapter["metadata"]["ownerReferences"][0]["kind"] == "RoleBasedGroup"
    # kubectl scale rbgsa/sa-decode --replicas=5
    kube.patch(
        "RoleBasedGroupScalingAdapter", "sa-decode", namespace, {"spec": {"replicas": 5}}, subresource="scale"
    )
    kube.wait_for(
        "decode at 5",
        lambda: ready_pods(kube, namespace, "decode") == 5,
        90,
        dump=lambda: kube.dump_namespace(namespace),
    )
    rbg = kube.get("RoleBasedGroup", "sa", namespace)
    assert rbg is not None and [r["replicas"] for r in rbg["spec"]["roles"]] == [1, 5]
    scale = kube.rest.request(
        "GET", kube.path("RoleBasedGroupScalingAdapter", namespace, "sa-decode") + "/scale"
    )
    assert scale["spec"]["replicas"] == 5
    selected = kube.list("Pod", namespace, scale["status"]["selector"])
    assert sorted(p["metadata"]["name"] for p in selected) == [f"sa-decode-{i}" for i in range(5)]
    # An HPA targeting the adapter is accepted and reads its scale subresource.
    kube.create(
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "decode"},
            "spec": {
                "scaleTargetRef": {
                    "apiVersion": API,
                    "kind": "RoleBasedGroupScalingAdapter",
                    "name": "sa-decode",
                },
                "minReplicas": 1,
                "maxReplicas": 8,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 60},
                        },
                    }
                ],
            },
        },
        namespace,
    )

    def able() -> dict[str, Any] | None:
        c = condition(kube.get("HorizontalPodAutoscaler", "decode", namespace), "AbleToScale")
        return c if c and c["status"] == "True" else None

    assert kube.wait_for("HPA read the adapter", able, 60)["reason"] == "SucceededGetScale"
    kube.delete("HorizontalPodAutoscaler", "decode", namespace)
    # GitOps re-applies its manifest (decode replicas left to the adapter): the role stays at 5.
    gitops = manifest()
    del gitops["spec"]["roles"][1]["replicas"]
    kube.apply(gitops, namespace, manager="gitops")
    rbg = kube.get("RoleBasedGroup", "sa", namespace)
    assert rbg is not None and rbg["spec"]["roles"][1]["replicas"] == 5


def test_a_pre_existing_adapter_is_adopted(kube: Kube, namespace: str) -> None:
    kube.apply(manifest(), namespace, manager="gitops")
    kube.create(
        {
            "apiVersion": API,
            "kind": "RoleBasedGroupScalingAdapter",
            "metadata": {"name": "prefill-scaler"},
            "spec": {"scaleTargetRef": {"name": "sa", "role": "prefill"}},
        },
        namespace,
    )

    def adopted() -> dict[str, Any] | None:
        a = kube.get("RoleBasedGroupScalingAdapter", "prefill-scaler", namespace)
        ok = a and (a.get("status") or {}).get("phase") == "Bound" and a["metadata"].get("ownerReferences")
        return a if ok else None

    adapter = kube.wait_for("adapter adopted and bound", adopted, 60)
    assert adapter["metadata"]["ownerReferences"][0]["name"] == "sa" and adapter["spec"]["replicas"] == 1
    kube.patch(
        "RoleBasedGroupScalingAdapter",
        "prefill-scaler",
        namespace,
        {"spec": {"replicas": 3}},
        subresource="scale",
    )
    kube.wait_for(
        "prefill at 3",
        lambda: ready_pods(kube, namespace, "prefill") == 3,
        90,
        dump=lambda: kube.dump_namespace(namespace),
    )
