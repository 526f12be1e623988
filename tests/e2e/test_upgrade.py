"""Upgrading in place from the previous release of this operator, whose CRDs served and stored v1alpha1
only, on a devcluster of its own (the session's has v1alpha2 CRDs, which cannot be taken back):

1. the previous release (its source tree and CRDs from git history: the parent of the commit that
   introduced the v1alpha2 schemas) runs a group with a scaling adapter, a group set and a runtime
   profile, all written in v1alpha1, until they are Ready;
2. it stops; the new CRDs are applied as docs/upgrading.md says (``kubectl apply --server-side
   --force-conflicts -f crds/``); the new operator starts;
3. the groups keep running: no pod is replaced or restarted, no workload's pod template changes; every
   stored object is rewritten in v1alpha2 and each CRD's ``status.storedVersions`` becomes
   ``[v1alpha2]``; the objects read the same in both versions; a change made in v1alpha2 afterwards
   reconciles."""

from __future__ import annotations

import copy
import io
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from rbg_operator.api import keys
from rbg_operator.devcluster.cluster import DevCluster, Options
from rbg_operator.kube.storage_migration import MIGRATED_PLURALS
from tests.e2e.kube import Kube, kubectl
from tests.e2e.operator_process import OperatorProcess
from tests.e2e.test_rbg_reconciler import wait_ready

ROOT = Path(__file__).resolve().parents[2]
V1 = keys.API_VERSION_V1ALPHA1
NS = "upgrade"
JSON = dict[str, Any]


def _git(*args: str) -> bytes:
    out = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, timeout=60)
    assert out.returncode == 0, f"git {' '.join(args)}: {out.stderr.decode()}"
    return out.stdout


def previous_release() -> str:
    """The last commit whose CRDs stored v1alpha1: the parent of the one that added the v1alpha2 schemas
    (found by content, so it does not depend on commit ids)."""
    added = _git("log", "--format=%H", "--diff-filter=A", "--", "schemas/*v1alpha2*").decode().split()
    assert added, "no commit added schemas/*v1alpha2*: is this a shallow clone? (git fetch --unshallow)"
    return _git("rev-parse", f"{added[-1]}^").decode().strip()


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The previous release's source tree (rbg_operator/, crds/, examples/)."""
    root = tmp_path_factory.mktemp("previous-release")
    commit = previous_release()
    with tarfile.open(fileobj=io.BytesIO(_git("archive", commit, "rbg_operator", "crds", "examples"))) as tar:
        tar.extractall(root, filter="data")
    crds = [yaml.safe_load(p.read_text()) for p in (root / "crds").glob("*.yaml")]
    for crd in crds:
        assert [v["name"] for v in crd["spec"]["versions"]] == ["v1alpha1"], f"{commit} is not v1alpha1-only"
    return root


@pytest.fixture(scope="module")
def cluster(previous: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevCluster]:
    dc = DevCluster(tmp_path_factory.mktemp("upgrade-devcluster"), log=lambda m: print(m, flush=True))
    dc.up(Options(crd_dirs=[previous / "crds"]))
    try:
        yield dc
    finally:
        dc.down(quiet=True)


def _objects(previous: Path) -> list[JSON]:
    group = next(yaml.safe_load_all((previous / "examples" / "hpa-scaling-adapter.yaml").read_text()))
    profile = {
        "apiVersion": V1,
        "kind": "ClusterEngineRuntimeProfile",
        "metadata": {"name": "upgrade-profile"},
        "spec": {"containers": [{"name": "sidecar", "image": "sidecar:v1"}]},
    }
    groupset = {
        "apiVersion": V1,
        "kind": "RoleBasedGroupSet",
        "metadata": {"name": "fleet", "namespace": NS},
        "spec": {
            "replicas": 2,
            "template": {
                "roles": [
                    {
                        "name": "decode",
                        "replicas": 1,
                        "template": {"spec": {"containers": [{"name": "c", "image": "engine:v1"}]}},
                    }
                ]
            },
        },
    }
    return [group | {"metadata": {**group["metadata"], "namespace": NS}}, groupset, profile]


def _pods(kube: Kube) -> dict[str, tuple[str, int]]:
    """Every pod of the namespace: uid and total container restarts, by name."""
    return {
        p["metadata"]["name"]: (
            p["metadata"]["uid"],
            sum(c.get("restartCount", 0) for c in (p.get("status") or {}).get("containerStatuses") or []),
        )
        for p in kube.list("Pod", NS)
    }


def _templates(kube: Kube) -> dict[str, JSON]:
    return {w["metadata"]["name"]: w["spec"]["template"] for w in kube.list("StatefulSet", NS)}


def _stored_versions(kube: Kube) -> dict[str, list[str]]:
    out = {}
    for plural in MIGRATED_PLURALS:
        crd = kube.rest.request(
            "GET", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{plural}.{keys.GROUP}"
        )
        out[plural] = crd["status"]["storedVersions"]
    return out


def test_upgrade_from_the_v1alpha1_release_keeps_pods_and_migrates_storage(
    cluster: DevCluster, previous: Path
) -> None:
    kube = Kube(cluster.rest())
    kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    kube.wait_for("default ServiceAccount", lambda: kube.get("ServiceAccount", "default", NS), timeout=30)
    kubeconfig = cluster.layout.client_kubeconfig("rbg-operator")

    old = OperatorProcess(kubeconfig, cluster.layout.logs / "operator-previous.log", source=previous)
    old.start(kube)
    try:
        for obj in _objects(previous):
            kube.create(obj, obj["metadata"].get("namespace"))
        wait_ready(kube, NS, "sglang-pd-hpa")
        kube.wait_for(
            "group set members Ready",
            lambda: all(
                (m := kube.get("RoleBasedGroup", f"fleet-{i}", NS))
                and any(
                    c["type"] == "Ready" and c["status"] == "True" for c in m["status"].get("conditions", [])
                )
                for i in range(2)
            ),
            90,
            dump=lambda: kube.dump_namespace(NS, ("RoleBasedGroup", "StatefulSet")),
        )
        adapter = kube.wait_for(
            "the decode role's scaling adapter",
            lambda: kube.get("RoleBasedGroupScalingAdapter", "sglang-pd-hpa-decode", NS),
            60,
        )
        assert adapter["apiVersion"] == V1
    finally:
        old.stop()
    assert all(v == ["v1alpha1"] for v in _stored_versions(kube).values()), _stored_versions(kube)
    pods, templates = _pods(kube), _templates(kube)
    profile_rv = kube.get("ClusterEngineRuntimeProfile", "upgrade-profile")["metadata"]["resourceVersion"]
    groups_v1 = {g["metadata"]["name"]: g for g in kube.list("RoleBasedGroup", NS)}
    assert len(pods) >= 7 and len(templates) == 5, (pods, list(templates))

    # The upgrade, as docs/upgrading.md says: the CRDs first (helm never upgrades crds/), then the operator.
    crds = str(ROOT / "crds")
    kubectl(cluster.layout.kubeconfig, "apply", "--server-side", "--force-conflicts", "-f", crds)
    new = OperatorProcess(kubeconfig, cluster.layout.logs / "operator.log")
    new.start(kube)
    try:
        kube.wait_for(
            "storedVersions [v1alpha2] on every migrated CRD",
            lambda: all(v == ["v1alpha2"] for v in _stored_versions(kube).values()),
            90,
            dump=lambda: {"storedVersions": _stored_versions(kube), "log": new.log.read_text()[-6000:]},
        )
        # The profile, which no controller writes, was stored again (a no-op write keeps the resourceVersion).
        again = kube.get("ClusterEngineRuntimeProfile", "upgrade-profile", version="v1alpha2")
        assert again is not None and again["metadata"]["resourceVersion"] != profile_rv
        # Nothing was replaced or restarted, and no pod template changed.
        for name in groups_v1:
            wait_ready(kube, NS, name)
        assert _pods(kube) == pods
        assert _templates(kube) == templates
        # Every object reads the same in both versions, and v1alpha1 readers see what they wrote.
        for name, before in groups_v1.items():
            again = kube.get("RoleBasedGroup", name, NS, version="v1alpha1")
            assert again is not None and again["spec"] == before["spec"], name
            v2 = kube.get("RoleBasedGroup", name, NS, version="v1alpha2")
            assert v2 is not None and v2["metadata"]["uid"] == before["metadata"]["uid"]
            assert v2["metadata"]["generation"] == before["metadata"]["generation"], "the spec changed"
        for sts in kube.list("StatefulSet", NS):
            owner = sts["metadata"]["ownerReferences"][0]
            assert owner["apiVersion"] == keys.API_VERSION_V1ALPHA2, sts["metadata"]
        # The group lives on in v1alpha2: a change made there reconciles.
        group = kube.get("RoleBasedGroup", "sglang-pd-hpa", NS, version="v1alpha2")
        assert group is not None
        roles = copy.deepcopy(group["spec"]["roles"])
        assert roles[0]["name"] == "router"
        roles[0]["replicas"] = 2
        kube.patch("RoleBasedGroup", "sglang-pd-hpa", NS, {"spec": {"roles": roles}}, version="v1alpha2")
        kube.wait_for(
            "router at 2 ready replicas",
            lambda: (
                (kube.get("StatefulSet", "sglang-pd-hpa-router", NS) or {})
                .get("status", {})
                .get("readyReplicas")
                == 2
            ),
            60,
            dump=lambda: kube.dump_namespace(NS, ("RoleBasedGroup", "StatefulSet")),
        )
        # A migration that did not finish (here: storedVersions put back as an interrupted one leaves it)
        # runs again at the next start and narrows it again.
        pods = _pods(kube)
        new.stop()
        for plural in MIGRATED_PLURALS:
            kube.rest.request(
                "PATCH",
                f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{plural}.{keys.GROUP}/status",
                {"status": {"storedVersions": ["v1alpha1", "v1alpha2"]}},
                content_type="application/merge-patch+json",
            )
        new.start(kube)
        kube.wait_for(
            "storedVersions [v1alpha2] again",
            lambda: all(v == ["v1alpha2"] for v in _stored_versions(kube).values()),
            60,
            dump=lambda: {"storedVersions": _stored_versions(kube)},
        )
        assert _pods(kube) == pods
    finally:
        new.stop()
