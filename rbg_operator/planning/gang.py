"""The PodGroup of a group under ``podGroupPolicy`` (pure): one PodGroup ``<rbg>`` for the
scheduler-plugins coscheduling plugin or for Volcano, with minMember = every pod of the group (leader/
worker group sizes and InstanceSet component sizes included, unlike upstream, which counts replicas
only for InstanceSets)."""

from __future__ import annotations

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
