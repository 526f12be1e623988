"""The worker loop shared by the controllers: take a key, reconcile it, requeue as the plan asks or
with back-off on errors; one key is never processed by two workers at once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

from rbg_operator.kube.client import ApiError
from rbg_operator.kube.executor import Outcome
from rbg_operator.kube.informer import Informer
from rbg_operator.planning.plan import Event

from .logs import LogContext, outcome_line, reconciling
from .metrics import Metrics
from .queue import WorkQueue

K = TypeVar("K", bound=Hashable)
log = logging.getLogger(__name__)


async def work(
    queue: WorkQueue[K],
    reconcile: Callable[[K], Awaitable[float | None]],
    metrics: Metrics,
    describe: Callable[[K], LogContext],
) -> None:
    while True:
        key = await queue.get()
        ctx = describe(key)
        with reconciling(ctx):
            await _reconcile_one(queue, reconcile, metrics, key, ctx.kind)


async def _reconcile_one(
    queue: WorkQueue[K],
    reconcile: Callable[[K], Awaitable[float | None]],
    metrics: Metrics,
    key: K,
    kind: str,
) -> None:
    started = time.monotonic()
    result = "success"
    try:
        delay = await reconcile(key)
        queue.forget(key)
        if delay is not None:
            queue.add_after(key, delay)
    except asyncio.CancelledError:
        raise
    except ApiError as err:
        if err.status == 403 and "being terminated" in err.message:
            # The namespace is going away; its objects' deletion follows. Retrying cannot succeed.
            result = "skipped"
            queue.forget(key)
            log.debug("namespace of %s is terminating: %s", key, err.message)
        else:
            result = "error"
            wait = queue.add_rate_limited(key)
            log.warning("reconcile of %s failed (retry in %.1fs): %s", key, wait, err)
    except Exception as err:
        result = "error"
        wait = queue.add_rate_limited(key)
        log.warning("reconcile of %s failed (retry in %.1fs): %s", key, wait, err, exc_info=True)
    finally:
        queue.done(key)
        metrics.reconciled(kind, result, time.monotonic() - started)
        metrics.queue_depth.set(len(queue))


def report(metrics: Metrics, namespace: str, outcome: Outcome, events: Sequence[Event]) -> None:
    """After a plan was executed: count the recreations it carried out and log what it wrote."""
    metrics.carried_out(namespace, events)
    if line := outcome_line(outcome, events):
        log.info("%s", line)


async def start_controller(
    informers: Sequence[Informer[Any, K]],
    seed: Callable[[], Iterable[K]],
    queue: WorkQueue[K],
    reconcile: Callable[[K], Awaitable[float | None]],
    metrics: Metrics,
    describe: Callable[[K], LogContext],
    workers: int,
    name: str,
) -> list[asyncio.Task[Any]]:
    """Start the watches, wait until every cache is synced, queue the keys ``seed`` names (everything
    that exists) and start the workers. Returns the tasks, for :func:`stop_tasks`."""
    tasks = [asyncio.create_task(i.run(), name=f"watch-{i.resource.plural}") for i in informers]
    await asyncio.gather(*(i.synced.wait() for i in informers))
    for key in seed():
        queue.add(key)
    tasks += [
        asyncio.create_task(work(queue, reconcile, metrics, describe), name=f"{name}-{n}")
        for n in range(workers)
    ]
    return tasks


async def stop_tasks(tasks: Sequence[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
