"""Watch caches: list + watch one resource with a server-side label selector, keep typed projections of
the objects, index them by the owning group, and wake the owner on every change."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

from .client import ApiError, KubeClient
from .resources import Resource

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
ObjKey = tuple[str, str]  # (namespace, name)

log = logging.getLogger(__name__)


class Informer(Generic[T, K]):
    """A list+watch cache of ``resource`` objects matching ``selector``.

    ``transform`` turns a raw object into the typed value kept in memory (a projection: only what the
    planners read), ``owners_of`` names the groups an object belongs to, ``on_change`` is called with each
    owner whose objects changed. Reads never touch the API server.
    """

    def __init__(
        self,
        client: KubeClient,
        resource: Resource,
        transform: Callable[[dict[str, Any]], T],
        owners_of: Callable[[dict[str, Any]], list[K]],
        on_change: Callable[[K], None],
        *,
        selector: str | None = None,
        namespace: str | None = None,
    ) -> None:
        self.resource = resource
        self._client = client
        self._transform = transform
        self._owners_of = owners_of
        self._on_change = on_change
        self._selector = selector
        self._namespace = namespace
        self._items: dict[ObjKey, T] = {}
        self._owners: dict[ObjKey, list[K]] = {}
        self._index: dict[K, set[ObjKey]] = {}
        self._versions: dict[ObjKey, str] = {}
        self.synced = asyncio.Event()
        self.available = True  # False when the resource's API does not exist (e.g. an absent CRD)
        self.events = 0

    # -- reads -------------------------------------------------------------------------------------------
    def get(self, namespace: str, name: str) -> T | None:
        return self._items.get((namespace, name))

    def by_owner(self, owner: K) -> list[T]:
        return [self._items[k] for k in sorted(self._index.get(owner, ()))]

    def all(self) -> list[T]:
        return [self._items[k] for k in sorted(self._items)]

    def owners(self) -> list[K]:
        return list(self._index)

    def __len__(self) -> int:
        return len(self._items)

    def observe(self, obj: dict[str, Any]) -> None:
        """Write-through after our own write: keep the returned object unless the cache already holds a
        newer version (so the next reconcile does not act on what it just changed)."""
        if not self._older_than_held(obj):
            self._upsert(obj)

    def _older_than_held(self, obj: dict[str, Any]) -> bool:
        """The cache already holds a newer version (written through after our own write)."""
        held = self._versions.get(self._key(obj), "")
        new = str(obj.get("metadata", {}).get("resourceVersion", ""))
        return (
            (held.isascii() and held.isdigit()) and (new.isascii() and new.isdigit()) and int(held) > int(new)
        )

    # -- writes from the watch ---------------------------------------------------------------------------
    @property
    def _health_key(self) -> str:
        where = f" in {self._namespace}" if self._namespace else ""
        return f"{self.resource.plural}{where}" + (f" ({self._selector})" if self._selector else "")

    def _key(self, obj: dict[str, Any]) -> ObjKey:
        meta = obj["metadata"]
        return (meta.get("namespace", ""), meta["name"])

    def _upsert(self, obj: dict[str, Any]) -> None:
        obj.setdefault("apiVersion", self.resource.api_version)  # list items carry neither
        obj.setdefault("kind", self.resource.kind)
        key = self._key(obj)
        owners = self._owners_of(obj)
        value = self._transform(obj)
        # Only a change of what the planners see wakes the owners: a status field outside the projection,
        # or the watch echo of an object already written through, does not.
        changed = key not in self._items or self._items[key] != value
        self._items[key] = value
        self._versions[key] = str(obj.get("metadata", {}).get("resourceVersion", ""))
        before = self._owners.get(key, [])
        for old in before:
            if old not in owners:
                self._unindex(old, key)
                self._on_change(old)
        self._owners[key] = owners
        for owner in owners:
            self._index.setdefault(owner, set()).add(key)
            if changed or owner not in before:
                self._on_change(owner)

    def _unindex(self, owner: K, key: ObjKey) -> None:
        keys = self._index.get(owner)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._index[owner]

    def _drop(self, key: ObjKey) -> None:
        self._items.pop(key, None)
        self._versions.pop(key, None)
        for owner in self._owners.pop(key, []):
            self._unindex(owner, key)
            self._on_change(owner)

    def _remove(self, obj: dict[str, Any]) -> None:
        self._drop(self._key(obj))

    def _replace(self, objs: list[dict[str, Any]]) -> None:
        fresh = {self._key(o) for o in objs}
        for key in [k for k in self._items if k not in fresh]:
            self._drop(key)
        for obj in objs:
            self._upsert(obj)

    # -- the loop ----------------------------------------------------------------------------------------
    async def run(self) -> None:
        """List, then watch from the list's resourceVersion; relist when the watch expires (410)."""
        backoff = 0.5
        resource_version = ""
        while True:
            try:
                if not resource_version:
                    objs, resource_version = await self._client.list(
                        self.resource, self._namespace, self._selector
                    )
                    self._replace(objs)
                    self.available = True
                    self.synced.set()
                    self._client.watch_health.ok(self._health_key)
                async for event in self._client.watch(
                    self.resource, resource_version, self._namespace, self._selector
                ):
                    self.events += 1
                    self._client.watch_health.ok(self._health_key)
                    meta = event.object.get("metadata", {})
                    resource_version = meta.get("resourceVersion", resource_version)
                    if event.type == "BOOKMARK":
                        continue
                    if event.type == "DELETED":
                        self._remove(event.object)
                    elif not self._older_than_held(event.object):
                        # A watch event older than what our own write put in the cache would
                        # regress it (and a reconcile would act on a status it already changed).
                        self._upsert(event.object)
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except ApiError as err:
                if err.gone:
                    resource_version = ""
                    continue
                if err.not_found:
                    # The API is not served (an optional CRD is absent): report empty and look again later.
                    self.available = False
                    self._replace([])
                    self.synced.set()
                    self._client.watch_health.ok(self._health_key)
                    resource_version = ""
                    await asyncio.sleep(10)
                    continue
                log.warning("watch of %s failed: %s", self.resource.plural, err)
                self._client.watch_health.failed(self._health_key, str(err))
                await asyncio.sleep(backoff * (1 + random.random()))
                backoff = min(backoff * 2, 30)
            except Exception as err:  # connection drops, timeouts: back off, keep the cache, resume
                log.warning("watch of %s interrupted: %r", self.resource.plural, err)
                self._client.watch_health.failed(self._health_key, repr(err))
                await asyncio.sleep(backoff * (1 + random.random()))
                backoff = min(backoff * 2, 30)


def lookup(informers: Iterable[Informer[T, Any]], namespace: str, name: str) -> T | None:
    """The object from whichever informer (one per watched namespace) holds it."""
    for inf in informers:
        found = inf.get(namespace, name)
        if found is not None:
            return found
    return None
