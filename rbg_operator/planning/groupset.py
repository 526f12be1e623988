"""One reconcile of a RoleBasedGroupSet (pure): member groups ``<rbgs>-<i>`` for ``i < replicas`` with
the group template's spec, labels and annotations and the set's placement annotations; members beyond
``replicas`` are deleted; a template change reaches the members one group at a time
(``groupset-max-unavailable`` groups at a time), each only once the previous ones are Ready."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rbg_operator.api import keys
from rbg_operator.api.children import Manifest
from rbg_operator.api.meta import ObjectMeta
from rbg_operator.api.v1alpha2 import RoleBasedGroupSet, RoleBasedGroupSetStatus

from . import names
from .applied import with_hash
from .plan import Deletion, Event, Plan
from .status import transition

_COPIED = (keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1, keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2)


class GroupManifest(Manifest):
    api_version: str = keys.API_VERSION_V1ALPHA2
    kind: str = "RoleBasedGroup"
    spec: dict[str, object]


@dataclass(frozen=True)
class MemberView:
    name: str
    uid: str
    index: int
    template_hash: str  # the set's template hash the member was last given
    ready: bool
    deleting: bool = False


def _copied(rbgs: RoleBasedGroupSet) -> dict[str, str]:
    """The set's annotations its members get: placement and other group-level settings."""
    return {
        k: v
        for k, v in (rbgs.metadata.annotations or {}).items()
        if k in _COPIED or k.startswith("rbg.workloads.x-k8s.io/group-")
    }


def member_name(rbgs: str, index: int) -> str:
    suffix = f"-{index}"
    return names.truncate(rbgs, names.MAX_NAME - len(suffix)) + suffix


def _manifest(rbgs: RoleBasedGroupSet, index: int, template_hash: str) -> Manifest:
    ns, name = rbgs.metadata.namespace or "", rbgs.metadata.name or ""
    template = rbgs.spec.group_template
    ann = {**template.member_annotations, **_copied(rbgs)}
    ann[keys.LABEL_GROUPSET_REVISION_V2] = template_hash
    meta = ObjectMeta.model_validate(
        {
            "name": member_name(name, index),
            "namespace": ns,
            "labels": {
                **template.member_labels,
                keys.LABEL_GROUPSET_NAME_V1: name,
                keys.LABEL_GROUPSET_NAME_V2: name,
                keys.LABEL_GROUPSET_INDEX_V1: str(index),
                keys.LABEL_GROUPSET_INDEX_V2: str(index),
            },
            "annotations": ann,
            "ownerReferences": [
                names.owner_reference(rbgs.api_version, rbgs.kind, name, rbgs.metadata.uid or "")
            ],
        }
    )
    return with_hash(GroupManifest(metadata=meta, spec=template.spec.to_dict_as_given()))


def plan_groupset(
    rbgs: RoleBasedGroupSet, members: Sequence[MemberView], now: str
) -> Plan[RoleBasedGroupSetStatus]:
    plan: Plan[RoleBasedGroupSetStatus] = Plan()
    if rbgs.metadata.deletion_timestamp:
        return plan
    ns, name = rbgs.metadata.namespace or "", rbgs.metadata.name or ""
    template_hash = names.content_hash(
        {
            "spec": rbgs.spec.group_template.spec.to_dict_as_given(),
            "ann": sorted(_copied(rbgs).items()),
            "meta": [
                sorted(rbgs.spec.group_template.member_labels.items()),
                sorted(rbgs.spec.group_template.member_annotations.items()),
            ],
        }
    )
    n = rbgs.spec.replicas
    live = {m.index: m for m in members if not m.deleting}
    for index, m in sorted(live.items()):
        if index >= n:
            plan.delete.append(Deletion(keys.API_VERSION_V1ALPHA2, "RoleBasedGroup", ns, m.name, m.uid))
    budget_value = (rbgs.metadata.annotations or {}).get(keys.ANNOTATION_GROUPSET_MAX_UNAVAILABLE, "1")
    budget = max(1, int(budget_value)) if (budget_value.isascii() and budget_value.isdigit()) else 1
    kept = [m for i, m in live.items() if i < n]
    budget -= sum(1 for m in kept if not m.ready)
    for index in range(n):
        member = live.get(index)
        if member is None:
            if any(x.index == index for x in members):
                plan.wake(1)  # the old member of that name is still being deleted
                continue
            plan.apply.append(_manifest(rbgs, index, template_hash))
        elif member.template_hash != template_hash and budget > 0:
            if member.ready:
                budget -= 1
            plan.apply.append(_manifest(rbgs, index, template_hash))
            plan.events.append(
                Event("Normal", "GroupUpdating", f"updating {member.name} to the set's template")
            )
    ready = sum(1 for m in kept if m.ready)
    updated = sum(1 for m in kept if m.template_hash == template_hash)
    ok = ready >= n and updated >= n
    before = next(
        (c for c in (rbgs.status.conditions if rbgs.status else None) or [] if c.type == "Ready"), None
    )
    cond = transition(
        before,
        "Ready",
        ok,
        "AllReplicasReady" if ok else "ReplicasNotReady",
        "All RoleBasedGroup replicas are ready." if ok else f"Waiting for replicas to be ready ({ready}/{n})",
        rbgs.metadata.generation,
        now,
    )
    status = RoleBasedGroupSetStatus(
        observed_generation=rbgs.metadata.generation,
        replicas=len(kept),
        ready_replicas=ready,
        updated_replicas=updated,
        selector=f"{keys.LABEL_GROUPSET_NAME_V1}={name}",
        conditions=[cond],
    )
    if rbgs.status is None or status.to_dict() != rbgs.status.to_dict():
        plan.status = status
    plan.apply.sort(key=lambda m: m.metadata.name or "")
    return plan
