"""The JSON Schemas in schemas/ (kubeconform layout, one file per kind and served version): exactly what
the generator writes, every example of ours and every upstream manifest of either version validates against
the schema of its own version, and what the CRD schema rejects they reject too, naming the field (except
what only the API server can check: list-map keys, CEL, the webhook)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from rbg_operator.gen import jsonschemagen
from tests.shared_dir import upstream_examples
from tests.unit.api.cases import INVALID_CASES, InvalidCase, base_rbg

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
GROUP = "workloads.x-k8s.io"
# List-map keys (x-kubernetes-list-map-keys) cannot be said in JSON Schema: duplicates need the API server.
LIST_MAP_DUPLICATES = {
    "duplicate-role-name",
    "duplicate-template-name",
    "duplicate-component-name",
    "coordination-duplicate-name",
}


def schema_for(doc: dict[str, Any]) -> dict[str, Any]:
    """The schema kubeconform picks: ``schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json``."""
    group, version = doc["apiVersion"].split("/")
    return dict(json.loads((SCHEMAS / group / f"{doc['kind'].lower()}_{version}.json").read_text()))


def errors(doc: dict[str, Any], schema: dict[str, Any] | None = None) -> list[jsonschema.ValidationError]:
    return list(jsonschema.Draft7Validator(schema or schema_for(doc)).iter_errors(doc))


def _ours(paths: list[Path], version: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    docs = []
    for path in paths:
        for i, doc in enumerate(yaml.safe_load_all(path.read_text())):
            api = str((doc or {}).get("apiVersion", ""))
            if api.startswith(f"{GROUP}/") and (version is None or api == f"{GROUP}/{version}"):
                docs.append((f"{path.stem}#{i}-{doc['kind']}", doc))
    return docs


EXAMPLES = _ours(sorted((ROOT / "examples").glob("*.yaml")))
UPSTREAM = _ours(sorted(upstream_examples().glob("*.yaml")))
SCHEMA_CASES = [c for c in INVALID_CASES if c.server == "schema" and c.id not in LIST_MAP_DUPLICATES]


def test_committed_schemas_are_what_the_generator_writes() -> None:
    files = jsonschemagen.generate()
    assert jsonschemagen.stale_files(SCHEMAS, files) == [], "run `make crds`"
    assert sorted(files) == [
        f"{GROUP}/clusterengineruntimeprofile_v1alpha1.json",
        f"{GROUP}/clusterengineruntimeprofile_v1alpha2.json",
        f"{GROUP}/coordinatedpolicy_v1alpha2.json",
        f"{GROUP}/instance_v1alpha1.json",
        f"{GROUP}/instanceset_v1alpha1.json",
        f"{GROUP}/rolebasedgroup_v1alpha1.json",
        f"{GROUP}/rolebasedgroup_v1alpha2.json",
        f"{GROUP}/rolebasedgroupscalingadapter_v1alpha1.json",
        f"{GROUP}/rolebasedgroupscalingadapter_v1alpha2.json",
        f"{GROUP}/rolebasedgroupset_v1alpha1.json",
        f"{GROUP}/rolebasedgroupset_v1alpha2.json",
        f"{GROUP}/roleinstance_v1alpha2.json",
        f"{GROUP}/roleinstanceset_v1alpha2.json",
    ]
    # Converting the committed CRD files gives the same schemas as building them from the models.
    assert jsonschemagen.generate(jsonschemagen.load_crds(ROOT / "crds")) == files


def test_check_mode_reports_drift(tmp_path: Path) -> None:
    assert jsonschemagen.main([str(tmp_path)]) == 0
    assert jsonschemagen.main(["--check", str(tmp_path)]) == 0
    target = tmp_path / GROUP / "rolebasedgroup_v1alpha1.json"
    target.write_text(target.read_text().replace('"minimum": 0', '"minimum": 1', 1))
    (tmp_path / GROUP / "gone_v1alpha1.json").write_text("{}")
    assert jsonschemagen.stale_files(tmp_path, jsonschemagen.generate()) == [
        f"{GROUP}/gone_v1alpha1.json",
        f"{GROUP}/rolebasedgroup_v1alpha1.json",
    ]
    assert jsonschemagen.main(["--check", str(tmp_path)]) == 1
    assert jsonschemagen.main([str(tmp_path)]) == 0
    assert jsonschemagen.stale_files(tmp_path, jsonschemagen.generate()) == []


@pytest.mark.parametrize("path", sorted(SCHEMAS.glob("*/*.json")), ids=lambda p: p.name)
def test_every_schema_is_a_valid_draft7_schema_pinned_to_its_kind(path: Path) -> None:
    schema = json.loads(path.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    kind, version = path.stem.rsplit("_", 1)
    assert schema["properties"]["apiVersion"]["enum"] == [f"{path.parent.name}/{version}"]
    assert [k.lower() for k in schema["properties"]["kind"]["enum"]] == [kind]
    assert schema["additionalProperties"] is False


def test_there_are_examples_to_validate() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize(("name", "doc"), EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_example_validates(name: str, doc: dict[str, Any]) -> None:
    assert [f"{e.json_path}: {e.message}" for e in errors(doc)] == []


def test_upstream_manifests_of_both_versions_are_found() -> None:
    if not UPSTREAM:
        pytest.skip("../shared/conformance/upstream-examples is not beside the repo")
    assert {d["apiVersion"] for _, d in UPSTREAM} == {f"{GROUP}/v1alpha1", f"{GROUP}/v1alpha2"}


@pytest.mark.parametrize(("name", "doc"), UPSTREAM, ids=[n for n, _ in UPSTREAM])
def test_upstream_manifest_validates_against_its_versions_schema(name: str, doc: dict[str, Any]) -> None:
    assert [f"{e.json_path}: {e.message}" for e in errors(doc)] == []


def test_a_manifest_of_one_version_fails_the_other_versions_schema() -> None:
    v2_group = {**base_rbg(), "apiVersion": f"{GROUP}/v1alpha2"}
    found = errors(v2_group)  # v1alpha1 roles (workload, template) under the v1alpha2 schema
    assert any("was unexpected" in e.message for e in found), [e.message for e in found]


def _role0(**fields: Any) -> dict[str, Any]:
    doc = base_rbg()
    doc["spec"]["roles"][0].update(fields)
    return doc


@pytest.mark.parametrize(
    ("doc", "field", "words"),
    [
        (_role0(replicas="two"), "$.spec.roles[0].replicas", "is not of type 'integer'"),
        (_role0(replicas=1.5), "$.spec.roles[0].replicas", "is not of type 'integer'"),
        (_role0(dependencies="prefill"), "$.spec.roles[0].dependencies", "is not of type 'array'"),
        (_role0(replica=2), "$.spec.roles[0]", "'replica' was unexpected"),  # a typo, not pruned
        (_role0(restartPolicy="Always"), "$.spec.roles[0].restartPolicy", "is not one of"),
        ({**base_rbg(), "apiVersion": f"{GROUP}/v1alpha2"}, "$.apiVersion", "is not one of"),
        ({**base_rbg(), "status": {"observedGeneration": "1"}}, "$.status.observedGeneration", "integer"),
    ],
    ids=["string-replicas", "float-replicas", "string-list", "unknown-field", "enum", "version", "status"],
)
def test_a_broken_manifest_fails_naming_the_field(doc: dict[str, Any], field: str, words: str) -> None:
    found = errors(doc, schema_for(base_rbg()))
    assert [(e.json_path, words in e.message) for e in found] == [(field, True)], found


def test_open_parts_stay_open_and_int_or_string_takes_both() -> None:
    doc = base_rbg()
    role = doc["spec"]["roles"][0]
    role["template"]["spec"]["someFutureField"] = {"x": 1}  # x-kubernetes-preserve-unknown-fields
    role["template"]["metadata"] = {"labels": {"a": "b"}}
    role["rolloutStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}}
    doc["spec"]["roles"][1]["rolloutStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}
    assert [e.message for e in errors(doc)] == []


def _path_named(case: InvalidCase, error: jsonschema.ValidationError) -> bool:
    """The error is at the case's field, or (a missing required field) at its parent, naming it."""
    where = error.json_path.removeprefix("$.")
    if where == case.path:
        return True
    parent, _, leaf = case.path.rpartition(".")
    return error.validator == "required" and where == parent and f"'{leaf}'" in error.message


@pytest.mark.parametrize("case", SCHEMA_CASES, ids=[c.id for c in SCHEMA_CASES])
def test_what_the_crd_schema_rejects_the_json_schema_rejects(case: InvalidCase) -> None:
    found = errors(case.manifest())
    assert any(_path_named(case, e) for e in found), [(e.json_path, e.message) for e in found]


def test_what_only_the_server_checks_is_not_claimed() -> None:
    """List-map duplicates pass offline (the API server refuses them): documented in docs/gitops.md."""
    assert {c.id for c in INVALID_CASES if c.server == "schema"} >= LIST_MAP_DUPLICATES
    for case in INVALID_CASES:
        if case.id in LIST_MAP_DUPLICATES:
            assert errors(case.manifest()) == []


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (
            {"type": "object", "properties": {"a": {"type": "string"}}},
            {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False},
        ),
        (
            {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"a": {}}},
            {"type": "object", "properties": {"a": {}}},
        ),
        (
            {"x-kubernetes-int-or-string": True},
            {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        ),
        (
            {"type": "string", "nullable": True, "enum": ["A"]},
            {"type": ["string", "null"], "enum": ["A", None]},
        ),
        (
            {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
            {"type": "integer", "exclusiveMinimum": 0},
        ),
        ({"type": "integer", "minimum": 0, "exclusiveMinimum": False}, {"type": "integer", "minimum": 0}),
        (
            {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
            {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        ),
        (
            {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
            {"type": "array"},
        ),
        (
            {"type": "object", "x-kubernetes-validations": [{"rule": "true"}], "additionalProperties": {}},
            {"type": "object", "additionalProperties": {}},
        ),
        (
            {"type": "object", "x-kubernetes-embedded-resource": True, "properties": {"spec": {}}},
            {
                "type": "object",
                "properties": {
                    "spec": {},
                    "apiVersion": {"type": "string"},
                    "kind": {"type": "string"},
                    "metadata": {"type": "object"},
                },
                "additionalProperties": False,
            },
        ),
        (
            {"type": "object", "additionalProperties": {"type": "object", "properties": {"x": {}}}},
            {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "properties": {"x": {}},
                    "additionalProperties": False,
                },
            },
        ),
    ],
    ids=[
        "closed-object",
        "preserve-unknown",
        "int-or-string",
        "nullable",
        "exclusive-min",
        "non-exclusive-min",
        "list-set",
        "list-map",
        "cel-dropped",
        "embedded-resource",
        "map-values",
    ],
)
def test_convert(node: dict[str, Any], expected: dict[str, Any]) -> None:
    assert jsonschemagen.convert(copy.deepcopy(node)) == expected
