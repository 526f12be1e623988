"""v1alpha2, the storage version, on the devcluster with the operator: every upstream v1alpha2 manifest is
accepted as it is; every upstream v1alpha2 RoleBasedGroup reconciles to Ready when its roles name a
workload kind the devcluster runs (the role-workload-type annotation: StatefulSet for standalone roles,
LeaderWorkerSet for leader/worker roles, InstanceSet for custom components); and a group written in
one version is read, patched and reconciled in the other through the operator's conversion webhook.

Devcluster adjustments, explicit: no LeaderWorkerSet controller runs here, so the test writes the status
one would (tests/e2e/test_examples.play_lws_controller); RoleInstanceSet roles (no annotation) are
accepted but not yet run by this operator (their group says so in its status)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from rbg_operator.api import keys
from tests.e2e.kube import Kube, kubectl
from tests.e2e.operator_process import OperatorProcess
from tests.e2e.test_examples import play_lws_controller
from tests.shared_dir import upstream_examples

JSON = dict[str, Any]
V2 = keys.API_VERSION_V1ALPHA2
OURS = ("RoleBasedGroup", "RoleBasedGroupSet", "RoleBasedGroupScalingAdapter", "CoordinatedPolicy")


def _docs(path: Path) -> list[JSON]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _v2_files() -> list[Path]:
    return [
        p
        for p in sorted(upstream_examples().glob("*.yaml"))
        if any(d.get("apiVersion") == V2 for d in _docs(p))
    ]


V2_FILES = _v2_files()
V2_GROUPS = [
    (p, d["metadata"]["name"]) for p in V2_FILES for d in _docs(p) if d["kind"] == keys.KIND_ROLE_BASED_GROUP
]


def _in(ns: str, doc: JSON) -> JSON:
    out = copy.deepcopy(doc)
    out["metadata"].pop("namespace", None)
    if out["kind"] == "ClusterEngineRuntimeProfile":
        out["metadata"]["name"] = f"{out['metadata']['name']}-{ns[-8:]}"
    return out


def _dump(kube: Kube, ns: str) -> JSON:
    return {
        "rbg": [
            {"metadata": r["metadata"].get("name"), "status": r.get("status")}
            for r in kube.list("RoleBasedGroup", ns)
        ],
        **kube.dump_namespace(ns, ("Pod", "StatefulSet", "LeaderWorkerSet", "InstanceSet")),
    }


@pytest.mark.parametrize("path", V2_FILES, ids=[p.stem for p in V2_FILES])
def test_upstream_v1alpha2_manifest_is_accepted(
    kube: Kube, operator: OperatorProcess, namespace: str, path: Path
) -> None:
    """Applied unchanged (only the namespace), every document of ours is stored and read back in v1alpha2."""
    profiles: dict[str, str] = {}
    for doc in _docs(path):
        if doc.get("apiVersion") == V2 and doc["kind"] == "ClusterEngineRuntimeProfile":
            placed = _in(namespace, doc)
            profiles[doc["metadata"]["name"]] = placed["metadata"]["name"]
            kube.apply(placed)
    try:
        for doc in _docs(path):
            if doc["kind"] not in OURS:
                continue
            placed = _in(namespace, doc)
            for role in (placed.get("spec") or {}).get("roles") or []:
                for er in role.get("engineRuntimes") or []:
                    er["profileName"] = profiles.get(er["profileName"], er["profileName"])
            kube.apply(placed, namespace)
            back = kube.get(doc["kind"], doc["metadata"]["name"], namespace, version="v1alpha2")
            assert back is not None and back["apiVersion"] == V2
            # Nothing the user wrote is lost or changed (the API server adds defaults, and an adapter's
            # controller may already have written spec.replicas).
            _assert_kept(placed["spec"], back["spec"], f"{doc['kind']} {doc['metadata']['name']}.spec")
    finally:
        for name in profiles.values():
            kube.delete("ClusterEngineRuntimeProfile", name)


def _assert_kept(wrote: Any, read: Any, where: str) -> None:
    """Every value written is read back unchanged; maps may gain keys (defaults), lists keep their length."""
    if isinstance(wrote, dict):
        assert isinstance(read, dict), f"{where}: wrote a map, read {read!r}"
        for key, value in wrote.items():
            assert key in read, f"{where}.{key}: written, not read back"
            _assert_kept(value, read[key], f"{where}.{key}")
    elif isinstance(wrote, list):
        assert isinstance(read, list) and len(read) == len(wrote), f"{where}: {wrote!r} read as {read!r}"
        for i, (w, r) in enumerate(zip(wrote, read, strict=True)):
            _assert_kept(w, r, f"{where}[{i}]")
    else:
        assert wrote == read or str(wrote) == str(read), f"{where}: wrote {wrote!r}, read {read!r}"


def _annotate(group: JSON) -> JSON:
    """Each role gets the workload kind the devcluster runs for its pattern."""
    out = copy.deepcopy(group)
    for role in out["spec"]["roles"]:
        if "leaderWorkerPattern" in role:
            kind = keys.WORKLOAD_LEADERWORKERSET
        elif "customComponentsPattern" in role:
            kind = keys.WORKLOAD_INSTANCESET
        else:
            kind = keys.WORKLOAD_STATEFULSET
        role.setdefault("annotations", {})[keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2] = kind
    return out


def _ready(kube: Kube, ns: str, name: str) -> JSON | None:
    play_lws_controller(kube, ns)
    rbg = kube.get("RoleBasedGroup", name, ns, version="v1alpha2")
    conds = {c["type"]: c["status"] for c in ((rbg or {}).get("status") or {}).get("conditions") or []}
    return rbg if conds.get("Ready") == "True" else None


@pytest.mark.parametrize(("path", "name"), V2_GROUPS, ids=[f"{p.stem}-{n}" for p, n in V2_GROUPS])
def test_upstream_v1alpha2_group_reconciles(
    kube: Kube, operator: OperatorProcess, namespace: str, path: Path, name: str
) -> None:
    docs = _docs(path)
    (group,) = [d for d in docs if d["kind"] == keys.KIND_ROLE_BASED_GROUP and d["metadata"]["name"] == name]
    profiles = [d for d in docs if d["kind"] == "ClusterEngineRuntimeProfile"]
    for p in profiles:
        kube.apply(_in("", p) | {"metadata": p["metadata"]})
    try:
        placed = _annotate(_in(namespace, group))
        if any(
            (role.get("standalonePattern") or {}).get("template", {}).get("spec", {}).get("schedulerName")
            == keys.VOLCANO_SCHEDULER
            for role in placed["spec"]["roles"]
        ):
            # Devcluster: no Volcano scheduler runs; the group names the default scheduler instead
            # (a Volcano PodGroup is still made, checked below).
            placed["metadata"].setdefault("annotations", {})[keys.ANNOTATION_SCHEDULER_NAME] = (
                "default-scheduler"
            )
        for role in placed["spec"]["roles"]:
            for container in _templates(role):
                container.pop("resources", None)  # no GPUs asked of the simulated nodes beyond what they have
        kube.apply(placed, namespace)
        rbg = kube.wait_for(
            f"RoleBasedGroup {name} Ready",
            lambda: _ready(kube, namespace, name),
            90,
            dump=lambda: _dump(kube, namespace),
        )
        for role in placed["spec"]["roles"]:
            kind = role["annotations"][keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2].rpartition("/")[2]
            workload = kube.get(kind, f"{name}-{role['name']}", namespace)
            assert workload is not None, _dump(kube, namespace)
            owner = workload["metadata"]["ownerReferences"][0]
            assert (owner["apiVersion"], owner["kind"], owner["uid"]) == (
                V2,
                "RoleBasedGroup",
                rbg["metadata"]["uid"],
            )
            assert keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2 not in (
                workload["metadata"].get("annotations") or {}
            )
            assert kube.get("Service", f"s-{name}-{role['name']}", namespace) is not None
        if (placed["metadata"].get("annotations") or {}).get(keys.ANNOTATION_SCHEDULER_NAME):
            path = f"/apis/scheduling.volcano.sh/v1beta1/namespaces/{namespace}/podgroups/{name}"
            pod_group = kube.rest.request("GET", path)
            assert pod_group["spec"]["minMember"] == sum(r["replicas"] for r in placed["spec"]["roles"])
    finally:
        for p in profiles:
            kube.delete("ClusterEngineRuntimeProfile", p["metadata"]["name"])


def _templates(role: JSON) -> list[JSON]:
    out = []
    for pattern in ("standalonePattern", "leaderWorkerPattern"):
        tmpl = (role.get(pattern) or {}).get("template")
        if tmpl:
            out += tmpl.get("spec", {}).get("containers", [])
    for c in (role.get("customComponentsPattern") or {}).get("components") or []:
        out += c["template"].get("spec", {}).get("containers", [])
    return out


V1_GROUP: JSON = {
    "apiVersion": keys.API_VERSION_V1ALPHA1,
    "kind": "RoleBasedGroup",
    "metadata": {"name": "both-versions"},
    "spec": {
        "roles": [
            {
                "name": "prefill",
                "replicas": 1,
                "restartPolicy": "RecreateRBGOnPodRestart",
                "template": {"spec": {"containers": [{"name": "engine", "image": "engine:v1"}]}},
            },
            {
                "name": "decode",
                "replicas": 1,
                "dependencies": ["prefill"],
                "workload": {"apiVersion": "apps/v1", "kind": "Deployment"},
                "template": {"spec": {"containers": [{"name": "engine", "image": "engine:v1"}]}},
            },
        ],
        "podGroupPolicy": {"kubeScheduling": {"scheduleTimeoutSeconds": 30}},
    },
}


def test_a_group_lives_in_both_versions(
    kube: Kube, operator: OperatorProcess, namespace: str, kubeconfig: Path
) -> None:
    """Created as v1alpha1; read and patched as v1alpha2; reconciled; read back as v1alpha1 unchanged
    except for the patch; both kubectl spellings list it."""
    kube.create(V1_GROUP, namespace)
    v2 = kube.get("RoleBasedGroup", "both-versions", namespace, version="v1alpha2")
    assert v2 is not None and v2["apiVersion"] == V2
    prefill, decode = v2["spec"]["roles"]
    assert prefill["annotations"][keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2] == keys.WORKLOAD_STATEFULSET
    assert prefill["standalonePattern"]["restartPolicyConfig"] == {"type": "RecreateRBGOnPodRestart"}
    assert decode["annotations"][keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2] == keys.WORKLOAD_DEPLOYMENT
    kept = json.loads(v2["metadata"]["annotations"][keys.ANNOTATION_CONVERSION_POD_GROUP_POLICY])
    assert kept == {"kubeScheduling": {"scheduleTimeoutSeconds": 30}}

    kube.wait_for(
        "the group Ready",
        lambda: _ready(kube, namespace, "both-versions"),
        60,
        dump=lambda: _dump(kube, namespace),
    )
    assert kube.get("StatefulSet", "both-versions-prefill", namespace) is not None
    assert kube.get("Deployment", "both-versions-decode", namespace) is not None

    # Patch in v1alpha2 (a JSON merge patch of the roles list replaces it: send both roles).
    roles = copy.deepcopy(v2["spec"]["roles"])
    roles[1]["replicas"] = 2
    kube.patch("RoleBasedGroup", "both-versions", namespace, {"spec": {"roles": roles}}, version="v1alpha2")

    def scaled() -> JSON | None:
        deploy = kube.get("Deployment", "both-versions-decode", namespace)
        return deploy if deploy and deploy["spec"]["replicas"] == 2 else None

    kube.wait_for("decode scaled to 2 by the v1alpha2 patch", scaled, 60, dump=lambda: _dump(kube, namespace))
    v1 = kube.get("RoleBasedGroup", "both-versions", namespace, version="v1alpha1")
    assert v1 is not None and v1["apiVersion"] == keys.API_VERSION_V1ALPHA1
    got = v1["spec"]
    assert got["podGroupPolicy"] == V1_GROUP["spec"]["podGroupPolicy"]
    assert [(r["name"], r["replicas"], r.get("restartPolicy")) for r in got["roles"]] == [
        ("prefill", 1, "RecreateRBGOnPodRestart"),
        ("decode", 2, None),
    ]
    assert got["roles"][1]["workload"] == {"apiVersion": "apps/v1", "kind": "Deployment"}
    assert (
        got["roles"][0].get("workload", {"apiVersion": "apps/v1", "kind": "StatefulSet"})["kind"]
        == "StatefulSet"
    )
    assert [r["template"] for r in got["roles"]] == [r["template"] for r in V1_GROUP["spec"]["roles"]]
    assert not any(
        keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2 in (r.get("annotations") or {}) for r in got["roles"]
    )
    assert not any(k.startswith(keys.PREFIX_CONVERSION) for k in v1["metadata"].get("annotations") or {})

    for resource in ("rbg.v1alpha1.workloads.x-k8s.io", "rbg.v1alpha2.workloads.x-k8s.io"):
        listed = kubectl(kubeconfig, "get", resource, "-n", namespace, "-o", "name")
        assert "both-versions" in listed, (resource, listed)
