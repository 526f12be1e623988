"""Kubernetes core/v1 pod types the operator reads and patches: pod templates, containers, env.

Only the fields the operator looks at are declared; everything else passes through untouched,
both in Python (``extra="allow"``) and in the CRD schema (``x-kubernetes-preserve-unknown-fields``).
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import MinLen
from pydantic import Field

from rbg_operator.api.base import Int32, Int64, KubePassThrough, Quantity
from rbg_operator.api.meta import ObjectFieldSelector, RawObject


class EnvVarSource(KubePassThrough):
    """Where an environment variable's value comes from."""

    field_ref: ObjectFieldSelector | None = Field(default=None, description="A field of the pod.")
    resource_field_ref: RawObject | None = Field(default=None, description="A container resource.")
    config_map_key_ref: RawObject | None = Field(default=None, description="A key of a ConfigMap.")
    secret_key_ref: RawObject | None = Field(default=None, description="A key of a Secret.")


class EnvVar(KubePassThrough):
    """An environment variable of a container."""

    name: str = Field(description="Name of the variable.")
    value: str | None = Field(default=None, description="Literal value; $(VAR) references are expanded.")
    value_from: EnvVarSource | None = Field(default=None, description="Source of the value.")


class ContainerPort(KubePassThrough):
    """A network port of a container."""

    name: str | None = Field(default=None, description="IANA_SVC_NAME name of the port.")
    container_port: Int32 = Field(description="Port number on the pod's IP address.")
    protocol: str | None = Field(default=None, description="TCP (default), UDP or SCTP.")
    host_port: Int32 | None = Field(default=None, description="Port on the host, rarely needed.")


class ResourceRequirements(KubePassThrough):
    """Compute resources of a container (``nvidia.com/gpu`` included)."""

    limits: dict[str, Quantity] | None = Field(default=None, description="Maximum resources allowed.")
    requests: dict[str, Quantity] | None = Field(default=None, description="Minimum resources required.")


class VolumeMount(KubePassThrough):
    """A volume mounted into a container."""

    name: str = Field(description="Name of the volume.")
    mount_path: str = Field(description="Path in the container.")
    read_only: bool | None = Field(default=None, description="Mount read-only.")
    sub_path: str | None = Field(default=None, description="Sub-path of the volume.")


class Container(KubePassThrough):
    """A container of a pod (``core/v1 Container``)."""

    name: str = Field(description="Name of the container, unique in the pod.")
    image: str | None = Field(default=None, description="Container image.")
    command: list[str] | None = Field(default=None, description="Entrypoint array.")
    args: list[str] | None = Field(default=None, description="Arguments to the entrypoint.")
    env: list[EnvVar] | None = Field(default=None, description="Environment variables.")
    env_from: list[RawObject] | None = Field(default=None, description="Sources of environment variables.")
    ports: list[ContainerPort] | None = Field(default=None, description="Ports exposed by the container.")
    resources: ResourceRequirements | None = Field(default=None, description="Compute resources.")
    volume_mounts: list[VolumeMount] | None = Field(default=None, description="Volumes to mount.")
    readiness_probe: RawObject | None = Field(default=None, description="Readiness probe.")
    liveness_probe: RawObject | None = Field(default=None, description="Liveness probe.")
    startup_probe: RawObject | None = Field(default=None, description="Startup probe.")
    image_pull_policy: str | None = Field(default=None, description="Always, Never or IfNotPresent.")


class Volume(KubePassThrough):
    """A pod volume; its source (emptyDir, hostPath, ...) passes through unchanged."""

    name: str = Field(description="Name of the volume, unique in the pod.")


class ReadinessGate(KubePassThrough):
    """An extra pod condition that must be True for the pod to be Ready."""

    condition_type: str = Field(description="Type of the pod condition.")


class PodSpec(KubePassThrough):
    """The pod specification (``core/v1 PodSpec``); only the fields the operator reads are typed."""

    containers: Annotated[list[Container], MinLen(1)] = Field(description="Containers of the pod.")
    init_containers: list[Container] | None = Field(default=None, description="Init containers.")
    volumes: list[Volume] | None = Field(default=None, description="Volumes of the pod.")
    readiness_gates: list[ReadinessGate] | None = Field(
        default=None, description="Extra readiness conditions."
    )
    restart_policy: str | None = Field(default=None, description="Always, OnFailure or Never.")
    node_selector: dict[str, str] | None = Field(default=None, description="Node labels the pod requires.")
    affinity: RawObject | None = Field(default=None, description="Scheduling constraints.")
    tolerations: list[RawObject] | None = Field(default=None, description="Taints the pod tolerates.")
    scheduler_name: str | None = Field(default=None, description="Scheduler that places the pod.")
    service_account_name: str | None = Field(default=None, description="ServiceAccount of the pod.")
    priority_class_name: str | None = Field(default=None, description="PriorityClass of the pod.")
    hostname: str | None = Field(default=None, description="Hostname of the pod.")
    subdomain: str | None = Field(default=None, description="Subdomain (headless Service) of the pod.")
    termination_grace_period_seconds: Int64 | None = Field(
        default=None, description="Seconds between SIGTERM and SIGKILL."
    )


class TemplateMetadata(KubePassThrough):
    """Metadata of the pods created from a template."""

    name: str | None = Field(default=None, description="Name (usually generated).")
    namespace: str | None = Field(default=None, description="Namespace (the owner's).")
    labels: dict[str, str] | None = Field(default=None, description="Labels of the pods.")
    annotations: dict[str, str] | None = Field(default=None, description="Annotations of the pods.")
    finalizers: list[str] | None = Field(default=None, description="Finalizers of the pods.")


class PodTemplateSpec(KubePassThrough):
    """A pod template: metadata and spec of the pods to create."""

    metadata: TemplateMetadata | None = Field(default=None, description="Labels and annotations of the pods.")
    spec: PodSpec | None = Field(default=None, description="Specification of the pods.")


def container_names(template: PodTemplateSpec | None) -> list[str]:
    """Names of the (non-init) containers of a template, in order."""
    if template is None or template.spec is None:
        return []
    return [c.name for c in template.spec.containers]
