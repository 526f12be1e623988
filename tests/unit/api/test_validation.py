"""Semantic validation (the webhook's checks) and schema errors with Kubernetes field paths."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from rbg_operator.api.errors import ErrorType, FieldError, errors_only, join_path, warnings_only
from rbg_operator.api.v1alpha1 import RoleBasedGroup
from rbg_operator.api.validation import (
    WEBHOOK_CHECKS,
    validate_group_spec,
    validate_object,
    validate_rolebasedgroup,
)
from tests.unit.api.cases import (
    INVALID_CASES,
    InvalidCase,
    base_profile,
    base_rbg,
    base_rbgs,
    base_rbgsa,
    container,
)
from tests.unit.api.conftest import upstream_v1alpha1_docs

UPSTREAM = upstream_v1alpha1_docs()
VALID = [
    ("rbg", base_rbg()),
    ("rbgs", base_rbgs()),
    ("rbgsa", base_rbgsa()),
    ("profile", base_profile()),
    *UPSTREAM,
]


def test_enough_invalid_cases() -> None:
    assert len({c.id for c in INVALID_CASES}) == len(INVALID_CASES) >= 25


@pytest.mark.parametrize("case", INVALID_CASES, ids=[c.id for c in INVALID_CASES])
def test_invalid_manifest_is_rejected_at_path(case: InvalidCase) -> None:
    problems = errors_only(validate_object(case.manifest()))
    paths = [p.path for p in problems]
    assert case.path in paths, f"expected an error at {case.path}, got {[str(p) for p in problems]}"
    assert any(case.path in str(p) for p in problems)


@pytest.mark.parametrize(("doc_id", "doc"), VALID, ids=[i for i, _ in VALID])
def test_valid_manifest_has_no_problems(doc_id: str, doc: dict[str, Any]) -> None:
    assert validate_object(copy.deepcopy(doc)) == [], doc_id


WARNINGS = [
    ("unavailable-rounds-to-zero", {"maxSurge": 0, "maxUnavailable": "10%"}, 2),
    ("surge-percent-zero-at-one", {"maxSurge": "0%", "maxUnavailable": "50%"}, 1),
]


@pytest.mark.parametrize(
    ("update", "replicas"), [(u, r) for _, u, r in WARNINGS], ids=[i for i, _, _ in WARNINGS]
)
def test_percentages_rounding_to_zero_only_warn(update: dict[str, Any], replicas: int) -> None:
    obj = base_rbg()
    obj["spec"]["roles"][0].update(replicas=replicas, rolloutStrategy={"rollingUpdate": update})
    problems = validate_object(obj)
    assert errors_only(problems) == []
    assert [p.path for p in warnings_only(problems)] == ["spec.roles[0].rolloutStrategy.rollingUpdate"]


def test_rollout_checks_skip_scaled_to_zero_roles() -> None:
    obj = base_rbg()
    obj["spec"]["roles"][0].update(replicas=0, rolloutStrategy={"rollingUpdate": {"partition": 3}})
    assert validate_object(obj) == []


CYCLES = [
    ("two", {"prefill": ["router"]}, ["prefill -> router -> prefill"]),
    # router depends on prefill and decode, so decode -> router closes a second cycle.
    (
        "three",
        {"prefill": ["decode"], "decode": ["router"]},
        ["prefill -> decode -> router -> prefill", "decode -> router -> decode"],
    ),
]


@pytest.mark.parametrize(("deps", "cycle"), [(d, c) for _, d, c in CYCLES], ids=[i for i, _, _ in CYCLES])
def test_each_cycle_is_reported_once(deps: dict[str, list[str]], cycle: list[str]) -> None:
    obj = base_rbg()
    for role in obj["spec"]["roles"]:
        role.setdefault("dependencies", [])
        role["dependencies"] = deps.get(role["name"], role["dependencies"])
    problems = [p.reason for p in validate_object(obj) if "cycle" in p.reason]
    assert problems == [f"dependency cycle: {c}" for c in cycle]


def test_every_problem_is_reported_not_just_the_first() -> None:
    obj = base_rbg()
    roles = obj["spec"]["roles"]
    roles[0]["dependencies"] = ["nope"]
    roles[1]["servicePorts"] = [{"port": 80}, {"port": 81}]
    roles[2]["templatePatch"] = {}
    paths = {p.path for p in validate_object(obj)}
    assert {
        "spec.roles[0].dependencies[0]",
        "spec.roles[1].servicePorts[0].name",
        "spec.roles[2].templatePatch",
    } <= paths


def test_error_types() -> None:
    obj = base_rbg()
    obj["spec"]["roles"][2]["dependencies"] = ["cache"]
    (problem,) = validate_object(obj)
    assert problem == FieldError(
        "spec.roles[2].dependencies[0]", "role 'cache' does not exist", ErrorType.NOT_FOUND
    )
    assert str(problem) == "spec.roles[2].dependencies[0]: role 'cache' does not exist"


def test_schema_errors_use_kubernetes_paths() -> None:
    obj = base_rbg()
    obj["spec"]["roles"][1]["replicas"] = "many"
    obj["spec"]["roles"][2]["rolloutStrategy"] = {"rollingUpdate": {"maxSurge": "x"}}
    paths = {p.path for p in validate_object(obj)}
    assert paths == {"spec.roles[1].replicas", "spec.roles[2].rolloutStrategy.rollingUpdate.maxSurge"}


def test_unknown_kind() -> None:
    assert validate_object({"kind": "Pod"}) == [
        FieldError("kind", "unsupported kind 'Pod'", ErrorType.NOT_SUPPORTED)
    ]


def test_group_spec_validation_under_a_prefix() -> None:
    spec = RoleBasedGroup.from_dict(base_rbg()).spec
    spec.roles[0].dependencies = ["ghost"]
    assert [p.path for p in validate_group_spec(spec, "spec.template")] == [
        "spec.template.roles[0].dependencies[0]"
    ]


def test_instanceset_role_with_template_is_valid() -> None:
    obj = base_rbg()
    obj["spec"]["roles"][0]["workload"] = {"apiVersion": "workloads.x-k8s.io/v1alpha1", "kind": "InstanceSet"}
    assert validate_rolebasedgroup(RoleBasedGroup.from_dict(obj)) == []


def test_template_ref_with_patch_is_valid() -> None:
    obj = base_rbg()
    obj["spec"]["roleTemplates"] = [{"name": "base", "template": {"spec": {"containers": [container()]}}}]
    role = obj["spec"]["roles"][0]
    del role["template"]
    role.update(
        templateRef={"name": "base"},
        templatePatch={"spec": {"containers": [{"name": "main", "args": ["-x"]}]}},
    )
    assert validate_object(obj) == []


@pytest.mark.parametrize(
    ("parts", "expected"),
    [(("spec", "roles", 2, "name"), "spec.roles[2].name"), (("", "a"), "a"), (("x",), "x")],
    ids=["nested", "empty-prefix", "prefix-only"],
)
def test_join_path(parts: tuple[Any, ...], expected: str) -> None:
    assert join_path(*parts) == expected


def test_webhook_checks_are_documented() -> None:
    assert len(WEBHOOK_CHECKS) >= 5
