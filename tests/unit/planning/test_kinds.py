"""The workload-kind registry: every kind answers the protocol, builds its own kind of manifest, reads
its partition as the informers' views do, and maps to the API resource the operator watches; a kind
not registered (RoleInstanceSet) is reported as not supported yet."""

from __future__ import annotations

from typing import Any

import pytest

from rbg_operator.api import keys
from rbg_operator.kube import resources as r
from rbg_operator.kube.executor import resource_of, workload_resource
from rbg_operator.kube.views import workload_view
from rbg_operator.planning import kinds
from rbg_operator.planning.kinds.base import WorkloadKind
from rbg_operator.planning.observed import GroupObserved
from rbg_operator.planning.rbg import plan_group, role_hash
from rbg_operator.planning.role_context import RoleContext
from tests.unit.hub import hub_group

TPL = {"spec": {"containers": [{"name": "c", "image": "img:1"}]}}
WORKLOADS = {
    "StatefulSet": {"apiVersion": "apps/v1", "kind": "StatefulSet"},
    "Deployment": {"apiVersion": "apps/v1", "kind": "Deployment"},
    "LeaderWorkerSet": {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet"},
    "InstanceSet": {"apiVersion": "workloads.x-k8s.io/v1alpha1", "kind": "InstanceSet"},
}
RESOURCES = {
    "StatefulSet": r.STATEFULSET,
    "Deployment": r.DEPLOYMENT,
    "LeaderWorkerSet": r.LWS,
    "InstanceSet": r.INSTANCESET,
}


def one_role_group(kind: str) -> Any:
    role: dict[str, Any] = {"name": "w", "replicas": 3, "template": TPL, "workload": WORKLOADS[kind]}
    role["rolloutStrategy"] = {"rollingUpdate": {"partition": 1}}
    return hub_group({"metadata": {"name": "g", "namespace": "ns", "uid": "G"}, "spec": {"roles": [role]}})


def test_the_registry_holds_the_four_kinds_by_kind() -> None:
    assert sorted(kinds.KINDS) == sorted(WORKLOADS)
    for name, kind in kinds.KINDS.items():
        assert kind.kind == name and kinds.for_kind(name) is kind and kinds.is_workload(name)
        assert kinds.api_version_of(name, "x") == WORKLOADS[name]["apiVersion"] == kind.api_version
    assert kinds.for_kind("RoleInstanceSet") is None and not kinds.is_workload("Service")
    assert kinds.api_version_of("Service", "v1") == "v1"


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_each_kind_builds_its_own_manifest(name: str) -> None:
    group = one_role_group(name)
    kind: WorkloadKind | None = kinds.for_role(group.spec.roles[0])
    assert kind is not None and kind.kind == name
    ctx = RoleContext(group, group.spec.roles[0], 3, role_hash(group, 0), {"sel": "x"})
    built = kind.build(ctx, 0, {}).to_dict()
    assert (built["apiVersion"], built["kind"], built["metadata"]["name"]) == (kind.api_version, name, "g-w")
    # The partition the kind writes is the one it reads back from an observed object (views agree).
    observed = workload_view({**built, "metadata": {**built["metadata"], "uid": "u"}})
    expected = None if not kind.partitioned else 1
    assert kind.partition_of(built["spec"]) == observed.partition == expected


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_each_kind_maps_to_the_resource_the_operator_watches(name: str) -> None:
    kind = kinds.KINDS[name]
    assert workload_resource(kind) == RESOURCES[name]
    assert resource_of(kind.api_version, name) == RESOURCES[name]


def test_leader_labels_pick_one_pod_per_instance() -> None:
    lws = one_role_group("LeaderWorkerSet").spec.roles[0]
    assert kinds.KINDS["LeaderWorkerSet"].leader_labels(lws) == {keys.LABEL_LWS_WORKER_INDEX: "0"}
    assert kinds.KINDS["StatefulSet"].leader_labels(lws) == {}


def test_a_kind_not_registered_is_not_supported_yet() -> None:
    role = {"name": "w", "standalonePattern": {"template": TPL}}  # no workload annotation: RoleInstanceSet
    group = hub_group(
        {
            "apiVersion": keys.API_VERSION_V1ALPHA2,
            "kind": "RoleBasedGroup",
            "metadata": {"name": "g", "namespace": "ns", "uid": "G", "generation": 1},
            "spec": {"roles": [role]},
        }
    )
    assert kinds.for_role(group.spec.roles[0]) is None
    plan = plan_group(group, GroupObserved(), "2026-01-01T00:00:00Z")
    assert not [m for m in plan.apply if kinds.is_workload(m.kind)]
    assert plan.status is not None
    progressing = plan.status.condition(keys.CONDITION_PROGRESSING)
    assert progressing is not None and "workload kind RoleInstanceSet is not supported yet" in (
        progressing.message or ""
    )


def _ris_group(status: Any = None) -> Any:
    """A group of a StatefulSet role and two RoleInstanceSet roles (no workload annotation)."""
    sts = {
        "name": "router",
        "annotations": {keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2: "apps/v1/StatefulSet"},
        "standalonePattern": {"template": TPL},
    }
    roles = [sts, *({"name": n, "standalonePattern": {"template": TPL}} for n in ("prefill", "decode"))]
    doc = {
        "apiVersion": keys.API_VERSION_V1ALPHA2,
        "kind": "RoleBasedGroup",
        "metadata": {"name": "g", "namespace": "ns", "uid": "G", "generation": 1},
        "spec": {"roles": roles},
    }
    if status is not None:
        doc["status"] = status
    return hub_group(doc)


def test_roles_of_a_kind_not_run_stall_the_group() -> None:
    """kstatus: a group that can never get Ready without a spec change is Stalled (reason
    WorkloadKindNotSupported, the message naming the roles), not Reconciling nor Progressing forever;
    one Warning event, once, naming every such role; the supported role is still created."""
    now = "2026-01-01T00:00:00Z"
    plan = plan_group(_ris_group(), GroupObserved(), now)
    assert [m.kind for m in plan.apply if kinds.is_workload(m.kind)] == ["StatefulSet"]
    assert plan.status is not None
    cond = {c.type: c for c in plan.status.conditions or []}
    stalled, progressing = cond[keys.CONDITION_STALLED], cond[keys.CONDITION_PROGRESSING]
    assert (stalled.status, stalled.reason) == ("True", "WorkloadKindNotSupported")
    assert "prefill" in (stalled.message or "") and "decode" in (stalled.message or "")
    assert "router" not in (stalled.message or "")
    assert (progressing.status, progressing.reason) == ("False", "WorkloadKindNotSupported")
    assert cond[keys.CONDITION_RECONCILING].status == "False"
    assert cond[keys.CONDITION_READY].status == "False"
    warnings = [e for e in plan.events if e.reason == "WorkloadKindNotSupported"]
    assert [e.type for e in warnings] == ["Warning"]
    assert "role prefill" in warnings[0].message and "role decode" in warnings[0].message
    # The next reconcile sees its own status: no second warning, the conditions keep their times.
    again = plan_group(_ris_group(plan.status.to_dict()), GroupObserved(), "2026-01-01T00:05:00Z")
    assert not [e for e in again.events if e.reason == "WorkloadKindNotSupported"]
    assert again.status is None or again.status.condition(keys.CONDITION_STALLED) == stalled
