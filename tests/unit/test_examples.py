"""Every manifest in examples/ parses with the models and passes admission validation; the Kubernetes
objects that come with them (RBAC for a router, an HPA) are well-formed and point at what the group
creates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rbg_operator.api import keys
from rbg_operator.api.validation import errors_only, validate_object

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))
#: Kinds of other API groups an example may carry alongside its groups (all namespaced, no namespace set).
OTHER_KINDS = {
    ("v1", "ServiceAccount"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
}


def load(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_there_are_examples() -> None:
    assert EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_is_valid(path: Path) -> None:
    docs = load(path)
    assert docs
    assert any(d["kind"] == keys.KIND_ROLE_BASED_GROUP for d in docs), f"{path.name}: no RoleBasedGroup"
    for doc in docs:
        name = doc["metadata"]["name"]
        assert "namespace" not in doc["metadata"], f"{path.name}: {name} must work with kubectl -n"
        if doc["apiVersion"].startswith(keys.GROUP + "/"):
            assert errors_only(validate_object(doc)) == [], f"{path.name}: {name}"
        else:
            assert (doc["apiVersion"], doc["kind"]) in OTHER_KINDS, f"{path.name}: {name}"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_autoscalers_target_an_adapter_of_the_example(path: Path) -> None:
    docs = load(path)
    adapters = {
        f"{d['metadata']['name']}-{r['name']}"
        for d in docs
        if d["kind"] == keys.KIND_ROLE_BASED_GROUP
        for r in d["spec"]["roles"]
        if (r.get("scalingAdapter") or {}).get("enable")
    }
    for hpa in (d for d in docs if d["kind"] == "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        assert ref["apiVersion"] == keys.API_VERSION_V1ALPHA1 and ref["kind"] == keys.KIND_SCALING_ADAPTER
        assert ref["name"] in adapters, f"{path.name}: {ref['name']} is not one of {sorted(adapters)}"
