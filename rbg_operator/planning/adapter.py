"""RoleBasedGroupScalingAdapters (pure): the adapter ``<rbg>-<role>`` of a role with
``scalingAdapter.enable`` (created by the group, without replicas, so autoscalers own them), and the
adapter's own step: bind to its role, adopt it if someone else created it, carry its replicas to the
role, and report the role's replicas and pod selector (leader pods only for multi-pod instances)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rbg_operator.api import keys
from rbg_operator.api.children import Manifest
from rbg_operator.api.meta import ObjectMeta
from rbg_operator.api.v1alpha1 import RoleBasedGroupScalingAdapter
from rbg_operator.api.v1alpha1.enums import AdapterPhase
from rbg_operator.api.v1alpha1.scalingadapter import RoleBasedGroupScalingAdapterStatus
from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleSpec

from . import names
from .plan import Event


class AdapterManifest(Manifest):
    api_version: str = keys.API_VERSION_V1ALPHA2
    kind: str = "RoleBasedGroupScalingAdapter"
    spec: dict[str, object]


def adapter_manifest(rbg: RoleBasedGroup, role: RoleSpec) -> AdapterManifest:
    ns, group = rbg.metadata.namespace or "", rbg.metadata.name or ""
    return AdapterManifest(
        metadata=ObjectMeta.model_validate(
            {
                "name": names.scaling_adapter_name(group, role.name),
                "namespace": ns,
                "labels": {
                    **((role.scaling_adapter.labels if role.scaling_adapter else None) or {}),
                    **names.role_labels(ns, group, role.name),
                },
                "ownerReferences": [
                    names.owner_reference(
                        rbg.api_version, rbg.kind, group, rbg.metadata.uid or "", controller=False
                    )
                ],
            }
        ),
        spec={"scaleTargetRef": {"name": group, "role": role.name}},
    )


def pod_selector(rbg: RoleBasedGroup, role: RoleSpec) -> str:
    """Label query over the pods an autoscaler should look at: the role's pods, leaders only when a
    replica is a multi-pod instance."""
    labels = names.selector_labels(rbg.metadata.namespace or "", rbg.metadata.name or "", role.name)
    if role.workload.is_leaderworkerset:
        labels[keys.LABEL_LWS_WORKER_INDEX] = "0"
    elif role.workload.is_instanceset and role.leader_worker_set is not None:
        labels[keys.LABEL_INSTANCE_COMPONENT_NAME] = keys.COMPONENT_LEADER
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


@dataclass
class AdapterStep:
    adopt: bool = False  # add the group's ownerReference
    set_spec_replicas: int | None = None  # first binding: the adapter starts at the role's replicas
    set_role_replicas: int | None = None  # carry the adapter's replicas to the role
    status: RoleBasedGroupScalingAdapterStatus | None = None
    events: list[Event] = field(default_factory=list)


def plan_adapter(adapter: RoleBasedGroupScalingAdapter, rbg: RoleBasedGroup | None, now: str) -> AdapterStep:
    step = AdapterStep()
    target = adapter.spec.scale_target_ref
    old = adapter.status or RoleBasedGroupScalingAdapterStatus()
    role = next((r for r in rbg.spec.roles if r.name == target.role), None) if rbg else None
    if rbg is None or role is None:
        status = old.model_copy(update={"phase": AdapterPhase.NOT_BOUND})
        if status.to_dict() != old.to_dict():
            step.status = status
            missing = (
                f"RoleBasedGroup {target.name}" if rbg is None else f"role {target.role} of {target.name}"
            )
            step.events.append(Event("Warning", "FailedGetRBGRole", f"{missing} not found"))
        return step
    uid = rbg.metadata.uid or ""
    step.adopt = not any(o.uid == uid for o in adapter.metadata.owner_references or [])
    replicas = adapter.spec.replicas
    if replicas is None:
        step.set_spec_replicas = replicas = role.replicas
    scaled = replicas != role.replicas
    if scaled:
        step.set_role_replicas = replicas
        step.events.append(
            Event("Normal", "SuccessfulScale", f"role {role.name}: {role.replicas} -> {replicas}")
        )
    ready = next(
        (s.ready_replicas for s in (rbg.status.role_statuses if rbg.status else []) if s.name == role.name), 0
    )
    status = old.model_copy(
        update={
            "phase": AdapterPhase.BOUND,
            "replicas": replicas,
            "ready_replicas": ready,
            "selector": pod_selector(rbg, role),
            "last_scale_time": now if scaled else old.last_scale_time,
        }
    )
    if old.phase != AdapterPhase.BOUND:
        step.events.append(
            Event("Normal", "SuccessfulBound", f"bound to role {role.name} of {rbg.metadata.name}")
        )
    if status.to_dict() != old.to_dict():
        step.status = status
    return step
