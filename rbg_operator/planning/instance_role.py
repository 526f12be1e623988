"""The InstanceSet of an InstanceSet role: its components (explicit ``components``, a leader/worker pair
from ``leaderWorkerSet``, or one component from the template), each with the role's finished pod template,
and the update strategy taken from the role's rolling update."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.base import percent_or_int_value
from rbg_operator.api.children import InstanceSetManifest
from rbg_operator.api.meta import LabelSelector
from rbg_operator.api.v1alpha1 import ClusterEngineRuntimeProfile
from rbg_operator.api.v1alpha1.enums import InstanceRestartPolicy, RestartPolicy, UpdateStrategyType
from rbg_operator.api.v1alpha1.instance import InstanceSpec
from rbg_operator.api.v1alpha1.instanceset import InstanceSetSpec, InstanceSetUpdateStrategy

from . import names
from .smp import PatchError, merge_pod_template
from .template import TemplateError, base_template, finish
from .workloads import RoleContext

JSON = dict[str, Any]


def _field_env(name: str, label: str) -> JSON:
    return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": f"metadata.labels['{label}']"}}}


def leader_worker_env(ctx: RoleContext, size: int) -> list[JSON]:
    """What LeaderWorkerSet pods get, for leader/worker Instances (both generations)."""
    svc = names.service_name(ctx.group, ctx.role.name)
    address = f"$({keys.ENV_INSTANCE_NAME_V1})-{keys.COMPONENT_LEADER}-0.{svc}.{ctx.namespace}"
    return [
        {"name": keys.ENV_LEADER_ADDRESS_V1, "value": address},
        {"name": keys.ENV_LEADER_ADDRESS_V2, "value": address},
        _field_env(keys.ENV_WORKER_INDEX_V1, keys.LABEL_COMPONENT_INDEX_V1),
        _field_env(keys.ENV_WORKER_INDEX_V2, keys.LABEL_COMPONENT_INDEX_V1),
        {"name": keys.ENV_GROUP_SIZE_V1, "value": str(size)},
        {"name": keys.ENV_GROUP_SIZE_V2, "value": str(size)},
    ]


def components(
    ctx: RoleContext, index: int, profiles: Mapping[str, ClusterEngineRuntimeProfile]
) -> list[JSON]:
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
            extra_env=env or [],
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


def instanceset(
    ctx: RoleContext, index: int, profiles: Mapping[str, ClusterEngineRuntimeProfile]
) -> InstanceSetManifest:
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
        metadata=ctx.meta(names.workload_name(ctx.group, role.name), workload=True),
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
