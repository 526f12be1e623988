"""The API resources the operator reads and writes, and how their URLs are formed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    """One API resource: group/version, kind, plural and scope."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(
        self, namespace: str | None = None, name: str | None = None, subresource: str | None = None
    ) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        if name:
            base += f"/{name}"
            if subresource:
                base += f"/{subresource}"
        return base


WORKLOADS = "workloads.x-k8s.io"

POD = Resource("", "v1", "Pod", "pods")
SERVICE = Resource("", "v1", "Service", "services")
CONFIGMAP = Resource("", "v1", "ConfigMap", "configmaps")
SECRET = Resource("", "v1", "Secret", "secrets")
EVENT = Resource("", "v1", "Event", "events")
NAMESPACE = Resource("", "v1", "Namespace", "namespaces", namespaced=False)
NODE = Resource("", "v1", "Node", "nodes", namespaced=False)
STATEFULSET = Resource("apps", "v1", "StatefulSet", "statefulsets")
DEPLOYMENT = Resource("apps", "v1", "Deployment", "deployments")
CONTROLLER_REVISION = Resource("apps", "v1", "ControllerRevision", "controllerrevisions")
PDB = Resource("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets")
LEASE = Resource("coordination.k8s.io", "v1", "Lease", "leases")
LWS = Resource("leaderworkerset.x-k8s.io", "v1", "LeaderWorkerSet", "leaderworkersets")
CRD = Resource("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False)
# The kinds served in both versions are read and written in v1alpha2, the storage version.
RBG = Resource(WORKLOADS, "v1alpha2", "RoleBasedGroup", "rolebasedgroups")
RBG_SET = Resource(WORKLOADS, "v1alpha2", "RoleBasedGroupSet", "rolebasedgroupsets")
RBG_SA = Resource(WORKLOADS, "v1alpha2", "RoleBasedGroupScalingAdapter", "rolebasedgroupscalingadapters")
COORDINATED_POLICY = Resource(WORKLOADS, "v1alpha2", "CoordinatedPolicy", "coordinatedpolicies")
INSTANCESET = Resource(WORKLOADS, "v1alpha1", "InstanceSet", "instancesets")
INSTANCE = Resource(WORKLOADS, "v1alpha1", "Instance", "instances")
RUNTIME_PROFILE = Resource(
    WORKLOADS, "v1alpha2", "ClusterEngineRuntimeProfile", "clusterengineruntimeprofiles", False
)
PODGROUP_COSCHED = Resource("scheduling.x-k8s.io", "v1alpha1", "PodGroup", "podgroups")
PODGROUP_VOLCANO = Resource("scheduling.volcano.sh", "v1beta1", "PodGroup", "podgroups")

BY_KIND: dict[tuple[str, str], Resource] = {
    (r.api_version, r.kind): r
    for r in (
        POD,
        SERVICE,
        CONFIGMAP,
        SECRET,
        EVENT,
        NAMESPACE,
        STATEFULSET,
        DEPLOYMENT,
        CONTROLLER_REVISION,
        PDB,
        LEASE,
        LWS,
        CRD,
        RBG,
        RBG_SET,
        RBG_SA,
        INSTANCESET,
        INSTANCE,
        RUNTIME_PROFILE,
        PODGROUP_COSCHED,
        PODGROUP_VOLCANO,
    )
}


def resource_for(api_version: str, kind: str) -> Resource:
    try:
        return BY_KIND[(api_version, kind)]
    except KeyError:
        raise KeyError(f"unknown resource {api_version} {kind}") from None
