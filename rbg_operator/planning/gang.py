"""The PodGroup of a group under ``podGroupPolicy`` (pure): one PodGroup ``<rbg>`` for the
scheduler-plugins coscheduling plugin or for Volcano, with minMember = every pod of the group (leader/
worker group sizes and InstanceSet component sizes included, unlike upstream, which counts replicas
only for InstanceSets)."""

from __future__ import annotations

from typing import Any

from rbg_operator.api.children import (
    CoschedulingPodGroup,
    CoschedulingPodGroupSpec,
    Manifest,
    VolcanoPodGroup,
    VolcanoPodGroupSpec,
)
from rbg_operator.api.meta import ObjectMeta
from rbg_operator.api.v1alpha2 import RoleBasedGroup

from . import names
from .applied import needs_apply, with_hash
from .observed import GroupObserved
from .plan import Deletion, Event, Plan


def group_size(rbg: RoleBasedGroup) -> int:
    return sum(r.replicas * r.group_size for r in rbg.spec.roles)


def pod_group(rbg: RoleBasedGroup) -> Manifest | None:
    policy = rbg.pod_group_policy
    if policy is None or (policy.kube_scheduling is None and policy.volcano_scheduling is None):
        return None
    ns, group = rbg.metadata.namespace or "", rbg.metadata.name or ""
    meta = ObjectMeta.model_validate(
        {
            "name": group,
            "namespace": ns,
            "labels": names.group_labels(ns, group),
            "ownerReferences": [
                names.owner_reference(rbg.api_version, rbg.kind, group, rbg.metadata.uid or "")
            ],
        }
    )
    if policy.kube_scheduling is not None:
        timeout = policy.kube_scheduling.schedule_timeout_seconds or 60
        return CoschedulingPodGroup(
            metadata=meta,
            spec=CoschedulingPodGroupSpec(min_member=group_size(rbg), schedule_timeout_seconds=timeout),
        )
    volcano = policy.volcano_scheduling
    assert volcano is not None
    return VolcanoPodGroup(
        metadata=meta,
        spec=VolcanoPodGroupSpec(
            min_member=group_size(rbg), queue=volcano.queue, priority_class_name=volcano.priority_class_name
        ),
    )


def plan_pod_group(rbg: RoleBasedGroup, observed: GroupObserved, plan: Plan[Any]) -> None:
    """Step: the group's PodGroup when its podGroupPolicy asks for one and its CRD is installed (else a
    warning); PodGroups of another scheduler (or of a removed policy) are deleted."""
    group, ns, uid = rbg.metadata.name or "", rbg.metadata.namespace or "", rbg.metadata.uid or ""
    gang = pod_group(rbg)
    if gang is not None and gang.api_version in observed.absent_apis:
        plan.events.append(
            Event(
                "Warning",
                "PodGroupCRDMissing",
                f"podGroupPolicy needs {gang.api_version} PodGroup, not installed",
            )
        )
        gang = None
    if gang is not None:
        gang = with_hash(gang)
        held = next(
            (
                o
                for o in observed.objects
                if o.kind == "PodGroup" and o.api_version == gang.api_version and o.name == group
            ),
            None,
        )
        if needs_apply(gang, held):
            plan.apply.append(gang)
    for o in observed.objects:
        unwanted = gang is None or o.api_version != gang.api_version
        if o.kind == "PodGroup" and uid in o.owner_uids and unwanted and not o.deleting:
            plan.delete.append(Deletion(o.api_version, "PodGroup", ns, o.name, o.uid))
