"""examples/v1alpha2/: each file is the v1alpha2 twin of the v1alpha1 example of the same name one folder
up. It is accepted as the API server and the webhook would accept it (the v1alpha2 CRD schema, the JSON
Schema kubeconform uses, the admission checks), every role names a workload kind the operator runs, and
the planner makes the SAME objects of it as of its twin (children and status; owner apiVersion and
revisions included, as both are planned from the same v1alpha2 hub model), apart from the key spellings
declared in SPELLINGS, which change the objects only where those keys are written and in the hashes and
revision data that follow from them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from rbg_operator.api import keys
from rbg_operator.api.schema_values import value_problems
from rbg_operator.api.validation import errors_only, validate_object
from tests.unit import golden_support as gs
from tests.unit.hub import hub_group

ROOT = Path(__file__).resolve().parents[2]
V1_DIR = ROOT / "examples"
V2_DIR = V1_DIR / "v1alpha2"
V2_EXAMPLES = sorted(V2_DIR.glob("*.yaml"))
V2 = keys.API_VERSION_V1ALPHA2
#: Per example: the v1alpha2 keys it spells differently from its twin -> the twin's (v1alpha1) key.
#: Both spellings mean the same to the operator; they differ in the objects only where the key itself is
#: written (the router's pod template here) and in the hashes of what contains it.
SPELLINGS: dict[str, dict[str, str]] = {
    "exclusive-topology.yaml": {
        keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2: keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1,
        keys.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2: keys.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V1,
    },
}
#: Kubernetes objects of other API groups an example may carry beside its group.
OTHER_KINDS = {
    ("v1", "ServiceAccount"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
}
#: Labels and annotations whose values are hashes of the content (revision data).
HASH_KEYS = (
    keys.ANNOTATION_APPLIED_HASH,
    keys.LABEL_POD_TEMPLATE_HASH,
    keys.LABEL_GROUP_REVISION_V1,
    keys.LABEL_GROUP_REVISION_V2,
)
ROLE_REVISION = re.compile(
    "|".join(
        re.escape(f).replace(re.escape("{role}"), ".+")
        for f in (keys.LABEL_ROLE_REVISION_V1_FMT, keys.LABEL_ROLE_REVISION_V2_FMT)
    )
)


def load(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def the_group(docs: list[dict[str, Any]]) -> dict[str, Any]:
    (group,) = [d for d in docs if d["kind"] == keys.KIND_ROLE_BASED_GROUP]
    return group


def profiles(docs: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    return tuple(d for d in docs if d["kind"] == keys.KIND_ENGINE_RUNTIME_PROFILE)


def twin(path: Path) -> Path:
    return V1_DIR / path.name


def respelled(doc: dict[str, Any], spellings: dict[str, str]) -> dict[str, Any]:
    """``doc`` with every map key of ``spellings`` renamed (labels and annotations at any depth)."""

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {spellings.get(k, k): walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return dict(walk(doc))


def without_revision_data(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects with every hash of their content blanked and ControllerRevision data dropped."""

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: "<hash>" if (k in HASH_KEYS or ROLE_REVISION.fullmatch(k)) else walk(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    out = []
    for obj in objects:
        obj = walk(obj)
        if obj["kind"] == "ControllerRevision":
            obj.pop("data")
            obj["metadata"]["name"] = "<revision>"
        out.append(obj)
    return sorted(out, key=lambda o: json.dumps(o, sort_keys=True))


def test_every_v1alpha1_example_has_its_v1alpha2_twin() -> None:
    assert sorted(p.name for p in V2_EXAMPLES) == sorted(p.name for p in V1_DIR.glob("*.yaml"))


@pytest.mark.parametrize("path", V2_EXAMPLES, ids=[p.name for p in V2_EXAMPLES])
def test_example_is_accepted(path: Path) -> None:
    """The v1alpha2 CRD schema (nothing pruned), the JSON Schema and the admission checks take every
    document of ours; the other documents are the twin's (an HPA names its adapter in v1alpha2)."""
    crds = {
        c["spec"]["names"]["kind"]: c
        for c in (
            yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "crds").glob("*.yaml"))
        )
    }
    for doc in load(path):
        name = doc["metadata"]["name"]
        assert "namespace" not in doc["metadata"], f"{path.name}: {name} must work with kubectl -n"
        if not doc["apiVersion"].startswith(keys.GROUP + "/"):
            assert (doc["apiVersion"], doc["kind"]) in OTHER_KINDS, f"{path.name}: {name}"
            continue
        assert doc["apiVersion"] == V2, f"{path.name}: {doc['kind']} {name} is not v1alpha2"
        (version,) = [v for v in crds[doc["kind"]]["spec"]["versions"] if v["name"] == "v1alpha2"]
        assert version["served"] and version["storage"]
        assert value_problems(doc, version["schema"]["openAPIV3Schema"]) == [], f"{path.name}: {name}"
        group, ver = doc["apiVersion"].split("/")
        schema = json.loads((ROOT / "schemas" / group / f"{doc['kind'].lower()}_{ver}.json").read_text())
        problems = jsonschema.Draft7Validator(schema).iter_errors(doc)
        assert [f"{e.json_path}: {e.message}" for e in problems] == [], f"{path.name}: {name}"
        assert [str(e) for e in errors_only(validate_object(doc))] == [], f"{path.name}: {name}"


@pytest.mark.parametrize("path", V2_EXAMPLES, ids=[p.name for p in V2_EXAMPLES])
def test_every_role_names_the_workload_of_its_twin(path: Path) -> None:
    """No role is left to RoleInstanceSet (not run yet): each names its twin role's workload kind, and
    the roles, replicas and pods per replica are the twin's."""
    mine = the_group(load(path))
    for role in mine["spec"]["roles"]:
        assert keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2 in (role.get("annotations") or {}), role["name"]
    ours, theirs = hub_group(mine), hub_group(the_group(load(twin(path))))
    assert [(r.name, r.workload_type, r.replicas, r.group_size) for r in ours.spec.roles] == [
        (r.name, r.workload_type, r.replicas, r.group_size) for r in theirs.spec.roles
    ]
    assert keys.WORKLOAD_ROLEINSTANCESET not in {r.workload_type for r in ours.spec.roles}


@pytest.mark.parametrize("path", V2_EXAMPLES, ids=[p.name for p in V2_EXAMPLES])
def test_the_other_documents_are_the_twins(path: Path) -> None:
    """RBAC and HPAs are the twin's; an HPA targets an adapter of the group, named in v1alpha2."""
    mine = [d for d in load(path) if d["kind"] != keys.KIND_ROLE_BASED_GROUP]
    theirs = [d for d in load(twin(path)) if d["kind"] != keys.KIND_ROLE_BASED_GROUP]
    group = the_group(load(path))
    adapters = {
        f"{group['metadata']['name']}-{r['name']}"
        for r in group["spec"]["roles"]
        if (r.get("scalingAdapter") or {}).get("enable")
    }
    for doc in mine:
        if doc["kind"] == "HorizontalPodAutoscaler":
            ref = doc["spec"]["scaleTargetRef"]
            assert ref["apiVersion"] == V2 and ref["kind"] == keys.KIND_SCALING_ADAPTER
            assert ref["name"] in adapters, f"{ref['name']} is not one of {sorted(adapters)}"
            doc = {
                **doc,
                "spec": {**doc["spec"], "scaleTargetRef": {**ref, "apiVersion": keys.API_VERSION_V1ALPHA1}},
            }
        assert doc in theirs, f"{path.name}: {doc['kind']} {doc['metadata']['name']} differs from the twin's"
    assert len(mine) == len(theirs)


@pytest.mark.parametrize("path", V2_EXAMPLES, ids=[p.name for p in V2_EXAMPLES])
def test_plans_the_same_objects_as_its_twin(path: Path) -> None:
    """With the declared spellings put back to the twin's, byte for byte the same children and status
    (owner apiVersion and revisions included: both are planned from the same v1alpha2 hub model)."""
    docs, twin_docs = load(path), load(twin(path))
    ours = respelled(the_group(docs), SPELLINGS.get(path.name, {}))
    expected = gs.dump(gs.planned_children(the_group(twin_docs), profiles(twin_docs)))
    actual = gs.dump(gs.planned_children(ours, profiles(docs)))
    assert actual == expected, gs.diff(expected, actual, path.name)


@pytest.mark.parametrize("path", V2_EXAMPLES, ids=[p.name for p in V2_EXAMPLES])
def test_as_written_only_the_spelled_keys_and_revision_data_differ(path: Path) -> None:
    """As written (v1alpha2 spellings kept), the objects differ from the twin's only in those keys and in
    the hashes and revision data that follow from them."""
    docs, twin_docs = load(path), load(twin(path))
    spellings = SPELLINGS.get(path.name, {})
    expected = without_revision_data(gs.planned_children(the_group(twin_docs), profiles(twin_docs)))
    actual = without_revision_data(
        [respelled(o, spellings) for o in gs.planned_children(the_group(docs), profiles(docs))]
    )
    assert actual == expected, gs.diff(gs.dump(expected), gs.dump(actual), path.name)


@pytest.mark.parametrize("name", sorted(SPELLINGS))
def test_declared_spellings_are_used(name: str) -> None:
    """A declared spelling is one the example really writes, and the twin writes the other one."""
    mine, theirs = map_keys(the_group(load(V2_DIR / name))), map_keys(the_group(load(V1_DIR / name)))
    for v2_key, v1_key in SPELLINGS[name].items():
        assert v2_key in mine and v1_key not in mine, v2_key
        assert v1_key in theirs and v2_key not in theirs, v1_key


def map_keys(value: Any) -> set[str]:
    """Every map key at any depth."""
    if isinstance(value, dict):
        return set(value).union(*(map_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(map_keys(v) for v in value))
    return set()
