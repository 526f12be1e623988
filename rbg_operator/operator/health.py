"""/healthz: the operator is alive when its event loop keeps time and its watches keep working.

* Event-loop lag: a task asks to be woken every half second and records how late it was woken. A loop
  blocked for seconds (a synchronous call, heavy rendering) starves webhooks and the lease renewal of every
  group; a sustained lag above the limit fails the probe.
* Watches: every informer reports its list/watch rounds (rbg_operator.kube.health.WatchHealth); one that
  has failed for longer than the limit means stale caches.
* Background tasks the operator cannot work without (the controller's start, leader election) must not
  have died.

A standby replica is healthy as long as its loop runs: it holds no watches."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass

TICK_S = 0.5


@dataclass
class LoopLag:
    """How late the last tick was woken, and the worst of the last ``window`` ticks."""

    last_s: float = 0.0
    recent: tuple[float, ...] = ()
    window: int = 20

    def record(self, lag_s: float) -> None:
        self.last_s = lag_s
        self.recent = (*self.recent, lag_s)[-self.window :]

    @property
    def sustained_s(self) -> float:
        """The smallest lag of the recent window: above the limit only when every recent tick was late."""
        return min(self.recent) if len(self.recent) >= self.window else 0.0


async def measure_loop_lag(lag: LoopLag) -> None:
    while True:
        started = time.monotonic()
        await asyncio.sleep(TICK_S)
        lag.record(max(0.0, time.monotonic() - started - TICK_S))


@dataclass(frozen=True)
class Limits:
    max_loop_lag_s: float = 5.0
    max_watch_failing_s: float = 300.0


def problems(
    lag: LoopLag, stale_watches: list[str], tasks: Iterable[asyncio.Task[object]], limits: Limits
) -> list[str]:
    out = []
    if lag.last_s > limits.max_loop_lag_s and lag.sustained_s > limits.max_loop_lag_s:
        out.append(f"event loop lagging {lag.sustained_s:.1f}s (limit {limits.max_loop_lag_s:.0f}s)")
    out += stale_watches
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            out.append(f"task {task.get_name()} died: {task.exception()!r}")
    return out
