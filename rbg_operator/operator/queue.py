"""A controller work queue: a key is queued at most once, processed by one worker at a time, and can be
scheduled for later (requeue delays, error back-off). Same contract as client-go's rate-limited queue, plus
batching: ``add_within`` merges a burst of changes to one key into one reconcile (like the batch period of
the EndpointSlice controller)."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class WorkQueue(Generic[K]):
    def __init__(self, base_backoff: float = 0.5, max_backoff: float = 300.0) -> None:
        self._ready: deque[K] = deque()
        self._dirty: set[K] = set()
        self._processing: set[K] = set()
        self._delayed: list[tuple[float, int, K, bool]] = []  # (due, seq, key, batched)
        self._batched: dict[K, float] = {}  # key -> due time of its pending batch
        self._seq = itertools.count()
        self._failures: dict[K, int] = {}
        self._base = base_backoff
        self._max = max_backoff
        self._wakeup = asyncio.Event()
        self.added = 0

    def __len__(self) -> int:
        """Keys waiting to be processed now (the queue depth)."""
        return len(self._ready)

    @property
    def delayed(self) -> int:
        return len(self._delayed)

    def add(self, key: K) -> None:
        """Queue ``key`` now; a no-op if it is already queued; if it is being processed, again after."""
        self.added += 1
        if key in self._dirty:
            return
        self._dirty.add(key)
        if key not in self._processing:
            self._ready.append(key)
            self._wakeup.set()

    def add_after(self, key: K, delay: float) -> None:
        if delay <= 0:
            self.add(key)
            return
        heapq.heappush(self._delayed, (time.monotonic() + delay, next(self._seq), key, False))
        self._wakeup.set()

    def add_within(self, key: K, window: float) -> None:
        """Queue ``key`` at the latest ``window`` seconds from now: every change in that window is merged
        into the one reconcile (the reconcile reads the cache as it is then). A no-op if the key is already
        queued or due sooner; a reconcile that starts first takes the batch with it."""
        if window <= 0:
            self.add(key)
            return
        if key in self._dirty:
            return
        due = time.monotonic() + window
        if self._batched.get(key, due + 1) <= due:
            return
        self._batched[key] = due
        heapq.heappush(self._delayed, (due, next(self._seq), key, True))
        self._wakeup.set()

    @property
    def batching(self) -> int:
        """Keys waiting for their batch window to end."""
        return len(self._batched)

    def add_rate_limited(self, key: K) -> float:
        """Queue ``key`` after an exponential back-off for its consecutive failures; returns the delay."""
        n = self._failures.get(key, 0)
        self._failures[key] = n + 1
        delay = float(min(self._base * (2**n), self._max))
        self.add_after(key, delay)
        return delay

    def forget(self, key: K) -> None:
        """Reset the failure count of ``key`` (after a successful reconcile)."""
        self._failures.pop(key, None)

    def _promote_due(self) -> float | None:
        now = time.monotonic()
        while self._delayed and self._delayed[0][0] <= now:
            due, _, key, batched = heapq.heappop(self._delayed)
            if batched:
                if self._batched.get(key) != due:
                    continue  # superseded: a reconcile took this batch already
                del self._batched[key]
            self.add(key)
        return self._delayed[0][0] - now if self._delayed else None

    async def get(self) -> K:
        """Wait for the next key to process; the caller must call ``done(key)`` afterwards."""
        while True:
            wait = self._promote_due()
            if self._ready:
                key = self._ready.popleft()
                self._dirty.discard(key)
                self._batched.pop(key, None)  # this reconcile sees every change batched so far
                self._processing.add(key)
                if self._ready:
                    self._wakeup.set()
                return key
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=wait)

    def done(self, key: K) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self._ready.append(key)
            self._wakeup.set()
