"""The mutating defaulter: legacy ``rollingUpdate.type`` values ("" and the v1alpha1 ``Recreate``) of
RoleBasedGroups and RoleBasedGroupSets of either version are rewritten to what the schema accepts
(rbg_operator.api.defaults), as a JSON patch from the kopf handler (rbg_operator.operator.defaulting)."""

from __future__ import annotations

import asyncio
import copy
from typing import Any, cast

import kopf
import pytest

from rbg_operator.api import keys
from rbg_operator.api.defaults import LEGACY_UPDATE_TYPES, Fix, apply_fixes, rollout_type_fixes
from rbg_operator.api.validation import errors_only, validate_object
from rbg_operator.operator import admission, defaulting
from tests.unit.api.cases import base_rbg, base_rbgs
from tests.unit.test_validation_v2 import base_v2_rbg, base_v2_rbgs

V1, V2 = keys.API_VERSION_V1ALPHA1, keys.API_VERSION_V1ALPHA2
TYPE = ("rolloutStrategy", "rollingUpdate", "type")


def _with_types(obj: dict[str, Any], roles_at: tuple[str, ...], *types: str | None) -> dict[str, Any]:
    node: Any = obj
    for part in roles_at:
        node = node[part]
    for role, value in zip(node, types, strict=False):
        if value is not None:
            role["rolloutStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"type": value}}
    return obj


CASES = [
    ("rbg-v1alpha2", base_v2_rbg, ("spec", "roles")),
    ("rbgs-v1alpha2", base_v2_rbgs, ("spec", "groupTemplate", "spec", "roles")),
    ("rbg-v1alpha1", base_rbg, ("spec", "roles")),
    ("rbgs-v1alpha1", base_rbgs, ("spec", "template", "roles")),
]


@pytest.mark.parametrize(("name", "base", "roles_at"), CASES, ids=[c[0] for c in CASES])
def test_legacy_types_are_rewritten_where_the_version_refuses_them(
    name: str, base: Any, roles_at: tuple[str, ...]
) -> None:
    obj = _with_types(base(), roles_at, "", "Recreate", "InPlaceOnly")
    version = obj["apiVersion"]
    fixes = rollout_type_fixes(obj)
    expected = [Fix((*roles_at, 0, *TYPE), "", "InPlaceIfPossible")]
    if version == V2:
        expected.append(Fix((*roles_at, 1, *TYPE), "Recreate", "RecreatePod"))
    assert fixes == expected
    before = copy.deepcopy(obj)
    apply_fixes(obj, fixes)
    assert rollout_type_fixes(obj) == [], "idempotent"
    changed = [f.at for f in fixes]
    assert obj != before and len(changed) == len(LEGACY_UPDATE_TYPES[version])
    assert errors_only(validate_object(obj)) == [], "the defaulted object is valid"


def test_absent_and_valid_types_are_left_alone() -> None:
    obj = _with_types(base_v2_rbg(), ("spec", "roles"), None, "RecreatePod", "InPlaceIfPossible")
    obj["spec"]["roles"][0]["rolloutStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}
    assert rollout_type_fixes(obj) == []


@pytest.mark.parametrize(
    "obj",
    [
        {},
        {"apiVersion": V2, "kind": "RoleBasedGroup"},
        {"apiVersion": V2, "kind": "RoleBasedGroup", "spec": {"roles": "x"}},
        {"apiVersion": V2, "kind": "RoleBasedGroup", "spec": {"roles": ["x", {"rolloutStrategy": 3}]}},
        {"apiVersion": V2, "kind": "CoordinatedPolicy", "spec": {"roles": [{"rolloutStrategy": {}}]}},
        {"apiVersion": "v9", "kind": "RoleBasedGroup", "spec": {"roles": []}},
    ],
    ids=["empty", "no-spec", "roles-not-a-list", "odd-roles", "other-kind", "other-version"],
)
def test_malformed_or_other_objects_have_no_fixes(obj: dict[str, Any]) -> None:
    assert rollout_type_fixes(obj) == []


def test_fix_paths_and_warning() -> None:
    fix = Fix(("spec", "groupTemplate", "spec", "roles", 2, *TYPE), "Recreate", "RecreatePod")
    assert fix.field_path == "spec.groupTemplate.spec.roles[2].rolloutStrategy.rollingUpdate.type"
    assert fix.pointer == "/spec/groupTemplate/spec/roles/2/rolloutStrategy/rollingUpdate/type"
    assert fix.warning == f"{fix.field_path}: 'Recreate' is stored as 'RecreatePod'"
    assert Fix(("a/b", "c~d"), "", "x").pointer == "/a~1b/c~0d"


def test_the_handler_answers_with_a_json_patch_and_warnings() -> None:
    raw = _with_types(base_v2_rbg(), ("spec", "roles"), "", "Recreate")
    body = kopf.Body(cast(kopf.RawBody, copy.deepcopy(raw)))
    patch, warnings = kopf.Patch(body=body), list[str]()
    asyncio.run(defaulting._default(body=body, patch=patch, warnings=warnings))
    assert patch.as_json_patch() == [
        {
            "op": "replace",
            "path": "/spec/roles/0/rolloutStrategy/rollingUpdate/type",
            "value": "InPlaceIfPossible",
        },
        {"op": "replace", "path": "/spec/roles/1/rolloutStrategy/rollingUpdate/type", "value": "RecreatePod"},
    ]
    assert len(warnings) == 2 and "'Recreate' is stored as 'RecreatePod'" in warnings[1]
    assert dict(body) == raw, "the request body itself is not touched"


def test_the_handler_leaves_a_clean_object_unpatched() -> None:
    body = kopf.Body(cast(kopf.RawBody, base_v2_rbg()))
    patch, warnings = kopf.Patch(body=body), list[str]()
    asyncio.run(defaulting._default(body=body, patch=patch, warnings=warnings))
    assert patch.as_json_patch() == [] and warnings == []


@pytest.mark.parametrize(
    ("webhook", "requested", "skipped"),
    [
        ("default-rolebasedgroups-v1alpha2", "v1alpha1", True),
        ("default-rolebasedgroups-v1alpha2", "v1alpha2", False),
        ("default-rolebasedgroups-v1alpha1", "v1alpha2", True),
        ("default-rolebasedgroupsets-v1alpha1", "v1alpha1", False),
        ("validate-rolebasedgroups", "v1alpha2", True),
        ("validate-rolebasedgroups-v1alpha2", "v1alpha2", False),
        ("validate-coordinatedpolicies-v1alpha2", "v1alpha1", False),
        ("drain-pods", "v1", False),
    ],
)
def test_each_request_is_defaulted_and_validated_once_by_its_versions_webhook(
    webhook: str, requested: str, skipped: bool
) -> None:
    assert admission.answered_elsewhere(webhook, requested) is skipped


def test_mutating_webhooks_are_registered_for_both_kinds_and_versions() -> None:
    registry = kopf.OperatorRegistry()
    admission.register(registry)
    mutating = sorted(h.id for h in registry._webhooks.get_all_handlers() if h.reason == "mutating")
    assert mutating == sorted(defaulting.VERSIONS_BY_ID)
    assert len(mutating) == 4
