"""Conversion between v1alpha1 and v1alpha2 is lossless both ways: every upstream example and generated
objects of either version come back exactly after a round trip, and the converted object is valid in the
target version."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rbg_operator.api import keys, v1alpha1, v1alpha2
from rbg_operator.api.convert import convert, to_hub_group
from tests.shared_dir import upstream_examples

V1, V2 = keys.API_VERSION_V1ALPHA1, keys.API_VERSION_V1ALPHA2
JSON = dict[str, Any]
MODELS = {V1: v1alpha1, V2: v1alpha2}
CONVERTED = (
    "RoleBasedGroup",
    "RoleBasedGroupSet",
    "RoleBasedGroupScalingAdapter",
    "ClusterEngineRuntimeProfile",
)


def _docs() -> list[tuple[str, JSON]]:
    out = []
    for path in sorted(upstream_examples().glob("*.yaml")) + sorted(Path("examples").glob("*.yaml")):
        for i, doc in enumerate(d for d in yaml.safe_load_all(path.read_text()) if d):
            if doc.get("apiVersion") in (V1, V2) and doc["kind"] in CONVERTED:
                out.append((f"{path.stem}-{i}", doc))
    return out


DOCS = _docs()


def _round_trip(obj: JSON) -> None:
    source = obj["apiVersion"]
    other = V2 if source == V1 else V1
    normal = MODELS[source].parse_object(obj).to_dict()
    there = convert(normal, other)
    MODELS[other].parse_object(there)  # valid in the target version
    assert convert(there, source) == normal


@pytest.mark.parametrize("doc", [d for _, d in DOCS], ids=[i for i, _ in DOCS])
def test_every_example_round_trips(doc: JSON) -> None:
    _round_trip(doc)


def _role_v1(name: str, kind: str) -> JSON:
    tmpl = {"spec": {"containers": [{"name": "c", "image": f"img-{name}:1"}]}}
    role: JSON = {
        "name": name,
        "replicas": 1,
        "workload": {"apiVersion": kind.rpartition("/")[0], "kind": kind.rpartition("/")[2]},
    }
    if kind == keys.WORKLOAD_LEADERWORKERSET:
        role["leaderWorkerSet"] = {"size": 2, "patchWorkerTemplate": {"metadata": {"labels": {"w": "1"}}}}
    if kind == keys.WORKLOAD_INSTANCESET:
        role["components"] = [{"name": "leader", "size": 1, "template": tmpl}]
    else:
        role["template"] = tmpl
    return role


_NAMES = st.lists(st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True), min_size=1, max_size=4, unique=True)
_KINDS = st.sampled_from(
    [
        keys.WORKLOAD_STATEFULSET,
        keys.WORKLOAD_DEPLOYMENT,
        keys.WORKLOAD_LEADERWORKERSET,
        keys.WORKLOAD_INSTANCESET,
    ]
)


@st.composite
def v1_groups(draw: st.DrawFn) -> JSON:
    roles = []
    for name in draw(_NAMES):
        role = _role_v1(name, draw(_KINDS))
        if draw(st.booleans()):
            role["restartPolicy"] = draw(
                st.sampled_from(["None", "RecreateRBGOnPodRestart", "RecreateRoleInstanceOnPodRestart"])
            )
        if draw(st.booleans()):
            kind = draw(st.sampled_from(["Recreate", "RecreatePod", "InPlaceIfPossible"]))
            role["rolloutStrategy"] = {
                "rollingUpdate": {"type": kind, "maxUnavailable": draw(st.integers(1, 3))}
            }
        if draw(st.booleans()):
            role["scalingAdapter"] = {"enable": draw(st.booleans())}
        if draw(st.booleans()):
            role["labels"] = {"team": draw(st.sampled_from(["a", "b"]))}
        roles.append(role)
    spec: JSON = {"roles": roles}
    if draw(st.booleans()) and roles[0].get("template"):
        spec["roleTemplates"] = [{"name": "base", "template": roles[0].pop("template")}]
        roles[0]["templateRef"] = {"name": "base"}
        roles[0]["templatePatch"] = draw(st.sampled_from([{}, {"metadata": {"labels": {"x": "y"}}}]))
    if draw(st.booleans()):
        spec["podGroupPolicy"] = draw(
            st.sampled_from(
                [{"kubeScheduling": {"scheduleTimeoutSeconds": 30}}, {"volcanoScheduling": {"queue": "q"}}]
            )
        )
    if draw(st.booleans()) and len(roles) > 1:
        spec["coordination"] = [
            {
                "name": "c",
                "roles": [r["name"] for r in roles[:2]],
                "strategy": {"rollingUpdate": {"maxSkew": "10%"}},
            }
        ]
    meta: JSON = {"name": "g", "namespace": "ns"}
    if draw(st.booleans()):
        meta["annotations"] = {keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1: "kubernetes.io/hostname"}
    return {"apiVersion": V1, "kind": "RoleBasedGroup", "metadata": meta, "spec": spec}


@st.composite
def v2_groups(draw: st.DrawFn) -> JSON:
    roles = []
    for name in draw(_NAMES):
        tmpl = {"spec": {"containers": [{"name": "c", "image": f"img-{name}:1"}]}}
        role: JSON = {"name": name, "replicas": draw(st.integers(0, 3))}
        pattern = draw(
            st.sampled_from(["standalonePattern", "leaderWorkerPattern", "customComponentsPattern"])
        )
        body: JSON
        if pattern == "customComponentsPattern":
            component: JSON = {"name": "main", "template": tmpl}
            if draw(st.booleans()):
                component["labels"] = {"component": "main"}
            body = {"components": [component]}
        else:
            body = {"template": tmpl}
        if pattern == "leaderWorkerPattern":
            body["size"] = draw(st.integers(1, 4))
            if draw(st.booleans()):
                body["sharedServiceSelection"] = "All"
        if pattern != "standalonePattern" and draw(st.booleans()):
            body["restartPolicyConfig"] = {"type": "None", "baseDelaySeconds": 5, "maxDelaySeconds": 50}
        role[pattern] = body
        workload = draw(st.sampled_from([None, keys.WORKLOAD_STATEFULSET, keys.WORKLOAD_ROLEINSTANCESET]))
        if workload is not None and pattern == "standalonePattern":
            role["annotations"] = {keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2: workload}
        if draw(st.booleans()):
            role["podManagementPolicy"] = draw(st.sampled_from(["Parallel", "OrderedReady"]))
        if draw(st.booleans()):
            role["scalingAdapter"] = {"enable": True, "labels": {"tier": "gpu"}}
        roles.append(role)
    meta: JSON = {"name": "g", "namespace": "ns"}
    if draw(st.booleans()):
        meta["annotations"] = {
            keys.ANNOTATION_GANG_SCHEDULING_V2: "true",
            keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2: "rack",
        }
    return {"apiVersion": V2, "kind": "RoleBasedGroup", "metadata": meta, "spec": {"roles": roles}}


_SETTINGS = settings(
    max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@_SETTINGS
@given(v1_groups())
def test_v1alpha1_to_v1alpha2_and_back_is_the_identity(obj: JSON) -> None:
    _round_trip(obj)


@_SETTINGS
@given(v2_groups())
def test_v1alpha2_to_v1alpha1_and_back_is_the_identity(obj: JSON) -> None:
    _round_trip(obj)


@_SETTINGS
@given(v2_groups(), st.integers(1, 3), st.booleans())
def test_groupsets_round_trip(group: JSON, replicas: int, strategy: bool) -> None:
    template: JSON = {"labels": {"app": "x"}, "spec": group["spec"]}
    spec: JSON = {"replicas": replicas, "groupTemplate": template}
    if strategy:
        spec["rolloutStrategy"] = {"type": "Recreate", "maxUnavailable": 1, "maxSurge": 1}
    _round_trip({"apiVersion": V2, "kind": "RoleBasedGroupSet", "metadata": {"name": "s"}, "spec": spec})


def test_the_hub_keeps_v1alpha1_behaviour() -> None:
    role = _role_v1("prefill", keys.WORKLOAD_LEADERWORKERSET)
    role["restartPolicy"] = "RecreateRBGOnPodRestart"
    obj = {"apiVersion": V1, "kind": "RoleBasedGroup", "metadata": {"name": "g"}, "spec": {"roles": [role]}}
    obj["spec"]["podGroupPolicy"] = {"volcanoScheduling": {"queue": "q"}}
    hub = to_hub_group(obj)
    (r,) = hub.spec.roles
    assert r.workload.is_leaderworkerset and r.group_size == 2
    assert r.effective_restart_policy == "RecreateRBGOnPodRestart"
    assert hub.pod_group_policy is not None and hub.pod_group_policy.volcano_scheduling is not None


def test_garbage_in_a_conversion_annotation_is_kept_verbatim() -> None:
    obj = {
        "apiVersion": V2,
        "kind": "RoleBasedGroup",
        "metadata": {"name": "g", "annotations": {keys.ANNOTATION_CONVERSION_V1ALPHA1_FIELDS: "{not json"}},
        "spec": {"roles": [{"name": "a", "standalonePattern": {"template": {"spec": {"containers": []}}}}]},
    }
    v1 = convert(obj, V1)
    assert v1["metadata"]["annotations"][keys.ANNOTATION_CONVERSION_V1ALPHA1_FIELDS] == "{not json"
    assert json.loads(v1["metadata"]["annotations"][keys.ANNOTATION_CONVERSION_V1ALPHA2_FIELDS])


def test_unknown_versions_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="cannot convert RoleBasedGroup"):
        convert({"apiVersion": "workloads.x-k8s.io/v9", "kind": "RoleBasedGroup"}, V2)
