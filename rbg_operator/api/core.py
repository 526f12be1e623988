"""The Kubernetes core types the operator reads, in one import place.

Defined in :mod:`rbg_operator.api.meta` (metadata, selectors, conditions, service ports) and
:mod:`rbg_operator.api.pod` (pod templates, containers, env). All share :class:`KubeModel`'s
config: Kubernetes JSON names as aliases, ``populate_by_name=True``, ``extra="allow"``.
"""

from rbg_operator.api.base import KubeModel, KubePassThrough
from rbg_operator.api.meta import (
    Condition,
    LabelSelector,
    LabelSelectorRequirement,
    ObjectFieldSelector,
    ObjectMeta,
    OwnerReference,
    RawObject,
    ServicePort,
)
from rbg_operator.api.pod import (
    Container,
    ContainerPort,
    EnvVar,
    EnvVarSource,
    PodSpec,
    PodTemplateSpec,
    ReadinessGate,
    ResourceRequirements,
    TemplateMetadata,
    Volume,
    VolumeMount,
    container_names,
)

__all__ = [
    "Condition",
    "Container",
    "ContainerPort",
    "EnvVar",
    "EnvVarSource",
    "KubeModel",
    "KubePassThrough",
    "LabelSelector",
    "LabelSelectorRequirement",
    "ObjectFieldSelector",
    "ObjectMeta",
    "OwnerReference",
    "PodSpec",
    "PodTemplateSpec",
    "RawObject",
    "ReadinessGate",
    "ResourceRequirements",
    "ServicePort",
    "TemplateMetadata",
    "Volume",
    "VolumeMount",
    "container_names",
]
