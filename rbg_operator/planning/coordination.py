"""Coordinated rollouts and scaling across roles (pure), e.g. prefill and decode keeping their ratio.

Rolling update with ``maxSkew``: each role may have ``target`` pods at the new template (its partition is
``replicas - target``). A role's target is the largest count whose updated fraction stays within maxSkew
of the slowest role's fraction; the slowest role may always take one more pod, so 1-replica roles (or a
skew smaller than one pod) never stall, as they do upstream. Targets never go down within a rollout (a
StatefulSet would roll back pods above a raised partition).

Scaling with ``maxSkew`` and ``progression``: roles grow in steps; a step starts only when every growing
role has its previous step scheduled (or ready, with OrderReady); a role may grow to the largest count
within maxSkew of the slowest role's fraction, the slowest always by at least one. Scale-down is
immediate."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rbg_operator.api import keys
from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleSpec

from . import kinds, names
from .observed import WorkloadView
from .revisions import role_hash

_EPS = 1e-9


def percent(value: str | None, default: float) -> float:
    return default if not value else int(value.rstrip("%")) / 100


@dataclass(frozen=True)
class RolloutProgress:
    name: str
    desired: int
    updated: int  # pods at the new template (0 while the workload has not seen it)
    applied_target: int  # updated pods the partition applied now allows (0 at the start of a rollout)


def rollout_targets(roles: Sequence[RolloutProgress], max_skew: float) -> dict[str, int]:
    active = [r for r in roles if r.desired > 0]
    if len(active) < 2:
        return {}
    f_min = min(r.updated / r.desired for r in active)
    out: dict[str, int] = {}
    for r in active:
        target = math.floor((f_min + max_skew) * r.desired + _EPS)
        if abs(r.updated / r.desired - f_min) < _EPS:
            target = max(target, r.updated + 1)  # the slowest always moves
        out[r.name] = min(r.desired, max(target, r.applied_target))
    return out


@dataclass(frozen=True)
class ScaleProgress:
    name: str
    desired: int
    current: int  # replicas the workload has now
    scheduled: int  # pods created and placed (or ready, with OrderReady)


def scaling_targets(roles: Sequence[ScaleProgress], max_skew: float) -> dict[str, int]:
    growing = [r for r in roles if r.current < r.desired]
    out = {r.name: r.desired for r in roles if r.current >= r.desired}
    if not growing:
        return out
    if any(r.current > 0 and r.scheduled < r.current for r in growing):
        out.update({r.name: r.current for r in growing})  # the previous step has not landed yet
        return out
    f_min = min(r.current / r.desired for r in growing)
    for r in growing:
        target = math.floor((f_min + max_skew) * r.desired + _EPS)
        if abs(r.current / r.desired - f_min) < _EPS:
            target = max(target, r.current + 1)
        out[r.name] = min(r.desired, max(target, r.current))
    return out


def coordinations(rbg: RoleBasedGroup) -> list[tuple[list[str], float | None, float | None, str]]:
    """(roles, rollout maxSkew or None, scaling maxSkew or None, progression) per coordination."""
    out: list[tuple[list[str], float | None, float | None, str]] = []
    for c in rbg.coordination or []:
        strategy = c.strategy
        ru = strategy.rolling_update if strategy else None
        sc = strategy.scaling if strategy else None
        out.append(
            (
                list(c.roles),
                percent(ru.max_skew, 1.0) if ru is not None and ru.max_skew else None,
                percent(sc.max_skew, 1.0) if sc is not None else None,
                (sc.progression if sc is not None and sc.progression else "OrderScheduled"),
            )
        )
    return out


@dataclass(frozen=True)
class Targets:
    """Where the coordinated roles' workloads are held this reconcile, by role: replicas (staged
    scaling), partitions (coordinated rollout) and holds (a workload kind without a partition, paused
    at its target)."""

    replicas: dict[str, int] = field(default_factory=dict)
    partitions: dict[str, int] = field(default_factory=dict)
    holds: dict[str, bool] = field(default_factory=dict)


def _unpartitioned(role: RoleSpec) -> bool:
    kind = kinds.for_role(role)
    return kind is not None and not kind.partitioned


def coordinated_targets(rbg: RoleBasedGroup, workloads: Mapping[tuple[str, str], WorkloadView]) -> Targets:
    """Step: the replicas, partitions and holds of every coordinated role, from its workload's progress."""
    group = rbg.metadata.name or ""
    index = {r.name: i for i, r in enumerate(rbg.spec.roles)}
    out = Targets()
    staged, partitions, holds = out.replicas, out.partitions, out.holds
    for members, rollout_skew, scaling_skew, progression in coordinations(rbg):
        roles = [rbg.spec.roles[index[n]] for n in members if n in index]
        current = {
            r.name: workloads.get((r.workload.kind, names.workload_name(group, r.name))) for r in roles
        }
        if scaling_skew is not None:
            steps = [
                ScaleProgress(
                    r.name,
                    r.replicas,
                    w.replicas if w is not None and not w.deleting else 0,
                    (w.ready_replicas if progression == "OrderReady" else w.status_replicas) if w else 0,
                )
                for r in roles
                if (w := current[r.name]) is None or w.settled
            ]
            if len(steps) == len(roles):
                for name, target in scaling_targets(steps, scaling_skew).items():
                    staged[name] = min(staged.get(name, target), target)
            else:  # a workload has not seen its last step yet: hold every role where it is
                for r in roles:
                    w = current[r.name]
                    staged[r.name] = min(staged.get(r.name, r.replicas), w.replicas if w else 0)
        if rollout_skew is not None:
            progress = []
            for r in roles:
                w = current[r.name]
                n = staged.get(r.name, r.replicas)
                fresh = w is None or w.labels.get(
                    keys.LABEL_ROLE_REVISION_V1_FMT.format(role=r.name)
                ) != role_hash(rbg, index[r.name])
                applied = 0 if fresh or w is None else max(0, n - (w.partition or 0))
                if _unpartitioned(r) and w is not None and not fresh:
                    applied = w.updated_replicas  # no partition: held by pausing where it is
                updated = (
                    0
                    if fresh or w is None
                    else (w.updated_replicas if w.settled else min(w.updated_replicas, applied))
                )
                progress.append(RolloutProgress(r.name, n, min(updated, n), min(applied, n)))
            unsettled = any(w is not None and not w.settled for w in current.values())
            targets = (
                {p.name: p.applied_target for p in progress}  # counts are stale: hold until they catch up
                if unsettled
                else rollout_targets(progress, rollout_skew)
            )
            by_name = {p.name: p for p in progress}
            for name, target in targets.items():
                n = staged.get(name, rbg.spec.roles[index[name]].replicas)
                partitions[name] = max(partitions.get(name, 0), n - target)
                if _unpartitioned(rbg.spec.roles[index[name]]):
                    updated = by_name[name].updated
                    holds[name] = holds.get(name, False) or (updated >= n - partitions[name] and updated < n)
    return out
