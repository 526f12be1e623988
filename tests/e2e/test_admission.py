"""Admission on the devcluster: the CRD schemas, CEL rules and the operator's validating webhook reject bad
input at apply time, naming the field; upstream v1alpha1 manifests are accepted unchanged."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from rbg_operator.api import keys
from rbg_operator.api.convert import convert
from rbg_operator.api.v1alpha1 import parse_object
from rbg_operator.devcluster.rest import ApiError
from tests.e2e.kube import Kube
from tests.e2e.operator_process import OperatorProcess, remove_webhooks
from tests.e2e.test_rbg_reconciler import wait_ready
from tests.shared_dir import upstream_examples
from tests.unit.api.cases import INVALID_CASES, InvalidCase

UPSTREAM = upstream_examples()
pytestmark = pytest.mark.usefixtures("operator")


def v1alpha1_docs() -> list[tuple[str, dict[str, Any]]]:
    docs = []
    for path in sorted(UPSTREAM.glob("*.yaml")):
        for i, doc in enumerate(yaml.safe_load_all(path.read_text())):
            if doc and doc.get("apiVersion") == "workloads.x-k8s.io/v1alpha1":
                docs.append((f"{path.stem}#{i}", doc))
    return docs


def _create(kube: Kube, obj: dict[str, Any], namespace: str, dry_run: bool = False) -> dict[str, Any]:
    obj = copy.deepcopy(obj)
    namespaced = kube.path(obj["kind"]) != kube.path(obj["kind"], "x")
    if namespaced:
        obj["metadata"]["namespace"] = namespace
    path = kube.path(obj["kind"], namespace if namespaced else None) + ("?dryRun=All" if dry_run else "")
    return dict(kube.rest.request("POST", path, obj))


@pytest.mark.parametrize("case", INVALID_CASES, ids=[c.id for c in INVALID_CASES])
def test_invalid_manifest_is_rejected_naming_the_field(kube: Kube, namespace: str, case: InvalidCase) -> None:
    obj = case.manifest()
    with pytest.raises(ApiError) as err:
        _create(kube, obj, namespace)
    assert err.value.status in (400, 422), err.value
    message = str(err.value)
    assert _names_field(case, message), f"expected the field {case.path!r} in: {message}"
    namespaced = obj["kind"] != "ClusterEngineRuntimeProfile"
    assert kube.get(obj["kind"], obj["metadata"]["name"], namespace if namespaced else None) is None


def _names_field(case: InvalidCase, message: str) -> bool:
    """Webhook errors name the exact field. The API server's own checks (CEL rules, list-map keys) can only
    name the node they sit on (a rule cannot point at a list index), so for those the nearest enclosing
    field must be named, next to the rule's reason."""
    if case.path in message:
        return True
    if case.server == "webhook":
        return False
    path = case.path
    while "." in path or "[" in path:
        path = path[: max(path.rfind("."), path.rfind("["))]
        if path.count(".") >= 1 and f'"field":"{path}"' in message.replace(" ", ""):
            return True
    return False


def test_there_are_at_least_25_invalid_cases() -> None:
    assert len(INVALID_CASES) >= 25
    assert {c.server for c in INVALID_CASES} == {"schema", "cel", "webhook"}


@pytest.mark.parametrize(("name", "doc"), v1alpha1_docs(), ids=[n for n, _ in v1alpha1_docs()])
def test_upstream_v1alpha1_manifest_is_accepted_and_round_trips(
    kube: Kube, namespace: str, name: str, doc: dict[str, Any]
) -> None:
    stored = _create(kube, doc, namespace, dry_run=True)
    assert stored["spec"] == parse_object(doc).to_dict()["spec"], "the server and the models disagree"
    assert parse_object(doc).to_dict_as_given()["spec"] == doc["spec"], "the models lost a field"


@pytest.mark.parametrize(
    "file",
    [
        "examples__deprecated__v1alpha1__basics__rbg-base.yaml",
        "examples__deprecated__v1alpha1__basics__coordination.yaml",
    ],
)
def test_upstream_example_reaches_ready(kube: Kube, namespace: str, file: str) -> None:
    doc = yaml.safe_load((UPSTREAM / file).read_text())
    _create(kube, doc, namespace)
    rbg = wait_ready(kube, namespace, doc["metadata"]["name"], timeout=120)
    assert all(r["readyReplicas"] == r["replicas"] for r in rbg["status"]["roleStatuses"])


def test_upstream_restart_policy_example_runs_its_roles(kube: Kube, namespace: str) -> None:
    """Its LeaderWorkerSet role needs the LWS controller (not on the devcluster): the other roles run."""
    doc = yaml.safe_load(
        (UPSTREAM / "examples__deprecated__v1alpha1__basics__restart-policy.yaml").read_text()
    )
    _create(kube, doc, namespace)

    def roles_ready() -> bool:
        rbg = kube.get("RoleBasedGroup", "restart-policy", namespace) or {}
        statuses = {r["name"]: r for r in rbg.get("status", {}).get("roleStatuses", [])}
        return all(statuses.get(n, {}).get("readyReplicas") == 4 for n in ("sts", "deployment"))

    kube.wait_for("the StatefulSet and Deployment roles ready", roles_ready, timeout=90)
    assert kube.get("LeaderWorkerSet", "restart-policy-lws", namespace) is not None


def test_replicas_owned_by_a_bound_scaling_adapter_cannot_be_changed(kube: Kube, namespace: str) -> None:
    group = {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "RoleBasedGroup",
        "metadata": {"name": "scaled"},
        "spec": {
            "roles": [
                {
                    "name": "decode",
                    "replicas": 2,
                    "template": {"spec": {"containers": [{"name": "c", "image": "x:1"}]}},
                }
            ]
        },
    }
    kube.create(group, namespace)
    kube.create(
        {
            "apiVersion": "workloads.x-k8s.io/v1alpha1",
            "kind": "RoleBasedGroupScalingAdapter",
            "metadata": {"name": "scaled-decode"},
            "spec": {"replicas": 3, "scaleTargetRef": {"name": "scaled", "role": "decode"}},
        },
        namespace,
    )

    # The operator binds the adapter (it names the group and role) and the role follows it.
    def bound() -> bool:
        adapter = kube.get("RoleBasedGroupScalingAdapter", "scaled-decode", namespace) or {}
        rbg = kube.get("RoleBasedGroup", "scaled", namespace) or {}
        return (adapter.get("status") or {}).get("phase") == "Bound" and rbg["spec"]["roles"][0][
            "replicas"
        ] == 3

    kube.wait_for("adapter bound and followed", bound, 60)
    with pytest.raises(ApiError) as err:
        kube.patch(
            "RoleBasedGroup",
            "scaled",
            namespace,
            {"spec": {"roles": [{**group["spec"]["roles"][0], "replicas": 5}]}},
        )
    assert "spec.roles[0].replicas" in str(err.value) and "scaled-decode" in str(err.value)
    assert kube.get("RoleBasedGroup", "scaled", namespace)["spec"]["roles"][0]["replicas"] == 3
    # Agreeing with the adapter is allowed.
    kube.patch(
        "RoleBasedGroup",
        "scaled",
        namespace,
        {"spec": {"roles": [{**group["spec"]["roles"][0], "replicas": 3}]}},
    )


def test_an_object_stored_before_a_check_keeps_accepting_changes_that_add_no_error(
    kube: Kube, namespace: str, operator: OperatorProcess
) -> None:
    """Ratcheting: a group that a newer check refuses (here: stored while no webhook ran) keeps accepting
    writes that add no error of their own (labels, finalizers, the storage migration's rewrite, a replica
    change), each with a warning naming the old error; a write that adds an error is refused."""
    (case,) = [c for c in INVALID_CASES if c.id == "dependency-cycle-3"]
    obj = convert(case.manifest(), keys.API_VERSION_V1ALPHA2)  # v1alpha1 needs the operator's conversion
    name = obj["metadata"]["name"]
    obj["metadata"]["namespace"] = namespace
    operator.stop()
    remove_webhooks(kube)
    try:
        kube.create(obj, namespace)
    finally:
        operator.start(kube)
    kube.patch("RoleBasedGroup", name, namespace, {"metadata": {"labels": {"team": "inference"}}})
    kube.patch("RoleBasedGroup", name, namespace, {}, version="v1alpha2")  # the migration's rewrite
    roles = copy.deepcopy(kube.get("RoleBasedGroup", name, namespace)["spec"]["roles"])
    roles[0]["replicas"] = roles[0].get("replicas", 1) + 1
    kube.patch("RoleBasedGroup", name, namespace, {"spec": {"roles": roles}})
    roles[0]["dependencies"] = [*roles[0].get("dependencies", []), "no-such-role"]
    with pytest.raises(ApiError) as err:
        kube.patch("RoleBasedGroup", name, namespace, {"spec": {"roles": roles}})
    assert err.value.status == 422 and "spec.roles" in str(err.value), err.value
    assert "every dependency must name a role" in str(err.value), err.value
    assert case.path not in str(err.value), "the old error is not the reason of the refusal"
    kube.delete("RoleBasedGroup", name, namespace)
