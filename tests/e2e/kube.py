"""A small synchronous client for e2e tests: real HTTP calls to the devcluster's kube-apiserver, plus
polling with a timeout that dumps the objects involved on failure."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from rbg_operator.devcluster.binaries import find_binary
from rbg_operator.devcluster.rest import ApiError, Rest

T = TypeVar("T")

# kind -> (api prefix, plural, namespaced)
RESOURCES: dict[str, tuple[str, str, bool]] = {
    "Namespace": ("/api/v1", "namespaces", False),
    "Node": ("/api/v1", "nodes", False),
    "Pod": ("/api/v1", "pods", True),
    "Service": ("/api/v1", "services", True),
    "ServiceAccount": ("/api/v1", "serviceaccounts", True),
    "ConfigMap": ("/api/v1", "configmaps", True),
    "Secret": ("/api/v1", "secrets", True),
    "Event": ("/api/v1", "events", True),
    "Endpoints": ("/api/v1", "endpoints", True),
    "EndpointSlice": ("/apis/discovery.k8s.io/v1", "endpointslices", True),
    "StatefulSet": ("/apis/apps/v1", "statefulsets", True),
    "Deployment": ("/apis/apps/v1", "deployments", True),
    "ReplicaSet": ("/apis/apps/v1", "replicasets", True),
    "ControllerRevision": ("/apis/apps/v1", "controllerrevisions", True),
    "HorizontalPodAutoscaler": ("/apis/autoscaling/v2", "horizontalpodautoscalers", True),
    "PodDisruptionBudget": ("/apis/policy/v1", "poddisruptionbudgets", True),
    "Role": ("/apis/rbac.authorization.k8s.io/v1", "roles", True),
    "RoleBinding": ("/apis/rbac.authorization.k8s.io/v1", "rolebindings", True),
    "LeaderWorkerSet": ("/apis/leaderworkerset.x-k8s.io/v1", "leaderworkersets", True),
    "RoleBasedGroup": ("/apis/workloads.x-k8s.io/v1alpha1", "rolebasedgroups", True),
    "RoleBasedGroupSet": ("/apis/workloads.x-k8s.io/v1alpha1", "rolebasedgroupsets", True),
    "RoleBasedGroupScalingAdapter": (
        "/apis/workloads.x-k8s.io/v1alpha1",
        "rolebasedgroupscalingadapters",
        True,
    ),
    "InstanceSet": ("/apis/workloads.x-k8s.io/v1alpha1", "instancesets", True),
    "Instance": ("/apis/workloads.x-k8s.io/v1alpha1", "instances", True),
    "ClusterEngineRuntimeProfile": (
        "/apis/workloads.x-k8s.io/v1alpha1",
        "clusterengineruntimeprofiles",
        False,
    ),
    "CoordinatedPolicy": ("/apis/workloads.x-k8s.io/v1alpha2", "coordinatedpolicies", True),
    "RoleInstanceSet": ("/apis/workloads.x-k8s.io/v1alpha2", "roleinstancesets", True),
    "RoleInstance": ("/apis/workloads.x-k8s.io/v1alpha2", "roleinstances", True),
}
#: Kinds of workloads.x-k8s.io: the version in a path follows the object's apiVersion (or ``version``).
WORKLOADS_GROUP = "/apis/workloads.x-k8s.io/"


def _version(obj: dict[str, Any]) -> str | None:
    """The version of a workloads.x-k8s.io object (its path must name the version of its body)."""
    group, _, version = str(obj.get("apiVersion", "")).rpartition("/")
    return version if group == "workloads.x-k8s.io" else None


class WaitTimeout(AssertionError):
    pass


@dataclass
class Kube:
    rest: Rest

    def path(
        self, kind: str, namespace: str | None = None, name: str | None = None, version: str | None = None
    ) -> str:
        prefix, plural, namespaced = RESOURCES[kind]
        if version and prefix.startswith(WORKLOADS_GROUP):
            prefix = WORKLOADS_GROUP + version
        p = prefix + (f"/namespaces/{namespace}" if namespaced and namespace else "") + f"/{plural}"
        return p + (f"/{name}" if name else "")

    def get(
        self, kind: str, name: str, namespace: str | None = None, version: str | None = None
    ) -> dict[str, Any] | None:
        try:
            return dict(self.rest.request("GET", self.path(kind, namespace, name, version)))
        except ApiError as err:
            if err.status == 404:
                return None
            raise

    def list(
        self, kind: str, namespace: str | None = None, selector: str | None = None
    ) -> list[dict[str, Any]]:
        query = f"?labelSelector={selector}" if selector else ""
        return list(self.rest.request("GET", self.path(kind, namespace) + query)["items"])

    def create(self, obj: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
        ns = namespace or obj.get("metadata", {}).get("namespace")
        return dict(self.rest.request("POST", self.path(obj["kind"], ns, version=_version(obj)), obj))

    def apply(
        self, obj: dict[str, Any], namespace: str | None = None, manager: str = "e2e"
    ) -> dict[str, Any]:
        ns = namespace or obj.get("metadata", {}).get("namespace")
        if ns and RESOURCES[obj["kind"]][2]:
            obj = {**obj, "metadata": {**obj["metadata"], "namespace": ns}}
        path = self.path(obj["kind"], ns, obj["metadata"]["name"], _version(obj))
        return dict(self.rest.apply(path, obj, manager))

    def patch(
        self,
        kind: str,
        name: str,
        namespace: str | None,
        body: dict[str, Any],
        subresource: str = "",
        patch_type: str = "merge",
        version: str | None = None,
    ) -> dict[str, Any]:
        ctype = {
            "merge": "application/merge-patch+json",
            "strategic": "application/strategic-merge-patch+json",
            "json": "application/json-patch+json",
        }[patch_type]
        path = self.path(kind, namespace, name, version) + (f"/{subresource}" if subresource else "")
        return dict(self.rest.request("PATCH", path, body, content_type=ctype))

    def delete(
        self, kind: str, name: str, namespace: str | None = None, propagation: str = "Background"
    ) -> None:
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation}
        try:
            self.rest.request("DELETE", self.path(kind, namespace, name), body)
        except ApiError as err:
            if err.status != 404:
                raise

    def wait_for(
        self,
        what: str,
        check: Callable[[], T | None],
        timeout: float = 60.0,
        dump: Callable[[], Any] | None = None,
        interval: float = 0.25,
    ) -> T:
        """Poll ``check`` until it returns something truthy; on timeout fail with ``dump()`` attached."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                result = check()
                if result:
                    return result
            except ApiError as err:
                last = err
            time.sleep(interval)
        detail = ""
        if dump is not None:
            try:
                detail = yaml.safe_dump(dump(), sort_keys=False)[:20000]
            except Exception as err:
                detail = f"(dump failed: {err})"
        raise WaitTimeout(f"timed out after {timeout}s waiting for {what}; last error: {last}\n{detail}")

    def dump_namespace(
        self, namespace: str, kinds: tuple[str, ...] = ("Pod", "StatefulSet")
    ) -> dict[str, Any]:
        return {kind: [_brief(o) for o in self.list(kind, namespace)] for kind in kinds}


def _brief(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata", {})
    return json.loads(
        json.dumps(
            {
                "name": meta.get("name"),
                "labels": meta.get("labels"),
                "deletionTimestamp": meta.get("deletionTimestamp"),
                "spec.nodeName": obj.get("spec", {}).get("nodeName"),
                "status": obj.get("status"),
            }
        )
    )


def pod_condition(pod: dict[str, Any], ctype: str) -> str | None:
    for cond in pod.get("status", {}).get("conditions", []) or []:
        if cond.get("type") == ctype:
            return str(cond.get("status"))
    return None


class Recorder:
    """Records a watch stream (in the API server's resourceVersion order) in a background thread."""

    def __init__(self, kube: Kube, kind: str, namespace: str) -> None:
        import threading

        self.events: list[tuple[str, dict[str, Any]]] = []
        self._kube, self._kind, self._ns = kube, kind, namespace
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import urllib.request

        rv = self._kube.rest.request("GET", self._kube.path(self._kind, self._ns))["metadata"][
            "resourceVersion"
        ]
        while not self._stop.is_set():
            url = (
                self._kube.rest.server
                + self._kube.path(self._kind, self._ns)
                + f"?watch=true&resourceVersion={rv}&timeoutSeconds=5"
            )
            ctx = self._kube.rest.context()
            try:
                with urllib.request.urlopen(url, context=ctx, timeout=10) as resp:
                    for line in resp:
                        event = json.loads(line)
                        if event["type"] in ("ADDED", "MODIFIED", "DELETED"):
                            self.events.append((event["type"], event["object"]))
                            rv = event["object"]["metadata"]["resourceVersion"]
            except OSError:
                time.sleep(0.1)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(15)


def kubectl_argv(kubeconfig: Path, *args: str) -> list[str]:
    """The command line of the devcluster's kubectl with ``kubeconfig``."""
    return [str(find_binary("kubectl")), "--kubeconfig", str(kubeconfig), *args]


def kubectl(kubeconfig: Path, *args: str, timeout: float = 60) -> str:
    """Run kubectl; its stdout (the test fails with its output when it exits non-zero)."""
    out = subprocess.run(kubectl_argv(kubeconfig, *args), capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout
