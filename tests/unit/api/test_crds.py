"""Generated CRDs: up to date, structural, and with the names/subresources/versions upstream has.

Each kind has one CRD: RoleBasedGroup, RoleBasedGroupSet, RoleBasedGroupScalingAdapter and
ClusterEngineRuntimeProfile serve v1alpha2 (storage) and v1alpha1 (deprecated), CoordinatedPolicy v1alpha2
only, InstanceSet and Instance v1alpha1 only."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from rbg_operator.api import v1alpha1, v1alpha2
from rbg_operator.api.base import KubeObject
from rbg_operator.api.schema_values import value_problems
from rbg_operator.api.structural import check_crd, check_schema
from rbg_operator.gen import crdgen, docgen
from tests.unit.api.conftest import EXAMPLES, REPO

GROUP = "workloads.x-k8s.io"
CRDS = {crd["spec"]["names"]["kind"]: crd for crd in crdgen.build_crds()}
KINDS = list(CRDS)
DUAL = ["RoleBasedGroup", "RoleBasedGroupSet", "RoleBasedGroupScalingAdapter", "ClusterEngineRuntimeProfile"]
CONVERSION = {
    "RoleBasedGroup": "Webhook",
    "RoleBasedGroupSet": "Webhook",
    "RoleBasedGroupScalingAdapter": "None",
    "ClusterEngineRuntimeProfile": "None",
}
SINGLE = {"CoordinatedPolicy": "v1alpha2", "InstanceSet": "v1alpha1", "Instance": "v1alpha1"}
#: kubectl's client-side apply keeps the whole object in an annotation of at most 256 KiB.
LAST_APPLIED_LIMIT = 262144


def _crd(kind: str) -> dict[str, Any]:
    return copy.deepcopy(CRDS[kind])


def _version(kind: str, version: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [v for v in _crd(kind)["spec"]["versions"] if v["name"] == version]
    assert len(found) == 1, f"{kind} has no version {version}"
    return found[0]


def _versions(kind: str) -> list[str]:
    return [v["name"] for v in CRDS[kind]["spec"]["versions"]]


def _schema(kind: str, version: str = "v1alpha1") -> dict[str, Any]:
    schema: dict[str, Any] = _version(kind, version)["schema"]["openAPIV3Schema"]
    return schema


KIND_VERSIONS = [(k, v) for k in KINDS for v in _versions(k)]
KIND_VERSION_IDS = [f"{k}-{v}" for k, v in KIND_VERSIONS]


def test_crd_files_are_up_to_date(crd_dir: Path) -> None:
    assert crdgen.main(["--check", str(crd_dir)]) == 0, "run: python -m rbg_operator.gen.crdgen crds"


def test_api_docs_are_up_to_date() -> None:
    assert docgen.main(["--check", str(REPO / "docs" / "api.md")]) == 0, (
        "run: python -m rbg_operator.gen.docgen docs/api.md"
    )


def test_api_docs_cover_both_versions_and_every_link_resolves() -> None:
    text = docgen.render()
    ids = re.findall(r'<a id="([^"]+)"></a>', text)
    assert len(ids) == len(set(ids))
    assert sorted(set(re.findall(r"\]\(#([^)]+)\)", text)) - set(ids)) == []
    v2 = text.index(f"## `{GROUP}/v1alpha2` (storage version)")
    v1 = text.index(f"## `{GROUP}/v1alpha1` (deprecated)")
    assert text.index("## Admission checks beyond the schema") < v2 < v1
    for kind in DUAL:
        assert (
            f'<a id="v1alpha2-{kind.lower()}"></a>' in text
            and f'<a id="v1alpha1-{kind.lower()}"></a>' in text
        )
    assert '<a id="v1alpha2-coordinatedpolicy"></a>' in text
    assert '<a id="v1alpha1-instanceset"></a>' in text


def test_check_mode_detects_stale_files(tmp_path: Path) -> None:
    assert crdgen.main(["--check", str(tmp_path)]) == 1
    assert crdgen.main([str(tmp_path)]) == 0
    assert crdgen.main(["--check", str(tmp_path)]) == 0
    first = next(tmp_path.iterdir())
    first.write_text(first.read_text() + "# edited\n")
    assert crdgen.main(["--check", str(tmp_path)]) == 1


def test_generation_is_deterministic() -> None:
    assert crdgen.generate() == crdgen.generate()


def test_one_crd_file_per_kind(crd_dir: Path) -> None:
    assert sorted(crdgen.generate()) == sorted(p.name for p in crd_dir.glob("*.yaml"))
    assert sorted(KINDS) == sorted(
        {m.crd.kind for m in v1alpha1.ROOT_KINDS} | {m.crd.kind for m in v1alpha2.ROOT_KINDS}
    )


@pytest.mark.parametrize("kind", KINDS)
def test_generated_crd_is_structural(kind: str) -> None:
    assert check_crd(_crd(kind)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_crd_files_parse_as_the_generated_objects(kind: str, crd_dir: Path) -> None:
    text = (crd_dir / crdgen.file_name(CRDS[kind])).read_text(encoding="utf-8")
    assert yaml.safe_load(text) == _crd(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_crd_fits_kubectls_last_applied_annotation(kind: str) -> None:
    assert len(json.dumps(_crd(kind), separators=(",", ":"))) < LAST_APPLIED_LIMIT


# --- versions and conversion ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", DUAL)
def test_dual_version_crd_stores_v1alpha2_and_serves_v1alpha1_deprecated(kind: str) -> None:
    versions = _crd(kind)["spec"]["versions"]
    assert [v["name"] for v in versions] == ["v1alpha2", "v1alpha1"]
    assert [v["name"] for v in versions if v["storage"]] == ["v1alpha2"]
    assert all(v["served"] for v in versions)
    new, old = versions
    assert "deprecated" not in new and "deprecationWarning" not in new
    assert old["deprecated"] is True
    assert old["deprecationWarning"] == f"{GROUP}/v1alpha1 {kind} is deprecated; use {GROUP}/v1alpha2"


@pytest.mark.parametrize("kind", DUAL)
def test_each_version_has_its_own_models_schema(kind: str) -> None:
    v2 = v1alpha2.model_for_kind(kind)
    v1 = v1alpha1.model_for_kind(kind)
    assert v2 is not None and v1 is not None
    assert _schema(kind, "v1alpha2") == crdgen.version_entry(v2, "v1alpha2")["schema"]["openAPIV3Schema"]
    assert _schema(kind, "v1alpha1") == crdgen.version_entry(v1, "v1alpha1")["schema"]["openAPIV3Schema"]


@pytest.mark.parametrize("kind", DUAL)
def test_conversion_strategy(kind: str, crd_dir: Path) -> None:
    conversion = _crd(kind)["spec"]["conversion"]
    text = (crd_dir / crdgen.file_name(CRDS[kind])).read_text(encoding="utf-8")
    if CONVERSION[kind] == "None":
        assert conversion == {"strategy": "None"}
        # The API server only rewrites apiVersion: that is lossless only when the schemas are the same.
        assert _schema(kind, "v1alpha2") == _schema(kind, "v1alpha1")
        assert "placeholder" not in text
        return
    assert _schema(kind, "v1alpha2") != _schema(kind, "v1alpha1")
    assert conversion == {
        "strategy": "Webhook",
        "webhook": {
            "conversionReviewVersions": ["v1"],
            "clientConfig": {
                "service": {
                    "namespace": "rbg-system",
                    "name": "rbg-operator-webhook",
                    "path": "/convert",
                    "port": 443,
                }
            },
        },
    }
    header = text.split("apiVersion:", 1)[0]
    assert "placeholder" in header and "rbg_operator/kube/crd_conversion.py" in header


@pytest.mark.parametrize(("kind", "version"), SINGLE.items())
def test_single_version_crds(kind: str, version: str) -> None:
    crd = _crd(kind)
    assert [(v["name"], v["served"], v["storage"]) for v in crd["spec"]["versions"]] == [
        (version, True, True)
    ]
    assert "deprecated" not in crd["spec"]["versions"][0]
    assert "conversion" not in crd["spec"]


def test_coordinated_policy_crd() -> None:
    crd = _crd("CoordinatedPolicy")
    assert crd["metadata"]["name"] == f"coordinatedpolicies.{GROUP}"
    assert crd["spec"]["names"]["shortNames"] == ["cpolicy"]
    assert crd["spec"]["scope"] == "Namespaced"
    assert _version("CoordinatedPolicy", "v1alpha2")["subresources"] == {"status": {}}


def test_a_kind_whose_versions_disagree_on_names_is_refused() -> None:
    with pytest.raises(ValueError, match="other CRD names"):
        crdgen.build_kind_crd([("v1alpha2", v1alpha2.RoleBasedGroup), ("v1alpha1", v1alpha1.InstanceSet)])


@pytest.mark.parametrize(("kind", "version"), KIND_VERSIONS, ids=KIND_VERSION_IDS)
def test_every_field_is_described_for_kubectl_explain(kind: str, version: str) -> None:
    missing: list[str] = []

    def walk(node: dict[str, Any], path: str) -> None:
        for name, child in node.get("properties", {}).items():
            if "description" not in child and path + name != ".metadata":  # the API server's ObjectMeta
                missing.append(path + name)
            walk(child, f"{path}{name}.")
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                walk(node[key], path)

    schema = _schema(kind, version)
    assert schema.get("description")
    walk(schema, ".")
    assert missing == []


# --- the upstream examples against their own version's schema -------------------------------------


def _upstream_docs() -> list[tuple[str, dict[str, Any]]]:
    if not EXAMPLES.is_dir():
        return []
    out = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        for i, doc in enumerate(yaml.safe_load_all(path.read_text(encoding="utf-8"))):
            if isinstance(doc, dict) and str(doc.get("apiVersion", "")).startswith(f"{GROUP}/"):
                out.append((f"{path.stem}#{i}-{doc['kind']}-{doc['apiVersion'].split('/')[1]}", doc))
    return out


UPSTREAM = _upstream_docs()


def test_upstream_examples_of_every_kind_and_version_are_found() -> None:
    if not UPSTREAM:
        pytest.skip("../shared/conformance/upstream-examples is not beside the repo")
    found = {(d["kind"], d["apiVersion"]) for _, d in UPSTREAM}
    assert {(k, f"{GROUP}/v1alpha2") for k in [*DUAL, "CoordinatedPolicy"]} <= found
    assert ("RoleBasedGroup", f"{GROUP}/v1alpha1") in found


@pytest.mark.parametrize(("doc_id", "doc"), UPSTREAM, ids=[i for i, _ in UPSTREAM])
def test_upstream_example_validates_against_its_versions_crd_schema(
    doc_id: str, doc: dict[str, Any], crd_dir: Path
) -> None:
    """Types, enums, bounds, patterns, required fields and no field the API server would prune, checked
    against the committed CRD file's schema of the document's own version."""
    crd = next(
        c
        for c in (yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(crd_dir.glob("*.yaml")))
        if c["spec"]["names"]["kind"] == doc["kind"]
    )
    version = doc["apiVersion"].split("/")[1]
    served = [v for v in crd["spec"]["versions"] if v["name"] == version and v["served"]]
    assert len(served) == 1, f"{doc['kind']} is not served in {version}"
    assert value_problems(doc, served[0]["schema"]["openAPIV3Schema"]) == [], doc_id


def test_the_other_versions_schema_would_prune_an_upstream_example() -> None:
    """The check above tells the versions apart: a v1alpha1 group is not a v1alpha2 one."""
    v1_groups = [
        d for _, d in UPSTREAM if d["apiVersion"] == f"{GROUP}/v1alpha1" and d["kind"] == "RoleBasedGroup"
    ]
    if not v1_groups:
        pytest.skip("../shared/conformance/upstream-examples is not beside the repo")
    problems = value_problems(v1_groups[0], _schema("RoleBasedGroup", "v1alpha2"))
    assert any("unknown field 'workload' would be pruned" in p for p in problems), problems


NAMES = [
    ("RoleBasedGroup", "rolebasedgroups", ["rbg"], "Namespaced"),
    ("RoleBasedGroupSet", "rolebasedgroupsets", ["rbgs"], "Namespaced"),
    ("RoleBasedGroupScalingAdapter", "rolebasedgroupscalingadapters", ["rbgsa"], "Namespaced"),
    ("InstanceSet", "instancesets", ["is"], "Namespaced"),
    ("Instance", "instances", ["ins"], "Namespaced"),
    ("ClusterEngineRuntimeProfile", "clusterengineruntimeprofiles", None, "Cluster"),
    ("CoordinatedPolicy", "coordinatedpolicies", ["cpolicy"], "Namespaced"),
]


@pytest.mark.parametrize(("kind", "plural", "short", "scope"), NAMES, ids=[n[0] for n in NAMES])
def test_names_and_scope_match_upstream(kind: str, plural: str, short: list[str] | None, scope: str) -> None:
    crd = _crd(kind)
    assert crd["metadata"]["name"] == f"{plural}.workloads.x-k8s.io"
    assert crd["spec"]["names"]["plural"] == plural
    assert crd["spec"]["names"].get("shortNames") == short
    assert crd["spec"]["names"]["listKind"] == f"{kind}List"
    assert crd["spec"]["scope"] == scope
    for version in crd["spec"]["versions"]:
        assert version["served"] is True
        assert version["subresources"]["status"] == {}


SCALE = [
    ("RoleBasedGroupScalingAdapter", ".status.selector"),
    ("InstanceSet", ".status.labelSelector"),
    ("RoleBasedGroupSet", ".status.selector"),
]


@pytest.mark.parametrize(("kind", "selector"), SCALE, ids=[s[0] for s in SCALE])
def test_scale_subresource(kind: str, selector: str) -> None:
    for version in _versions(kind):
        assert _version(kind, version)["subresources"]["scale"] == {
            "specReplicasPath": ".spec.replicas",
            "statusReplicasPath": ".status.replicas",
            "labelSelectorPath": selector,
        }, version


@pytest.mark.parametrize(
    "kind", ["RoleBasedGroup", "Instance", "ClusterEngineRuntimeProfile", "CoordinatedPolicy"]
)
def test_no_scale_subresource(kind: str) -> None:
    for version in _versions(kind):
        assert "scale" not in _version(kind, version)["subresources"], version


@pytest.mark.parametrize("version", ["v1alpha2", "v1alpha1"])
def test_rbg_printer_columns(version: str) -> None:
    columns = {c["name"]: c for c in _version("RoleBasedGroup", version)["additionalPrinterColumns"]}
    assert columns["READY"]["jsonPath"] == ".status.conditions[?(@.type=='Ready')].status"
    assert columns["ROLES"]["jsonPath"] == ".status.roleSummary"
    assert columns["AGE"]["type"] == "date"


@pytest.mark.parametrize(("kind", "version"), KIND_VERSIONS, ids=KIND_VERSION_IDS)
def test_printer_columns_come_from_the_versions_model(kind: str, version: str) -> None:
    model = (v1alpha2 if version == "v1alpha2" else v1alpha1).model_for_kind(kind)
    assert model is not None
    columns = [c["name"] for c in _version(kind, version).get("additionalPrinterColumns", [])]
    assert columns == [c.name for c in model.crd.printer_columns]


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
def test_rbg_v1alpha1_schema_facts(path: list[str], expected: Any) -> None:
    assert _walk(_schema("RoleBasedGroup", "v1alpha1"), path) == expected


def test_rbgs_template_carries_the_group_rules() -> None:
    template = _schema("RoleBasedGroupSet", "v1alpha1")["properties"]["spec"]["properties"]["template"]
    assert (
        template["x-kubernetes-validations"]
        == _schema("RoleBasedGroup", "v1alpha1")["properties"]["spec"]["x-kubernetes-validations"]
    )
    group_template = _schema("RoleBasedGroupSet", "v1alpha2")["properties"]["spec"]["properties"][
        "groupTemplate"
    ]
    assert (
        group_template["properties"]["spec"]["x-kubernetes-validations"]
        == _schema("RoleBasedGroup", "v1alpha2")["properties"]["spec"]["x-kubernetes-validations"]
    )


def _models() -> list[type[BaseModel]]:
    return list(dict.fromkeys([*docgen._models(v1alpha2.ROOT_KINDS), *docgen._models(v1alpha1.ROOT_KINDS)]))


@pytest.mark.parametrize(
    "model", _models(), ids=[f"{m.__module__.rsplit('.', 1)[-1]}.{m.__name__}" for m in _models()]
)
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


def _break_storage(crd: dict[str, Any]) -> None:
    for version in crd["spec"]["versions"]:
        version["storage"] = True


CRD_BREAKS = [
    ("metadata-constrained", _break_metadata, "metadata"),
    ("two-storage-versions", _break_storage, "exactly one version must be the storage version"),
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
