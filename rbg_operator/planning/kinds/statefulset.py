"""StatefulSet roles: one pod per replica with a stable name and index; the role's partition (or a
coordinated rollout's) and maxUnavailable go to the StatefulSet's rolling update."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.children import (
    RollingUpdateStatefulSetStrategy,
    StatefulSet,
    StatefulSetSpec,
    StatefulSetUpdateStrategy,
)
from rbg_operator.api.meta import LabelSelector
from rbg_operator.api.pod import PodTemplateSpec
from rbg_operator.api.v1alpha2 import RoleSpec

from .. import names
from ..role_context import RoleContext
from ..template import label_env, role_template
from .base import Profiles, int_or_none, rolling_update, user_partition

#: The pod's index (the StatefulSet's pod-index label) as ROLE_INDEX, both generations.
INDEX_ENV = label_env(
    [(keys.ENV_ROLE_INDEX_V1, keys.LABEL_POD_INDEX), (keys.ENV_ROLE_INDEX_V2, keys.LABEL_POD_INDEX)]
)


class StatefulSetKind:
    kind = "StatefulSet"
    api_version = "apps/v1"
    plural = "statefulsets"
    crd: str | None = None
    stable_pod_names = True
    tracks_revisions = True
    partitioned = True
    recreates_instances = False

    def build(self, ctx: RoleContext, index: int, profiles: Profiles) -> StatefulSet:
        role, ru = ctx.role, rolling_update(ctx.role)
        template = role_template(ctx.rbg, index, profiles, ctx.selector, INDEX_ENV).main
        rolling = RollingUpdateStatefulSetStrategy()
        if ru is not None and ru.max_unavailable is not None:
            rolling.max_unavailable = ru.max_unavailable
        rolling.partition = ctx.effective_partition(user_partition(role, ru))
        return StatefulSet(
            metadata=ctx.workload_meta(),
            spec=StatefulSetSpec(
                replicas=ctx.replicas,
                selector=LabelSelector(match_labels=dict(ctx.selector)),
                service_name=names.service_name(ctx.group, role.name),
                template=PodTemplateSpec.model_validate(template),
                pod_management_policy="Parallel",
                update_strategy=StatefulSetUpdateStrategy(
                    rolling_update=rolling
                    if rolling.partition is not None or rolling.max_unavailable
                    else None
                ),
                min_ready_seconds=role.min_ready_seconds or None,
            ),
        )

    def first_pod_suffix(self, role: RoleSpec) -> str:
        return ""

    def leader_labels(self, role: RoleSpec) -> dict[str, str]:
        return {}

    def partition_of(self, spec: Mapping[str, Any]) -> int | None:
        return int_or_none(((spec.get("updateStrategy") or {}).get("rollingUpdate") or {}).get("partition"))


STATEFULSET = StatefulSetKind()
