"""The benchmark's workload: N PD groups (router 1, prefill 2, decode 4), as RoleBasedGroup manifests for the
operator and as the very child objects the operator would create, for the baseline."""

from __future__ import annotations

from typing import Any

from rbg_operator.api.convert import to_hub_group
from rbg_operator.planning.rbg import GroupObserved, plan_group

ROLES = (("router", 1), ("prefill", 2), ("decode", 4))
PODS_PER_GROUP = sum(n for _, n in ROLES)
FAILOVER_ROLE = "decode"
FAILOVER_REPLICAS = dict(ROLES)[FAILOVER_ROLE]


def group_name(i: int) -> str:
    return f"pd-{i}"


def image(role: str, version: int) -> str:
    return f"sglang:{role}-v{version}"


def roles(version: int) -> list[dict[str, Any]]:
    """The roles of a PD group whose containers run ``image(role, version)``, without dependencies so that
    the operator and the baseline create the same objects at once."""
    return [
        {
            "name": role,
            "replicas": n,
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "engine",
                            "image": image(role, version),
                            "resources": {"requests": {"cpu": "100m"}},
                        }
                    ]
                }
            },
        }
        for role, n in ROLES
    ]


def group_manifest(name: str, namespace: str, version: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "RoleBasedGroup",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"roles": roles(version)},
    }


def baseline_objects(name: str, namespace: str, version: int = 1) -> list[dict[str, Any]]:
    """What the planner makes of the group (owner references and ControllerRevisions removed: those belong
    to the RoleBasedGroup, which the baseline does not have)."""
    doc = group_manifest(name, namespace, version)
    doc["metadata"].update(uid="baseline", generation=version)
    plan = plan_group(to_hub_group(doc), GroupObserved(), "2026-01-01T00:00:00Z")
    out = []
    for m in plan.apply:
        if m.kind == "ControllerRevision":
            continue
        obj = m.to_dict()
        obj["metadata"].pop("ownerReferences", None)
        out.append(obj)
    return out


def changed_objects(name: str, namespace: str, version: int) -> list[dict[str, Any]]:
    """The objects of ``version`` that differ from those of ``version - 1`` (the rollout's writes)."""
    before = {(o["kind"], o["metadata"]["name"]): o for o in baseline_objects(name, namespace, version - 1)}
    return [
        o
        for o in baseline_objects(name, namespace, version)
        if before.get((o["kind"], o["metadata"]["name"])) != o
    ]
