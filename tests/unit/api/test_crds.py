"""Generated CRDs: up to date, structural, and with the names/subresources upstream has."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from rbg_operator.api.base import KubeObject
from rbg_operator.api.structural import check_crd, check_schema
from rbg_operator.api.v1alpha1 import ROOT_KINDS
from rbg_operator.gen import crdgen, docgen
from tests.unit.api.conftest import REPO

KINDS = {k.__name__: k for k in ROOT_KINDS}


def _crd(kind: str) -> dict[str, Any]:
    return crdgen.build_crd(KINDS[kind])


def _schema(kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = _crd(kind)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def test_crd_files_are_up_to_date(crd_dir: Path) -> None:
    assert crdgen.main(["--check", str(crd_dir)]) == 0, "run: python -m rbg_operator.gen.crdgen crds"


def test_api_docs_are_up_to_date() -> None:
    assert docgen.main(["--check", str(REPO / "docs" / "api.md")]) == 0, (
        "run: python -m rbg_operator.gen.docgen docs/api.md"
    )


def test_check_mode_detects_stale_files(tmp_path: Path) -> None:
    assert crdgen.main(["--check", str(tmp_path)]) == 1
    assert crdgen.main([str(tmp_path)]) == 0
    assert crdgen.main(["--check", str(tmp_path)]) == 0
    first = next(tmp_path.iterdir())
    first.write_text(first.read_text() + "# edited\n")
    assert crdgen.main(["--check", str(tmp_path)]) == 1


def test_generation_is_deterministic() -> None:
    assert crdgen.generate() == crdgen.generate()


@pytest.mark.parametrize("kind", KINDS, ids=list(KINDS))
def test_generated_crd_is_structural(kind: str) -> None:
    assert check_crd(_crd(kind)) == []


@pytest.mark.parametrize("kind", KINDS, ids=list(KINDS))
def test_crd_files_parse_as_the_generated_objects(kind: str, crd_dir: Path) -> None:
    text = (crd_dir / crdgen.file_name(KINDS[kind])).read_text(encoding="utf-8")
    assert yaml.safe_load(text) == _crd(kind)


NAMES = [
    ("RoleBasedGroup", "rolebasedgroups", ["rbg"], "Namespaced"),
    ("RoleBasedGroupSet", "rolebasedgroupsets", ["rbgs"], "Namespaced"),
    ("RoleBasedGroupScalingAdapter", "rolebasedgroupscalingadapters", ["rbgsa"], "Namespaced"),
    ("InstanceSet", "instancesets", ["is"], "Namespaced"),
    ("Instance", "instances", ["ins"], "Namespaced"),
    ("ClusterEngineRuntimeProfile", "clusterengineruntimeprofiles", None, "Cluster"),
]


@pytest.mark.parametrize(("kind", "plural", "short", "scope"), NAMES, ids=[n[0] for n in NAMES])
def test_names_and_scope_match_upstream(kind: str, plural: str, short: list[str] | None, scope: str) -> None:
    crd = _crd(kind)
    assert crd["metadata"]["name"] == f"{plural}.workloads.x-k8s.io"
    assert crd["spec"]["names"]["plural"] == plural
    assert crd["spec"]["names"].get("shortNames") == short
    assert crd["spec"]["names"]["listKind"] == f"{kind}List"
    assert crd["spec"]["scope"] == scope
    version = crd["spec"]["versions"][0]
    assert (version["name"], version["served"], version["storage"]) == ("v1alpha1", True, True)
    assert version["subresources"]["status"] == {}


SCALE = [
    ("RoleBasedGroupScalingAdapter", ".status.selector"),
    ("InstanceSet", ".status.labelSelector"),
    ("RoleBasedGroupSet", ".status.selector"),
]


@pytest.mark.parametrize(("kind", "selector"), SCALE, ids=[s[0] for s in SCALE])
def test_scale_subresource(kind: str, selector: str) -> None:
    scale = _crd(kind)["spec"]["versions"][0]["subresources"]["scale"]
    assert scale == {
        "specReplicasPath": ".spec.replicas",
        "statusReplicasPath": ".status.replicas",
        "labelSelectorPath": selector,
    }


@pytest.mark.parametrize("kind", ["RoleBasedGroup", "Instance", "ClusterEngineRuntimeProfile"])
def test_no_scale_subresource(kind: str) -> None:
    assert "scale" not in _crd(kind)["spec"]["versions"][0]["subresources"]


def test_rbg_printer_columns() -> None:
    columns = {
        c["name"]: c for c in _crd("RoleBasedGroup")["spec"]["versions"][0]["additionalPrinterColumns"]
    }
    assert columns["READY"]["jsonPath"] == ".status.conditions[?(@.type=='Ready')].status"
    assert columns["ROLES"]["jsonPath"] == ".status.roleSummary"
    assert columns["AGE"]["type"] == "date"


SCHEMA_FACTS = [
    (
        "role-default-workload",
        ["spec", "roles", "*", "workload", "default"],
        {"apiVersion": "apps/v1", "kind": "StatefulSet"},
    ),
    ("role-replicas-default", ["spec", "roles", "*", "replicas", "default"], 1),
    ("role-replicas-min", ["spec", "roles", "*", "replicas", "minimum"], 0),
    ("roles-list-map", ["spec", "roles", "x-kubernetes-list-map-keys"], ["name"]),
    ("roles-min-items", ["spec", "roles", "minItems"], 1),
    (
        "restart-enum",
        ["spec", "roles", "*", "restartPolicy", "enum"],
        ["None", "RecreateRBGOnPodRestart", "RecreateRoleInstanceOnPodRestart"],
    ),
    (
        "max-unavailable-default",
        ["spec", "roles", "*", "rolloutStrategy", "rollingUpdate", "maxUnavailable", "default"],
        1,
    ),
    (
        "max-surge-int-or-string",
        ["spec", "roles", "*", "rolloutStrategy", "rollingUpdate", "maxSurge", "x-kubernetes-int-or-string"],
        True,
    ),
    ("template-preserves", ["spec", "roles", "*", "template", "x-kubernetes-preserve-unknown-fields"], True),
    (
        "containers-need-name",
        ["spec", "roles", "*", "template", "spec", "containers", "*", "required"],
        ["name"],
    ),
    (
        "patch-preserves",
        ["spec", "roles", "*", "templatePatch", "x-kubernetes-preserve-unknown-fields"],
        True,
    ),
    (
        "kube-timeout-default",
        ["spec", "podGroupPolicy", "kubeScheduling", "scheduleTimeoutSeconds", "default"],
        60,
    ),
    ("status-role-statuses-map", ["status", "roleStatuses", "x-kubernetes-list-type"], "map"),
]


def _walk(schema: dict[str, Any], path: list[str]) -> Any:
    node: Any = schema
    for part in path[:-1]:
        node = node["items"] if part == "*" else node["properties"][part]
    return node[path[-1]]


@pytest.mark.parametrize(
    ("path", "expected"), [(p, e) for _, p, e in SCHEMA_FACTS], ids=[i for i, _, _ in SCHEMA_FACTS]
)
def test_rbg_schema_facts(path: list[str], expected: Any) -> None:
    assert _walk(_schema("RoleBasedGroup"), path) == expected


def test_rbgs_template_carries_the_group_rules() -> None:
    template = _schema("RoleBasedGroupSet")["properties"]["spec"]["properties"]["template"]
    assert (
        template["x-kubernetes-validations"]
        == _schema("RoleBasedGroup")["properties"]["spec"]["x-kubernetes-validations"]
    )


def _models() -> list[type[BaseModel]]:
    return list(docgen._models(ROOT_KINDS))


@pytest.mark.parametrize("model", _models(), ids=[m.__name__ for m in _models()])
def test_every_model_and_field_is_described(model: type[BaseModel]) -> None:
    assert (model.__doc__ or "").strip(), f"{model.__name__} has no docstring"
    skip = {"api_version", "kind"} if issubclass(model, KubeObject) else set()
    missing = [name for name, info in model.model_fields.items() if name not in skip and not info.description]
    assert missing == []


# --- the structural checker itself ----------------------------------------------------------------

OBJ: dict[str, Any] = {"type": "object", "properties": {"a": {"type": "string"}}}
BROKEN: list[tuple[str, dict[str, Any], str]] = [
    ("missing-type", {"type": "object", "properties": {"a": {"description": "x"}}}, "missing type"),
    ("ref", {"type": "object", "properties": {"a": {"$ref": "#/definitions/x"}}}, "'$ref' is not allowed"),
    ("definitions", {"type": "object", "definitions": {}}, "'definitions' is not allowed"),
    (
        "any-of",
        {"type": "object", "properties": {"a": {"anyOf": [{"type": "string"}], "type": "string"}}},
        "anyOf is only allowed",
    ),
    (
        "one-of",
        {"type": "object", "properties": {"a": {"oneOf": [], "type": "string"}}},
        "'oneOf' is not allowed",
    ),
    ("array-no-items", {"type": "object", "properties": {"a": {"type": "array"}}}, "single items schema"),
    (
        "props-and-additional",
        {
            "type": "object",
            "properties": {"a": {"type": "string"}},
            "additionalProperties": {"type": "string"},
        },
        "mutually exclusive",
    ),
    (
        "additional-false",
        {"type": "object", "additionalProperties": False},
        "additionalProperties must be a schema",
    ),
    (
        "list-map-no-keys",
        {"type": "array", "items": OBJ, "x-kubernetes-list-type": "map"},
        "needs object items",
    ),
    (
        "list-map-key-optional",
        {"type": "array", "items": OBJ, "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["a"]},
        "must be required or defaulted",
    ),
    ("list-set-objects", {"type": "array", "items": OBJ, "x-kubernetes-list-type": "set"}, "scalar items"),
    ("default-wrong-type", {"type": "integer", "default": "1"}, "default '1' is invalid"),
    ("default-not-in-enum", {"type": "string", "enum": ["a"], "default": "b"}, "not one of"),
    ("default-below-minimum", {"type": "integer", "minimum": 1, "default": 0}, "below minimum"),
    (
        "default-unknown-field",
        {"type": "object", "properties": {"a": {"type": "string"}}, "default": {"b": "x"}},
        "would be pruned",
    ),
    ("enum-wrong-type", {"type": "integer", "enum": [1, "two"]}, "enum value 'two'"),
    ("bad-pattern", {"type": "string", "pattern": "("}, "pattern does not compile"),
    ("length-on-integer", {"type": "integer", "maxLength": 3}, "does not apply to type 'integer'"),
    ("items-on-string", {"type": "string", "items": {"type": "string"}}, "does not apply to type 'string'"),
    ("preserve-false", {"type": "object", "x-kubernetes-preserve-unknown-fields": False}, "may only be true"),
    ("int-or-string-with-type", {"type": "string", "x-kubernetes-int-or-string": True}, "must not set type"),
    ("unique-items", {"type": "array", "items": {"type": "string"}, "uniqueItems": True}, "uniqueItems"),
    ("format-mismatch", {"type": "string", "format": "int32"}, "format 'int32'"),
    ("unknown-type", {"type": "map"}, "unknown type"),
    (
        "cel-unknown-field",
        {**OBJ, "x-kubernetes-validations": [{"rule": "self.b == 'x'"}]},
        "self.b is not a field",
    ),
    ("cel-unbalanced", {**OBJ, "x-kubernetes-validations": [{"rule": "has(self.a"}]}, "unbalanced"),
    ("cel-empty", {**OBJ, "x-kubernetes-validations": [{"rule": " "}]}, "non-empty 'rule'"),
    (
        "cel-bad-field-path",
        {**OBJ, "x-kubernetes-validations": [{"rule": "true", "fieldPath": ".b"}]},
        "fieldPath",
    ),
    (
        "cel-bad-reason",
        {**OBJ, "x-kubernetes-validations": [{"rule": "true", "reason": "Oops"}]},
        "unknown reason",
    ),
    (
        "cel-unknown-key",
        {**OBJ, "x-kubernetes-validations": [{"rule": "true", "severity": "x"}]},
        "unknown key",
    ),
]


@pytest.mark.parametrize(("schema", "problem"), [(s, p) for _, s, p in BROKEN], ids=[i for i, _, _ in BROKEN])
def test_structural_checker_rejects(schema: dict[str, Any], problem: str) -> None:
    problems = check_schema(schema)
    assert any(problem in p for p in problems), problems


ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    (
        "int-or-string",
        {
            "x-kubernetes-int-or-string": True,
            "anyOf": [{"type": "integer"}, {"type": "string"}],
            "pattern": "^[0-9]+%$",
            "minimum": 0,
        },
    ),
    ("preserve-without-type", {"x-kubernetes-preserve-unknown-fields": True}),
    (
        "cel-through-lists",
        {**OBJ, "x-kubernetes-validations": [{"rule": "self.a.startsWith('x')", "fieldPath": ".a"}]},
    ),
    ("cel-in-string-literal", {**OBJ, "x-kubernetes-validations": [{"rule": "self.a != 'self.zzz'"}]}),
]


@pytest.mark.parametrize("schema", [s for _, s in ACCEPTED], ids=[i for i, _ in ACCEPTED])
def test_structural_checker_accepts(schema: dict[str, Any]) -> None:
    assert check_schema(schema) == []


def _break_metadata(crd: dict[str, Any]) -> None:
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["metadata"]["properties"] = {
        "labels": {"type": "object"}
    }


def _break_scale(crd: dict[str, Any]) -> None:
    crd["spec"]["versions"][0]["subresources"]["scale"]["statusReplicasPath"] = ".status.selector"


def _break_name(crd: dict[str, Any]) -> None:
    crd["metadata"]["name"] = "wrong"


def _break_column(crd: dict[str, Any]) -> None:
    crd["spec"]["versions"][0]["additionalPrinterColumns"][0]["type"] = "datetime"


CRD_BREAKS = [
    ("metadata-constrained", _break_metadata, "metadata"),
    ("scale-path-type", _break_scale, "statusReplicasPath"),
    ("name", _break_name, "metadata.name"),
    ("printer-column-type", _break_column, "additionalPrinterColumns"),
]


@pytest.mark.parametrize(
    ("breaker", "problem"), [(b, p) for _, b, p in CRD_BREAKS], ids=[i for i, _, _ in CRD_BREAKS]
)
def test_crd_checker_rejects(breaker: Any, problem: str) -> None:
    crd = copy.deepcopy(_crd("RoleBasedGroupScalingAdapter"))
    breaker(crd)
    assert any(problem in p for p in check_crd(crd))
