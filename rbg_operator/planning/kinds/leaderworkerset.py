"""LeaderWorkerSet roles (an add-on CRD): each replica is a leader and size-1 workers, with the pattern's
leader and worker patches; the role's partition, maxUnavailable and maxSurge go to the LWS rollout, and
the LWS recreates a whole group when one of its pods restarts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.children import (
    LeaderWorkerSet,
    LeaderWorkerSetSpec,
    LeaderWorkerTemplate,
    LwsRollingUpdateConfiguration,
    LwsRolloutStrategy,
)
from rbg_operator.api.pod import PodTemplateSpec
from rbg_operator.api.v1alpha2 import RoleSpec

from ..role_context import RoleContext
from ..template import leader_worker_templates
from .base import Profiles, int_or_none, rolling_update, user_partition
from .statefulset import INDEX_ENV


class LeaderWorkerSetKind:
    kind = "LeaderWorkerSet"
    api_version = "leaderworkerset.x-k8s.io/v1"
    plural = "leaderworkersets"
    crd: str | None = "leaderworkersets.leaderworkerset.x-k8s.io"
    stable_pod_names = True
    tracks_revisions = False
    partitioned = True
    recreates_instances = True

    def build(self, ctx: RoleContext, index: int, profiles: Profiles) -> LeaderWorkerSet:
        role, ru = ctx.role, rolling_update(ctx.role)
        templates = leader_worker_templates(ctx.rbg, index, profiles, ctx.selector, INDEX_ENV)
        size = role.leader_worker_set.effective_size if role.leader_worker_set else 1
        rollout = None
        if ru is not None:
            rollout = LwsRolloutStrategy(
                rolling_update_configuration=LwsRollingUpdateConfiguration(
                    partition=ctx.effective_partition(user_partition(role, ru)),
                    max_unavailable=ru.max_unavailable,
                    max_surge=ru.max_surge,
                )
            )
        worker = templates.worker or templates.main
        return LeaderWorkerSet(
            metadata=ctx.workload_meta(),
            spec=LeaderWorkerSetSpec(
                replicas=ctx.replicas,
                leader_worker_template=LeaderWorkerTemplate(
                    size=size,
                    leader_template=PodTemplateSpec.model_validate(templates.main),
                    worker_template=PodTemplateSpec.model_validate(worker),
                    restart_policy="None" if role.restart_policy == "None" else "RecreateGroupOnPodRestart",
                ),
                rollout_strategy=rollout,
            ),
        )

    def first_pod_suffix(self, role: RoleSpec) -> str:
        return ""

    def leader_labels(self, role: RoleSpec) -> dict[str, str]:
        return {keys.LABEL_LWS_WORKER_INDEX: "0"}

    def partition_of(self, spec: Mapping[str, Any]) -> int | None:
        rollout = (spec.get("rolloutStrategy") or {}).get("rollingUpdateConfiguration") or {}
        return int_or_none(rollout.get("partition"))


LEADERWORKERSET = LeaderWorkerSetKind()
