"""Raw API objects -> the planners' typed projections (rbg_operator.planning.observed)."""

from __future__ import annotations

from typing import Any

from rbg_operator.planning.observed import ObjectView, RevisionView, WorkloadView


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = obj.get("metadata") or {}
    return meta


def _owner_uids(meta: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(o.get("uid", "")) for o in meta.get("ownerReferences") or [])


def workload_view(obj: dict[str, Any]) -> WorkloadView:
    meta, spec, status = _meta(obj), obj.get("spec") or {}, obj.get("status") or {}
    kind = obj.get("kind", "")
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    if kind == "LeaderWorkerSet":
        replicas = int(spec.get("replicas", 1))
    else:
        replicas = int(spec.get("replicas", 1) if "replicas" in spec else 1)
    return WorkloadView(
        api_version=obj.get("apiVersion", ""),
        kind=kind,
        name=meta["name"],
        namespace=meta.get("namespace", ""),
        uid=meta.get("uid", ""),
        labels=meta.get("labels") or {},
        annotations=meta.get("annotations") or {},
        owner_uids=_owner_uids(meta),
        generation=int(meta.get("generation", 0)),
        observed_generation=int(status.get("observedGeneration", 0)),
        replicas=replicas,
        status_replicas=int(status.get("replicas", 0)),
        ready_replicas=int(status.get("readyReplicas", 0)),
        updated_replicas=int(status.get("updatedReplicas", 0)),
        available_replicas=int(status.get("availableReplicas", 0)),
        current_revision=str(status.get("currentRevision", "")),
        update_revision=str(status.get("updateRevision", "")),
        selector=selector,
        deleting=bool(meta.get("deletionTimestamp")),
    )


def object_view(obj: dict[str, Any]) -> ObjectView:
    meta = _meta(obj)
    return ObjectView(
        api_version=obj.get("apiVersion", ""),
        kind=obj.get("kind", ""),
        name=meta["name"],
        namespace=meta.get("namespace", ""),
        uid=meta.get("uid", ""),
        labels=meta.get("labels") or {},
        annotations=meta.get("annotations") or {},
        owner_uids=_owner_uids(meta),
        deleting=bool(meta.get("deletionTimestamp")),
    )


def revision_view(obj: dict[str, Any]) -> RevisionView:
    meta = _meta(obj)
    return RevisionView(
        name=meta["name"],
        namespace=meta.get("namespace", ""),
        uid=meta.get("uid", ""),
        revision=int(obj.get("revision", 0)),
        labels=meta.get("labels") or {},
        data_hash=(meta.get("labels") or {}).get(
            "rolebasedgroup.workloads.x-k8s.io/controller-revision-hash", ""
        ),
    )
