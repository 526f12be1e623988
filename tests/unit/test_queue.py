"""The controllers' work queue: batching (``add_within``) next to immediate adds and requeue delays."""

from __future__ import annotations

import asyncio
import time

import pytest

from rbg_operator.operator.queue import WorkQueue

WINDOW = 0.2
SLACK = 0.5  # scheduling delay allowed on a loaded machine


async def _next(queue: WorkQueue[str]) -> tuple[str, float]:
    started = time.monotonic()
    key = await asyncio.wait_for(queue.get(), 2.0)
    return key, time.monotonic() - started


async def _nothing(queue: WorkQueue[str], within: float) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(queue.get(), within)


async def test_a_burst_within_the_window_is_one_reconcile() -> None:
    q: WorkQueue[str] = WorkQueue()
    for _ in range(5):
        q.add_within("g", WINDOW)
    assert len(q) == 0 and q.batching == 1
    key, waited = await _next(q)
    assert key == "g" and WINDOW * 0.8 <= waited < WINDOW + SLACK
    q.done("g")
    await _nothing(q, WINDOW * 2)


async def test_later_changes_do_not_push_the_batch_back() -> None:
    """The first change of a burst fixes when the reconcile runs: a steady stream cannot starve it."""
    window = 1.0
    q: WorkQueue[str] = WorkQueue()
    started = time.monotonic()
    q.add_within("g", window)
    await asyncio.sleep(window * 0.8)
    q.add_within("g", window)  # pushed back, it would run at 1.8 window
    key = await asyncio.wait_for(q.get(), 3)
    assert key == "g" and window * 0.8 < time.monotonic() - started < window * 1.8 - 0.2
    q.done("g")
    await _nothing(q, WINDOW * 2)


async def test_an_immediate_add_takes_the_pending_batch_with_it() -> None:
    q: WorkQueue[str] = WorkQueue()
    q.add_within("g", WINDOW)
    q.add("g")
    key, waited = await _next(q)
    assert key == "g" and waited < WINDOW / 2
    assert q.batching == 0
    q.done("g")
    await _nothing(q, WINDOW * 2)  # the superseded batch entry does not fire again


async def test_a_change_during_the_reconcile_starts_a_new_batch() -> None:
    q: WorkQueue[str] = WorkQueue()
    q.add("g")
    key, _ = await _next(q)
    q.add_within("g", WINDOW)  # seen while "g" is being reconciled
    q.done("g")
    key, waited = await _next(q)
    assert key == "g" and waited >= WINDOW * 0.8
    q.done("g")


async def test_batches_of_different_keys_are_independent_and_requeues_still_fire() -> None:
    q: WorkQueue[str] = WorkQueue()
    q.add_within("a", WINDOW)
    q.add_after("a", WINDOW / 4)  # a requeue delay is not a batch: it fires on its own
    q.add_within("b", WINDOW)
    first, waited = await _next(q)
    assert first == "a" and waited < WINDOW * 0.75
    q.done("a")
    second, _ = await _next(q)
    assert second == "b"
    q.done("b")
    await _nothing(q, WINDOW * 2)  # "a"'s batch went with its requeue


async def test_a_zero_window_is_an_immediate_add() -> None:
    q: WorkQueue[str] = WorkQueue()
    q.add_within("g", 0)
    assert len(q) == 1
