"""Coordinated rollout and scaling (pure), as properties over random progress: the updated (scaled)
fractions never differ by more than maxSkew at any step, unless one pod is already more than maxSkew of a
role (then by one pod at most); targets never go down; and the rollout always finishes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rbg_operator.planning.coordination import (
    RolloutProgress,
    ScaleProgress,
    rollout_targets,
    scaling_targets,
)


def _bound(desired: list[int], skew: float) -> float:
    """The skew the planner can hold: maxSkew, or one pod of the smallest role when that is coarser."""
    return max(skew, max(1 / n for n in desired)) + 1e-9


@settings(max_examples=300, deadline=None)
@given(
    desired=st.lists(st.integers(1, 12), min_size=2, max_size=3),
    skew_pct=st.integers(1, 100),
    seed=st.randoms(use_true_random=False),
)
def test_rollout_holds_the_skew_at_every_step_and_finishes(
    desired: list[int], skew_pct: int, seed: object
) -> None:
    import random

    rng: random.Random = seed  # type: ignore[assignment]
    skew = skew_pct / 100
    updated = [0] * len(desired)
    applied = [0] * len(desired)
    for _ in range(500):
        if updated == desired:
            break
        roles = [
            RolloutProgress(f"r{i}", n, u, a)
            for i, (n, u, a) in enumerate(zip(desired, updated, applied, strict=True))
        ]
        targets = rollout_targets(roles, skew)
        for i in range(len(desired)):
            t = targets[f"r{i}"]
            assert t >= applied[i], "targets never go down"
            applied[i] = t
            if updated[i] < t:  # the workload controller moves one pod or more, not always all
                updated[i] = rng.randint(updated[i] + 1, t)
            fractions = [u / n for u, n in zip(updated, desired, strict=True)]
            assert max(fractions) - min(fractions) <= _bound(desired, skew), (desired, skew, updated)
    assert updated == desired, "the rollout finishes"


@settings(max_examples=300, deadline=None)
@given(
    start=st.lists(st.integers(0, 4), min_size=2, max_size=3),
    grow=st.lists(st.integers(0, 8), min_size=3, max_size=3),
    skew_pct=st.integers(1, 100),
)
def test_scaling_steps_hold_the_skew_and_finish(start: list[int], grow: list[int], skew_pct: int) -> None:
    desired = [s + g + 1 for s, g in zip(start, grow, strict=False)]
    current = [min(s, d) for s, d in zip(start, desired, strict=True)]
    skew = skew_pct / 100
    initial_gap = max(c / d for c, d in zip(current, desired, strict=True)) - min(
        c / d for c, d in zip(current, desired, strict=True)
    )
    for _ in range(200):
        if current == desired:
            break
        roles = [
            ScaleProgress(f"r{i}", d, c, c) for i, (d, c) in enumerate(zip(desired, current, strict=True))
        ]
        targets = scaling_targets(roles, skew)
        current = [max(c, targets[f"r{i}"]) for i, c in enumerate(current)]
        fractions = [c / d for c, d in zip(current, desired, strict=True)]
        assert max(fractions) - min(fractions) <= max(_bound(desired, skew), initial_gap + 1e-9)
    assert current == desired


def test_one_replica_roles_do_not_stall() -> None:
    roles = [RolloutProgress("p", 1, 0, 0), RolloutProgress("d", 1, 0, 0)]
    assert rollout_targets(roles, 0.1) == {"p": 1, "d": 1}


def test_a_step_waits_for_the_previous_one_to_land() -> None:
    roles = [ScaleProgress("p", 4, 2, 1), ScaleProgress("d", 8, 4, 4)]
    assert scaling_targets(roles, 0.25) == {"p": 2, "d": 4}
    landed = [ScaleProgress("p", 4, 2, 2), ScaleProgress("d", 8, 4, 4)]
    assert scaling_targets(landed, 0.25) == {"p": 3, "d": 6}
