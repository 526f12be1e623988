"""RoleBasedGroupSet against the devcluster: members <rbgs>-<i>, scaling through the scale subresource,
and a template change that reaches the members one group at a time."""

from __future__ import annotations

from typing import Any

import pytest

from rbg_operator.api import keys
from tests.e2e.kube import Kube, Recorder
from tests.e2e.test_instanceset import condition

pytestmark = pytest.mark.usefixtures("operator")


def groupset(replicas: int, image: str) -> dict[str, Any]:
    return {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "RoleBasedGroupSet",
        "metadata": {"name": "fleet"},
        "spec": {
            "replicas": replicas,
            "template": {
                "roleTemplates": [
                    {"name": "base", "template": {"spec": {"containers": [{"name": "c", "image": image}]}}}
                ],
                "roles": [
                    {"name": "decode", "replicas": 1, "templateRef": {"name": "base"}, "templatePatch": {}}
                ],
            },
        },
    }


def ready_members(kube: Kube, ns: str, n: int) -> bool:
    rbgs = kube.get("RoleBasedGroupSet", "fleet", ns) or {}
    st = rbgs.get("status") or {}
    members = sorted(
        r["metadata"]["name"]
        for r in kube.list("RoleBasedGroup", ns)
        if not r["metadata"].get("deletionTimestamp")
    )
    return (
        st.get("readyReplicas") == n
        and st.get("replicas") == n
        and members == [f"fleet-{i}" for i in range(n)]
    )


def is_ready(obj: dict[str, Any]) -> bool:
    c = condition(obj, "Ready")
    return bool(
        c
        and c["status"] == "True"
        and obj["status"].get("observedGeneration") == obj["metadata"]["generation"]
    )


def test_groupset_scales_and_rolls_one_group_at_a_time(kube: Kube, namespace: str) -> None:
    kube.create(groupset(3, "e:v1"), namespace)
    kube.wait_for(
        "3 members ready",
        lambda: ready_members(kube, namespace, 3),
        90,
        dump=lambda: kube.dump_namespace(namespace, ("RoleBasedGroup",)),
    )
    member = kube.get("RoleBasedGroup", "fleet-1", namespace)
    assert member is not None
    assert member["metadata"]["labels"][keys.LABEL_GROUPSET_INDEX_V1] == "1"
    assert member["spec"]["roleTemplates"][0]["name"] == "base", "roleTemplates propagated"

    def scale(n: int) -> None:
        kube.patch("RoleBasedGroupSet", "fleet", namespace, {"spec": {"replicas": n}}, subresource="scale")

    scale(5)
    kube.wait_for("5 members ready", lambda: ready_members(kube, namespace, 5), 90)
    scale(3)
    kube.wait_for("back to 3", lambda: ready_members(kube, namespace, 3), 90)

    rec = Recorder(kube, "RoleBasedGroup", namespace)
    try:
        new = groupset(3, "e:v2")
        kube.patch("RoleBasedGroupSet", "fleet", namespace, {"spec": {"template": new["spec"]["template"]}})

        def rolled() -> bool:
            members = kube.list("RoleBasedGroup", namespace)
            images = {
                m["spec"]["roleTemplates"][0]["template"]["spec"]["containers"][0]["image"] for m in members
            }
            return (
                images == {"e:v2"} and ready_members(kube, namespace, 3) and all(is_ready(m) for m in members)
            )

        kube.wait_for(
            "rolled to e:v2", rolled, 120, dump=lambda: kube.dump_namespace(namespace, ("RoleBasedGroup",))
        )
    finally:
        rec.stop()
    # Replay: a member gets the new template only when every member updated before it is Ready again.
    state: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for _, obj in rec.events:
        name = obj["metadata"]["name"]
        image = obj["spec"]["roleTemplates"][0]["template"]["spec"]["containers"][0]["image"]
        if image == "e:v2" and name not in order:
            for earlier in order:
                assert is_ready(state[earlier]), f"{name} updated while {earlier} was still rolling"
            order.append(name)
        state[name] = obj
    assert sorted(order) == ["fleet-0", "fleet-1", "fleet-2"]
