"""One step of an InstanceSet rollout, counted in instances (issue 5; not yet wired to a controller).

Identity: every instance has an ordinal name that never changes. Scale-up takes the lowest free ordinal;
scale-down removes, in order, instances whose deletion was requested, then unavailable ones, then the
highest ordinals (so ordinals can have holes, like a StatefulSet with reserved ordinals).

Revisions: ``partition`` counts the instances that keep the current revision; a rollout only moves
instances forward, highest ordinal first (unavailable ones before available ones), so with partition 2 of
4 exactly the two highest ordinals move. New instances (scale-up, surge) take the update revision while
the rollout still needs instances there, else the current one.

Updates: in place (the instance stays; its containers restart) or recreate (without surge the instance is
replaced under the same ordinal; with surge a new instance is created first and an outdated one removed
when the budget allows).

Invariants at every step (tests/unit/planning/test_instance_rollout.py checks them as a property):
- available instances never drop below ``replicas - maxUnavailable`` because of this planner (if fewer are
  available already, nothing more is taken down);
- instances never exceed ``replicas + maxSurge``;
- the rollout always finishes once instances become available.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class InstanceState:
    ordinal: int
    revision: str
    available: bool
    updating: bool = False  # an in-place update or a replacement is under way
    delete_requested: bool = False  # the explicit delete label


@dataclass(frozen=True)
class RolloutSpec:
    replicas: int
    current_revision: str
    update_revision: str
    max_unavailable: int = 1
    max_surge: int = 0
    partition: int = 0
    in_place: bool = True
    paused: bool = False


@dataclass
class RolloutStep:
    create: list[tuple[int, str]] = field(default_factory=list)  # (ordinal, revision)
    update: list[int] = field(default_factory=list)  # moved to the update revision in place
    recreate: list[tuple[int, str]] = field(default_factory=list)  # replaced under the same ordinal
    delete: list[int] = field(default_factory=list)  # removed for good

    @property
    def empty(self) -> bool:
        return not (self.create or self.update or self.recreate or self.delete)


def _victim_order(items: Sequence[InstanceState], old_revision: str) -> list[InstanceState]:
    """Requested deletions, then instances still at the old revision, then unavailable, then highest."""
    return sorted(
        items, key=lambda i: (not i.delete_requested, i.revision != old_revision, i.available, -i.ordinal)
    )


def _free_ordinals(taken: set[int]) -> Iterator[int]:
    """The ordinals not in use, lowest first."""
    o = 0
    while True:
        if o not in taken:
            yield o
        o += 1


def plan_step(spec: RolloutSpec, instances: Sequence[InstanceState]) -> RolloutStep:
    step = RolloutStep()
    n, live = spec.replicas, list(instances)
    new, cur = spec.update_revision, spec.current_revision
    free = _free_ordinals({i.ordinal for i in live})
    target_new = max(0, n - spec.partition)  # instances that end at the update revision
    available = sum(1 for i in live if i.available and not i.updating)
    budget = available - (n - spec.max_unavailable)  # available instances this step may take down

    # Scale up to n at the lowest free ordinals; they take the update revision while it is still needed.
    new_count = sum(1 for i in live if i.revision == new)
    while len(live) + len(step.create) < n:
        wants_new = new_count < target_new and not spec.paused
        step.create.append((next(free), new if wants_new else cur))
        new_count += 1 if wants_new else 0

    # Scale down to n: requested deletions, old revisions, unavailable, highest ordinal first; an available
    # victim only within the budget (never while a surge instance is still starting).
    old = [i for i in live if i.revision != new]
    to_move = 0 if spec.paused else min(len(old), max(0, target_new - new_count))
    surge_mode = spec.max_surge > 0 and (not spec.in_place or spec.max_unavailable == 0)
    if len(live) > n and not (surge_mode and to_move > 0):
        for victim in _victim_order(live, cur)[: len(live) - n]:
            if victim.available and not victim.updating:
                if budget <= 0:
                    break
                budget -= 1
            step.delete.append(victim.ordinal)
        step.delete.sort()
        live = [i for i in live if i.ordinal not in step.delete]
        old = [i for i in live if i.revision != new]
        to_move = 0 if spec.paused else min(len(old), max(0, target_new - new_count))

    movable = sorted([i for i in old if not i.updating], key=lambda i: (i.available, -i.ordinal))
    if surge_mode and to_move > 0:
        # In place with maxUnavailable 0 cannot progress (the instance itself restarts), so it surges too:
        # extra instances at the update revision first, then old ones go as the budget allows.
        room = n + spec.max_surge - len(live) - len(step.create)
        for _ in range(max(0, min(room, to_move))):
            step.create.append((next(free), new))
        excess = len(live) - n
        for inst in movable:
            if excess <= 0 or (inst.available and budget <= 0):
                break
            budget -= 1 if inst.available else 0
            excess -= 1
            step.delete.append(inst.ordinal)
        step.delete.sort()
        return step

    requested = [i for i in live if i.delete_requested and not i.updating]
    moving = movable[:to_move]
    for inst in sorted(
        {*moving, *requested}, key=lambda i: (not i.delete_requested, i.available, -i.ordinal)
    ):
        if inst.available and budget <= 0:
            break
        budget -= 1 if inst.available else 0
        if inst in moving and spec.in_place and not inst.delete_requested:
            step.update.append(inst.ordinal)
        else:
            step.recreate.append((inst.ordinal, new if inst in moving else inst.revision))
    return step
