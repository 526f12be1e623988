"""v1alpha2 admission on the devcluster: the CRD schemas, CEL rules and the operator's validating webhook
refuse invalid v1alpha2 objects of every kind with an HTTP 4xx that names the field and the reason, and
create nothing (the table of tests/unit/test_validation_v2.py, replayed, configuration annotations of
both versions included; an inert annotation is accepted with a warning); a CoordinatedPolicy is checked
against its group; a v1alpha1 write that is valid in v1alpha1 but not as the v1alpha2 object it is stored
as is refused; and the mutating defaulter stores legacy rollingUpdate.type values ("" and the v1alpha1
``Recreate``) normalised, so the next write of such a group succeeds."""

from __future__ import annotations

import copy
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from rbg_operator.api import keys
from rbg_operator.devcluster.rest import ApiError
from tests.e2e.kube import Kube
from tests.e2e.operator_process import WEBHOOK_CONFIG
from tests.e2e.test_admission import _names_field
from tests.unit.api.cases import InvalidCase
from tests.unit.test_validation_v2 import (
    STORED_INVALID_CASES,
    V1_ANNOTATION_CASES,
    V2_INVALID_CASES,
    base_policy,
    base_v2_rbg,
    base_v2_rbgs,
)

pytestmark = pytest.mark.usefixtures("operator")
JSON = dict[str, Any]
V1, V2 = keys.API_VERSION_V1ALPHA1, keys.API_VERSION_V1ALPHA2


@pytest.fixture(scope="module")
def shared_ns(kube: Kube) -> Iterator[str]:
    """One namespace for the refused objects (nothing is ever created in it)."""
    name = f"e2e-adm-v2-{secrets.token_hex(4)}"
    kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    yield name
    kube.delete("Namespace", name)


def _namespaced(kube: Kube, kind: str) -> bool:
    return kube.path(kind) != kube.path(kind, "x")


def _path(kube: Kube, obj: JSON, namespace: str, name: str | None = None) -> str:
    ns = namespace if _namespaced(kube, obj["kind"]) else None
    return kube.path(obj["kind"], ns, name, obj["apiVersion"].rpartition("/")[2])


def _placed(kube: Kube, obj: JSON, namespace: str) -> JSON:
    obj = copy.deepcopy(obj)
    if _namespaced(kube, obj["kind"]):
        obj["metadata"]["namespace"] = namespace
    return obj


def _write(
    kube: Kube, method: str, path: str, body: JSON, ctype: str = "application/json"
) -> tuple[JSON, list[str]]:
    """A request whose admission warnings (``Warning`` headers) are returned with the object."""
    req = urllib.request.Request(kube.rest.server + path, data=json.dumps(body).encode(), method=method)
    req.add_header("Content-Type", ctype)
    req.add_header("Accept", "application/json")
    try:
        with urllib.request.urlopen(req, context=kube.rest.context(), timeout=15) as resp:
            return json.loads(resp.read()), resp.headers.get_all("Warning") or []
    except urllib.error.HTTPError as err:
        raise ApiError(err.code, err.read().decode(errors="replace")[:8000]) from err


def _create(kube: Kube, obj: JSON, namespace: str) -> tuple[JSON, list[str]]:
    return _write(kube, "POST", _path(kube, obj, namespace), _placed(kube, obj, namespace))


def _assert_refused(kube: Kube, case: InvalidCase, namespace: str) -> str:
    obj = case.manifest()
    with pytest.raises(ApiError) as err:
        _create(kube, obj, namespace)
    assert err.value.status in (400, 422), err.value
    message = str(err.value)
    assert _names_field(case, message), f"expected the field {case.path!r} in: {message}"
    ns = namespace if _namespaced(kube, obj["kind"]) else None
    assert kube.get(obj["kind"], obj["metadata"]["name"], ns) is None, "nothing is created"
    return message


@pytest.mark.parametrize("case", V2_INVALID_CASES, ids=[c.id for c in V2_INVALID_CASES])
def test_invalid_v1alpha2_object_is_refused_naming_the_field(
    kube: Kube, shared_ns: str, case: InvalidCase
) -> None:
    message = _assert_refused(kube, case, shared_ns)
    # The table says which layer refuses it: the API server's schema and CEL before any webhook runs.
    assert ("denied the request" in message) is (case.server == "webhook"), message


@pytest.mark.parametrize("case", STORED_INVALID_CASES, ids=[c.id for c in STORED_INVALID_CASES])
def test_v1alpha1_object_invalid_only_as_stored_is_refused(
    kube: Kube, shared_ns: str, case: InvalidCase
) -> None:
    """Valid v1alpha1, but its conversion (what is stored and planned) puts a leader/worker pattern on a
    StatefulSet or Deployment role: refused in v1alpha1 terms, with the v1alpha2 field it becomes."""
    assert case.manifest()["apiVersion"] == V1
    message = _assert_refused(kube, case, shared_ns)
    assert "denied the request" in message and case.path in message, message
    assert "leaderWorkerPattern" in message and "the version it is stored in" in message, message


@pytest.mark.parametrize("case", V1_ANNOTATION_CASES, ids=[c.id for c in V1_ANNOTATION_CASES])
def test_v1alpha1_annotation_is_refused_naming_the_field(
    kube: Kube, shared_ns: str, case: InvalidCase
) -> None:
    """The configuration annotations of a v1alpha1 group or set are checked as the planners read them."""
    assert case.manifest()["apiVersion"] == V1
    message = _assert_refused(kube, case, shared_ns)
    assert "denied the request" in message, message


def test_inert_annotation_is_accepted_with_a_warning(kube: Kube, namespace: str) -> None:
    """A setting another one makes inert is stored, and the client is told why it does nothing."""
    group = _small_group("inert")
    group["metadata"]["annotations"] = {keys.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2: "120"}
    _, warnings = _create(kube, group, namespace)
    assert any(
        keys.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2 in w and "gang scheduling is off" in w for w in warnings
    ), warnings
    assert kube.get("RoleBasedGroup", "inert", namespace, "v1alpha2") is not None


def _small_group(name: str = "demo2") -> JSON:
    """base_v2_rbg scaled to zero: stored and reconciled, but no pods."""
    group = base_v2_rbg()
    group["metadata"] = {"name": name}
    for role in group["spec"]["roles"]:
        role["replicas"] = 0
    return group


def test_coordinated_policy_is_checked_against_its_group(kube: Kube, namespace: str) -> None:
    _create(kube, _small_group(), namespace)
    policy = base_policy()
    policy["spec"]["policies"][0]["roles"] = ["prefill", "cache"]
    with pytest.raises(ApiError) as err:
        _create(kube, policy, namespace)
    assert err.value.status == 422, err.value
    assert "spec.policies[0].roles[1]" in str(err.value)
    assert "'cache' does not exist in RoleBasedGroup 'demo2'" in str(err.value)
    assert kube.get("CoordinatedPolicy", "demo2", namespace) is None

    _, warnings = _create(kube, base_policy(), namespace)
    assert warnings == []
    assert kube.get("CoordinatedPolicy", "demo2", namespace) is not None

    # A group write that drops a role its policy names is allowed, with a warning naming the policy.
    roles = _small_group()["spec"]["roles"]
    kept = [roles[0], {**roles[2], "dependencies": ["prefill"]}]
    path = kube.path("RoleBasedGroup", namespace, "demo2", "v1alpha2")
    _, warnings = _write(kube, "PATCH", path, {"spec": {"roles": kept}}, "application/merge-patch+json")
    assert any("CoordinatedPolicy 'demo2' names role 'decode'" in w for w in warnings), warnings


def test_coordinated_policy_before_its_group_is_accepted_with_a_warning(kube: Kube, namespace: str) -> None:
    """Upstream lets the policy come first; it applies to the group of its name once that exists."""
    _, warnings = _create(kube, base_policy(), namespace)
    assert any("no RoleBasedGroup 'demo2'" in w for w in warnings), warnings
    assert kube.get("CoordinatedPolicy", "demo2", namespace) is not None


# --- the mutating defaulter -------------------------------------------------------------------------


def _mutating_webhook_ready(kube: Kube) -> None:
    def ready() -> bool:
        try:
            cfg = kube.rest.request(
                "GET", f"/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/{WEBHOOK_CONFIG}"
            )
        except ApiError:
            return False
        return len(cfg.get("webhooks") or []) == 4

    kube.wait_for("the mutating webhook configuration", ready, timeout=30)


def _types(obj: JSON, roles_at: tuple[str, ...] = ("spec", "roles")) -> list[str | None]:
    node: Any = obj
    for part in roles_at:
        node = node[part]
    return [((r.get("rolloutStrategy") or {}).get("rollingUpdate") or {}).get("type") for r in node]


def _legacy(obj: JSON, roles_at: tuple[str, ...], *types: str) -> JSON:
    node: Any = obj
    for part in roles_at:
        node = node[part]
    for role, value in zip(node, types, strict=False):
        role["rolloutStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"type": value}}
    return obj


def test_legacy_update_types_of_a_v1alpha2_group_are_stored_normalised(kube: Kube, namespace: str) -> None:
    _mutating_webhook_ready(kube)
    group = _legacy(_small_group("legacy"), ("spec", "roles"), "", "Recreate", "InPlaceOnly")
    stored, warnings = _create(kube, group, namespace)
    assert _types(stored) == ["InPlaceIfPossible", "RecreatePod", "InPlaceOnly"]
    assert any("'Recreate' is stored as 'RecreatePod'" in w for w in warnings), warnings
    read = kube.get("RoleBasedGroup", "legacy", namespace, "v1alpha2")
    assert read is not None and _types(read) == ["InPlaceIfPossible", "RecreatePod", "InPlaceOnly"]

    # The next writes succeed: a label, and a server-side apply of the original (legacy) manifest.
    kube.patch(
        "RoleBasedGroup", "legacy", namespace, {"metadata": {"labels": {"a": "b"}}}, version="v1alpha2"
    )
    applied = kube.apply(_legacy(_small_group("legacy"), ("spec", "roles"), "Recreate", ""), namespace)
    assert _types(applied) == ["RecreatePod", "InPlaceIfPossible", "InPlaceOnly"]
    # Read in v1alpha1, the values are ones v1alpha1 accepts too.
    assert _types(kube.get("RoleBasedGroup", "legacy", namespace) or {}) == _types(applied)


def test_legacy_update_types_of_a_v1alpha1_group_and_of_sets(kube: Kube, namespace: str) -> None:
    _mutating_webhook_ready(kube)
    v1 = {
        "apiVersion": V1,
        "kind": "RoleBasedGroup",
        "metadata": {"name": "legacy-v1"},
        "spec": {
            "roles": [
                {
                    "name": r,
                    "replicas": 0,
                    "template": {"spec": {"containers": [{"name": "c", "image": "x:1"}]}},
                }
                for r in ("a", "b")
            ]
        },
    }
    stored, _ = _create(kube, _legacy(v1, ("spec", "roles"), "", "Recreate"), namespace)
    assert _types(stored) == ["InPlaceIfPossible", "Recreate"], "v1alpha1 keeps its own Recreate"
    as_v2 = kube.get("RoleBasedGroup", "legacy-v1", namespace, "v1alpha2") or {}
    assert _types(as_v2) == ["InPlaceIfPossible", "RecreatePod"]
    kube.patch("RoleBasedGroup", "legacy-v1", namespace, {"metadata": {"labels": {"a": "b"}}})

    at = ("spec", "groupTemplate", "spec", "roles")
    rbgs = _legacy(base_v2_rbgs(), at, "Recreate", "")
    rbgs["metadata"] = {"name": "legacy-set"}
    rbgs["spec"]["replicas"] = 0
    stored, _ = _create(kube, rbgs, namespace)
    assert _types(stored, at)[:2] == ["RecreatePod", "InPlaceIfPossible"]
    labels = {"metadata": {"labels": {"a": "b"}}}
    kube.patch("RoleBasedGroupSet", "legacy-set", namespace, labels, version="v1alpha2")
