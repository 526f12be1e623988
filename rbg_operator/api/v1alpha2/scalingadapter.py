"""v1alpha2 RoleBasedGroupScalingAdapter and ClusterEngineRuntimeProfile: the same fields as v1alpha1."""

from __future__ import annotations

from typing import Literal

from rbg_operator.api import keys
from rbg_operator.api.v1alpha1.engineruntime import ClusterEngineRuntimeProfile as _V1Profile
from rbg_operator.api.v1alpha1.scalingadapter import RoleBasedGroupScalingAdapter as _V1Adapter


class RoleBasedGroupScalingAdapter(_V1Adapter):
    """Scales one role of a RoleBasedGroup through the scale subresource."""

    api_version: Literal["workloads.x-k8s.io/v1alpha2"] = keys.API_VERSION_V1ALPHA2  # type: ignore[assignment]


class ClusterEngineRuntimeProfile(_V1Profile):
    """A cluster-scoped engine runtime (sidecars, init containers, volumes) roles can inject."""

    api_version: Literal["workloads.x-k8s.io/v1alpha2"] = keys.API_VERSION_V1ALPHA2  # type: ignore[assignment]
