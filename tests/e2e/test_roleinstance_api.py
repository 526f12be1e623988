"""The RoleInstanceSet and RoleInstance API on the devcluster (no controller yet): the CRDs from crds/ are
established, objects are accepted and read back with upstream's defaults, `kubectl get` prints the
printer columns, the scale subresource answers with the label selector, and bad values are refused
naming the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rbg_operator.api import keys
from rbg_operator.devcluster.rest import ApiError
from tests.e2e.kube import Kube, kubectl

API = "workloads.x-k8s.io/v1alpha2"
CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"


def _template(name: str) -> dict[str, Any]:
    return {"spec": {"containers": [{"name": name, "image": f"{name}:v1"}]}}


def role_instance_set(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": API,
        "kind": "RoleInstanceSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": 2,
            "roleInstanceTemplate": {
                "components": [
                    {"name": "leader", "size": 1, "template": _template("leader")},
                    {"name": "worker", "size": 2, "template": _template("worker")},
                ],
                "restartPolicy": "RecreateRoleInstanceOnPodRestart",
            },
            **spec,
        },
    }


def _table(text: str) -> list[list[str]]:
    return [line.split() for line in text.strip().splitlines()]


@pytest.mark.parametrize("plural", ["roleinstancesets", "roleinstances"])
def test_crds_are_installed_and_established(kube: Kube, plural: str) -> None:
    crd = kube.rest.request("GET", f"{CRD_PATH}{plural}.workloads.x-k8s.io")
    assert [(v["name"], v["served"], v["storage"]) for v in crd["spec"]["versions"]] == [
        ("v1alpha2", True, True)
    ]
    conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
    assert conditions.get("Established") == "True" and conditions.get("NamesAccepted") == "True"


def test_role_instance_set_defaults_columns_and_scale(kube: Kube, namespace: str, kubeconfig: Path) -> None:
    created = kube.create(role_instance_set("demo-decode"), namespace)
    spec = created["spec"]
    assert spec["podManagementPolicy"] == "Parallel" and spec["revisionHistoryLimit"] == 10
    # Nothing is defaulted inside the template (upstream's is schemaless) and nothing else is added.
    assert "readyPolicy" not in spec["roleInstanceTemplate"]
    assert sorted(spec) == ["podManagementPolicy", "replicas", "revisionHistoryLimit", "roleInstanceTemplate"]
    stateless = role_instance_set("demo-router", updateStrategy={"type": "RecreatePod", "partition": "50%"})
    stateless["metadata"]["annotations"] = {
        keys.ANNOTATION_ROLE_INSTANCE_PATTERN_V2: keys.INSTANCE_PATTERN_STATELESS
    }
    read = kube.create(stateless, namespace)
    assert read["spec"]["updateStrategy"] == {"type": "RecreatePod", "partition": "50%"}

    # What the controller will write: counts and the selector the scale subresource reports.
    selector = f"{keys.LABEL_GROUP_NAME_V2}=demo,{keys.LABEL_ROLE_NAME_V2}=decode"
    status = {
        "replicas": 2,
        "readyReplicas": 1,
        "availableReplicas": 1,
        "currentReplicas": 0,
        "updatedReplicas": 2,
        "updatedReadyReplicas": 1,
        "labelSelector": selector,
    }
    kube.patch("RoleInstanceSet", "demo-decode", namespace, {"status": status}, subresource="status")
    got = kube.get("RoleInstanceSet", "demo-decode", namespace)
    assert got is not None and got["status"] == status

    path = kube.path("RoleInstanceSet", namespace, "demo-decode") + "/scale"
    scale = kube.rest.request("GET", path)
    assert (scale["kind"], scale["spec"]["replicas"]) == ("Scale", 2)
    assert scale["status"] == {"replicas": 2, "selector": selector}
    # kubectl scale ris/demo-decode --replicas=4
    kubectl(kubeconfig, "-n", namespace, "scale", "ris/demo-decode", "--replicas=4")
    scaled = kube.get("RoleInstanceSet", "demo-decode", namespace)
    assert scaled is not None and scaled["spec"]["replicas"] == 4

    rows = _table(kubectl(kubeconfig, "-n", namespace, "get", "roleinstancesets", "-o", "wide"))
    assert rows[0] == ["NAME", "DESIRED", "UPDATED", "UPDATED_READY", "READY", "TOTAL", "AGE", "SELECTOR"]
    decode = next(r for r in rows[1:] if r[0] == "demo-decode")
    assert decode[1:6] == ["4", "2", "1", "1", "2"] and decode[7] == selector
    short = _table(kubectl(kubeconfig, "-n", namespace, "get", "ris"))
    assert short[0] == ["NAME", "DESIRED", "UPDATED", "UPDATED_READY", "READY", "TOTAL", "AGE"]
    assert sorted(r[0] for r in short[1:]) == ["demo-decode", "demo-router"]
    in_category = kubectl(kubeconfig, "-n", namespace, "get", "rbg-all", "-o", "name")
    assert "roleinstanceset.workloads.x-k8s.io/demo-decode" in in_category.split()


def test_role_instance_defaults_and_ready_column(kube: Kube, namespace: str, kubeconfig: Path) -> None:
    body = {
        "apiVersion": API,
        "kind": "RoleInstance",
        "metadata": {"name": "demo-decode-0"},
        "spec": {"components": [{"name": "leader", "size": 1, "template": _template("leader")}]},
    }
    created = kube.create(body, namespace)
    assert created["spec"]["readyPolicy"] == "AllPodReady"
    assert "restartPolicy" not in created["spec"]
    condition = {
        "type": keys.CONDITION_ROLE_INSTANCE_READY,
        "status": "True",
        "lastTransitionTime": "2026-01-01T00:00:00Z",
    }
    baseline = {"demo-decode-0": {"leader": {"restartCount": 1, "imageID": "sha256:abc"}}}
    kube.patch(
        "RoleInstance",
        "demo-decode-0",
        namespace,
        {
            "status": {
                "conditions": [condition],
                "inPlaceUpdateContainerBaselines": baseline,
                "restartCount": 1,
            }
        },
        subresource="status",
    )
    got = kube.get("RoleInstance", "demo-decode-0", namespace)
    assert got is not None and got["status"]["inPlaceUpdateContainerBaselines"] == baseline
    rows = _table(kubectl(kubeconfig, "-n", namespace, "get", "rins"))
    assert rows[0] == ["NAME", "READY", "AGE"]
    assert rows[1][:2] == ["demo-decode-0", "True"]
    scale_path = kube.path("RoleInstance", namespace, "demo-decode-0") + "/scale"
    with pytest.raises(ApiError) as err:
        kube.rest.request("GET", scale_path)
    assert err.value.status == 404


BAD = [
    ({"updateStrategy": {"partition": "half"}}, "spec.updateStrategy.partition"),
    ({"updateStrategy": {"type": "Recreate"}}, "spec.updateStrategy.type"),
    ({"podManagementPolicy": "Ordered"}, "spec.podManagementPolicy"),
    ({"replicas": -1}, "spec.replicas"),
]


@pytest.mark.parametrize(("spec", "field"), BAD, ids=[f for _, f in BAD])
def test_bad_values_are_refused_naming_the_field(
    kube: Kube, namespace: str, spec: dict[str, Any], field: str
) -> None:
    with pytest.raises(ApiError) as err:
        kube.create(role_instance_set("bad", **spec), namespace)
    assert err.value.status == 422
    details = json.loads(str(err.value).split(": ", 1)[1])["details"]["causes"]
    assert field in [c["field"] for c in details], details
