"""Scaling adapters (pure): binding, adoption, replicas carried to the role, selector."""

from __future__ import annotations

from typing import Any

import pytest

from rbg_operator.api import keys
from rbg_operator.api.v1alpha1 import RoleBasedGroup, RoleBasedGroupScalingAdapter
from rbg_operator.planning.adapter import (
    SCALING_MANAGER,
    adapter_manifest,
    adapter_plan,
    plan_adapter,
    pod_selector,
)
from rbg_operator.planning.names import owner_reference
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


def _old_bodies(a: RoleBasedGroupScalingAdapter, g: RoleBasedGroup) -> list[dict[str, Any]]:
    """What the adapter controller applied inline before it wrote through the executor."""
    step = plan_adapter(a, g, T0)
    out: list[dict[str, Any]] = []
    meta: dict[str, Any] = {"name": a.metadata.name, "namespace": "ns"}
    if step.adopt or step.set_spec_replicas is not None:
        body: dict[str, Any] = {"apiVersion": a.api_version, "kind": a.kind, "metadata": dict(meta)}
        if step.adopt:
            owner = owner_reference(g.api_version, g.kind, "g", "G", False)
            body["metadata"]["ownerReferences"] = [owner]
        if step.set_spec_replicas is not None:
            body["spec"] = {"replicas": step.set_spec_replicas}
        out.append(body)
    if step.set_role_replicas is not None:
        role = a.spec.scale_target_ref.role
        out.append(
            {
                "apiVersion": g.api_version,
                "kind": g.kind,
                "metadata": {"name": g.metadata.name, "namespace": "ns"},
                "spec": {"roles": [{"name": role, "replicas": step.set_role_replicas}]},
            }
        )
    return out


@pytest.mark.parametrize(
    "a",
    [
        pytest.param(adapter(), id="first-binding"),
        pytest.param(adapter(5, OWNED), id="scaled"),
        pytest.param(adapter(5), id="scaled-and-adopted"),
        pytest.param(adapter(2, OWNED), id="nothing-to-carry"),
        pytest.param(adapter(role="nope"), id="unbound"),
    ],
)
def test_adapter_plan_writes_what_the_controller_wrote(a: RoleBasedGroupScalingAdapter) -> None:
    g = rbg()
    plan = adapter_plan(a, g, T0)
    step = plan_adapter(a, g, T0)
    assert [m.to_dict() for m in plan.apply] == _old_bodies(a, g)
    assert plan.field_manager == SCALING_MANAGER
    assert plan.status == step.status and plan.events == step.events
    assert not plan.delete and not plan.patch


def test_adapter_plan_without_its_group_writes_only_the_status() -> None:
    plan = adapter_plan(adapter(), None, T0)
    assert not plan.apply and plan.status is not None and plan.status.phase == "NotBound"
