"""The Instance planner: pods per slot, the in-place update protocol step by step, recreation vs.
refusal of changes that cannot be done in place, and whole-instance recreation with back-off."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rbg_operator.api import keys
from rbg_operator.api.v1alpha1 import Instance
from rbg_operator.planning.instance import BACKOFF_BASE, GATE, STATE, plan_instance
from rbg_operator.planning.instance_pods import desired_pod, slots
from rbg_operator.planning.observed import ContainerView, PodView
from rbg_operator.planning.plan import Plan
from rbg_operator.planning.timestamps import format_ts, parse

T0 = "2026-01-01T00:00:00Z"
UID = "inst-uid"


def later(seconds: float, base: str = T0) -> str:
    return format_ts(parse(base) + seconds)


def instance(
    image: str = "e:v1",
    *,
    cpu: str = "1",
    restart: str = "RecreateInstanceOnPodRestart",
    update_type: str = "InPlaceIfPossible",
    grace: int = 5,
    status: dict[str, Any] | None = None,
) -> Instance:
    def comp(name: str, size: int) -> dict[str, Any]:
        container = {"name": "c", "image": image, "resources": {"requests": {"cpu": cpu}}}
        return {
            "name": name,
            "size": size,
            "serviceName": "svc",
            "template": {"spec": {"containers": [container]}},
        }

    return Instance.from_dict(
        {
            "metadata": {
                "name": "g-r-0",
                "namespace": "ns",
                "uid": UID,
                "generation": 1,
                "labels": {"app": "x", keys.LABEL_CONTROLLER_REVISION_HASH: "setrev"},
                "annotations": {
                    keys.ANNOTATION_INSTANCE_UPDATE_TYPE: update_type,
                    keys.ANNOTATION_INPLACE_UPDATE_GRACE_V2: str(grace),
                },
            },
            "spec": {"components": [comp("leader", 1), comp("worker", 2)], "restartPolicy": restart},
            **({"status": status} if status else {}),
        }
    )


def running(inst: Instance, *, epoch: int = 0, image: str | None = None, **over: Any) -> list[PodView]:
    """The pods a kubelet would run for ``inst`` (optionally still at an older image)."""
    out = []
    for slot, comp in slots(inst):
        d = desired_pod(inst, slot, comp, epoch)
        m = d.manifest
        images = {c.name: image or c.image for c in m.spec.containers}
        out.append(
            PodView(
                name=m.metadata.name or "",
                namespace="ns",
                uid=f"uid-{m.metadata.name}",
                labels=dict(m.metadata.labels or {}),
                annotations=dict(m.metadata.annotations or {}),
                owner_uids=(UID,),
                phase="Running",
                node_name="n1",
                images=images,
                containers=tuple(ContainerView(name=n, image=i, ready=True) for n, i in images.items()),
                conditions={"Ready": ("True", T0), GATE: ("True", T0)},
                **over,
            )
        )
    return out


def settle(inst: Instance, pods: list[PodView], now: str = T0) -> Instance:
    """The Instance with the status its planner writes."""
    plan = plan_instance(inst, pods, now)
    if plan.status is None:
        return inst
    return inst.model_copy(update={"status": plan.status})


def names(plan: Plan[Any]) -> dict[str, list[str]]:
    return {
        "apply": [m.metadata.name or "" for m in plan.apply],
        "delete": [d.name for d in plan.delete],
        "patch": [f"{p.name}{'/status' if p.status else ''}" for p in plan.patch],
    }


def test_a_new_instance_creates_one_pod_per_slot() -> None:
    plan = plan_instance(instance(), [], T0)
    assert names(plan)["apply"] == ["g-r-0-leader-0", "g-r-0-worker-0", "g-r-0-worker-1"]
    worker = plan.apply[2]
    labels = worker.metadata.labels or {}
    assert labels[keys.LABEL_INSTANCE_NAME] == "g-r-0"
    assert labels[keys.LABEL_COMPONENT_INDEX_V1] == "2"  # leader 0, workers 1 and 2
    assert labels[keys.LABEL_COMPONENT_SIZE_V1] == "2"
    assert labels["app"] == "x" and keys.LABEL_CONTROLLER_REVISION_HASH in labels
    assert labels[keys.LABEL_CONTROLLER_REVISION_HASH] != "setrev"  # the pod's own revision
    spec = worker.to_dict()["spec"]
    assert spec["hostname"] == "g-r-0-worker-1" and spec["subdomain"] == "svc"
    assert spec["readinessGates"] == [{"conditionType": GATE}]
    assert worker.metadata.owner_references and worker.metadata.owner_references[0].uid == UID
    assert plan.status is not None
    ready = next(c for c in plan.status.conditions or [] if c.type == keys.CONDITION_INSTANCE_READY)
    assert ready.status == "False"
    assert plan_instance(instance(), [], T0) == plan  # deterministic


def test_new_pods_get_their_gate_set_and_a_ready_instance_needs_nothing() -> None:
    inst = instance()
    pods = [p.model_copy(update={"conditions": {"Ready": ("False", T0)}}) for p in running(inst)]
    plan = plan_instance(inst, pods, T0)
    assert names(plan)["patch"] == [f"{p.name}/status" for p in pods]
    assert all(p.body["status"]["conditions"][0]["status"] == "True" for p in plan.patch)
    settled = settle(inst, running(inst))
    assert plan_instance(settled, running(inst), later(60)).empty


def test_in_place_update_walks_through_the_readiness_gate() -> None:
    old = instance("e:v1")
    pods = running(old)
    new = settle(instance("e:v2"), pods).model_copy(update={"status": settle(old, pods).status})
    # 1. announce: state annotation and the gate False on every pod; look again after the grace period
    step1 = plan_instance(new, pods, T0)
    assert sorted(names(step1)["patch"]) == sorted(
        [p.name for p in pods] + [f"{p.name}/status" for p in pods]
    )
    assert step1.requeue_after == 5 and not step1.delete and not step1.apply
    stamped = [
        p.model_copy(
            update={
                "annotations": {**p.annotations, STATE: json.dumps({"revision": "x", "since": T0})},
                "conditions": {"Ready": ("False", T0), GATE: ("False", T0)},
            }
        )
        for p in pods
    ]
    # the stamp names another revision: re-stamped with the right one, gate already False
    restamp = plan_instance(new, stamped, T0)
    assert all(not p.status for p in restamp.patch)
    state = {
        p.name: json.loads(
            next(q for q in step1.patch if q.name == p.name and not q.status).body["metadata"]["annotations"][
                STATE
            ]
        )
        for p in pods
    }
    gated = [
        p.model_copy(
            update={
                "annotations": {**p.annotations, STATE: json.dumps(state[p.name])},
                "conditions": {"Ready": ("False", T0), GATE: ("False", T0)},
            }
        )
        for p in pods
    ]
    # 2. within the grace period: nothing but a wake-up
    waiting = plan_instance(new, gated, later(2))
    assert waiting.patch == [] and waiting.requeue_after == 3
    # 3. after it: the in-place patch, images and metadata only
    step3 = plan_instance(new, gated, later(5))
    assert names(step3)["patch"] == [p.name for p in gated]
    body = step3.patch[0].body
    assert body["spec"] == {"containers": [{"name": "c", "image": "e:v2"}]}
    assert set(body["metadata"]) == {"labels", "annotations"}
    # 4. the kubelet restarted the container with the new image: state cleared, gate True
    target = {d.manifest.metadata.name: d for s, c in slots(new) for d in [desired_pod(new, s, c, 0)]}
    patched = [
        p.model_copy(
            update={
                "labels": dict(target[p.name].manifest.metadata.labels or {}),
                "images": {"c": "e:v2"},
                "containers": (ContainerView(name="c", image="e:v2", ready=True, restart_count=1),),
            }
        )
        for p in gated
    ]
    step4 = plan_instance(new, patched, later(8))
    meta = [p for p in step4.patch if not p.status]
    gates = [p for p in step4.patch if p.status]
    assert len(meta) == len(gates) == 3
    assert meta[0].body["metadata"]["annotations"] == {
        STATE: None,
        keys.ANNOTATION_RESTART_BASELINE: '{"c": 1}',
    }
    assert all(g.body["status"]["conditions"][0]["status"] == "True" for g in gates)
    assert not step4.delete


@pytest.mark.parametrize(
    ("restart", "expect_epoch", "expect_deleted"),
    [
        pytest.param("None", 0, 3, id="policy-None-recreates-each-pod"),
        pytest.param("RecreateInstanceOnPodRestart", 1, 3, id="recreate-policy-moves-to-a-new-epoch"),
    ],
)
def test_a_change_that_cannot_be_in_place_recreates(
    restart: str, expect_epoch: int, expect_deleted: int
) -> None:
    old = instance(restart=restart)
    pods = running(old)
    new = instance(cpu="2", restart=restart).model_copy(update={"status": settle(old, pods).status})
    plan = plan_instance(new, pods, T0)
    assert len(plan.delete) == expect_deleted and not plan.patch
    assert plan.status is not None and (plan.status.epoch or 0) == expect_epoch
    assert (plan.status.restart_count or 0) == 0, "an update is not a failure"


def test_in_place_only_refuses_with_a_condition() -> None:
    old = instance(update_type="InPlaceOnly")
    pods = running(old)
    new = instance(cpu="2", update_type="InPlaceOnly").model_copy(update={"status": settle(old, pods).status})
    plan = plan_instance(new, pods, T0)
    assert not plan.delete and not plan.patch and not plan.apply
    assert plan.status is not None
    failed = next(c for c in plan.status.conditions or [] if c.type == keys.CONDITION_FAILED_UPDATE)
    assert failed.status == "True" and failed.reason == "InPlaceUpdateImpossible"
    assert [e.reason for e in plan.events] == ["InPlaceUpdateImpossible"]


def _restarted(pods: list[PodView], name: str, count: int = 1) -> list[PodView]:
    return [
        p.model_copy(
            update={"containers": (ContainerView(name="c", image="e:v1", ready=True, restart_count=count),)}
        )
        if p.name == name
        else p
        for p in pods
    ]


def test_a_pod_failure_recreates_the_instance_then_backs_off() -> None:
    inst = instance()
    pods = running(inst)
    inst = settle(inst, pods)
    # a container restart: a new epoch, every pod of the old one deleted, status written first
    first = plan_instance(inst, _restarted(pods, "g-r-0-worker-1"), T0)
    assert first.status_first and first.status is not None
    assert (first.status.epoch, first.status.restart_count, first.status.restart_backoff_seconds) == (
        1,
        1,
        BACKOFF_BASE,
    )
    assert len(first.delete) == 3 and [e.reason for e in first.events] == ["InstanceRecreated"]
    # the recreation itself (pods gone, new ones not yet seen) is not a new failure
    inst1 = inst.model_copy(update={"status": first.status})
    quiet = plan_instance(inst1, [], later(1))
    assert len(quiet.apply) == 3 and not quiet.events
    pods1 = running(inst1, epoch=1)
    inst1 = settle(inst1, pods1, later(2))
    # a second failure soon after: held for the back-off, nothing replaced meanwhile
    lost = [p for p in pods1 if p.name != "g-r-0-leader-0"]
    held = plan_instance(inst1, lost, later(3))
    assert not held.apply and not held.delete and held.requeue_after == pytest.approx(BACKOFF_BASE - 3)
    held_inst = inst1.model_copy(update={"status": held.status or inst1.status})
    assert plan_instance(held_inst, lost, later(5)).apply == [], "the loss is still remembered"
    # after the back-off: the second recreation, and the back-off doubles
    second = plan_instance(held_inst, lost, later(BACKOFF_BASE + 1))
    assert second.status is not None
    assert (second.status.epoch, second.status.restart_count, second.status.restart_backoff_seconds) == (
        2,
        2,
        2 * BACKOFF_BASE,
    )


def test_restarts_caused_by_an_in_place_update_are_not_failures() -> None:
    inst = instance()
    pods = running(inst)
    inst = settle(inst, pods)
    updating = [
        p.model_copy(
            update={"annotations": {**p.annotations, STATE: json.dumps({"revision": "r", "since": T0})}}
        )
        for p in _restarted(pods, "g-r-0-leader-0")
    ]
    assert not plan_instance(inst, updating, T0).status_first
    baseline = [
        p.model_copy(update={"annotations": {**p.annotations, keys.ANNOTATION_RESTART_BASELINE: '{"c": 1}'}})
        for p in _restarted(pods, "g-r-0-leader-0")
    ]
    assert not plan_instance(inst, baseline, T0).status_first
