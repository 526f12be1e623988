"""The group planner: dependency gating, no-op on a settled group, templates, engine runtimes, revisions,
removed roles, missing CRDs, determinism."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rbg_operator.api import keys
from rbg_operator.api.children import Manifest
from rbg_operator.api.v1alpha1 import ClusterEngineRuntimeProfile, RoleBasedGroup
from rbg_operator.kube.views import object_view, revision_view, workload_view
from rbg_operator.planning.observed import WorkloadView
from rbg_operator.planning.rbg import REVISION_HISTORY, GroupObserved, plan_group
from tests.unit.hub import hub_group

NOW = "2026-11-24T00:00:00Z"


def rbg(roles: list[dict[str, Any]], **spec: Any) -> RoleBasedGroup:
    return hub_group(
        {
            "apiVersion": "workloads.x-k8s.io/v1alpha1",
            "kind": "RoleBasedGroup",
            "metadata": {"name": "g", "namespace": "ns", "uid": "uid-1", "generation": 1},
            "spec": {"roles": roles, **spec},
        }
    )


def role(name: str, replicas: int = 1, deps: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    out = {
        "name": name,
        "replicas": replicas,
        "template": {"spec": {"containers": [{"name": "c", "image": f"img-{name}:1"}]}},
        **extra,
    }
    if deps:
        out["dependencies"] = deps
    return out


PD = [role("router"), role("prefill", 2, ["router"]), role("decode", 2, ["prefill"])]


def ready(manifests: list[Manifest], ready_roles: set[str] | None = None) -> GroupObserved:
    """What the cluster would show once the plan's objects exist (and, optionally, are ready)."""
    workloads, objects, revisions = [], [], []
    for m in manifests:
        obj = m.to_dict()
        obj["metadata"]["uid"] = f"uid-{m.metadata.name}"
        if m.kind in ("StatefulSet", "Deployment", "LeaderWorkerSet"):
            obj["metadata"]["generation"] = 1
            role_name = obj["metadata"]["labels"][keys.LABEL_ROLE_NAME_V1]
            n = obj["spec"]["replicas"] if ready_roles is None or role_name in ready_roles else 0
            obj["status"] = {
                "observedGeneration": 1,
                "replicas": obj["spec"]["replicas"],
                "readyReplicas": n,
                "updatedReplicas": obj["spec"]["replicas"],
            }
            workloads.append(workload_view(obj))
        elif m.kind == "ControllerRevision":
            revisions.append(revision_view(obj))
        else:
            objects.append(object_view(obj))
    return GroupObserved(workloads=workloads, objects=objects, revisions=revisions)


def with_meta(group: RoleBasedGroup, **meta: Any) -> RoleBasedGroup:
    return group.model_copy(update={"metadata": group.metadata.model_copy(update=meta)})


def converge(group: RoleBasedGroup, rounds: int = 6) -> tuple[GroupObserved, RoleBasedGroup, list[Any]]:
    """Run plan -> 'apply' -> observe until the plan is empty; returns the final state and all plans."""
    applied: dict[tuple[str, str], Manifest] = {}
    plans = []
    for _ in range(rounds):
        observed = ready(list(applied.values()))
        plan = plan_group(group, observed, NOW)
        plans.append(plan)
        if plan.empty:
            return observed, group, plans
        for m in plan.apply:
            applied[(m.kind, m.metadata.name or "")] = m
        if plan.status is not None:
            group = group.model_copy(update={"status": plan.status})
        if plan.finalizer == "add":
            group = with_meta(group, finalizers=[keys.FINALIZER_TEARDOWN])
    raise AssertionError(f"no fixed point after {rounds} rounds: {plans[-1]}")


def kinds(manifests: list[Manifest]) -> list[tuple[str, str]]:
    return [(m.kind, m.metadata.name or "") for m in manifests]


def test_roles_are_created_level_by_level() -> None:
    _, group, plans = converge(rbg(PD))
    created = [[n for k, n in kinds(p.apply) if k == "StatefulSet"] for p in plans]
    assert created[:3] == [["g-router"], ["g-prefill"], ["g-decode"]]
    assert plans[-1].empty
    assert group.status is not None and group.status.role_summary == "router:1/1 prefill:2/2 decode:2/2"
    ready_cond = next(c for c in group.status.conditions or [] if c.type == "Ready")
    assert ready_cond.status == "True"


def test_settled_group_plans_nothing() -> None:
    observed, group, _ = converge(rbg(PD))
    assert plan_group(group, observed, "2030-01-01T00:00:00Z").empty


def test_dependent_waits_while_dependency_not_ready() -> None:
    group = rbg(PD)
    first = plan_group(group, GroupObserved(), NOW)
    observed = ready(first.apply, ready_roles=set())
    plan = plan_group(group, observed, NOW)
    assert "StatefulSet" not in {k for k, _ in kinds(plan.apply)}
    progressing = next(c for c in plan.status.conditions if c.type == "Progressing")  # type: ignore[union-attr]
    assert progressing.reason == "Waiting" and "prefill: waiting for router" in (progressing.message or "")


def test_image_change_touches_only_that_role() -> None:
    observed, group, _ = converge(rbg(PD))
    spec = group.spec.to_dict()
    spec["roles"][2]["standalonePattern"]["template"]["spec"]["containers"][0]["image"] = "img-decode:2"
    changed = group.model_copy(update={"spec": type(group.spec).from_dict(spec)})
    plan = plan_group(changed, observed, NOW)
    assert [n for k, n in kinds(plan.apply) if k == "StatefulSet"] == ["g-decode"]
    assert any(k == "ControllerRevision" for k, _ in kinds(plan.apply))


def test_replicas_change_updates_workload_and_discovery_only() -> None:
    """Discovery files follow at once; the dependent role (decode) has no pending workload change, so it is
    not held back and stays ready while prefill scales."""
    observed, group, _ = converge(rbg(PD))
    spec = group.spec.to_dict()
    spec["roles"][1]["replicas"] = 3
    changed = group.model_copy(update={"spec": type(group.spec).from_dict(spec)})
    plan = plan_group(changed, observed, NOW)
    assert sorted(kinds(plan.apply)) == sorted(
        [
            ("StatefulSet", "g-prefill"),
            ("ConfigMap", "g-router"),
            ("ConfigMap", "g-prefill"),
            ("ConfigMap", "g-decode"),
        ]
    )
    sts = next(m for m in plan.apply if m.kind == "StatefulSet")
    assert sts.to_dict()["spec"]["replicas"] == 3
    assert plan.status is not None
    ready_cond = next(c for c in plan.status.conditions or [] if c.type == "Ready")
    assert ready_cond.message == "Not ready: prefill 2/3"


def test_removed_role_children_are_deleted() -> None:
    observed, group, _ = converge(rbg(PD))
    spec = group.spec.to_dict()
    spec["roles"] = spec["roles"][:2]
    plan = plan_group(group.model_copy(update={"spec": type(group.spec).from_dict(spec)}), observed, NOW)
    assert sorted((d.kind, d.name) for d in plan.delete) == [
        ("ConfigMap", "g-decode"),
        ("Service", "s-g-decode"),
        ("StatefulSet", "g-decode"),
    ]


def test_missing_lws_crd_blocks_only_that_role() -> None:
    group = rbg(
        [
            role("gw"),
            role(
                "engine",
                2,
                workload={"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet"},
                leaderWorkerSet={"size": 2},
            ),
        ]
    )
    plan = plan_group(group, GroupObserved(absent_apis=frozenset({"leaderworkerset.x-k8s.io/v1"})), NOW)
    assert ("StatefulSet", "g-gw") in kinds(plan.apply)
    assert not any(k == "LeaderWorkerSet" for k, _ in kinds(plan.apply))
    assert any(e.reason == "WorkloadCRDMissing" for e in plan.events)
    assert plan.status is not None
    assert "LeaderWorkerSet CRD is not installed" in next(
        c.message or "" for c in plan.status.conditions or [] if c.type == "Progressing"
    )
    again = plan_group(
        group.model_copy(update={"status": plan.status}),
        GroupObserved(absent_apis=frozenset({"leaderworkerset.x-k8s.io/v1"})),
        NOW,
    )
    assert not any(
        e.reason == "WorkloadCRDMissing" for e in again.events
    )  # reported once, not every reconcile


def test_template_ref_with_strategic_patch() -> None:
    templates = [
        {
            "name": "base",
            "template": {
                "spec": {
                    "containers": [
                        {"name": "engine", "image": "sglang:1", "env": [{"name": "A", "value": "1"}]}
                    ]
                }
            },
        }
    ]
    group = rbg(
        [
            {
                "name": "prefill",
                "replicas": 1,
                "templateRef": {"name": "base"},
                "templatePatch": {
                    "spec": {"containers": [{"name": "engine", "env": [{"name": "B", "value": "2"}]}]}
                },
            }
        ],
        roleTemplates=templates,
    )
    sts = next(m for m in plan_group(group, GroupObserved(), NOW).apply if m.kind == "StatefulSet").to_dict()
    env = {e["name"]: e.get("value") for e in sts["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert (
        env["A"] == "1" and env["B"] == "2" and env["GROUP_NAME"] == "g" and env["RBG_ROLE_NAME"] == "prefill"
    )


def test_engine_runtime_injection_and_missing_profile() -> None:
    profile = ClusterEngineRuntimeProfile.from_dict(
        {
            "apiVersion": "workloads.x-k8s.io/v1alpha1",
            "kind": "ClusterEngineRuntimeProfile",
            "metadata": {"name": "patio"},
            "spec": {
                "containers": [{"name": "patio-runtime", "image": "patio:1", "args": ["--a"]}],
                "volumes": [{"name": "shm", "emptyDir": {"medium": "Memory"}}],
            },
        }
    )
    group = rbg(
        [
            role(
                "engine",
                engineRuntimes=[
                    {
                        "profileName": "patio",
                        "containers": [
                            {"name": "patio-runtime", "args": ["--b"], "env": [{"name": "X", "value": "1"}]}
                        ],
                    }
                ],
            )
        ]
    )
    sts = next(
        m
        for m in plan_group(group, GroupObserved(profiles={"patio": profile}), NOW).apply
        if m.kind == "StatefulSet"
    ).to_dict()
    pod = sts["spec"]["template"]["spec"]
    runtime = next(c for c in pod["containers"] if c["name"] == "patio-runtime")
    assert runtime["args"] == ["--a", "--b"] and any(e["name"] == "X" for e in runtime["env"])
    assert {v["name"] for v in pod["volumes"]} == {"shm", "rbg-cluster-config"}
    missing = plan_group(group, GroupObserved(), NOW)
    assert not any(m.kind == "StatefulSet" for m in missing.apply)
    assert any(e.reason == "InvalidRoleTemplate" and "patio" in e.message for e in missing.events)


def test_profile_change_rolls_the_role() -> None:
    def prof(image: str) -> ClusterEngineRuntimeProfile:
        return ClusterEngineRuntimeProfile.from_dict(
            {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "rt", "image": image}]}}
        )

    group = rbg([role("engine", engineRuntimes=[{"profileName": "p"}])])
    first = plan_group(group, GroupObserved(profiles={"p": prof("rt:1")}), NOW)
    observed = ready(first.apply)
    observed = GroupObserved(
        workloads=observed.workloads,
        objects=observed.objects,
        revisions=observed.revisions,
        profiles={"p": prof("rt:2")},
    )
    plan = plan_group(group, observed, NOW)
    assert [n for k, n in kinds(plan.apply) if k == "StatefulSet"] == ["g-engine"]


def test_revision_history_is_bounded() -> None:
    observed, group, _ = converge(rbg(PD))
    owner = [
        {
            "apiVersion": "workloads.x-k8s.io/v1alpha1",
            "kind": "RoleBasedGroup",
            "name": "g",
            "uid": group.metadata.uid,
        }
    ]
    revisions = [
        revision_view(
            {
                "metadata": {
                    "name": f"g-r{i}",
                    "namespace": "ns",
                    "uid": f"r{i}",
                    "labels": {keys.LABEL_GROUP_REVISION_V1: f"h{i}"},
                    "ownerReferences": owner,
                },
                "revision": i,
            }
        )
        for i in range(1, 7)
    ]
    # A StatefulSet's revision carries the group's labels (copied from the pod template): not ours to prune.
    sts_owner = [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "g-router", "uid": "uid-g-router"}]
    foreign = revision_view(
        {
            "metadata": {
                "name": "g-router-5d8f",
                "namespace": "ns",
                "uid": "sts-r1",
                "labels": {keys.LABEL_GROUP_NAME_V1: "g"},
                "ownerReferences": sts_owner,
            },
            "revision": 1,
        }
    )
    plan = plan_group(group, GroupObserved(observed.workloads, observed.objects, [foreign, *revisions]), NOW)
    new = [m for m in plan.apply if m.kind == "ControllerRevision"]
    assert len(new) == 1 and new[0].to_dict()["revision"] == 7
    assert sorted(d.name for d in plan.delete) == ["g-r1", "g-r2"]  # 7 revisions, keep the newest 5
    assert REVISION_HISTORY == 5


def test_foreign_workloads_are_ignored() -> None:
    observed, group, _ = converge(rbg(PD))
    stranger = WorkloadView(
        api_version="apps/v1",
        kind="StatefulSet",
        name="g-old",
        namespace="ns",
        uid="x",
        owner_uids=("someone-else",),
    )
    plan = plan_group(
        group, GroupObserved([*observed.workloads, stranger], observed.objects, observed.revisions), NOW
    )
    assert plan.empty


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_plans_are_deterministic_and_converge(replicas: list[int], rnd: Any) -> None:
    roles = []
    for i, n in enumerate(replicas):
        deps = sorted({f"r{j}" for j in range(i) if rnd.random() < 0.5})
        roles.append(role(f"r{i}", n, deps))
    group = rbg(copy.deepcopy(roles))
    assert plan_group(group, GroupObserved(), NOW) == plan_group(group, GroupObserved(), NOW)
    _, final, plans = converge(group, rounds=len(roles) + 3)
    assert plans[-1].empty
    assert final.status is not None
    assert [r.ready_replicas for r in final.status.role_statuses] == replicas


@pytest.mark.parametrize("deps", [["missing"], ["self"]], ids=["unknown", "self"])
def test_bad_dependencies_create_nothing(deps: list[str]) -> None:
    group = rbg([role("self", deps=deps)])
    plan = plan_group(group, GroupObserved(), NOW)
    assert not any(m.kind == "StatefulSet" for m in plan.apply)
    assert any(e.reason == "InvalidRoleDependency" for e in plan.events)


def test_first_reconcile_adds_the_teardown_finalizer() -> None:
    plan = plan_group(rbg(PD), GroupObserved(), NOW)
    assert plan.finalizer == "add"


def test_teardown_goes_in_reverse_dependency_order() -> None:
    observed, group, _ = converge(rbg(PD))
    deleting = with_meta(group, deletion_timestamp="2026-11-24T01:00:00Z")
    plan = plan_group(deleting, observed, NOW)
    assert [(d.name, d.propagation) for d in plan.delete] == [("g-decode", "Foreground")]
    assert plan.finalizer is None and not plan.apply
    # decode is going (foreground: its pods first): nothing else happens until it is gone
    going = [w.model_copy(update={"deleting": w.name == "g-decode"}) for w in observed.workloads]
    assert plan_group(deleting, GroupObserved(going, observed.objects), NOW).empty
    remaining = [w for w in observed.workloads if w.name != "g-decode"]
    plan = plan_group(deleting, GroupObserved(remaining, observed.objects), NOW)
    assert [d.name for d in plan.delete] == ["g-prefill"]
    remaining = [w for w in remaining if w.name != "g-prefill"]
    assert [d.name for d in plan_group(deleting, GroupObserved(remaining), NOW).delete] == ["g-router"]
    done = plan_group(deleting, GroupObserved(), NOW)
    assert done.finalizer == "remove" and not done.delete


def test_roles_created_together_make_one_event() -> None:
    """Each event is an API write: roles created (or Ready) in the same reconcile share one event."""
    plan = plan_group(rbg([role("router"), role("prefill", 2), role("decode", 2)]), GroupObserved(), NOW)
    created = [e for e in plan.events if e.reason == "RoleCreated"]
    assert len(created) == 1, plan.events
    for name in ("g-router", "g-prefill", "g-decode"):
        assert f"StatefulSet {name}" in created[0].message
    # with dependencies, each role is created in its own reconcile, so each has its own event
    ordered = rbg(PD)
    first = plan_group(ordered, GroupObserved(), NOW)
    assert [e.message for e in first.events if e.reason == "RoleCreated"] == ["created StatefulSet g-router"]
