"""The one executor every controller writes through: what goes first, under which field manager, pod
patches of one pod in order, and what it reports back for write-through."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from rbg_operator.api.children import ConfigMap, ControllerRevision, StatefulSet
from rbg_operator.api.meta import ObjectMeta
from rbg_operator.api.v1alpha2 import RoleBasedGroupStatus
from rbg_operator.kube import resources as r
from rbg_operator.kube.client import FIELD_MANAGER, KubeClient
from rbg_operator.kube.executor import FINALIZER_MANAGER, ObjectRef, execute
from rbg_operator.planning.plan import Deletion, Event, Patch, Plan


class FakeClient:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    async def apply(
        self,
        res: r.Resource,
        obj: dict[str, Any],
        *,
        subresource: str | None = None,
        force: bool = True,
        field_manager: str = FIELD_MANAGER,
    ) -> dict[str, Any]:
        await asyncio.sleep(0)
        what = "status" if subresource == "status" else obj["kind"]
        self.calls.append(("apply", what, obj["metadata"]["name"], field_manager))
        return obj

    async def patch(self, res: r.Resource, name: str, namespace: str, body: Any, **kw: Any) -> dict[str, Any]:
        await asyncio.sleep(0)
        self.calls.append(("patch", name, body["n"], body["metadata"]["uid"], kw.get("subresource")))
        return {"kind": "Pod", "metadata": {"name": name}}

    async def delete(self, res: r.Resource, name: str, namespace: str, **kw: Any) -> bool:
        self.calls.append(("delete", res.kind, name, kw["uid"], kw["propagation"]))
        return True

    async def create(self, res: r.Resource, body: dict[str, Any], namespace: str) -> dict[str, Any]:
        self.calls.append(("event", body["reason"]))
        return body


def meta(name: str) -> ObjectMeta:
    return ObjectMeta(name=name, namespace="ns")


def revision(name: str) -> ControllerRevision:
    return ControllerRevision(metadata=meta(name), data={}, revision=1)


REF = ObjectRef(r.RBG, "ns", "g", "G")


async def test_a_group_plan_goes_out_in_dependency_order() -> None:
    sts = StatefulSet.model_validate(
        {
            "metadata": {"name": "g-a", "namespace": "ns"},
            "spec": {
                "replicas": 1,
                "selector": {},
                "serviceName": "s",
                "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}},
            },
        }
    )
    plan: Plan[RoleBasedGroupStatus] = Plan(
        apply=[sts, ConfigMap(metadata=meta("g-a"), data={}), revision("g-1")],
        delete=[Deletion("apps/v1", "StatefulSet", "ns", "g-old", "U", "Foreground")],
        status=RoleBasedGroupStatus(),
        events=[Event("Normal", "RoleCreated", "created")],
        finalizer="add",
    )
    client = FakeClient()
    out = await execute(cast(KubeClient, client), REF, plan)
    assert client.calls == [
        ("apply", "ControllerRevision", "g-1", FIELD_MANAGER),
        ("apply", "ConfigMap", "g-a", FIELD_MANAGER),
        ("apply", "StatefulSet", "g-a", FIELD_MANAGER),
        ("delete", "StatefulSet", "g-old", "U", "Foreground"),
        ("apply", "RoleBasedGroup", "g", FINALIZER_MANAGER),
        ("apply", "status", "g", FIELD_MANAGER),
        ("event", "RoleCreated"),
    ]
    assert [o["kind"] for o in out.applied] == ["ControllerRevision", "ConfigMap", "StatefulSet"]
    assert (
        out.status is not None and out.group is not None and out.deleted == [(r.STATEFULSET, "ns", "g-old")]
    )


async def test_status_first_field_manager_and_pod_patches_in_order() -> None:
    patches = [Patch("p-0", "u0", {"n": 1}), Patch("p-1", "u1", {"n": 1}), Patch("p-0", "u0", {"n": 2}, True)]
    plan: Plan[RoleBasedGroupStatus] = Plan(
        apply=[ConfigMap(metadata=meta("cm"), data={})],
        patch=patches,
        status=RoleBasedGroupStatus(),
        status_first=True,
        field_manager="someone-else",
    )
    client = FakeClient()
    out = await execute(cast(KubeClient, client), REF, plan)
    assert client.calls[:2] == [
        ("apply", "status", "g", FIELD_MANAGER),
        ("apply", "ConfigMap", "cm", "someone-else"),
    ]
    pod0 = [c for c in client.calls if c[0] == "patch" and c[1] == "p-0"]
    assert pod0 == [("patch", "p-0", 1, "u0", None), ("patch", "p-0", 2, "u0", "status")]
    assert len(out.applied) == 4  # the ConfigMap and the three patched pods, for write-through


async def test_an_empty_plan_writes_nothing() -> None:
    client = FakeClient()
    await execute(cast(KubeClient, client), REF, Plan())
    assert client.calls == []
