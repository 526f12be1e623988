"""/healthz's verdicts: event-loop lag, watches failing for too long, dead background tasks."""

from __future__ import annotations

import asyncio

from rbg_operator.kube.health import WatchHealth
from rbg_operator.operator.health import Limits, LoopLag, problems


def test_a_watch_failing_longer_than_the_limit_is_reported_until_it_recovers() -> None:
    health = WatchHealth()
    health.failed("rolebasedgroups", "500 conversion webhook failed")
    since = health.failing["rolebasedgroups"][0]
    health.failed("rolebasedgroups", "connection refused")  # a retry keeps the start of the failures
    assert health.failing["rolebasedgroups"] == (since, "connection refused")
    assert health.stale(300, now=since + 299) == []
    (stale,) = health.stale(300, now=since + 301)
    assert "rolebasedgroups" in stale and "connection refused" in stale and "301s" in stale
    health.ok("rolebasedgroups")
    assert health.stale(0, now=since + 10_000) == []


def test_only_a_sustained_loop_lag_is_a_problem() -> None:
    lag = LoopLag(window=3)
    lag.record(30.0)  # one long garbage collection or a slow tick is not a hung operator
    assert problems(lag, [], [], Limits(max_loop_lag_s=5)) == []
    lag.record(6.0)
    lag.record(7.0)
    (found,) = problems(lag, [], [], Limits(max_loop_lag_s=5))
    assert "event loop lagging 6.0s" in found
    lag.record(0.1)  # caught up
    assert problems(lag, [], [], Limits(max_loop_lag_s=5)) == []


async def test_a_dead_background_task_is_reported_a_cancelled_one_is_not() -> None:
    async def boom() -> None:
        raise RuntimeError("lost the API")

    async def forever() -> None:
        await asyncio.Event().wait()

    dead = asyncio.create_task(boom(), name="controller-start")
    cancelled = asyncio.create_task(forever(), name="storage-migration")
    cancelled.cancel()
    await asyncio.gather(dead, cancelled, return_exceptions=True)
    (found,) = problems(LoopLag(), ["watch of pods failing for 400s: 403"], [dead, cancelled], Limits())[1:]
    assert "controller-start" in found and "lost the API" in found
