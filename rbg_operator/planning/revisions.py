"""Revisions of a group's spec: upstream's per-role revision hash (stamped on each workload), and a
ControllerRevision of the group per distinct spec (roles without replicas, and roleTemplates), the last
``REVISION_HISTORY`` kept."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.children import ControllerRevision
from rbg_operator.api.meta import ObjectMeta
from rbg_operator.api.v1alpha2 import RoleBasedGroup

from . import names
from .observed import RevisionView
from .plan import Deletion, Plan

REVISION_HISTORY = 5


def role_hash(rbg: RoleBasedGroup, index: int) -> str:
    """Upstream's role revision: the role without replicas, plus the roleTemplate it references."""
    role = rbg.spec.roles[index]
    data = role.to_dict()
    data.pop("replicas", None)
    parts: list[object] = [data]
    if role.template_ref is not None:
        parts += [
            t.template.to_dict() for t in rbg.spec.role_templates or [] if t.name == role.template_ref.name
        ]
    return names.content_hash(parts)


def plan_revision(rbg: RoleBasedGroup, revisions: Sequence[RevisionView], plan: Plan[Any]) -> None:
    """Step: a ControllerRevision for the group's current spec unless one has it; prune the oldest."""
    spec = rbg.spec.to_dict()
    data = {
        "spec": {
            "roles": [{k: v for k, v in r.items() if k != "replicas"} for r in spec["roles"]],
            "roleTemplates": spec.get("roleTemplates", []),
        }
    }
    digest = names.content_hash(data)
    group, ns = rbg.metadata.name or "", rbg.metadata.namespace or ""
    # Only revisions the group owns: a StatefulSet's revisions carry the group's labels too, and are the
    # StatefulSet controller's to prune.
    ours = sorted(
        (
            r
            for r in revisions
            if rbg.metadata.uid in r.owner_uids and keys.LABEL_GROUP_REVISION_V1 in r.labels
        ),
        key=lambda r: r.revision,
    )
    if not any(r.data_hash == digest for r in ours):
        number = (ours[-1].revision if ours else 0) + 1
        plan.apply.append(
            ControllerRevision(
                metadata=ObjectMeta.model_validate(
                    {
                        "name": names.truncate(f"{group[:220]}-{digest}", 253),
                        "namespace": ns,
                        "labels": {
                            **names.group_labels(ns, group),
                            keys.LABEL_GROUP_REVISION_V1: digest,
                            keys.LABEL_GROUP_REVISION_V2: digest,
                        },
                        "ownerReferences": [
                            names.owner_reference(rbg.api_version, rbg.kind, group, rbg.metadata.uid or "")
                        ],
                    }
                ),
                data=data,
                revision=number,
            )
        )
        ours = [*ours, RevisionView(name="", namespace=ns, uid="", revision=number, data_hash=digest)]
    for old in ours[: max(0, len(ours) - REVISION_HISTORY)]:
        plan.delete.append(Deletion("apps/v1", "ControllerRevision", ns, old.name, old.uid))
