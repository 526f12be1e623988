"""The worker loop shared by the controllers: take a key, reconcile it, requeue as the plan asks or
with back-off on errors; one key is never processed by two workers at once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from rbg_operator.kube.client import ApiError

from .metrics import Metrics
from .queue import WorkQueue

K = TypeVar("K", bound=Hashable)
log = logging.getLogger(__name__)


async def work(
    queue: WorkQueue[K],
    reconcile: Callable[[K], Awaitable[float | None]],
    metrics: Metrics,
    kind_of: Callable[[K], str],
) -> None:
    while True:
        key = await queue.get()
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
            metrics.reconciled(kind_of(key), result, time.monotonic() - started)
            metrics.queue_depth.set(len(queue))
