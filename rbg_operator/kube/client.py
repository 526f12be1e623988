"""The async API client: raw JSON over kubernetes_asyncio's authenticated aiohttp session.

Typed objects go in and out at the edges (planning models are dumped to dicts before apply); this layer
keeps one field manager for every server-side apply and reports every request to an observer (metrics).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from kubernetes_asyncio import client as kclient
from kubernetes_asyncio import config as kconfig

from .health import WatchHealth
from .resources import Resource

FIELD_MANAGER = "rbg-operator"

RequestObserver = Callable[[str, str, int, float], None]  # verb, resource plural, HTTP status, seconds


class ApiError(Exception):
    """A non-2xx answer from the API server."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def conflict(self) -> bool:
        return self.status == 409

    @property
    def gone(self) -> bool:
        return self.status == 410


@dataclass(frozen=True)
class WatchEvent:
    type: str  # ADDED, MODIFIED, DELETED, BOOKMARK
    object: dict[str, Any]


def _verb(method: str, name: bool, watch: bool) -> str:
    if watch:
        return "WATCH"
    if method == "GET":
        return "GET" if name else "LIST"
    return method


class KubeClient:
    """One API connection for the whole operator (created at startup, kept in the kopf memo)."""

    def __init__(self, api: kclient.ApiClient, observer: RequestObserver | None = None) -> None:
        self._api = api
        self._observer = observer
        self.watch_health = WatchHealth()

    @classmethod
    async def connect(
        cls, kubeconfig: str | None = None, observer: RequestObserver | None = None
    ) -> KubeClient:
        """In-cluster config when running in a pod, else ``kubeconfig`` / ``$KUBECONFIG`` / ~/.kube/config."""
        configuration = kclient.Configuration()
        try:
            if kubeconfig is not None:
                raise kconfig.ConfigException("explicit kubeconfig")
            kconfig.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
        except kconfig.ConfigException:
            await kconfig.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
        configuration.connection_pool_maxsize = 64
        if not configuration.proxy:
            configuration.proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy") or None
        api = kclient.ApiClient(configuration)
        # kubernetes_asyncio's session trusts the environment, so aiohttp reads ~/.netrc in a thread for
        # every request (15% of the operator's CPU in a profile); the proxy, if any, is passed explicitly.
        rest = api.rest_client
        old = rest.pool_manager
        rest.pool_manager = aiohttp.ClientSession(
            connector=old.connector, trust_env=False, read_bufsize=2**21, connector_owner=True
        )
        old.detach()
        return cls(api, observer)

    async def close(self) -> None:
        await self._api.close()

    @property
    def host(self) -> str:
        return str(self._api.configuration.host)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        request_timeout: float | aiohttp.ClientTimeout = 30.0,
    ) -> aiohttp.ClientResponse:
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        resp: aiohttp.ClientResponse = await self._api.call_api(
            path,
            method,
            query_params=list((query or {}).items()),
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
            _preload_content=False,
            _request_timeout=request_timeout,
        )
        return resp

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        plural: str = "",
    ) -> dict[str, Any]:
        started = time.monotonic()
        status = 0
        try:
            resp = await self._send(method, path, query=query, body=body, content_type=content_type)
        except kclient.exceptions.ApiException as err:
            status = err.status or 0
            raise _api_error(status, err.reason or "", err.body) from None
        else:
            status = resp.status
            async with resp:
                raw = await resp.read()
            if status >= 300:
                raise _api_error(status, resp.reason or "", raw)
            return dict(json.loads(raw)) if raw else {}
        finally:
            if self._observer is not None:
                verb = _verb(method, path.rstrip("/").split("/")[-1] != plural, False)
                self._observer(verb, plural, status, time.monotonic() - started)

    # -- typed verbs -------------------------------------------------------------------------------------
    async def get(self, res: Resource, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        try:
            return await self.request("GET", res.path(namespace, name), plural=res.plural)
        except ApiError as err:
            if err.not_found:
                return None
            raise

    async def list(
        self, res: Resource, namespace: str | None = None, selector: str | None = None, page: int = 500
    ) -> tuple[list[dict[str, Any]], str]:
        """Every object (paginated); returns the items and the list's resourceVersion."""
        items: list[dict[str, Any]] = []
        query: dict[str, str] = {"limit": str(page)}
        if selector:
            query["labelSelector"] = selector
        while True:
            data = await self.request("GET", res.path(namespace), query=query, plural=res.plural)
            items.extend(data.get("items", []))
            meta = data.get("metadata", {})
            if not meta.get("continue"):
                return items, str(meta.get("resourceVersion", ""))
            query["continue"] = meta["continue"]

    async def watch(
        self,
        res: Resource,
        resource_version: str,
        namespace: str | None = None,
        selector: str | None = None,
        timeout_seconds: int = 300,
    ) -> AsyncIterator[WatchEvent]:
        """Stream events from ``resource_version`` until the server closes the watch."""
        query = {
            "watch": "true",
            "resourceVersion": resource_version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(timeout_seconds),
        }
        if selector:
            query["labelSelector"] = selector
        started = time.monotonic()
        timeout = aiohttp.ClientTimeout(total=None, sock_read=timeout_seconds + 30, sock_connect=30)
        try:
            resp = await self._send("GET", res.path(namespace), query=query, request_timeout=timeout)
        except kclient.exceptions.ApiException as err:
            raise _api_error(err.status or 0, err.reason or "", err.body) from None
        if self._observer is not None:
            self._observer("WATCH", res.plural, resp.status, time.monotonic() - started)
        async with resp:
            if resp.status >= 300:
                raise _api_error(resp.status, resp.reason or "", await resp.read())
            async for line in resp.content:
                if not line.strip():
                    continue
                event = json.loads(line)
                if event.get("type") == "ERROR":
                    status = event.get("object", {})
                    raise ApiError(
                        int(status.get("code", 500)), status.get("reason", ""), status.get("message", "")
                    )
                yield WatchEvent(event["type"], event["object"])

    async def create(
        self, res: Resource, obj: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]:
        return await self.request("POST", res.path(namespace), body=obj, plural=res.plural)

    async def apply(
        self,
        res: Resource,
        obj: dict[str, Any],
        *,
        subresource: str | None = None,
        force: bool = True,
        field_manager: str = FIELD_MANAGER,
    ) -> dict[str, Any]:
        """Server-side apply ``obj`` (which names itself) with the operator's field manager."""
        meta = obj["metadata"]
        query = {"fieldManager": field_manager, "force": "true" if force else "false"}
        return await self.request(
            "PATCH",
            res.path(meta.get("namespace"), meta["name"], subresource),
            query=query,
            body=obj,
            content_type="application/apply-patch+yaml",
            plural=res.plural,
        )

    async def patch(
        self,
        res: Resource,
        name: str,
        namespace: str | None,
        body: Any,
        *,
        patch_type: str = "merge",
        subresource: str | None = None,
    ) -> dict[str, Any]:
        ctype = {
            "merge": "application/merge-patch+json",
            "strategic": "application/strategic-merge-patch+json",
            "json": "application/json-patch+json",
        }[patch_type]
        return await self.request(
            "PATCH", res.path(namespace, name, subresource), body=body, content_type=ctype, plural=res.plural
        )

    async def delete(
        self,
        res: Resource,
        name: str,
        namespace: str | None = None,
        *,
        uid: str | None = None,
        propagation: str = "Background",
        grace_seconds: int | None = None,
    ) -> bool:
        """Delete; ``uid`` makes it a precondition (never deletes a newer object of the same name).
        Returns False when the object was already gone."""
        body: dict[str, Any] = {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": propagation}
        if uid:
            body["preconditions"] = {"uid": uid}
        if grace_seconds is not None:
            body["gracePeriodSeconds"] = grace_seconds
        try:
            await self.request("DELETE", res.path(namespace, name), body=body, plural=res.plural)
        except ApiError as err:
            if err.not_found or (uid and err.conflict):
                return False
            raise
        return True


def _api_error(status: int, reason: str, raw: bytes | str | None) -> ApiError:
    message = raw.decode(errors="replace") if isinstance(raw, bytes) else (raw or "")
    try:
        parsed = json.loads(message)
        message = str(parsed.get("message", message))
        reason = str(parsed.get("reason", reason))
    except (json.JSONDecodeError, AttributeError):
        pass
    return ApiError(status, reason, message[:2000])


async def cancel_quietly(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
