"""kopf wiring: the process lifecycle (startup, cleanup), the admission webhook server, and the controller
(optionally behind leader election); plus /metrics, /healthz and /readyz."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kopf
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from rbg_operator.kube.client import KubeClient, cancel_quietly
from rbg_operator.kube.leader import LeaderElector, LeaseConfig
from rbg_operator.kube.storage_migration import migrate_storage
from rbg_operator.kube.webhook_certs import ProvidedSecret, follow_provided

from . import admission, health, logs
from .controller import Controller
from .conversion import Converting
from .metrics import Metrics

log = logging.getLogger("rbg_operator")
WEBHOOK_CONFIG_NAME = "rbg-operator.workloads.x-k8s.io"


@dataclass(frozen=True)
class Settings:
    namespaces: list[str] = field(default_factory=list)
    workers: int = 16
    metrics_port: int = 8080
    webhook: admission.WebhookSettings | None = field(default_factory=admission.WebhookSettings)
    leader_election: bool = False
    lease_namespace: str = "default"
    lease_name: str = "rbg-operator-leader"
    leader_identity: str = ""  # default: <hostname>_<random>
    kubeconfig: str | None = None


@dataclass
class Runtime:
    """Everything the running operator holds (kept in the kopf memo; nothing module-level)."""

    settings: Settings
    metrics: Metrics
    client: KubeClient | None = None
    controller: Controller | None = None
    elector: LeaderElector | None = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    http: web.AppRunner | None = None
    loop_lag: health.LoopLag = field(default_factory=health.LoopLag)
    limits: health.Limits = field(default_factory=health.Limits)


def _ready(rt: Runtime) -> bool:
    if rt.elector is not None and not rt.elector.is_leader.is_set():
        return True  # a standby is ready to serve webhooks
    return rt.controller is not None and rt.controller.started


async def _serve_http(rt: Runtime) -> web.AppRunner:
    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(rt.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(_: web.Request) -> web.Response:
        stale = rt.client.watch_health.stale(rt.limits.max_watch_failing_s) if rt.client is not None else []
        found = health.problems(rt.loop_lag, stale, rt.tasks, rt.limits)
        return web.Response(status=503, text="\n".join(found)) if found else web.Response(text="ok")

    async def readyz(_: web.Request) -> web.Response:
        return web.Response(text="ok") if _ready(rt) else web.Response(status=503, text="not ready")

    app = web.Application()
    app.add_routes([web.get("/metrics", metrics), web.get("/healthz", healthz), web.get("/readyz", readyz)])
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "0.0.0.0", rt.settings.metrics_port).start()
    return runner


def build_registry(settings: Settings) -> kopf.OperatorRegistry:
    registry = kopf.OperatorRegistry()

    @kopf.on.login(registry=registry)
    def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
        """In-cluster ServiceAccount first, then the kubeconfig ($KUBECONFIG or ~/.kube/config)."""
        return kopf.login_with_service_account(**kwargs) or kopf.login_with_kubeconfig(**kwargs)

    @kopf.on.startup(registry=registry)
    async def startup(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
        rt: Runtime = memo.runtime
        settings.posting.enabled = False
        settings.persistence.finalizer = "rbg.workloads.x-k8s.io/kopf"
        rt.client = await KubeClient.connect(rt.settings.kubeconfig, observer=rt.metrics.api_request)
        if rt.settings.webhook is not None:
            server = await admission.server(rt.client, rt.settings.webhook)
            settings.admission.server = server
            if isinstance(server, Converting):
                rt.tasks.append(asyncio.create_task(server.keep_configured(), name="crd-conversion"))
            if isinstance(ref := rt.settings.webhook.secret, ProvidedSecret):  # cert-manager renews it
                pem, ca = Path(str(server.certfile)), server.cadata or b""
                follow = follow_provided(rt.client, ref, pem, ca, lambda new: setattr(server, "cadata", new))
                rt.tasks.append(asyncio.create_task(follow, name="webhook-cert"))
            settings.admission.managed = WEBHOOK_CONFIG_NAME
        rt.tasks.append(asyncio.create_task(health.measure_loop_lag(rt.loop_lag), name="loop-lag"))
        rt.http = await _serve_http(rt)
        rt.controller = Controller(rt.client, rt.metrics, rt.settings.namespaces, rt.settings.workers)
        if rt.settings.leader_election:
            identity = rt.settings.leader_identity or f"{socket.gethostname()}_{uuid.uuid4().hex[:8]}"
            rt.elector = LeaderElector(
                rt.client, LeaseConfig(rt.settings.lease_name, rt.settings.lease_namespace, identity)
            )
            rt.tasks.append(asyncio.create_task(_lead(rt), name="leader-election"))
        else:
            # A task, not awaited here: kopf starts the webhook server (and with it the conversion webhook
            # the informers may need to list objects stored as v1alpha1) only once the startup handlers
            # return.
            rt.tasks.append(asyncio.create_task(_serve_as_leader(rt), name="controller"))

    @kopf.on.cleanup(registry=registry)
    async def cleanup(memo: kopf.Memo, **_: Any) -> None:
        rt: Runtime = memo.runtime
        for task in rt.tasks:
            await cancel_quietly(task)
        if rt.controller is not None:
            await rt.controller.stop()
        if rt.elector is not None:
            await rt.elector.release()
        if rt.http is not None:
            await rt.http.cleanup()
        if rt.client is not None:
            await rt.client.close()

    if settings.webhook is not None:
        admission.register(registry)
    return registry


async def _serve_as_leader(rt: Runtime) -> None:
    """What the one active replica runs until cancelled: the controllers, and the storage migration (the
    leader alone rewrites stored objects in the storage version; a new leader runs it again)."""
    assert rt.client is not None and rt.controller is not None
    rt.metrics.leader.set(1)
    migration = asyncio.create_task(migrate_storage(rt.client), name="storage-migration")
    try:
        await rt.controller.start()
        await asyncio.Event().wait()  # until leadership is lost or the operator stops
    finally:
        await cancel_quietly(migration)
        rt.metrics.leader.set(0)


async def _lead(rt: Runtime) -> None:
    assert rt.elector is not None
    await rt.elector.run(lambda: _serve_as_leader(rt))
    log.error("leadership lost: exiting so that a fresh process campaigns again")
    os._exit(1)


def run_operator(settings: Settings, verbose: bool = False, log_format: logs.LogFormat = "text") -> int:
    logs.configure(log_format, verbose)
    if settings.kubeconfig:
        os.environ["KUBECONFIG"] = settings.kubeconfig  # kopf's own login reads it
    runtime = Runtime(settings=settings, metrics=Metrics())
    registry = build_registry(settings)
    asyncio.run(
        kopf.operator(
            registry=registry,
            memo=kopf.Memo(runtime=runtime),
            standalone=True,
            clusterwide=not settings.namespaces,
            namespaces=settings.namespaces,
        )
    )
    return 0
