"""Carrying out a Plan against the API server, for every controller: server-side apply of every
manifest, pod patches, deletes with UID preconditions, the finalizer, the status through the status
subresource, and Events. Returns the objects written so the caller can update its caches
(write-through)."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.children import Manifest
from rbg_operator.planning import kinds
from rbg_operator.planning.plan import Deletion, Event, Patch, Plan

from . import clock
from .client import FIELD_MANAGER, ApiError, KubeClient
from .resources import BY_KIND, EVENT, POD, Resource, resource_for

# Finalizers are applied under their own field manager, so the status applies never touch them.
FINALIZER_MANAGER = "rbg-operator-finalizer"


@dataclass(frozen=True)
class ObjectRef:
    """The object a plan belongs to (and events are about)."""

    resource: Resource
    namespace: str
    name: str
    uid: str


@dataclass
class Outcome:
    applied: list[dict[str, Any]] = field(default_factory=list)
    deleted: list[tuple[Resource, str, str]] = field(default_factory=list)
    status: dict[str, Any] | None = None
    group: dict[str, Any] | None = None  # the group after a finalizer change


def workload_resource(kind: kinds.WorkloadKind) -> Resource:
    """The API resource of a workload kind of the registry."""
    group, _, version = kind.api_version.rpartition("/")
    return Resource(group, version, kind.kind, kind.plural)


def resource_of(api_version: str, kind: str) -> Resource:
    """The resource of an object the operator writes: a known one, or a workload kind of the registry."""
    wk = kinds.for_kind(kind)
    if (api_version, kind) not in BY_KIND and wk is not None and wk.api_version == api_version:
        return workload_resource(wk)
    return resource_for(api_version, kind)


async def post_event(client: KubeClient, ref: ObjectRef, event: Event) -> None:
    now = clock.now()
    body = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{ref.name}.{secrets.token_hex(8)}", "namespace": ref.namespace},
        "involvedObject": {
            "apiVersion": ref.resource.api_version,
            "kind": ref.resource.kind,
            "name": ref.name,
            "namespace": ref.namespace,
            "uid": ref.uid,
        },
        "reason": event.reason,
        "message": event.message[:1024],
        "type": event.type,
        "source": {"component": FIELD_MANAGER},
        "reportingComponent": FIELD_MANAGER,
        "reportingInstance": FIELD_MANAGER,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    }
    await client.create(EVENT, body, ref.namespace)


async def _status(client: KubeClient, ref: ObjectRef, status: dict[str, Any]) -> dict[str, Any]:
    body = {
        "apiVersion": ref.resource.api_version,
        "kind": ref.resource.kind,
        "metadata": {"name": ref.name, "namespace": ref.namespace},
        "status": status,
    }
    return await client.apply(ref.resource, body, subresource="status")


async def patch_pod(client: KubeClient, namespace: str, patch: Patch) -> dict[str, Any] | None:
    """Strategic merge patch with the pod's UID as precondition; None if the pod is gone or replaced."""
    body = {**patch.body, "metadata": {**patch.body.get("metadata", {}), "uid": patch.uid}}
    try:
        return await client.patch(
            POD,
            patch.name,
            namespace,
            body,
            patch_type="strategic",
            subresource="status" if patch.status else None,
        )
    except ApiError as err:
        if err.not_found or err.conflict:
            return None
        raise


def _batches(plan: Plan[Any]) -> list[list[Manifest]]:
    """What is applied, in order: revisions, then what pods rely on (ConfigMaps, Services, Instances,
    ...), then workloads. The manifests of one batch go out concurrently."""
    revisions = [m for m in plan.apply if m.kind == "ControllerRevision"]
    others = [m for m in plan.apply if m.kind != "ControllerRevision" and not kinds.is_workload(m.kind)]
    workloads = [m for m in plan.apply if kinds.is_workload(m.kind)]
    return [b for b in (revisions, others, workloads) if b]


async def _patch_pods(client: KubeClient, namespace: str, patches: list[Patch]) -> list[dict[str, Any]]:
    """The patches of one pod in order, different pods concurrently."""
    by_pod: dict[str, list[Patch]] = {}
    for p in patches:
        by_pod.setdefault(p.name, []).append(p)

    async def one_pod(todo: list[Patch]) -> list[dict[str, Any]]:
        written = [await patch_pod(client, namespace, p) for p in todo]
        return [w for w in written if w is not None]

    done = await asyncio.gather(*(one_pod(todo) for todo in by_pod.values()))
    return [w for pod in done for w in pod]


async def execute(client: KubeClient, ref: ObjectRef, plan: Plan[Any]) -> Outcome:
    """Carry out ``plan`` of the object ``ref``: the status first when the plan records a decision in
    it, then the applies (batch by batch), pod patches, deletions, the finalizer, the status, and the
    events last."""
    out = Outcome()
    if plan.status is not None and plan.status_first:
        out.status = await _status(client, ref, plan.status.to_dict())
    manager = plan.field_manager or FIELD_MANAGER
    for batch in _batches(plan):
        out.applied += await asyncio.gather(
            *(
                client.apply(resource_of(m.api_version, m.kind), m.to_dict(), field_manager=manager)
                for m in batch
            )
        )
    out.applied += await _patch_pods(client, ref.namespace, plan.patch)

    async def delete(d: Deletion) -> None:
        res = resource_of(d.api_version, d.kind)
        if await client.delete(res, d.name, d.namespace, uid=d.uid, propagation=d.propagation):
            out.deleted.append((res, d.namespace, d.name))

    await asyncio.gather(*(delete(d) for d in plan.delete))
    if plan.finalizer is not None:
        body = {
            "apiVersion": ref.resource.api_version,
            "kind": ref.resource.kind,
            "metadata": {
                "name": ref.name,
                "namespace": ref.namespace,
                "finalizers": [keys.FINALIZER_TEARDOWN] if plan.finalizer == "add" else [],
            },
        }
        out.group = await client.apply(ref.resource, body, field_manager=FINALIZER_MANAGER)
    if plan.status is not None and not plan.status_first:
        out.status = await _status(client, ref, plan.status.to_dict())
    await asyncio.gather(*(post_event(client, ref, event) for event in plan.events))
    return out
