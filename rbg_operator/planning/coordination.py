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
from collections.abc import Sequence
from dataclasses import dataclass

from rbg_operator.api.v1alpha2 import RoleBasedGroup

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
