"""Scaling adapters (pure): binding, adoption, replicas carried to the role, selector."""

from __future__ import annotations

from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.v1alpha1 import RoleBasedGroup, RoleBasedGroupScalingAdapter
from rbg_operator.planning.adapter import adapter_manifest, plan_adapter, pod_selector
from tests.unit.hub import hub_group

T0 = "2026-01-01T00:00:00Z"


def rbg() -> RoleBasedGroup:
    lws = {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet"}
    tpl = {"spec": {"containers": [{"name": "c", "image": "x"}]}}
    return hub_group(
        {
            "metadata": {"name": "g", "namespace": "ns", "uid": "G"},
            "spec": {
                "roles": [
                    {"name": "decode", "replicas": 2, "template": tpl, "scalingAdapter": {"enable": True}},
                    {
                        "name": "big",
                        "replicas": 1,
                        "template": tpl,
                        "workload": lws,
                        "leaderWorkerSet": {"size": 2},
                    },
                ]
            },
        }
    )


def adapter(
    replicas: int | None = None, owners: list[dict[str, Any]] | None = None, role: str = "decode"
) -> RoleBasedGroupScalingAdapter:
    spec: dict[str, Any] = {"scaleTargetRef": {"name": "g", "role": role}}
    if replicas is not None:
        spec["replicas"] = replicas
    return RoleBasedGroupScalingAdapter.from_dict(
        {"metadata": {"name": "a", "namespace": "ns", "ownerReferences": owners or []}, "spec": spec}
    )


OWNED = [{"apiVersion": "workloads.x-k8s.io/v1alpha1", "kind": "RoleBasedGroup", "name": "g", "uid": "G"}]


def test_the_generated_adapter_leaves_replicas_to_the_scaler() -> None:
    m = adapter_manifest(rbg(), rbg().spec.roles[0]).to_dict()
    assert m["metadata"]["name"] == "g-decode" and m["spec"] == {
        "scaleTargetRef": {"name": "g", "role": "decode"}
    }


def test_binding_adoption_and_scaling() -> None:
    first = plan_adapter(adapter(), rbg(), T0)
    assert first.adopt and first.set_spec_replicas == 2 and first.set_role_replicas is None
    assert first.status is not None and first.status.phase == "Bound"
    assert [e.reason for e in first.events] == ["SuccessfulBound"]
    scaled = plan_adapter(adapter(5, OWNED), rbg(), T0)
    assert not scaled.adopt and scaled.set_role_replicas == 5
    missing = plan_adapter(adapter(role="nope"), rbg(), T0)
    assert missing.status is not None and missing.status.phase == "NotBound"


def test_selector_counts_leaders_only_for_multi_pod_replicas() -> None:
    g = rbg()
    assert keys.LABEL_LWS_WORKER_INDEX not in pod_selector(g, g.spec.roles[0])
    assert f"{keys.LABEL_LWS_WORKER_INDEX}=0" in pod_selector(g, g.spec.roles[1])
