"""Carrying out a Plan against the API server: server-side apply of every manifest, deletes with UID
preconditions, the status through the status subresource, and Events. Returns the objects written so
the caller can update its caches (write-through)."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from typing import Any

from rbg_operator.api import keys
from rbg_operator.planning.plan import Deletion, Event, ObjectPlan, Patch, Plan
from rbg_operator.planning.workloads import KIND_API

from . import clock
from .client import FIELD_MANAGER, ApiError, KubeClient
from .resources import EVENT, POD, Resource, resource_for

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


async def execute(client: KubeClient, ref: ObjectRef, plan: Plan) -> Outcome:
    """Independent writes of a plan go out concurrently: first what pods rely on (revisions, ConfigMaps,
    Services), then the workloads, then deletions; events last."""
    out = Outcome()
    supporting = [m for m in plan.apply if m.kind not in KIND_API]
    workloads = [m for m in plan.apply if m.kind in KIND_API]
    for batch in (supporting, workloads):
        out.applied += await asyncio.gather(
            *(client.apply(resource_for(m.api_version, m.kind), m.to_dict()) for m in batch)
        )

    async def delete(d: Deletion) -> None:
        res = resource_for(d.api_version, d.kind)
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
    if plan.status is not None:
        body = {
            "apiVersion": ref.resource.api_version,
            "kind": ref.resource.kind,
            "metadata": {"name": ref.name, "namespace": ref.namespace},
            "status": plan.status.to_dict(),
        }
        out.status = await client.apply(ref.resource, body, subresource="status")
    await asyncio.gather(*(post_event(client, ref, event) for event in plan.events))
    return out


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


async def execute_objects(client: KubeClient, ref: ObjectRef, plan: ObjectPlan) -> Outcome:
    """An InstanceSet's or Instance's plan: status first when the plan records a decision in it, then
    revisions, children (created or applied), pod patches and deletions concurrently; events last."""
    out = Outcome()
    if plan.status is not None and plan.status_first:
        out.status = await _status(client, ref, plan.status.to_dict())
    revisions = [m for m in plan.apply if m.kind == "ControllerRevision"]
    children = [m for m in plan.apply if m.kind != "ControllerRevision"]
    for batch in (revisions, children):
        out.applied += await asyncio.gather(
            *(client.apply(resource_for(m.api_version, m.kind), m.to_dict()) for m in batch)
        )
    patched = await asyncio.gather(*(patch_pod(client, ref.namespace, p) for p in plan.patch))
    out.applied += [p for p in patched if p is not None]

    async def delete(d: Deletion) -> None:
        res = resource_for(d.api_version, d.kind)
        if await client.delete(res, d.name, d.namespace, uid=d.uid, propagation=d.propagation):
            out.deleted.append((res, d.namespace, d.name))

    await asyncio.gather(*(delete(d) for d in plan.delete))
    if plan.status is not None and not plan.status_first:
        out.status = await _status(client, ref, plan.status.to_dict())
    await asyncio.gather(*(post_event(client, ref, event) for event in plan.events))
    return out
