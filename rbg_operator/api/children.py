"""Typed manifests of the Kubernetes objects the operator creates for a group: workloads, Services,
ConfigMaps, ControllerRevisions and PodGroups. The planners build these; the kube layer applies
``to_dict()`` of them with server-side apply. Only fields the operator sets are declared."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from rbg_operator.api.base import IntOrPercent, KubeModel
from rbg_operator.api.meta import LabelSelector, ObjectMeta, ServicePort
from rbg_operator.api.pod import PodSpec, PodTemplateSpec
from rbg_operator.api.v1alpha1.instance import InstanceSpec
from rbg_operator.api.v1alpha1.instanceset import InstanceSetSpec


class Manifest(KubeModel):
    """A child object: apiVersion, kind and metadata (name, namespace, labels, owner)."""

    api_version: str
    kind: str
    metadata: ObjectMeta


# -- apps/v1 ------------------------------------------------------------------------------------------------
class RollingUpdateStatefulSetStrategy(KubeModel):
    partition: int | None = None
    max_unavailable: IntOrPercent | None = None


class StatefulSetUpdateStrategy(KubeModel):
    type: Literal["RollingUpdate", "OnDelete"] = "RollingUpdate"
    rolling_update: RollingUpdateStatefulSetStrategy | None = None


class StatefulSetSpec(KubeModel):
    replicas: int
    selector: LabelSelector
    service_name: str
    template: PodTemplateSpec
    pod_management_policy: Literal["OrderedReady", "Parallel"] = "Parallel"
    update_strategy: StatefulSetUpdateStrategy | None = None
    min_ready_seconds: int | None = None
    volume_claim_templates: list[dict[str, Any]] | None = None


class StatefulSet(Manifest):
    api_version: str = "apps/v1"
    kind: str = "StatefulSet"
    spec: StatefulSetSpec


class RollingUpdateDeployment(KubeModel):
    max_unavailable: IntOrPercent | None = None
    max_surge: IntOrPercent | None = None


class DeploymentStrategy(KubeModel):
    type: Literal["RollingUpdate", "Recreate"] = "RollingUpdate"
    rolling_update: RollingUpdateDeployment | None = None


class DeploymentSpec(KubeModel):
    replicas: int
    selector: LabelSelector
    template: PodTemplateSpec
    strategy: DeploymentStrategy | None = None
    min_ready_seconds: int | None = None
    paused: bool | None = None


class Deployment(Manifest):
    api_version: str = "apps/v1"
    kind: str = "Deployment"
    spec: DeploymentSpec


class ControllerRevision(Manifest):
    api_version: str = "apps/v1"
    kind: str = "ControllerRevision"
    data: dict[str, Any]
    revision: int


# -- leaderworkerset.x-k8s.io/v1 --------------------------------------------------------------------------
class LeaderWorkerTemplate(KubeModel):
    size: int
    leader_template: PodTemplateSpec | None = None
    worker_template: PodTemplateSpec
    restart_policy: Literal["RecreateGroupOnPodRestart", "None"] | None = None


class LwsRollingUpdateConfiguration(KubeModel):
    partition: int | None = None
    max_unavailable: IntOrPercent | None = None
    max_surge: IntOrPercent | None = None


class LwsRolloutStrategy(KubeModel):
    type: Literal["RollingUpdate"] = "RollingUpdate"
    rolling_update_configuration: LwsRollingUpdateConfiguration | None = None


class LeaderWorkerSetSpec(KubeModel):
    replicas: int
    leader_worker_template: LeaderWorkerTemplate
    rollout_strategy: LwsRolloutStrategy | None = None
    startup_policy: Literal["LeaderCreated", "LeaderReady"] | None = None


class LeaderWorkerSet(Manifest):
    api_version: str = "leaderworkerset.x-k8s.io/v1"
    kind: str = "LeaderWorkerSet"
    spec: LeaderWorkerSetSpec


# -- core/v1 ----------------------------------------------------------------------------------------------
class ServiceSpec(KubeModel):
    cluster_ip: str | None = Field(default=None, alias="clusterIP")
    selector: dict[str, str]
    ports: list[ServicePort] | None = None
    publish_not_ready_addresses: bool | None = None
    type: str | None = None


class Service(Manifest):
    api_version: str = "v1"
    kind: str = "Service"
    spec: ServiceSpec


class ConfigMap(Manifest):
    api_version: str = "v1"
    kind: str = "ConfigMap"
    data: dict[str, str]


# -- policy/v1 --------------------------------------------------------------------------------------------
class PodDisruptionBudgetSpec(KubeModel):
    selector: LabelSelector
    max_unavailable: IntOrPercent | None = None
    min_available: IntOrPercent | None = None


class PodDisruptionBudget(Manifest):
    api_version: str = "policy/v1"
    kind: str = "PodDisruptionBudget"
    spec: PodDisruptionBudgetSpec


# -- gang scheduling --------------------------------------------------------------------------------------
class CoschedulingPodGroupSpec(KubeModel):
    min_member: int
    schedule_timeout_seconds: int | None = None


class CoschedulingPodGroup(Manifest):
    api_version: str = "scheduling.x-k8s.io/v1alpha1"
    kind: str = "PodGroup"
    spec: CoschedulingPodGroupSpec


class VolcanoPodGroupSpec(KubeModel):
    min_member: int
    queue: str | None = None
    priority_class_name: str | None = None


class VolcanoPodGroup(Manifest):
    api_version: str = "scheduling.volcano.sh/v1beta1"
    kind: str = "PodGroup"
    spec: VolcanoPodGroupSpec


# -- the operator's own workloads and their pods ---------------------------------------------------------
class Pod(Manifest):
    api_version: str = "v1"
    kind: str = "Pod"
    spec: PodSpec


class InstanceManifest(Manifest):
    api_version: str = "workloads.x-k8s.io/v1alpha1"
    kind: str = "Instance"
    spec: InstanceSpec


class InstanceSetManifest(Manifest):
    api_version: str = "workloads.x-k8s.io/v1alpha1"
    kind: str = "InstanceSet"
    spec: InstanceSetSpec
