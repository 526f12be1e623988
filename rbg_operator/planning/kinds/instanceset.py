"""InstanceSet roles (our own CRD): each replica is an Instance of components (explicit ``components``,
a leader/worker pair from ``leaderWorkerPattern``, or one component from the template), each with the
role's finished pod template; the update strategy comes from the role's rolling update. Pods are
``<instance>-<component>-<id>`` and the InstanceSet recreates an Instance whose pod restarts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.base import percent_or_int_value
from rbg_operator.api.children import InstanceSetManifest
from rbg_operator.api.meta import LabelSelector
from rbg_operator.api.v1alpha1.enums import InstanceRestartPolicy, RestartPolicy, UpdateStrategyType
from rbg_operator.api.v1alpha1.instance import InstanceSpec
from rbg_operator.api.v1alpha1.instanceset import InstanceSetSpec, InstanceSetUpdateStrategy
from rbg_operator.api.v1alpha2 import RoleSpec

from .. import names
from ..role_context import RoleContext
from ..smp import PatchError, merge_pod_template
from ..template import TemplateError, base_template, finish, label_env
from .base import Profiles, int_or_none

JSON = dict[str, Any]


def leader_worker_env(ctx: RoleContext, size: int) -> list[JSON]:
    """What LeaderWorkerSet pods get, for leader/worker Instances (both generations)."""
    svc = names.service_name(ctx.group, ctx.role.name)
    address = f"$({keys.ENV_INSTANCE_NAME_V1})-{keys.COMPONENT_LEADER}-0.{svc}.{ctx.namespace}"
    return [
        {"name": keys.ENV_LEADER_ADDRESS_V1, "value": address},
        {"name": keys.ENV_LEADER_ADDRESS_V2, "value": address},
        *label_env(
            [
                (keys.ENV_WORKER_INDEX_V1, keys.LABEL_COMPONENT_INDEX_V1),
                (keys.ENV_WORKER_INDEX_V2, keys.LABEL_COMPONENT_INDEX_V1),
            ]
        ),
        {"name": keys.ENV_GROUP_SIZE_V1, "value": str(size)},
        {"name": keys.ENV_GROUP_SIZE_V2, "value": str(size)},
    ]


def components(ctx: RoleContext, index: int, profiles: Profiles) -> list[JSON]:
    role, rbg, svc = ctx.role, ctx.rbg, names.service_name(ctx.group, ctx.role.name)

    def done(template: JSON, *, sidecars: bool = True, env: list[JSON] | None = None) -> JSON:
        return finish(
            template,
            rbg,
            role,
            index,
            profiles,
            sidecars=sidecars,
            selector=ctx.selector,
            extra_env=[*INSTANCE_ENV, *(env or [])],
        )

    if role.components:
        return [
            {
                "name": c.name,
                "size": c.effective_size,
                "serviceName": c.service_name or svc,
                "template": done(c.merged_template().to_dict()),
            }
            for c in role.components
        ]
    base = base_template(rbg, index)
    if role.leader_worker_set is None:
        return [{"name": role.name, "size": 1, "serviceName": svc, "template": done(base)}]
    lws = role.leader_worker_set
    try:
        leader = merge_pod_template(base, lws.leader_template_patch or {})
        worker = merge_pod_template(base, lws.worker_template_patch or {})
    except PatchError as err:
        raise TemplateError(f"spec.roles[{index}].leaderWorkerPattern: {err}") from None
    size = lws.effective_size
    env = leader_worker_env(ctx, size)
    out = [{"name": keys.COMPONENT_LEADER, "size": 1, "serviceName": svc, "template": done(leader, env=env)}]
    if size > 1:
        out.append(
            {
                "name": keys.COMPONENT_WORKER,
                "size": size - 1,
                "serviceName": svc,
                "template": done(worker, sidecars=False, env=env),
            }
        )
    return out


def instanceset(ctx: RoleContext, index: int, profiles: Profiles) -> InstanceSetManifest:
    role, ru = ctx.role, ctx.role.effective_rolling_update
    restart = (
        InstanceRestartPolicy.NONE
        if role.restart_policy == RestartPolicy.NONE
        else InstanceRestartPolicy.RECREATE_INSTANCE_ON_POD_RESTART
    )
    template = InstanceSpec.model_validate(
        {"components": components(ctx, index, profiles), "restartPolicy": restart}
    )
    user = percent_or_int_value(ru.partition, role.replicas, round_up=True) if ru.partition else None
    strategy = InstanceSetUpdateStrategy(
        type=UpdateStrategyType(ru.effective_type.value),
        partition=ctx.effective_partition(user) or ru.partition,
        max_unavailable=ru.max_unavailable,
        max_surge=ru.max_surge,
        paused=ru.paused,
        in_place_update_strategy=ru.in_place_update_strategy,
    )
    manifest = InstanceSetManifest(
        metadata=ctx.workload_meta(),
        spec=InstanceSetSpec(
            replicas=ctx.replicas,
            selector=LabelSelector(match_labels=dict(ctx.selector)),
            instance_template=template,
            update_strategy=strategy,
            min_ready_seconds=role.min_ready_seconds or None,
        ),
    )
    labels = dict(manifest.metadata.labels or {})
    labels[keys.LABEL_ROLE_TEMPLATE_TYPE_V1] = (
        keys.ROLE_TEMPLATE_TYPE_COMPONENTS
        if role.components
        else keys.ROLE_TEMPLATE_TYPE_LEADER_WORKER_SET
        if role.leader_worker_set
        else keys.ROLE_TEMPLATE_TYPE_POD_TEMPLATE
    )
    manifest.metadata.labels = labels
    return manifest


#: What every Instance pod gets: its instance index, instance name, component name and index (both
#: generations), read from the labels the Instance controller stamps.
INSTANCE_ENV = label_env(
    [
        (keys.ENV_ROLE_INDEX_V1, keys.LABEL_ROLE_INSTANCE_INDEX_V2),
        (keys.ENV_ROLE_INDEX_V2, keys.LABEL_ROLE_INSTANCE_INDEX_V2),
        (keys.ENV_INSTANCE_NAME_V1, keys.LABEL_INSTANCE_NAME),
        (keys.ENV_ROLE_INSTANCE_NAME_V2, keys.LABEL_INSTANCE_NAME),
        (keys.ENV_COMPONENT_NAME_V1, keys.LABEL_INSTANCE_COMPONENT_NAME),
        (keys.ENV_COMPONENT_NAME_V2, keys.LABEL_INSTANCE_COMPONENT_NAME),
        (keys.ENV_COMPONENT_INDEX_V1, keys.LABEL_INSTANCE_COMPONENT_ID),
        (keys.ENV_COMPONENT_INDEX_V2, keys.LABEL_INSTANCE_COMPONENT_ID),
    ]
)


class InstanceSetKind:
    kind = keys.KIND_INSTANCE_SET
    api_version = keys.API_VERSION_V1ALPHA1
    plural = "instancesets"
    crd: str | None = None
    stable_pod_names = True
    tracks_revisions = True
    partitioned = True
    recreates_instances = True

    def build(self, ctx: RoleContext, index: int, profiles: Profiles) -> InstanceSetManifest:
        return instanceset(ctx, index, profiles)

    def first_pod_suffix(self, role: RoleSpec) -> str:
        """An instance's address is its first pod ``<instance>-<component>-0``."""
        if role.components:
            return f"-{role.components[0].name}-0"
        return f"-{keys.COMPONENT_LEADER if role.leader_worker_set else role.name}-0"

    def leader_labels(self, role: RoleSpec) -> dict[str, str]:
        if role.leader_worker_set is None:
            return {}
        return {keys.LABEL_INSTANCE_COMPONENT_NAME: keys.COMPONENT_LEADER}

    def partition_of(self, spec: Mapping[str, Any]) -> int | None:
        return int_or_none((spec.get("updateStrategy") or {}).get("partition"))


INSTANCESET = InstanceSetKind()
