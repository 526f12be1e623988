"""Deleting a group: roles go in reverse dependency order (decode before prefill before router), each
level only once the previous level's workloads and their pods are gone (foreground deletion); then the
finalizer is released and garbage collection removes the rest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.v1alpha2 import RoleBasedGroup

from . import dependencies, kinds, names
from .observed import WorkloadView
from .plan import Deletion, Event, Plan


def teardown(rbg: RoleBasedGroup, mine: Sequence[WorkloadView], plan: Plan[Any]) -> None:
    """Step (a group being deleted): remove the next level of roles, or release the finalizer."""
    group, ns = rbg.metadata.name or "", rbg.metadata.namespace or ""
    if keys.FINALIZER_TEARDOWN not in (rbg.metadata.finalizers or []):
        return
    roles = {r.name: list(r.dependencies or []) for r in rbg.spec.roles}
    try:
        order = dependencies.levels(roles, list(roles))
    except ValueError:
        order = [sorted(roles)]
    by_name = {w.name: w for w in mine}
    role_of = {names.workload_name(group, r): r for r in roles}
    known = set(role_of)
    for level in reversed(order):
        present = [
            by_name[names.workload_name(group, r)] for r in level if names.workload_name(group, r) in by_name
        ]
        if present:
            for w in present:
                if not w.deleting:
                    plan.delete.append(
                        Deletion(
                            kinds.api_version_of(w.kind, w.api_version),
                            w.kind,
                            ns,
                            w.name,
                            w.uid,
                            "Foreground",
                        )
                    )
                    plan.events.append(Event("Normal", "RoleDeleting", f"deleting role {role_of[w.name]}"))
            return
    stray = [w for w in mine if w.name not in known and not w.deleting]
    for w in stray:
        plan.delete.append(
            Deletion(kinds.api_version_of(w.kind, w.api_version), w.kind, ns, w.name, w.uid, "Foreground")
        )
    if not any(w.name not in known for w in mine):
        plan.finalizer = "remove"
