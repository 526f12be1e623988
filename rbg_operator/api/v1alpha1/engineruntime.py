"""v1alpha1 ClusterEngineRuntimeProfile: cluster-scoped init containers, sidecars and volumes that
roles inject into their pods through ``engineRuntimes``."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from rbg_operator.api import keys
from rbg_operator.api.base import CrdInfo, KubeModel, KubeObject, PrinterColumn
from rbg_operator.api.meta import ObjectMeta
from rbg_operator.api.pod import Container, Volume
from rbg_operator.api.v1alpha1.common import BY_NAME
from rbg_operator.api.v1alpha1.enums import EngineRuntimeUpdateStrategy


class ClusterEngineRuntimeProfileSpec(KubeModel):
    """Containers and volumes a profile injects."""

    init_containers: Annotated[list[Container], BY_NAME] | None = Field(
        default=None, description="Init containers added to the pod."
    )
    containers: Annotated[list[Container], BY_NAME] | None = Field(
        default=None, description="Containers (e.g. sidecars) added to the pod."
    )
    volumes: Annotated[list[Volume], BY_NAME] | None = Field(
        default=None, description="Volumes added to the pod."
    )
    update_strategy: EngineRuntimeUpdateStrategy = Field(
        default=EngineRuntimeUpdateStrategy.NO_UPDATE,
        description="RollingUpdate rolls the pods that use the profile when it changes; NoUpdate does not.",
    )


class ClusterEngineRuntimeProfileStatus(KubeModel):
    """Observed state of a profile (empty upstream)."""


class ClusterEngineRuntimeProfile(KubeObject):
    """A cluster-scoped engine runtime (sidecars, init containers, volumes) roles can inject."""

    crd: ClassVar[CrdInfo] = CrdInfo(
        kind=keys.KIND_ENGINE_RUNTIME_PROFILE,
        plural="clusterengineruntimeprofiles",
        singular="clusterengineruntimeprofile",
        scope="Cluster",
        categories=("rbg-all",),
        printer_columns=(
            PrinterColumn("STRATEGY", "string", ".spec.updateStrategy", "Update strategy of the profile."),
            PrinterColumn("AGE", "date", ".metadata.creationTimestamp", "Time since creation."),
        ),
    )

    api_version: Literal["workloads.x-k8s.io/v1alpha1"] = keys.API_VERSION_V1ALPHA1
    kind: Literal["ClusterEngineRuntimeProfile"] = "ClusterEngineRuntimeProfile"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta, description="Standard object metadata.")
    spec: ClusterEngineRuntimeProfileSpec = Field(
        default_factory=ClusterEngineRuntimeProfileSpec, description="Containers and volumes to inject."
    )
    status: ClusterEngineRuntimeProfileStatus | None = Field(
        default=None, description="Observed state of the profile."
    )
