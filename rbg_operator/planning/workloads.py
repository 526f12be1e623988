"""The workload of a role (StatefulSet, Deployment or LeaderWorkerSet), its headless Service and its
discovery ConfigMap, as typed manifests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from rbg_operator.api import keys
from rbg_operator.api.base import percent_or_int_value
from rbg_operator.api.children import (
    ConfigMap,
    Deployment,
    DeploymentSpec,
    DeploymentStrategy,
    LeaderWorkerSet,
    LeaderWorkerSetSpec,
    LeaderWorkerTemplate,
    LwsRollingUpdateConfiguration,
    LwsRolloutStrategy,
    Manifest,
    PodDisruptionBudget,
    PodDisruptionBudgetSpec,
    RollingUpdateDeployment,
    RollingUpdateStatefulSetStrategy,
    Service,
    ServiceSpec,
    StatefulSet,
    StatefulSetSpec,
    StatefulSetUpdateStrategy,
)
from rbg_operator.api.meta import LabelSelector, ObjectMeta
from rbg_operator.api.pod import PodTemplateSpec
from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleSpec

from . import names
from .template import DISCOVERY_KEY, RoleTemplates

# libyaml's emitter when present (5x faster, the same text for these documents), else the pure-Python one.
_DUMPER: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

KIND_API = {
    "StatefulSet": "apps/v1",
    "Deployment": "apps/v1",
    "LeaderWorkerSet": "leaderworkerset.x-k8s.io/v1",
    "InstanceSet": "workloads.x-k8s.io/v1alpha1",
}


COORDINATED_MIN_READY = 2


@dataclass(frozen=True)
class RoleContext:
    """What every child of one role is built from."""

    rbg: RoleBasedGroup
    role: RoleSpec
    replicas: int  # what the workload gets now (coordination may hold it below the spec)
    role_hash: str
    selector: Mapping[str, str]
    partition: int | None = None  # a coordinated rollout's partition (the larger of it and the role's wins)
    hold: bool = False  # a coordinated Deployment has reached its target: paused

    def effective_partition(self, user: int | None) -> int | None:
        if self.partition is None:
            return user
        return max(self.partition, user or 0)

    @property
    def namespace(self) -> str:
        return self.rbg.metadata.namespace or ""

    @property
    def group(self) -> str:
        return self.rbg.metadata.name or ""

    def owner(self) -> dict[str, Any]:
        return names.owner_reference(
            self.rbg.api_version, self.rbg.kind, self.group, self.rbg.metadata.uid or ""
        )

    def meta(self, name: str, *, workload: bool = False) -> ObjectMeta:
        labels = names.role_labels(self.namespace, self.group, self.role.name)
        annotations: dict[str, str] = {}
        if workload:
            labels = {
                **(self.role.labels or {}),
                **labels,
                keys.LABEL_ROLE_REVISION_V1_FMT.format(role=self.role.name): self.role_hash,
                keys.LABEL_ROLE_REVISION_V2_FMT.format(role=self.role.name): self.role_hash,
            }
            annotations = {
                **{
                    k: v
                    for k, v in (self.role.annotations or {}).items()
                    if k not in keys.SYSTEM_ROLE_ANNOTATIONS
                },
                keys.ANNOTATION_ROLE_SIZE_V1: str(self.role.replicas),
                keys.ANNOTATION_ROLE_SIZE_V2: str(self.role.replicas),
            }
        return ObjectMeta.model_validate(
            {
                "name": name,
                "namespace": self.namespace,
                "labels": labels,
                "annotations": annotations or None,
                "ownerReferences": [self.owner()],
            }
        )


def _rolling(role: RoleSpec) -> Any:
    return role.rollout_strategy.rolling_update if role.rollout_strategy else None


def statefulset(ctx: RoleContext, templates: RoleTemplates) -> StatefulSet:
    role, ru = ctx.role, _rolling(ctx.role)
    rolling = RollingUpdateStatefulSetStrategy()
    user = None
    if ru is not None:
        if ru.partition is not None:
            user = percent_or_int_value(ru.partition, role.replicas, round_up=True)
        if ru.max_unavailable is not None:
            rolling.max_unavailable = ru.max_unavailable
    rolling.partition = ctx.effective_partition(user)
    return StatefulSet(
        metadata=ctx.meta(names.workload_name(ctx.group, role.name), workload=True),
        spec=StatefulSetSpec(
            replicas=ctx.replicas,
            selector=LabelSelector(match_labels=dict(ctx.selector)),
            service_name=names.service_name(ctx.group, role.name),
            template=PodTemplateSpec.model_validate(templates.main),
            pod_management_policy="Parallel",
            update_strategy=StatefulSetUpdateStrategy(
                rolling_update=rolling if rolling.partition is not None or rolling.max_unavailable else None
            ),
            min_ready_seconds=role.min_ready_seconds or None,
        ),
    )


def deployment(ctx: RoleContext, templates: RoleTemplates) -> Deployment:
    role, ru = ctx.role, _rolling(ctx.role)
    strategy = None
    if ru is not None and (ru.max_surge is not None or ru.max_unavailable is not None):
        strategy = DeploymentStrategy(
            rolling_update=RollingUpdateDeployment(max_unavailable=ru.max_unavailable, max_surge=ru.max_surge)
        )
    min_ready = role.min_ready_seconds or None
    paused = None
    if ctx.partition is not None:
        # Coordinated: one new pod at a time, each available only after COORDINATED_MIN_READY seconds, so
        # the operator pauses the Deployment at its target before the next one starts.
        strategy = DeploymentStrategy(rolling_update=RollingUpdateDeployment(max_unavailable=0, max_surge=1))
        min_ready = max(min_ready or 0, COORDINATED_MIN_READY)
        paused = ctx.hold
    return Deployment(
        metadata=ctx.meta(names.workload_name(ctx.group, role.name), workload=True),
        spec=DeploymentSpec(
            replicas=ctx.replicas,
            selector=LabelSelector(match_labels=dict(ctx.selector)),
            template=PodTemplateSpec.model_validate(templates.main),
            strategy=strategy,
            min_ready_seconds=min_ready,
            paused=paused,
        ),
    )


def leaderworkerset(ctx: RoleContext, templates: RoleTemplates) -> LeaderWorkerSet:
    role, ru = ctx.role, _rolling(ctx.role)
    size = role.leader_worker_set.effective_size if role.leader_worker_set else 1
    rollout = None
    if ru is not None:
        partition = ctx.effective_partition(
            None if ru.partition is None else percent_or_int_value(ru.partition, role.replicas, round_up=True)
        )
        rollout = LwsRolloutStrategy(
            rolling_update_configuration=LwsRollingUpdateConfiguration(
                partition=partition, max_unavailable=ru.max_unavailable, max_surge=ru.max_surge
            )
        )
    worker = templates.worker or templates.main
    return LeaderWorkerSet(
        metadata=ctx.meta(names.workload_name(ctx.group, role.name), workload=True),
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


BUILDERS = {"StatefulSet": statefulset, "Deployment": deployment, "LeaderWorkerSet": leaderworkerset}


def headless_service(ctx: RoleContext) -> Service:
    ports = [p for p in ctx.role.service_ports or []]
    return Service(
        metadata=ctx.meta(names.service_name(ctx.group, ctx.role.name)),
        spec=ServiceSpec(
            cluster_ip="None",
            selector=dict(ctx.selector),
            ports=ports or None,
            publish_not_ready_addresses=True,
        ),
    )


def _port_key(port: Any) -> str:
    return str(port.name).lower().replace("-", "_") if port.name else f"port{port.port}"


def _first_pod_suffix(role: RoleSpec) -> str:
    """InstanceSet pods are ``<instance>-<component>-<id>``: an instance's address is its first pod."""
    if role.workload.kind != keys.KIND_INSTANCE_SET:
        return ""
    if role.components:
        return f"-{role.components[0].name}-0"
    return f"-{keys.COMPONENT_LEADER if role.leader_worker_set else role.name}-0"


def discovery_config(rbg: RoleBasedGroup, replicas: Mapping[str, int]) -> str:
    """The group's discovery document: every role's instance addresses (resolvable DNS names) and ports."""
    group = rbg.metadata.name or ""
    roles: dict[str, Any] = {}
    for role in rbg.spec.roles:
        ports = {_port_key(p): p.port for p in role.service_ports or []}
        svc = names.service_name(group, role.name)
        entry: dict[str, Any] = {"size": replicas.get(role.name, role.replicas), "service": svc}
        if role.workload.kind != "Deployment":
            first = _first_pod_suffix(role)
            entry["instances"] = [
                {"address": f"{names.workload_name(group, role.name)}-{i}{first}.{svc}", "ports": ports}
                for i in range(replicas.get(role.name, role.replicas))
            ]
        roles[role.name] = entry
    doc = {
        "group": {"name": group, "size": len(rbg.spec.roles), "roles": [r.name for r in rbg.spec.roles]},
        "roles": roles,
    }
    return yaml.dump(doc, Dumper=_DUMPER, sort_keys=True)


def discovery_configmap(ctx: RoleContext, config: str) -> ConfigMap:
    return ConfigMap(
        metadata=ctx.meta(names.discovery_configmap_name(ctx.group, ctx.role.name)),
        data={DISCOVERY_KEY: config},
    )


def manifest_hash(manifest: Manifest) -> str:
    return names.content_hash(manifest.to_dict())


def _int_or_percent(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def disruption_budget(ctx: RoleContext) -> PodDisruptionBudget | None:
    """The role's PodDisruptionBudget when the role (or else the group) asks for one."""
    for source in (ctx.role.annotations or {}, ctx.rbg.metadata.annotations or {}):
        max_u = source.get(keys.ANNOTATION_PDB_MAX_UNAVAILABLE)
        min_a = source.get(keys.ANNOTATION_PDB_MIN_AVAILABLE)
        if max_u or min_a:
            return PodDisruptionBudget(
                metadata=ctx.meta(names.workload_name(ctx.group, ctx.role.name)),
                spec=PodDisruptionBudgetSpec(
                    selector=LabelSelector(match_labels=dict(ctx.selector)),
                    max_unavailable=_int_or_percent(max_u) if max_u else None,
                    min_available=_int_or_percent(min_a) if min_a and not max_u else None,
                ),
            )
    return None
