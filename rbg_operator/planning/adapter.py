"""RoleBasedGroupScalingAdapters (pure): the adapter ``<rbg>-<role>`` of a role with
``scalingAdapter.enable`` (created by the group, without replicas, so autoscalers own them), and the
adapter's own step: bind to its role, adopt it if someone else created it, carry its replicas to the
role, and report the role's replicas and pod selector (leader pods only for multi-pod instances)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.children import Manifest
from rbg_operator.api.meta import ObjectMeta
from rbg_operator.api.v1alpha1 import RoleBasedGroupScalingAdapter
from rbg_operator.api.v1alpha1.enums import AdapterPhase
from rbg_operator.api.v1alpha1.scalingadapter import RoleBasedGroupScalingAdapterStatus
from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleSpec

from . import kinds, names
from .plan import Event, Plan

#: The field manager of what the adapter controller applies (its replicas are not the group's spec owner's).
SCALING_MANAGER = "rbg-operator-scaling"


class AdapterManifest(Manifest):
    api_version: str = keys.API_VERSION_V1ALPHA2
    kind: str = "RoleBasedGroupScalingAdapter"
    spec: dict[str, object]


class PartialManifest(Manifest):
    """Only the fields one field manager owns of an object (server-side apply of those alone)."""

    spec: dict[str, Any] | None = None


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
    kind = kinds.for_role(role)
    if kind is not None:
        labels.update(kind.leader_labels(role))
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


def adapter_plan(
    adapter: RoleBasedGroupScalingAdapter, rbg: RoleBasedGroup | None, now: str
) -> Plan[RoleBasedGroupScalingAdapterStatus]:
    """The adapter controller's plan: its step as writes under ``SCALING_MANAGER`` (the group's
    ownerReference and first replicas on the adapter, the adapter's replicas on the role), the
    adapter's status and events."""
    step = plan_adapter(adapter, rbg, now)
    plan: Plan[RoleBasedGroupScalingAdapterStatus] = Plan(
        status=step.status, events=step.events, field_manager=SCALING_MANAGER
    )
    ns = adapter.metadata.namespace or ""
    if rbg is not None and (step.adopt or step.set_spec_replicas is not None):
        meta: dict[str, Any] = {"name": adapter.metadata.name, "namespace": ns}
        if step.adopt:
            meta["ownerReferences"] = [
                names.owner_reference(
                    rbg.api_version, rbg.kind, rbg.metadata.name or "", rbg.metadata.uid or "", False
                )
            ]
        plan.apply.append(
            PartialManifest(
                api_version=adapter.api_version,
                kind=adapter.kind,
                metadata=ObjectMeta.model_validate(meta),
                spec=None if step.set_spec_replicas is None else {"replicas": step.set_spec_replicas},
            )
        )
    if rbg is not None and step.set_role_replicas is not None:
        role = adapter.spec.scale_target_ref.role
        plan.apply.append(
            PartialManifest(
                api_version=rbg.api_version,
                kind=rbg.kind,
                metadata=ObjectMeta.model_validate({"name": rbg.metadata.name, "namespace": ns}),
                spec={"roles": [{"name": role, "replicas": step.set_role_replicas}]},
            )
        )
    return plan
