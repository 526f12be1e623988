"""Leader election on a coordination.k8s.io Lease, with client-go's semantics: the lease is taken over only
after its holder failed to renew for a whole lease duration as observed locally (no trust in remote
clocks), every write is a compare-and-swap on resourceVersion, and a clean shutdown releases the lease."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from .client import ApiError, KubeClient
from .resources import LEASE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeaseConfig:
    name: str
    namespace: str
    identity: str
    lease_seconds: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    def __init__(self, client: KubeClient, config: LeaseConfig) -> None:
        self._client = client
        self.config = config
        self.is_leader = asyncio.Event()
        self._observed: tuple[str, str] | None = None  # (holder, renewTime) last seen
        self._observed_at = 0.0
        self.transitions = 0

    def _spec(self, current: dict[str, Any] | None) -> dict[str, Any]:
        spec = dict((current or {}).get("spec", {}))
        holder = spec.get("holderIdentity")
        now = _now()
        if holder != self.config.identity:
            spec["acquireTime"] = now
            spec["leaseTransitions"] = int(spec.get("leaseTransitions", 0)) + (1 if holder else 0)
        spec["holderIdentity"] = self.config.identity
        spec["leaseDurationSeconds"] = int(self.config.lease_seconds)
        spec["renewTime"] = now
        return spec

    async def _try_acquire_or_renew(self) -> bool:
        cfg = self.config
        current = await self._client.get(LEASE, cfg.name, cfg.namespace)
        if current is None:
            body = {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": cfg.name, "namespace": cfg.namespace},
                "spec": self._spec(None),
            }
            try:
                await self._client.create(LEASE, body, cfg.namespace)
            except ApiError as err:
                if err.conflict:
                    return False
                raise
            return True
        spec = current.get("spec", {})
        holder = spec.get("holderIdentity") or ""
        record = (holder, str(spec.get("renewTime", "")))
        if record != self._observed:
            self._observed, self._observed_at = record, time.monotonic()
        expired = time.monotonic() - self._observed_at > float(
            spec.get("leaseDurationSeconds", cfg.lease_seconds)
        )
        if holder and holder != cfg.identity and not expired:
            return False
        body = {**current, "spec": self._spec(current)}
        path = LEASE.path(cfg.namespace, cfg.name)
        try:
            await self._client.request("PUT", path, body=body, plural=LEASE.plural)
        except ApiError as err:
            if err.conflict:
                return False
            raise
        return True

    async def run(self, lead: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Campaign until leader, then run ``lead()`` while renewing; return when leadership is lost
        (the caller should then stop: a process that lost the lease must not keep writing)."""
        cfg = self.config
        while not self.is_leader.is_set():
            try:
                if await self._try_acquire_or_renew():
                    self.is_leader.set()
                    self.transitions += 1
                    log.info("became leader (lease %s/%s as %s)", cfg.namespace, cfg.name, cfg.identity)
                    break
            except ApiError as err:
                log.warning("leader election: %s", err)
            await asyncio.sleep(cfg.retry_period)
        leading = asyncio.create_task(lead(), name="leader-work")
        try:
            last_renew = time.monotonic()
            while not leading.done():
                await asyncio.sleep(cfg.retry_period)
                try:
                    if await self._try_acquire_or_renew():
                        last_renew = time.monotonic()
                        continue
                except (ApiError, OSError, TimeoutError) as err:
                    log.warning("lease renewal failed: %s", err)
                if time.monotonic() - last_renew > cfg.renew_deadline:
                    log.error("lost the leader lease %s/%s", cfg.namespace, cfg.name)
                    break
        finally:
            self.is_leader.clear()
            leading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await leading

    async def release(self) -> None:
        """Give the lease up on a clean shutdown so a standby takes over at once."""
        cfg = self.config
        current = await self._client.get(LEASE, cfg.name, cfg.namespace)
        if current is None or current.get("spec", {}).get("holderIdentity") != cfg.identity:
            return
        spec = {**current["spec"], "holderIdentity": "", "leaseDurationSeconds": 1, "renewTime": _now()}
        try:
            await self._client.request(
                "PUT",
                LEASE.path(cfg.namespace, cfg.name),
                body={**current, "spec": spec},
                plural=LEASE.plural,
            )
        except ApiError as err:
            log.warning("could not release the lease: %s", err)
