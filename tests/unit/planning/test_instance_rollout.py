"""The InstanceSet rollout planner: partition, scale-down order, pause, and as a property over random
rollouts: never more unavailable than maxUnavailable, never more instances than replicas + maxSurge, and
every rollout finishes."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rbg_operator.planning.instance_rollout import InstanceState, RolloutSpec, plan_step

OLD, NEW = "r1", "r2"


@dataclass
class Sim:
    """A fake cluster: instances become available a few steps after they are created or changed."""

    spec: RolloutSpec
    instances: dict[int, InstanceState]
    delays: list[int]
    pending: dict[int, int]

    def apply(self, step: object) -> None:
        for o, rev in step.create:  # type: ignore[attr-defined]
            assert o not in self.instances, f"ordinal {o} created twice"
            self._change(InstanceState(o, rev, available=False, updating=True))
        for o in step.update:  # type: ignore[attr-defined]
            self._change(InstanceState(o, self.spec.update_revision, available=False, updating=True))
        for o, rev in step.recreate:  # type: ignore[attr-defined]
            self._change(InstanceState(o, rev, available=False, updating=True))
        for o in step.delete:  # type: ignore[attr-defined]
            del self.instances[o]
            self.pending.pop(o, None)

    def _change(self, inst: InstanceState) -> None:
        self.instances[inst.ordinal] = inst
        self.pending[inst.ordinal] = self.delays[len(self.pending) % len(self.delays)] if self.delays else 0

    def tick(self) -> None:
        for o in list(self.pending):
            if self.pending[o] <= 0:
                self.instances[o] = replace(self.instances[o], available=True, updating=False)
                del self.pending[o]
            else:
                self.pending[o] -= 1

    def available(self) -> int:
        return sum(1 for i in self.instances.values() if i.available and not i.updating)


def run(spec: RolloutSpec, start: list[InstanceState], delays: list[int], limit: int = 400) -> Sim:
    sim = Sim(
        spec, {i.ordinal: i for i in start}, delays, {i.ordinal: delays[0] for i in start if not i.available}
    )
    for _ in range(limit):
        before = sim.available()
        step = plan_step(spec, list(sim.instances.values()))
        touched = step.update + [o for o, _ in step.recreate] + step.delete
        taken_down = sum(1 for o in touched if sim.instances[o].available and not sim.instances[o].updating)
        sim.apply(step)
        assert len(sim.instances) <= max(spec.replicas + spec.max_surge, len(start)), "surge exceeded"
        floor = min(before, spec.replicas - spec.max_unavailable)
        assert before - taken_down >= floor, f"{before - taken_down} available < {floor} ({step})"
        sim.tick()
        old = sum(1 for i in sim.instances.values() if i.revision == OLD)
        settled = (
            len(sim.instances) == spec.replicas
            and not sim.pending
            and old == min(spec.partition, spec.replicas)
        )
        if settled and plan_step(spec, list(sim.instances.values())).empty:
            return sim
    raise AssertionError(
        f"no end after {limit} steps: {sorted(sim.instances.values(), key=lambda i: i.ordinal)}"
    )


def fleet(n: int, rev: str = OLD) -> list[InstanceState]:
    return [InstanceState(o, rev, available=True) for o in range(n)]


def test_partition_two_of_four_moves_the_two_highest() -> None:
    sim = run(RolloutSpec(4, OLD, NEW, partition=2), fleet(4), [1])
    assert {o: i.revision for o, i in sim.instances.items()} == {0: OLD, 1: OLD, 2: NEW, 3: NEW}


def test_first_updates_go_highest_ordinal_first() -> None:
    step = plan_step(RolloutSpec(4, OLD, NEW, max_unavailable=2), fleet(4))
    assert step.update == [3, 2] and not step.recreate and not step.create


def test_recreate_without_surge_keeps_ordinals() -> None:
    step = plan_step(RolloutSpec(3, OLD, NEW, in_place=False), fleet(3))
    assert step.recreate == [(2, NEW)] and not step.delete


def test_recreate_with_surge_creates_first() -> None:
    step = plan_step(RolloutSpec(3, OLD, NEW, in_place=False, max_surge=1, max_unavailable=0), fleet(3))
    assert step.create == [(3, NEW)] and not step.delete and not step.recreate


@pytest.mark.parametrize(
    ("instances", "expected"),
    [
        (fleet(4), [2, 3]),
        (
            [
                InstanceState(0, OLD, True),
                InstanceState(1, OLD, False),
                InstanceState(2, OLD, True),
                InstanceState(3, OLD, True),
            ],
            [1, 3],
        ),
        ([InstanceState(0, OLD, True, delete_requested=True), *fleet(4)[1:]], [0, 3]),
    ],
    ids=["highest-ordinals", "not-ready-first", "delete-label-first"],
)
def test_scale_down_victims(instances: list[InstanceState], expected: list[int]) -> None:
    assert plan_step(RolloutSpec(2, OLD, OLD), instances).delete == expected


def test_scale_up_fills_the_lowest_free_ordinals() -> None:
    step = plan_step(RolloutSpec(4, OLD, OLD), [InstanceState(1, OLD, True), InstanceState(3, OLD, True)])
    assert step.create == [(0, OLD), (2, OLD)]


def test_paused_changes_no_revision() -> None:
    step = plan_step(RolloutSpec(3, OLD, NEW, paused=True), fleet(3))
    assert step.empty


def test_delete_label_replaces_the_instance() -> None:
    start = [InstanceState(0, NEW, True), InstanceState(1, NEW, True, delete_requested=True)]
    assert plan_step(RolloutSpec(2, NEW, NEW), start).recreate == [(1, NEW)]


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(1, 8),
    start_count=st.integers(0, 10),
    max_unavailable=st.integers(0, 3),
    max_surge=st.integers(0, 3),
    partition=st.integers(0, 9),
    in_place=st.booleans(),
    delays=st.lists(st.integers(0, 3), min_size=1, max_size=6),
    unavailable=st.sets(st.integers(0, 9), max_size=3),
)
def test_rollouts_hold_their_limits_and_finish(
    n: int,
    start_count: int,
    max_unavailable: int,
    max_surge: int,
    partition: int,
    in_place: bool,
    delays: list[int],
    unavailable: set[int],
) -> None:
    if max_unavailable == 0 and max_surge == 0:
        max_surge = 1  # admission rejects 0/0
    spec = RolloutSpec(
        n,
        OLD,
        NEW,
        max_unavailable=max_unavailable,
        max_surge=max_surge,
        partition=partition,
        in_place=in_place,
    )
    start = [InstanceState(o, OLD, available=o not in unavailable) for o in range(start_count)]
    sim = run(spec, start, delays)
    assert len(sim.instances) == n
    assert all(i.available for i in sim.instances.values())
    assert sum(1 for i in sim.instances.values() if i.revision == OLD) == min(partition, n)
