"""Conversion between v1alpha1 and v1alpha2 (rbg_operator.api.convert): upstream's mapping rule by
rule, the lossless round trip both ways (upstream examples, hand-written cases and generated objects),
and robustness against conversion annotations that hold something else."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rbg_operator.api import keys, v1alpha1, v1alpha2
from rbg_operator.api.convert import convert, to_hub_group, to_hub_groupset
from tests.unit.api import strategies
from tests.unit.api.conftest import EXAMPLES

Manifest = dict[str, Any]
V1, V2 = keys.API_VERSION_V1ALPHA1, keys.API_VERSION_V1ALPHA2
WT = keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2
PGP, COORD = keys.ANNOTATION_CONVERSION_POD_GROUP_POLICY, keys.ANNOTATION_CONVERSION_COORDINATION
V1_FIELDS, V2_FIELDS = keys.ANNOTATION_CONVERSION_V1ALPHA1_FIELDS, keys.ANNOTATION_CONVERSION_V1ALPHA2_FIELDS
KINDS = ("RoleBasedGroup", "RoleBasedGroupSet", "RoleBasedGroupScalingAdapter", "ClusterEngineRuntimeProfile")
TEMPLATE = {"spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]}}
PROPERTY = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
ODD = settings(
    max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def other(version: str) -> str:
    return V2 if version == V1 else V1


def module(version: str) -> Any:
    return v1alpha1 if version == V1 else v1alpha2


def normalised(obj: Manifest) -> Manifest:
    """What the API server stores: the object parsed by its version's model and dumped with defaults."""
    return dict(module(obj["apiVersion"]).parse_object(obj).to_dict())


def annotations(obj: Manifest) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("annotations") or {})


def stash(obj: Manifest, key: str) -> Any:
    return json.loads(annotations(obj)[key])


def assert_round_trip(obj: Manifest) -> Manifest:
    """Convert to the other version and back: the converted object parses with its model, the way back
    gives exactly the normalised input, the input is not modified. Returns the converted object."""
    x = normalised(obj)
    kept = copy.deepcopy(x)
    y = convert(x, other(x["apiVersion"]))
    assert x == kept, "the input was modified"
    assert y["apiVersion"] == other(x["apiVersion"])
    module(y["apiVersion"]).parse_object(y)
    assert convert(y, x["apiVersion"]) == x
    return y


def overrides(obj: Manifest) -> list[Any]:
    """The safety-net patch a converted object carries (empty when the rules covered everything)."""
    found = []
    for key in (V1_FIELDS, V2_FIELDS):
        if key in annotations(obj):
            found += json.loads(annotations(obj)[key]).get("overrides", [])
    return found


def group(version: str, *roles: Manifest, **spec: Any) -> Manifest:
    return {
        "apiVersion": version,
        "kind": "RoleBasedGroup",
        "metadata": {"name": "demo", "namespace": "default"},
        "spec": {"roles": list(roles), **spec},
    }


def v1_role(name: str = "main", **fields: Any) -> Manifest:
    return {"name": name, "template": copy.deepcopy(TEMPLATE), **fields}


def v2_role(name: str = "main", **fields: Any) -> Manifest:
    return {"name": name, "standalonePattern": {"template": copy.deepcopy(TEMPLATE)}, **fields}


def role_of(obj: Manifest, index: int = 0) -> Manifest:
    return dict(obj["spec"]["roles"][index])


# --------------------------------------------------------------------------------------------
# Upstream examples of both versions
# --------------------------------------------------------------------------------------------


def _examples() -> list[tuple[str, Manifest]]:
    if not EXAMPLES.is_dir():
        return []
    out = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        for i, doc in enumerate(yaml.safe_load_all(path.read_text(encoding="utf-8"))):
            if isinstance(doc, dict) and doc.get("apiVersion") in (V1, V2) and doc.get("kind") in KINDS:
                out.append((f"{path.stem}#{i}", doc))
    return out


UPSTREAM = _examples()


def test_upstream_examples_of_both_versions_found() -> None:
    if not UPSTREAM:
        pytest.skip("../shared/conformance/upstream-examples is not beside the repo")
    versions = {doc["apiVersion"] for _, doc in UPSTREAM}
    assert versions == {V1, V2} and len(UPSTREAM) >= 25


@pytest.mark.parametrize(("doc_id", "doc"), UPSTREAM, ids=[i for i, _ in UPSTREAM])
def test_upstream_example_round_trips(doc_id: str, doc: Manifest) -> None:
    y = assert_round_trip(doc)
    assert overrides(y) == [], doc_id


# --------------------------------------------------------------------------------------------
# The mapping, rule by rule
# --------------------------------------------------------------------------------------------

WORKLOADS = [
    ({"apiVersion": "apps/v1", "kind": "StatefulSet"}, "apps/v1/StatefulSet"),
    ({"apiVersion": "apps/v1", "kind": "Deployment"}, "apps/v1/Deployment"),
    ({"apiVersion": "workloads.x-k8s.io/v1alpha1", "kind": "InstanceSet"}, keys.WORKLOAD_INSTANCESET),
    ({"apiVersion": "workloads.x-k8s.io/v1alpha2", "kind": "RoleInstanceSet"}, None),
]


@pytest.mark.parametrize(("workload", "annotation"), WORKLOADS, ids=[w["kind"] for w, _ in WORKLOADS])
def test_workload_becomes_the_role_workload_type_annotation(
    workload: Manifest, annotation: str | None
) -> None:
    y = assert_round_trip(group(V1, v1_role(workload=workload)))
    assert role_of(y).get("annotations", {}).get(WT) == annotation
    assert "workload" not in role_of(y)


def test_absent_workload_is_written_as_statefulset() -> None:
    y = convert(group(V1, v1_role()), V2)
    assert role_of(y)["annotations"] == {WT: "apps/v1/StatefulSet"}
    assert to_hub_group(y).spec.roles[0].workload.is_statefulset


def test_workload_type_annotation_goes_back_to_workload_and_leaves_the_annotations() -> None:
    y = group(
        V2,
        v2_role(annotations={WT: "apps/v1/Deployment"}),
        v2_role("b", annotations={WT: "apps/v1/Deployment", "team": "x"}),
    )
    x = convert(normalised(y), V1)
    assert role_of(x)["workload"] == {"apiVersion": "apps/v1", "kind": "Deployment"}
    assert "annotations" not in role_of(x)
    assert role_of(x, 1)["annotations"] == {"team": "x"}


def test_role_without_workload_type_is_a_roleinstanceset_in_v1alpha1() -> None:
    x = convert(normalised(group(V2, v2_role())), V1)
    assert role_of(x)["workload"] == {"apiVersion": "workloads.x-k8s.io/v1alpha2", "kind": "RoleInstanceSet"}
    assert V2_FIELDS not in annotations(x)


def test_explicit_roleinstanceset_annotation_survives() -> None:
    """Upstream's webhook writes the annotation for RoleInstanceSet too; v1alpha1 cannot tell."""
    y = assert_round_trip(group(V2, v2_role(annotations={WT: keys.WORKLOAD_ROLEINSTANCESET})))
    assert stash(y, V2_FIELDS) == {"roles": {"main": {"annotations": {WT: keys.WORKLOAD_ROLEINSTANCESET}}}}


def test_components_become_custom_components_pattern() -> None:
    components = [
        {"name": "leader", "size": 1, "template": TEMPLATE},
        {"name": "worker", "size": 2, "serviceName": "w", "template": TEMPLATE},
    ]
    role = {
        "name": "main",
        "workload": {"apiVersion": "workloads.x-k8s.io/v1alpha1", "kind": "InstanceSet"},
        "components": components,
        "restartPolicy": "RecreateRoleInstanceOnPodRestart",
    }
    y = assert_round_trip(group(V1, role))
    assert role_of(y)["customComponentsPattern"] == {
        "components": components,
        "restartPolicyConfig": {"type": "RecreateRoleInstanceOnPodRestart"},
    }


def test_leader_worker_set_becomes_leader_worker_pattern() -> None:
    lws = {
        "size": 3,
        "patchLeaderTemplate": {"metadata": {"labels": {"r": "l"}}},
        "patchWorkerTemplate": {"metadata": {"labels": {"r": "w"}}},
    }
    role = v1_role(
        workload={"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet"},
        leaderWorkerSet=lws,
        restartPolicy="None",
    )
    y = assert_round_trip(group(V1, role))
    assert role_of(y)["leaderWorkerPattern"] == {
        "size": 3,
        "template": TEMPLATE,
        "leaderTemplatePatch": lws["patchLeaderTemplate"],
        "workerTemplatePatch": lws["patchWorkerTemplate"],
        "restartPolicyConfig": {"type": "None"},
    }
    assert role_of(y)["annotations"] == {WT: keys.WORKLOAD_LEADERWORKERSET}


PATCHES = [({"metadata": {"labels": {"x": "1"}}}, "patch"), ({}, "empty"), (None, "absent")]


@pytest.mark.parametrize("pattern", ["standalonePattern", "leaderWorkerPattern"])
@pytest.mark.parametrize(("patch", "_id"), PATCHES, ids=[i for _, i in PATCHES])
def test_template_ref_carries_the_template_patch(pattern: str, patch: Manifest | None, _id: str) -> None:
    role: Manifest = {"name": "main", "templateRef": {"name": "base"}}
    if patch is not None:
        role["templatePatch"] = patch
    if pattern == "leaderWorkerPattern":
        role["leaderWorkerSet"] = {"size": 2}
    y = assert_round_trip(group(V1, role, roleTemplates=[{"name": "base", "template": TEMPLATE}]))
    expected: Manifest = {"name": "base"} if patch is None else {"name": "base", "patch": patch}
    assert role_of(y)[pattern]["templateRef"] == expected
    assert V1_FIELDS not in annotations(y)
    assert to_hub_group(y).spec.roles[0].template_patch == (patch or {})


@pytest.mark.parametrize("policy", ["None", "RecreateRBGOnPodRestart", "RecreateRoleInstanceOnPodRestart"])
def test_restart_policy_becomes_restart_policy_config_type(policy: str) -> None:
    y = assert_round_trip(group(V1, v1_role(restartPolicy=policy)))
    assert role_of(y)["standalonePattern"]["restartPolicyConfig"] == {"type": policy}
    assert to_hub_group(y).spec.roles[0].restart_policy == policy


def test_pod_group_policy_and_coordination_go_to_upstreams_annotations() -> None:
    policy = {"kubeScheduling": {"scheduleTimeoutSeconds": 30}}
    coordination = [{"name": "pd", "roles": ["a", "b"], "strategy": {"rollingUpdate": {"maxSkew": "5%"}}}]
    y = assert_round_trip(
        group(V1, v1_role("a"), v1_role("b"), podGroupPolicy=policy, coordination=coordination)
    )
    assert "podGroupPolicy" not in y["spec"] and "coordination" not in y["spec"]
    assert annotations(y)[PGP] == '{"kubeScheduling":{"scheduleTimeoutSeconds":30}}'
    assert json.loads(annotations(y)[COORD]) == coordination
    hub = to_hub_group(y)
    assert hub.pod_group_policy is not None and hub.pod_group_policy.kube_scheduling is not None
    assert hub.coordination is not None and hub.coordination[0].roles == ["a", "b"]


def test_upstream_written_policy_annotations_become_fields_and_round_trip_byte_for_byte() -> None:
    go_json = '{"name":"pd","roles":["a"],"strategy":{"rollingUpdate":{"maxSkew":"1%","partition":"50%"}}}'
    obj = group(V2, v2_role("a"))
    obj["metadata"]["annotations"] = {PGP: '{"volcanoScheduling":{"queue":"q"}}', COORD: f"[{go_json}]"}
    x = convert(normalised(obj), V1)
    assert x["spec"]["podGroupPolicy"] == {"volcanoScheduling": {"queue": "q"}}
    assert x["spec"]["coordination"][0]["strategy"]["rollingUpdate"]["partition"] == "50%"
    assert PGP not in annotations(x) and COORD not in annotations(x)
    assert_round_trip(obj)


@pytest.mark.parametrize("update_type", ["Recreate", "RecreatePod", "InPlaceIfPossible", "InPlaceOnly"])
def test_recreate_is_recreate_pod_in_v1alpha2(update_type: str) -> None:
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"type": update_type, "maxUnavailable": 2}}
    y = assert_round_trip(group(V1, v1_role(rolloutStrategy=strategy)))
    written = role_of(y)["rolloutStrategy"]["rollingUpdate"]["type"]
    assert written == ("RecreatePod" if update_type == "Recreate" else update_type)
    facts = stash(y, V1_FIELDS) if V1_FIELDS in annotations(y) else {}
    assert facts == (
        {"roles": {"main": {"rollingUpdateType": "Recreate"}}} if update_type == "Recreate" else {}
    )


def test_status_is_copied() -> None:
    status = {
        "observedGeneration": 3,
        "roleStatuses": [{"name": "main", "readyReplicas": 1, "replicas": 1, "updatedReplicas": 1}],
        "conditions": [{"type": "Ready", "status": "True"}],
    }
    y = assert_round_trip({**group(V1, v1_role()), "status": status})
    assert y["status"] == normalised({**group(V1, v1_role()), "status": status})["status"]


# --------------------------------------------------------------------------------------------
# What only one version can say is kept in one annotation
# --------------------------------------------------------------------------------------------

V2_ONLY = [
    (
        "podManagementPolicy",
        v2_role(podManagementPolicy="OrderedReady"),
        {"fields": {"podManagementPolicy": "OrderedReady"}},
    ),
    (
        "sharedServiceSelection",
        {
            "name": "main",
            "leaderWorkerPattern": {"template": TEMPLATE, "sharedServiceSelection": "LeaderOnly"},
        },
        {"patternFields": {"sharedServiceSelection": "LeaderOnly"}},
    ),
    (
        "restart-delays",
        {
            "name": "main",
            "leaderWorkerPattern": {
                "template": TEMPLATE,
                "restartPolicyConfig": {
                    "type": "RecreateRoleInstanceOnPodRestart",
                    "baseDelaySeconds": 5,
                    "maxDelaySeconds": 60,
                },
            },
        },
        {"restartPolicyConfig": {"baseDelaySeconds": 5, "maxDelaySeconds": 60}},
    ),
    (
        "component-labels",
        {
            "name": "main",
            "customComponentsPattern": {
                "components": [
                    {"name": "c", "template": TEMPLATE, "labels": {"k": "v"}, "annotations": {"a": "b"}}
                ]
            },
        },
        {"components": {"c": {"annotations": {"a": "b"}, "labels": {"k": "v"}}}},
    ),
    (
        "scaling-adapter-labels",
        v2_role(scalingAdapter={"enable": True, "labels": {"team": "x"}}),
        {"scalingAdapter": {"labels": {"team": "x"}}},
    ),
    ("no-pattern", {"name": "main"}, {"pattern": None}),
    (
        "empty-components",
        {"name": "main", "customComponentsPattern": {}},
        {"pattern": "customComponentsPattern"},
    ),
    (
        "template-ref-extra",
        {"name": "main", "standalonePattern": {"templateRef": {"name": "base", "x": 1}}},
        {"templateRef": {"x": 1}},
    ),
]


@pytest.mark.parametrize(("_id", "role", "facts"), V2_ONLY, ids=[i for i, _, _ in V2_ONLY])
def test_v1alpha2_only_role_data_is_kept_on_the_v1alpha1_object(
    _id: str, role: Manifest, facts: Manifest
) -> None:
    obj = group(V2, role, roleTemplates=[{"name": "base", "template": TEMPLATE}])
    x = assert_round_trip(obj)
    assert stash(x, V2_FIELDS) == {"roles": {"main": facts}}
    assert overrides(x) == []


def test_v1alpha2_fields_annotation_is_compact_json_with_sorted_keys() -> None:
    x = convert(
        normalised(
            group(
                V2,
                v2_role(
                    podManagementPolicy="Parallel",
                    scalingAdapter={"enable": False, "labels": {"b": "2", "a": "1"}},
                ),
            )
        ),
        V1,
    )
    assert annotations(x)[V2_FIELDS] == (
        '{"roles":{"main":{"fields":{"podManagementPolicy":"Parallel"},"scalingAdapter":{"labels":{"a":"1","b":"2"}}}}}'
    )


V1_ONLY = [
    (
        "lws-and-components",
        {"name": "main", "leaderWorkerSet": {"size": 2}, "components": [{"name": "c", "template": TEMPLATE}]},
        {"fields": {"leaderWorkerSet": {"size": 2}}},
    ),
    ("empty-components", v1_role(components=[]), {"fields": {"components": []}}),
    (
        "patch-without-ref",
        v1_role(templatePatch={"metadata": {}}),
        {"fields": {"templatePatch": {"metadata": {}}}},
    ),
    (
        "workload-extra",
        v1_role(workload={"apiVersion": "apps/v1", "kind": "Deployment", "x": 1}),
        {"workload": {"apiVersion": "apps/v1", "kind": "Deployment", "x": 1}},
    ),
    (
        "component-named-labels",
        {"name": "main", "components": [{"name": "c", "template": TEMPLATE, "labels": "not v1alpha1"}]},
        {"components": {"c": {"labels": "not v1alpha1"}}},
    ),
    (
        "own-workload-type-annotation",
        v1_role(annotations={WT: "apps/v1/Deployment"}),
        {"annotations": {WT: "apps/v1/Deployment"}},
    ),
]


@pytest.mark.parametrize(("_id", "role", "facts"), V1_ONLY, ids=[i for i, _, _ in V1_ONLY])
def test_v1alpha1_only_role_data_is_kept_on_the_v1alpha2_object(
    _id: str, role: Manifest, facts: Manifest
) -> None:
    y = assert_round_trip(group(V1, role))
    assert stash(y, V1_FIELDS) == {"roles": {"main": facts}}
    assert overrides(y) == []


def test_native_gang_and_topology_annotations_survive_v1alpha1() -> None:
    native = {
        keys.ANNOTATION_GANG_SCHEDULING_V2: "true",
        keys.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2: "30",
        keys.ANNOTATION_GANG_VOLCANO_QUEUE_V2: "q",
        keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2: "kubernetes.io/hostname",
    }
    obj = group(V2, v2_role())
    obj["metadata"]["annotations"] = dict(native)
    x = assert_round_trip(obj)
    assert annotations(x) == native  # upstream deletes them on the way to v1alpha1
    assert "podGroupPolicy" not in x["spec"]


def test_v1alpha2_edits_of_a_v1alpha1_client_keep_the_v1alpha2_only_data() -> None:
    """kubectl (v1alpha1) reads, changes replicas, writes back: podManagementPolicy is not lost."""
    y = normalised(group(V2, v2_role(podManagementPolicy="OrderedReady")))
    x = convert(y, V1)
    x["spec"]["roles"][0]["replicas"] = 5
    back = convert(x, V2)
    assert role_of(back)["replicas"] == 5 and role_of(back)["podManagementPolicy"] == "OrderedReady"
    assert V2_FIELDS not in annotations(back)


# --------------------------------------------------------------------------------------------
# RoleBasedGroupSet, scaling adapter, engine runtime profile
# --------------------------------------------------------------------------------------------


def groupset(version: str, spec: Manifest, status: Manifest | None = None) -> Manifest:
    out = {"apiVersion": version, "kind": "RoleBasedGroupSet", "metadata": {"name": "s"}, "spec": spec}
    return {**out, "status": status} if status is not None else out


def test_set_template_becomes_group_template_spec_with_the_policies_for_its_members() -> None:
    template = {
        "roles": [v1_role("a", rolloutStrategy={"rollingUpdate": {"type": "Recreate"}})],
        "podGroupPolicy": {"kubeScheduling": {}},
    }
    y = assert_round_trip(groupset(V1, {"replicas": 2, "template": template}))
    gt = y["spec"]["groupTemplate"]
    assert gt["spec"]["roles"][0]["annotations"] == {WT: "apps/v1/StatefulSet"}
    assert json.loads(gt["annotations"][PGP]) == {"kubeScheduling": {"scheduleTimeoutSeconds": 60}}
    assert stash(y, V1_FIELDS) == {"template": {"roles": {"a": {"rollingUpdateType": "Recreate"}}}}
    hub = to_hub_groupset(y)
    assert hub.spec.group_template.member_annotations[PGP]


def test_v1alpha2_only_set_fields_are_kept() -> None:
    spec = {
        "replicas": 1,
        "groupTemplate": {
            "labels": {"l": "1"},
            "annotations": {"a": "1"},
            "metadata": {"labels": {"m": "1"}},
            "spec": {"roles": [v2_role()]},
        },
        "rolloutStrategy": {"type": "Recreate", "maxSurge": 1},
    }
    status = {
        "replicas": 1,
        "readyReplicas": 1,
        "currentRevision": "r1",
        "updateRevision": "r2",
        "updatedReadyReplicas": 1,
    }
    x = assert_round_trip(groupset(V2, spec, status))
    facts = stash(x, V2_FIELDS)
    assert facts["groupTemplate"] == {
        "annotations": {"a": "1"},
        "fields": {"labels": {"l": "1"}, "metadata": {"labels": {"m": "1"}}},
    }
    assert facts["spec"]["rolloutStrategy"]["type"] == "Recreate"
    assert facts["status"] == {"currentRevision": "r1", "updateRevision": "r2", "updatedReadyReplicas": 1}
    assert x["status"] == {"replicas": 1, "readyReplicas": 1}


def test_negative_observed_generation_of_a_v1alpha1_set_is_kept() -> None:
    x = groupset(V1, {"template": {"roles": [v1_role()]}}, {"observedGeneration": -1, "readyReplicas": 0})
    y = assert_round_trip(x)
    assert "observedGeneration" not in y["status"]


@pytest.mark.parametrize(
    "obj",
    [
        {
            "kind": "RoleBasedGroupScalingAdapter",
            "metadata": {"name": "a"},
            "spec": {"replicas": 2, "scaleTargetRef": {"name": "g", "role": "r"}},
            "status": {"phase": "Bound"},
        },
        {
            "kind": "ClusterEngineRuntimeProfile",
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "s", "image": "i"}], "updateStrategy": "RollingUpdate"},
        },
    ],
    ids=["adapter", "profile"],
)
@pytest.mark.parametrize("version", [V1, V2])
def test_same_shape_kinds_only_change_api_version(obj: Manifest, version: str) -> None:
    x = normalised({"apiVersion": version, **obj})
    y = assert_round_trip(x)
    assert {**y, "apiVersion": version} == x


# --------------------------------------------------------------------------------------------
# Dispatch, hub parsing, and annotations that are not ours
# --------------------------------------------------------------------------------------------


def test_same_version_comes_back_unchanged_as_a_copy() -> None:
    obj = group(V2, {"name": "whatever"})
    out = convert(obj, V2)
    assert out == obj and out is not obj


@pytest.mark.parametrize(
    ("obj", "to", "message"),
    [
        ({"apiVersion": V1, "kind": "RoleBasedGroup"}, "workloads.x-k8s.io/v1beta1", "cannot convert to"),
        ({"apiVersion": "apps/v1", "kind": "RoleBasedGroup"}, V2, "cannot convert from"),
        ({"apiVersion": V2, "kind": "CoordinatedPolicy"}, V1, "kind 'CoordinatedPolicy'"),
        ({"apiVersion": V1, "kind": "InstanceSet"}, V2, "kind 'InstanceSet'"),
        ({"apiVersion": V1}, V2, "kind None"),
    ],
    ids=["bad-target", "bad-source", "v2-only-kind", "v1-only-kind", "no-kind"],
)
def test_unknown_versions_and_kinds_are_value_errors(obj: Manifest, to: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        convert(obj, to)


@pytest.mark.parametrize("version", [V1, V2])
def test_to_hub_parses_either_version(version: str) -> None:
    role = (
        v1_role(workload={"apiVersion": "apps/v1", "kind": "Deployment"})
        if version == V1
        else v2_role(annotations={WT: "apps/v1/Deployment"})
    )
    hub = to_hub_group(group(version, role))
    assert isinstance(hub, v1alpha2.RoleBasedGroup) and hub.spec.roles[0].workload.is_deployment
    spec = (
        {"template": {"roles": [role]}} if version == V1 else {"groupTemplate": {"spec": {"roles": [role]}}}
    )
    assert to_hub_groupset(groupset(version, spec)).spec.group_template.spec.roles[0].workload.is_deployment
    with pytest.raises(ValueError, match="expected a RoleBasedGroupSet"):
        to_hub_groupset(group(version, role))


CONVERSION_KEYS = [V1_FIELDS, V2_FIELDS, PGP, COORD]


@pytest.mark.parametrize("key", CONVERSION_KEYS, ids=lambda k: k.rsplit("/", 1)[1])
@pytest.mark.parametrize("version", [V1, V2])
def test_garbage_in_a_conversion_annotation_is_kept_verbatim(key: str, version: str) -> None:
    obj = group(version, v1_role() if version == V1 else v2_role())
    obj["metadata"]["annotations"] = {key: "{not json"}
    converted = assert_round_trip(obj)
    assert annotations(converted) == {key: "{not json"}, "ignored and kept as it was"


@pytest.mark.parametrize("key", CONVERSION_KEYS, ids=lambda k: k.rsplit("/", 1)[1])
@pytest.mark.parametrize("version", [V1, V2])
def test_garbage_survives_next_to_real_conversion_data(key: str, version: str) -> None:
    if version == V1:
        obj = group(V1, v1_role(rolloutStrategy={"rollingUpdate": {"type": "Recreate"}}), podGroupPolicy={})
    else:
        obj = group(V2, v2_role(podManagementPolicy="Parallel"))
        obj["metadata"]["annotations"] = {PGP: "{}"}
    obj["metadata"].setdefault("annotations", {})[key] = "[1,"
    assert_round_trip(obj)


# --------------------------------------------------------------------------------------------
# Properties over generated objects
# --------------------------------------------------------------------------------------------

VALID = [strategies.v1_groups(), strategies.v2_groups(), strategies.v1_groupsets(), strategies.v2_groupsets()]
ODD_OBJECTS = [
    strategies.v1_groups(True),
    strategies.v2_groups(True),
    strategies.v1_groupsets(True),
    strategies.v2_groupsets(True),
]
IDS = ["v1-group", "v2-group", "v1-set", "v2-set"]


@pytest.mark.parametrize("objects", VALID, ids=IDS)
def test_round_trip_is_the_identity_for_valid_objects(objects: st.SearchStrategy[Manifest]) -> None:
    @PROPERTY
    @given(objects)
    def check(obj: Manifest) -> None:
        converted = assert_round_trip(obj)
        assert overrides(converted) == [], "the rules alone rebuild every valid object"

    check()


@pytest.mark.parametrize("objects", ODD_OBJECTS, ids=IDS)
def test_round_trip_is_the_identity_for_odd_objects(objects: st.SearchStrategy[Manifest]) -> None:
    """Unknown fields, several patterns, conversion annotations holding garbage or foreign JSON."""

    @ODD
    @given(objects)
    def check(obj: Manifest) -> None:
        assert_round_trip(obj)

    check()
