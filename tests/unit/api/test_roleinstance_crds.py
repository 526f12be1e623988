"""RoleInstanceSet and RoleInstance (v1alpha2 only): names, printer columns, scale subresource, storage
version, descriptions, CRD defaults as upstream, and upstream-style objects of every shape (stateful,
stateless, leader/worker, custom components) valid against the generated CRD schema and JSON Schema."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic import ValidationError

from rbg_operator.api import keys, v1alpha2
from rbg_operator.api.schema_values import apply_defaults, value_problems
from rbg_operator.api.v1alpha1.enums import InstanceReadyPolicy, RestartPolicy
from rbg_operator.api.v1alpha2 import (
    PodManagementPolicy,
    RoleInstance,
    RoleInstanceSet,
    RoleInstanceSetUpdateStrategy,
    UpdateStrategyType,
)
from rbg_operator.gen import crdgen

REPO = Path(__file__).resolve().parents[3]
GROUP = "workloads.x-k8s.io"
V2 = f"{GROUP}/v1alpha2"
CRDS = {crd["spec"]["names"]["kind"]: crd for crd in crdgen.build_crds()}
KINDS = ["RoleInstanceSet", "RoleInstance"]


def _version(kind: str) -> dict[str, Any]:
    versions: list[dict[str, Any]] = CRDS[kind]["spec"]["versions"]
    assert len(versions) == 1
    return copy.deepcopy(versions[0])


def _schema(kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = _version(kind)["schema"]["openAPIV3Schema"]
    return schema


def _committed_schema(kind: str) -> dict[str, Any]:
    crd = yaml.safe_load((REPO / "crds" / crdgen.file_name(CRDS[kind])).read_text(encoding="utf-8"))
    schema: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def _json_schema(kind: str) -> dict[str, Any]:
    return dict(json.loads((REPO / "schemas" / GROUP / f"{kind.lower()}_v1alpha2.json").read_text()))


def _template(image: str = "nginx:1.27", name: str = "main") -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": "demo"}},
        "spec": {"containers": [{"name": name, "image": image, "ports": [{"containerPort": 8080}]}]},
    }


def _owner_labels(role: str) -> dict[str, str]:
    return {
        keys.LABEL_GROUP_NAME_V2: "demo",
        keys.LABEL_ROLE_NAME_V2: role,
    }


def _ris(name: str, spec: dict[str, Any], *, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": "default", "labels": _owner_labels(name)}
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": V2, "kind": "RoleInstanceSet", "metadata": metadata, "spec": spec}


STATEFUL = _ris(
    "demo-prefill",
    {
        "replicas": 3,
        "selector": {"matchLabels": _owner_labels("prefill")},
        "podManagementPolicy": "OrderedReady",
        "roleInstanceTemplate": {
            "components": [{"name": "prefill", "size": 1, "template": _template()}],
            "restartPolicy": "None",
        },
        "updateStrategy": {
            "type": "InPlaceIfPossible",
            "partition": 1,
            "maxUnavailable": "50%",
            "maxSurge": 1,
            "inPlaceUpdateStrategy": {"gracePeriodSeconds": 5},
        },
        "minReadySeconds": 10,
    },
)

STATELESS = _ris(
    "demo-router",
    {
        "replicas": 2,
        "roleInstanceTemplate": {"components": [{"name": "router", "template": _template()}]},
        "scaleStrategy": {"roleInstanceToDelete": ["demo-router-x7k2p"], "maxUnavailable": 1},
        "updateStrategy": {"type": "RecreatePod", "paused": True},
        "lifecycle": {
            "preDelete": {"labelsHandler": {"example.com/hold": "true"}, "markPodNotReady": True},
            "inPlaceUpdate": {"finalizersHandler": ["example.com/drain"]},
        },
    },
    annotations={keys.ANNOTATION_ROLE_INSTANCE_PATTERN_V2: keys.INSTANCE_PATTERN_STATELESS},
)

LEADER_WORKER = _ris(
    "demo-decode",
    {
        "replicas": 2,
        "roleInstanceTemplate": {
            "components": [
                {"name": "leader", "size": 1, "template": _template(name="leader")},
                {"name": "worker", "size": 3, "template": _template(name="worker")},
            ],
            "restartPolicy": "RecreateRoleInstanceOnPodRestart",
            "baseDelaySeconds": 10,
            "maxDelaySeconds": 120,
        },
        "updateStrategy": {"type": "InPlaceOnly", "partition": "50%"},
    },
)

COMPONENTS = _ris(
    "demo-server",
    {
        "replicas": 1,
        "roleInstanceTemplate": {
            "components": [
                {
                    "name": "router",
                    "size": 1,
                    "serviceName": "s-demo-server",
                    "labels": {"tier": "router"},
                    "annotations": {"example.com/depends-on": "engine"},
                    "template": _template(name="router"),
                },
                {"name": "engine", "size": 2, "template": _template(name="engine")},
            ],
            "readyPolicy": "None",
            "readinessGates": [{"conditionType": "example.com/Warm"}],
        },
    },
)

ROLE_INSTANCE = {
    "apiVersion": V2,
    "kind": "RoleInstance",
    "metadata": {"name": "demo-decode-0", "namespace": "default", "labels": _owner_labels("decode")},
    "spec": {
        "components": [
            {"name": "leader", "size": 1, "template": _template(name="leader")},
            {"name": "worker", "size": 3, "template": _template(name="worker")},
        ],
        "restartPolicy": "RecreateRoleInstanceOnPodRestart",
    },
    "status": {
        "observedGeneration": 1,
        "conditions": [
            {"type": "RoleInstanceReady", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"},
            {"type": "Restarting", "status": "False"},
        ],
        "componentStatuses": [
            {
                "name": "leader",
                "size": 1,
                "readyReplicas": 1,
                "updatedReplicas": 1,
                "scheduledReplicas": 1,
                "availableReplicas": 1,
                "updatedReadyReplicas": 1,
            }
        ],
        "labelSelector": "rbg.workloads.x-k8s.io/role-instance-name=demo-decode-0",
        "currentRevision": "demo-decode-0-5d8f",
        "updateRevision": "demo-decode-0-5d8f",
        "inPlaceUpdateContainerBaselines": {
            "demo-decode-0-0": {"leader": {"restartCount": 2, "imageID": "sha"}}
        },
        "restartCount": 1,
        "lastRestartTime": "2026-01-01T00:00:00Z",
    },
}

RIS_STATUS = {
    "observedGeneration": 2,
    "replicas": 3,
    "readyReplicas": 2,
    "availableReplicas": 2,
    "currentReplicas": 1,
    "updatedReplicas": 2,
    "updatedReadyReplicas": 2,
    "expectedUpdatedReplicas": 2,
    "updateRevision": "demo-prefill-7c9",
    "currentRevision": "demo-prefill-5d8",
    "collisionCount": 0,
    "conditions": [{"type": "EarlyRollbackReplacement", "status": "True", "reason": "Rollback"}],
    "labelSelector": "rbg.workloads.x-k8s.io/group-name=demo",
}

SAMPLES = {
    "stateful": STATEFUL,
    "stateless": STATELESS,
    "leader-worker": LEADER_WORKER,
    "components": COMPONENTS,
    "stateful-with-status": {**STATEFUL, "status": RIS_STATUS},
    "role-instance": ROLE_INSTANCE,
}


# --- CRD facts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "plural", "short"),
    [("RoleInstanceSet", "roleinstancesets", ["ris"]), ("RoleInstance", "roleinstances", ["rins"])],
)
def test_names_scope_and_single_storage_version(kind: str, plural: str, short: list[str]) -> None:
    crd = CRDS[kind]
    assert crd["metadata"]["name"] == f"{plural}.{GROUP}"
    assert crd["spec"]["names"] == {
        "kind": kind,
        "listKind": f"{kind}List",
        "plural": plural,
        "singular": kind.lower(),
        "shortNames": short,
        "categories": ["rbg-all"],
    }
    assert crd["spec"]["scope"] == "Namespaced"
    assert [(v["name"], v["served"], v["storage"]) for v in crd["spec"]["versions"]] == [
        ("v1alpha2", True, True)
    ]
    assert "conversion" not in crd["spec"] and "deprecated" not in crd["spec"]["versions"][0]
    assert v1alpha2.model_for_kind(kind) is (RoleInstanceSet if kind == "RoleInstanceSet" else RoleInstance)


def test_role_instance_set_scale_subresource_has_the_label_selector() -> None:
    assert _version("RoleInstanceSet")["subresources"] == {
        "status": {},
        "scale": {
            "specReplicasPath": ".spec.replicas",
            "statusReplicasPath": ".status.replicas",
            "labelSelectorPath": ".status.labelSelector",
        },
    }


def test_role_instance_has_status_but_no_scale() -> None:
    assert _version("RoleInstance")["subresources"] == {"status": {}}


def test_role_instance_set_printer_columns() -> None:
    columns = [
        (c["name"], c["type"], c["jsonPath"], c.get("priority", 0))
        for c in _version("RoleInstanceSet")["additionalPrinterColumns"]
    ]
    assert columns == [
        ("DESIRED", "integer", ".spec.replicas", 0),
        ("UPDATED", "integer", ".status.updatedReplicas", 0),
        ("UPDATED_READY", "integer", ".status.updatedReadyReplicas", 0),
        ("READY", "integer", ".status.readyReplicas", 0),
        ("TOTAL", "integer", ".status.replicas", 0),
        ("AGE", "date", ".metadata.creationTimestamp", 0),
        ("SELECTOR", "string", ".status.labelSelector", 1),
    ]


def test_role_instance_printer_columns() -> None:
    columns = [
        (c["name"], c["type"], c["jsonPath"]) for c in _version("RoleInstance")["additionalPrinterColumns"]
    ]
    assert columns == [
        ("READY", "string", ".status.conditions[?(@.type=='RoleInstanceReady')].status"),
        ("AGE", "date", ".metadata.creationTimestamp"),
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_has_a_description_for_kubectl_explain(kind: str) -> None:
    missing: list[str] = []

    def walk(node: dict[str, Any], path: str) -> None:
        for name, child in node.get("properties", {}).items():
            if "description" not in child and path + name != ".metadata":
                missing.append(path + name)
            walk(child, f"{path}{name}.")
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                walk(node[key], path)

    schema = _schema(kind)
    assert schema["description"]
    walk(schema, ".")
    assert missing == []


@pytest.mark.parametrize("kind", KINDS)
def test_committed_files_are_the_generated_ones(kind: str) -> None:
    assert _committed_schema(kind) == _schema(kind)
    name = crdgen.file_name(CRDS[kind])
    assert (REPO / "charts" / "rbg-operator" / "crds" / name).read_text() == (
        REPO / "crds" / name
    ).read_text()


SCHEMA_FACTS = [
    ("RoleInstanceSet", ["spec", "podManagementPolicy", "default"], "Parallel"),
    ("RoleInstanceSet", ["spec", "podManagementPolicy", "enum"], ["Parallel", "OrderedReady"]),
    ("RoleInstanceSet", ["spec", "revisionHistoryLimit", "default"], 10),
    ("RoleInstanceSet", ["spec", "revisionHistoryLimit", "minimum"], 0),
    (
        "RoleInstanceSet",
        ["spec", "updateStrategy", "type", "enum"],
        ["RecreatePod", "InPlaceIfPossible", "InPlaceOnly"],
    ),
    ("RoleInstanceSet", ["spec", "updateStrategy", "partition", "x-kubernetes-int-or-string"], True),
    ("RoleInstanceSet", ["spec", "updateStrategy", "maxUnavailable", "x-kubernetes-int-or-string"], True),
    ("RoleInstanceSet", ["spec", "scaleStrategy", "maxUnavailable", "x-kubernetes-int-or-string"], True),
    ("RoleInstanceSet", ["spec", "roleInstanceTemplate", "x-kubernetes-preserve-unknown-fields"], True),
    ("RoleInstanceSet", ["spec", "required"], ["roleInstanceTemplate"]),
    ("RoleInstanceSet", ["status", "labelSelector", "type"], "string"),
    ("RoleInstance", ["spec", "readyPolicy", "default"], "AllPodReady"),
    ("RoleInstance", ["spec", "readyPolicy", "enum"], ["AllPodReady", "None"]),
    ("RoleInstance", ["spec", "required"], ["components"]),
    ("RoleInstance", ["spec", "components", "x-kubernetes-list-map-keys"], ["name"]),
    ("RoleInstance", ["spec", "components", "*", "template", "x-kubernetes-preserve-unknown-fields"], True),
    (
        "RoleInstance",
        ["spec", "restartPolicy", "enum"],
        ["None", "RecreateRBGOnPodRestart", "RecreateRoleInstanceOnPodRestart"],
    ),
    ("RoleInstance", ["status", "conditions", "x-kubernetes-list-map-keys"], ["type"]),
    ("RoleInstance", ["status", "componentStatuses", "x-kubernetes-list-map-keys"], ["name"]),
]


def _walk(schema: dict[str, Any], path: list[str]) -> Any:
    node: Any = schema
    for part in path[:-1]:
        node = node["items"] if part == "*" else node["properties"][part]
    return node[path[-1]]


@pytest.mark.parametrize(
    ("kind", "path", "expected"), SCHEMA_FACTS, ids=[f"{k}:{'.'.join(p)}" for k, p, _ in SCHEMA_FACTS]
)
def test_schema_facts(kind: str, path: list[str], expected: Any) -> None:
    assert _walk(_schema(kind), path) == expected


# --- defaults -------------------------------------------------------------------------------------


def test_crd_defaults_are_upstreams() -> None:
    """The API server fills in podManagementPolicy and revisionHistoryLimit of a set, readyPolicy of a
    RoleInstance, and nothing inside the set's template (upstream's template is schemaless)."""
    minimal = _ris("m", {"roleInstanceTemplate": {"components": [{"name": "c", "template": _template()}]}})
    spec = apply_defaults(minimal, _schema("RoleInstanceSet"))["spec"]
    assert spec == {**minimal["spec"], "podManagementPolicy": "Parallel", "revisionHistoryLimit": 10}
    instance = {"apiVersion": V2, "kind": "RoleInstance", "spec": {"components": []}}
    assert apply_defaults(instance, _schema("RoleInstance"))["spec"] == {
        "components": [],
        "readyPolicy": "AllPodReady",
    }


def test_model_defaults_and_accessors() -> None:
    ris = RoleInstanceSet.from_dict(
        _ris("m", {"roleInstanceTemplate": {"components": [{"name": "c", "template": _template()}]}})
    )
    assert ris.spec.effective_replicas == 1
    assert ris.spec.effective_pod_management_policy is PodManagementPolicy.PARALLEL
    assert ris.spec.effective_revision_history_limit == 10
    update = ris.spec.effective_update_strategy
    assert update.effective_type is UpdateStrategyType.IN_PLACE_IF_POSSIBLE
    assert (update.partition_of(10), update.max_surge_of(10), update.max_unavailable_of(10)) == (0, 0, 1)
    assert ris.spec.role_instance_template.ready_policy is None
    assert not ris.is_stateless
    assert RoleInstanceSet.from_dict(STATELESS).is_stateless

    instance = RoleInstance.from_dict({"apiVersion": V2, "kind": "RoleInstance", "spec": {"components": []}})
    assert instance.spec.effective_ready_policy is InstanceReadyPolicy.ALL_POD_READY
    assert instance.spec.effective_restart_policy is RestartPolicy.NONE
    assert (instance.spec.effective_base_delay_seconds, instance.spec.effective_max_delay_seconds) == (
        30,
        600,
    )
    assert [instance.spec.restart_delay_seconds(r) for r in (1, 2, 3, 6, 99)] == [30, 60, 120, 600, 600]


@pytest.mark.parametrize(
    ("strategy", "replicas", "expected"),
    [
        ({}, 3, (0, 0, 1)),
        ({"maxUnavailable": "10%"}, 25, (0, 0, 3)),
        ({"maxUnavailable": "10%", "maxSurge": "10%"}, 25, (0, 3, 2)),
        ({"partition": "50%", "maxUnavailable": 2}, 5, (3, 0, 2)),
        ({"partition": 9}, 4, (4, 0, 1)),
    ],
    ids=[
        "defaults",
        "percent-rounds-up",
        "surge-rounds-unavailable-down",
        "partition-percent-up",
        "partition-capped",
    ],
)
def test_update_strategy_counts(
    strategy: dict[str, Any], replicas: int, expected: tuple[int, int, int]
) -> None:
    update = RoleInstanceSetUpdateStrategy.from_dict(strategy)
    got = (update.partition_of(replicas), update.max_surge_of(replicas), update.max_unavailable_of(replicas))
    assert got == expected


# --- upstream-style objects -----------------------------------------------------------------------


@pytest.mark.parametrize("doc_id", list(SAMPLES))
def test_sample_validates_against_the_crd_schema_and_the_json_schema(doc_id: str) -> None:
    doc = SAMPLES[doc_id]
    assert value_problems(doc, _committed_schema(doc["kind"])) == [], doc_id
    assert list(jsonschema.Draft7Validator(_json_schema(doc["kind"])).iter_errors(doc)) == []


@pytest.mark.parametrize("doc_id", list(SAMPLES))
def test_sample_round_trips_through_the_model(doc_id: str) -> None:
    doc = SAMPLES[doc_id]
    model = v1alpha2.parse_object(doc)
    assert model.to_dict_as_given() == doc


BAD = [
    ("RoleInstanceSet", ["spec", "updateStrategy", "type"], "Recreate", "not one of"),
    ("RoleInstanceSet", ["spec", "podManagementPolicy"], "Ordered", "not one of"),
    ("RoleInstanceSet", ["spec", "replicas"], -1, "below minimum"),
    ("RoleInstanceSet", ["spec", "revisionHistoryLimit"], -1, "below minimum"),
    ("RoleInstanceSet", ["spec", "roleInstanceTemplate", "restartPolicy"], "Always", "not one of"),
    ("RoleInstance", ["spec", "readyPolicy"], "Most", "not one of"),
    ("RoleInstance", ["spec", "baseDelaySeconds"], -5, "below minimum"),
]


@pytest.mark.parametrize(
    ("kind", "path", "value", "problem"), BAD, ids=[f"{k}:{'.'.join(p)}={v}" for k, p, v, _ in BAD]
)
def test_bad_values_are_refused_by_the_schema_naming_the_field(
    kind: str, path: list[str], value: Any, problem: str
) -> None:
    doc = copy.deepcopy(LEADER_WORKER if kind == "RoleInstanceSet" else ROLE_INSTANCE)
    node = doc
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
    problems = value_problems(doc, _committed_schema(kind))
    where = ": ".join(path)
    assert any(p.startswith(f"{where}: {problem}") for p in problems), problems
    assert list(jsonschema.Draft7Validator(_json_schema(kind)).iter_errors(doc)) != []


@pytest.mark.parametrize("value", ["half", "10", "-1%", -1, True], ids=repr)
def test_an_invalid_partition_is_refused(value: Any) -> None:
    """The API server applies the int-or-string node's pattern and minimum by value type (checked on the
    devcluster in tests/e2e/test_roleinstance_api.py); the JSON Schema and the model refuse it too."""
    doc = copy.deepcopy(LEADER_WORKER)
    doc["spec"]["updateStrategy"]["partition"] = value
    node = _schema("RoleInstanceSet")["properties"]["spec"]["properties"]["updateStrategy"]["properties"]
    assert (node["partition"]["pattern"], node["partition"]["minimum"]) == ("^[0-9]+%$", 0)
    assert list(jsonschema.Draft7Validator(_json_schema("RoleInstanceSet")).iter_errors(doc)) != []
    with pytest.raises(ValidationError, match="partition"):
        RoleInstanceSet.from_dict(doc)


def test_a_set_without_a_template_is_refused() -> None:
    doc = copy.deepcopy(STATEFUL)
    del doc["spec"]["roleInstanceTemplate"]
    assert "spec: required field 'roleInstanceTemplate' missing" in value_problems(
        doc, _committed_schema("RoleInstanceSet")
    )
