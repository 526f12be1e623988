"""The drain controller: watches pods of drain-enabled roles (server-side label selector), admits new
pods to service (the in-service readiness gate), probes draining pods' HTTP drain endpoints, and marks a
drain finished (reported, probe, timeout), which wakes the StatefulSet/ReplicaSet controllers whose
deletion the webhook refused. Abandoned drains are put back in service. Its pod patches are a Plan
(planning.drain), carried out by the one executor."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from rbg_operator.api import keys
from rbg_operator.kube import clock
from rbg_operator.kube import resources as r
from rbg_operator.kube.client import KubeClient
from rbg_operator.kube.executor import ObjectRef, execute
from rbg_operator.kube.informer import Informer, lookup
from rbg_operator.kube.views import pod_view
from rbg_operator.planning import drain
from rbg_operator.planning.observed import PodView

from .logs import LogContext
from .metrics import Metrics
from .queue import WorkQueue
from .workers import report, start_controller, stop_tasks

log = logging.getLogger(__name__)
Key = tuple[str, str]
PROBE_TIMEOUT = 1.0


def _self(obj: dict[str, Any]) -> list[Key]:
    meta = obj.get("metadata") or {}
    return [(meta.get("namespace", ""), meta["name"])]


class DrainController:
    def __init__(self, client: KubeClient, metrics: Metrics, namespaces: list[str], workers: int) -> None:
        self.client, self.metrics, self.workers = client, metrics, workers
        self.queue: WorkQueue[Key] = WorkQueue()
        scopes: list[str | None] = list(namespaces) or [None]
        selector = f"{keys.LABEL_DRAIN_ENABLED}=true"
        self.pods: list[Informer[PodView, Key]] = [
            Informer(client, r.POD, pod_view, _self, self.queue.add, selector=selector, namespace=ns)
            for ns in scopes
        ]
        self._tasks: list[asyncio.Task[Any]] = []
        self._http: aiohttp.ClientSession | None = None

    def _describe(self, key: Key) -> LogContext:
        pod = lookup(self.pods, *key)
        group = pod.labels.get(keys.LABEL_GROUP_NAME_V1, "") if pod is not None else ""
        return LogContext("PodDrain", key[0], key[1], group=group)

    async def start(self) -> None:
        self._http = aiohttp.ClientSession(
            trust_env=False, timeout=aiohttp.ClientTimeout(total=PROBE_TIMEOUT)
        )
        self._tasks = await start_controller(
            self.pods,
            lambda: [k for inf in self.pods for k in inf.owners()],
            self.queue,
            self.reconcile,
            self.metrics,
            self._describe,
            self.workers,
            "drain-worker",
        )

    async def stop(self) -> None:
        await stop_tasks(self._tasks)
        if self._http is not None:
            await self._http.close()

    async def probe(self, pod: PodView) -> bool | None:
        settings = drain.DrainSettings.of(pod.annotations)
        if settings is None or not settings.probe or self._http is None:
            return None
        url = settings.url(pod)
        try:
            async with self._http.get(url) as resp:
                return resp.status == 200
        except (aiohttp.ClientError, TimeoutError) as err:
            log.debug("drain probe %s of %s/%s: %r", url, pod.namespace, pod.name, err)
            return False

    async def reconcile(self, key: Key) -> float | None:
        pod = lookup(self.pods, *key)
        if pod is None:
            return None
        now = clock.now()
        probe_ok = await self.probe(pod) if drain.phase(pod) is drain.Phase.DRAINING else None
        plan = drain.drain_plan(pod, now, probe_ok)
        if plan.empty:
            return plan.requeue_after
        outcome = await execute(self.client, ObjectRef(r.POD, pod.namespace, pod.name, pod.uid), plan)
        report(self.metrics, pod.namespace, outcome, plan.events)
        for written in outcome.applied:
            for inf in self.pods:
                inf.observe(written)
        for patch in plan.patch:
            by = (patch.body.get("metadata", {}).get("annotations") or {}).get(keys.ANNOTATION_DRAINED_BY)
            if by:
                self.metrics.drains.labels(pod.namespace, by).inc()
        return plan.requeue_after
