"""plan_group(RoleBasedGroup, observed, now) -> Plan: the whole desired state of a group, reduced to
what differs from what is observed, as a list of steps (one module each) a reader can follow:

1. a group being deleted is torn down, level by level (``teardown``);
2. the teardown finalizer, and a ControllerRevision of the spec (``revisions``);
3. the roles' creation order, from their dependencies;
4. the group's PodGroup for gang scheduling (``gang``);
5. where coordinated rollouts and scaling hold each role (``coordination``);
6. each role in order: its workload, built by its kind (``kinds``), and its Service, discovery
   ConfigMap, PodDisruptionBudget and scaling adapter (``roles``, ``supporting``);
7. what removed roles left behind (``roles``);
8. the status and its events (``report``), then the restart policies (``restart``)."""

from __future__ import annotations

from rbg_operator.api import keys
from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleBasedGroupStatus

from . import dependencies
from .coordination import coordinated_targets
from .gang import plan_pod_group
from .observed import Children, GroupObserved
from .plan import Event, Plan
from .report import report_status
from .restart import apply_restarts
from .revisions import REVISION_HISTORY, plan_revision, role_hash
from .roles import plan_roles, prune_removed_roles
from .status import status_changed
from .teardown import teardown

__all__ = ["REVISION_HISTORY", "GroupObserved", "plan_group", "role_hash"]


def plan_group(rbg: RoleBasedGroup, observed: GroupObserved, now: str) -> Plan[RoleBasedGroupStatus]:
    plan: Plan[RoleBasedGroupStatus] = Plan()
    children = Children.of(rbg.metadata.uid or "", observed)
    if rbg.metadata.deletion_timestamp:
        teardown(rbg, children.workloads, plan)
        return plan.sort()
    ensure_finalizer(rbg, plan)
    plan_revision(rbg, observed.revisions, plan)
    order = creation_order(rbg, plan)
    plan_pod_group(rbg, observed, plan)
    targets = coordinated_targets(rbg, children.by_kind_name)
    states = plan_roles(rbg, observed, children, order, targets, plan)
    prune_removed_roles(rbg, children, plan)
    status = report_status(rbg, states, now, plan)
    status = apply_restarts(rbg, observed.pods, children.workloads, status, plan, now)
    if status_changed(rbg, status):
        plan.status = status
    return plan.sort()


def ensure_finalizer(rbg: RoleBasedGroup, plan: Plan[RoleBasedGroupStatus]) -> None:
    """Step: the teardown finalizer, so that deleting the group removes its roles in order."""
    if keys.FINALIZER_TEARDOWN not in (rbg.metadata.finalizers or []):
        plan.finalizer = "add"


def creation_order(rbg: RoleBasedGroup, plan: Plan[RoleBasedGroupStatus]) -> list[str]:
    """Step: the role names, dependencies first (level by level); none, with a warning, when the
    dependencies are invalid (a cycle or an unknown role)."""
    roles = rbg.spec.roles
    try:
        levels = dependencies.levels(
            {r.name: list(r.dependencies or []) for r in roles}, [r.name for r in roles]
        )
    except ValueError as err:
        plan.events.append(Event("Warning", "InvalidRoleDependency", str(err)))
        return []
    return [r for level in levels for r in level]
