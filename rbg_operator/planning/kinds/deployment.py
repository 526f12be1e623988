"""Deployment roles: interchangeable pods (no stable names, no index). A Deployment has no partition: a
coordinated rollout surges one pod at a time and pauses the Deployment at its target."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rbg_operator.api.children import Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment
from rbg_operator.api.meta import LabelSelector
from rbg_operator.api.pod import PodTemplateSpec
from rbg_operator.api.v1alpha2 import RoleSpec

from ..role_context import RoleContext
from ..template import role_template
from .base import Profiles, rolling_update

#: Seconds a new pod of a coordinated Deployment must be ready before it counts as available, so that the
#: operator pauses the Deployment at its target before the next pod starts.
COORDINATED_MIN_READY = 2


class DeploymentKind:
    kind = "Deployment"
    api_version = "apps/v1"
    plural = "deployments"
    crd: str | None = None
    stable_pod_names = False
    tracks_revisions = False
    partitioned = False
    recreates_instances = False

    def build(self, ctx: RoleContext, index: int, profiles: Profiles) -> Deployment:
        role, ru = ctx.role, rolling_update(ctx.role)
        template = role_template(ctx.rbg, index, profiles, ctx.selector).main
        strategy = None
        if ru is not None and (ru.max_surge is not None or ru.max_unavailable is not None):
            strategy = DeploymentStrategy(
                rolling_update=RollingUpdateDeployment(
                    max_unavailable=ru.max_unavailable, max_surge=ru.max_surge
                )
            )
        min_ready = role.min_ready_seconds or None
        paused = None
        if ctx.partition is not None:
            # Coordinated: one new pod at a time, each available only after COORDINATED_MIN_READY seconds.
            strategy = DeploymentStrategy(
                rolling_update=RollingUpdateDeployment(max_unavailable=0, max_surge=1)
            )
            min_ready = max(min_ready or 0, COORDINATED_MIN_READY)
            paused = ctx.hold
        return Deployment(
            metadata=ctx.workload_meta(),
            spec=DeploymentSpec(
                replicas=ctx.replicas,
                selector=LabelSelector(match_labels=dict(ctx.selector)),
                template=PodTemplateSpec.model_validate(template),
                strategy=strategy,
                min_ready_seconds=min_ready,
                paused=paused,
            ),
        )

    def first_pod_suffix(self, role: RoleSpec) -> str:
        return ""

    def leader_labels(self, role: RoleSpec) -> dict[str, str]:
        return {}

    def partition_of(self, spec: Mapping[str, Any]) -> int | None:
        return None


DEPLOYMENT = DeploymentKind()
