"""Storage migration: every stored object of our multi-version CRDs rewritten in the storage version,
then the CRD's ``status.storedVersions`` narrowed to that version.

A cluster that ran a release of this operator whose CRDs stored v1alpha1 keeps those objects in etcd as
v1alpha1 until each is written again, and the API server keeps v1alpha1 in ``storedVersions`` (so the
version can never be dropped from the CRD). The leader runs :func:`migrate_storage` at start-up: for each
CRD whose ``storedVersions`` lists more than its storage version, every object is read in the storage
version and written back unchanged (an empty merge patch carrying the object's resourceVersion: the API
server re-encodes it, so the stored bytes change from v1alpha1 to v1alpha2 while the object does not;
nothing in it changes, so no watch consumer sees a generation change). A 409 means someone wrote the
object meanwhile (which stored it in the storage version too); a 404 means it is gone. Only when every
object is rewritten is ``storedVersions`` narrowed. An interrupted migration (operator restart, lost
leadership) leaves ``storedVersions`` as it was, so the next leader simply runs it again: rewriting an
object twice is harmless."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .client import ApiError, KubeClient
from .resources import CRD, WORKLOADS, Resource

log = logging.getLogger(__name__)

#: Our CRDs that serve more than one version, by plural.
MIGRATED_PLURALS = (
    "rolebasedgroups",
    "rolebasedgroupsets",
    "rolebasedgroupscalingadapters",
    "clusterengineruntimeprofiles",
)
#: Back-off between rounds while some object cannot be rewritten yet (the conversion webhook not yet
#: reachable, an API server hiccup): 2, 4, 8, ... seconds, at most a minute.
FIRST_RETRY_S = 2.0
MAX_RETRY_S = 60.0


@dataclass
class CrdMigration:
    """What one CRD's migration did."""

    crd: str
    storage_version: str
    stored_before: list[str]
    rewritten: int = 0
    gone: int = 0
    written_meanwhile: int = 0
    failed: list[str] = field(default_factory=list)
    narrowed: bool = False

    @property
    def done(self) -> bool:
        return self.narrowed or (not self.failed and self.stored_before == [self.storage_version])


def _storage_version(crd: dict[str, Any]) -> str | None:
    for version in (crd.get("spec") or {}).get("versions") or []:
        if version.get("storage"):
            return str(version["name"])
    return None


def _resource(crd: dict[str, Any], version: str) -> Resource:
    spec = crd["spec"]
    return Resource(
        spec["group"], version, spec["names"]["kind"], spec["names"]["plural"], spec["scope"] == "Namespaced"
    )


async def migrate_crd(client: KubeClient, plural: str, group: str = WORKLOADS) -> CrdMigration | None:
    """One round for one CRD; None when the CRD is not installed. Objects that could not be rewritten are
    listed in ``failed`` (and ``storedVersions`` is then left alone)."""
    name = f"{plural}.{group}"
    crd = await client.get(CRD, name)
    if crd is None:
        return None
    storage = _storage_version(crd)
    stored = list((crd.get("status") or {}).get("storedVersions") or [])
    report = CrdMigration(name, storage or "", stored)
    if storage is None or stored == [storage]:
        return report
    res = _resource(crd, storage)
    items, _ = await client.list(res)
    for obj in items:
        meta = obj.get("metadata") or {}
        ns, obj_name = meta.get("namespace"), str(meta.get("name", ""))
        body = {"metadata": {"resourceVersion": meta.get("resourceVersion")}}
        try:
            await client.patch(res, obj_name, ns, body)
        except ApiError as err:
            if err.not_found:
                report.gone += 1
            elif err.conflict:
                report.written_meanwhile += 1
            else:
                report.failed.append(f"{ns + '/' if ns else ''}{obj_name}: {err}")
            continue
        report.rewritten += 1
    if report.failed:
        return report
    # Objects created while we listed were stored in the storage version already.
    await client.patch(CRD, name, None, {"status": {"storedVersions": [storage]}}, subresource="status")
    report.narrowed = True
    return report


async def migrate_storage(
    client: KubeClient,
    plurals: Sequence[str] = MIGRATED_PLURALS,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> list[CrdMigration]:
    """Migrate every CRD in ``plurals``, retrying with back-off until each is done (runs until then or
    until cancelled). Returns the last report of each installed CRD."""
    pending = list(plurals)
    reports: dict[str, CrdMigration] = {}
    delay = FIRST_RETRY_S
    while pending:
        retry = []
        for plural in pending:
            try:
                report = await migrate_crd(client, plural)
            except Exception as err:  # API errors, timeouts, dropped connections alike: retried
                log.warning("storage migration of %s: %r; retrying", plural, err)
                retry.append(plural)
                continue
            if report is None:
                continue
            reports[plural] = report
            if report.narrowed:
                log.info(
                    "storage migration of %s: %d objects rewritten in %s (%d written meanwhile, %d gone); "
                    "storedVersions %s -> [%s]",
                    report.crd,
                    report.rewritten,
                    report.storage_version,
                    report.written_meanwhile,
                    report.gone,
                    report.stored_before,
                    report.storage_version,
                )
            elif not report.done:
                log.warning(
                    "storage migration of %s: %d objects not rewritten yet (%s); retrying in %.0f s",
                    report.crd,
                    len(report.failed),
                    "; ".join(report.failed[:5]),
                    delay,
                )
                retry.append(plural)
        pending = retry
        if pending:
            await sleep(delay)
            delay = min(delay * 2, MAX_RETRY_S)
    return [reports[p] for p in plurals if p in reports]
