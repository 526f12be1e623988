"""Raw API objects -> the planners' typed projections (rbg_operator.planning.observed)."""

from __future__ import annotations

from typing import Any

from rbg_operator.planning import kinds
from rbg_operator.planning.observed import (
    ContainerView,
    InstanceView,
    ObjectView,
    PodView,
    RevisionView,
    WorkloadView,
)


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = obj.get("metadata") or {}
    return meta


def _owner_uids(meta: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(o.get("uid", "")) for o in meta.get("ownerReferences") or [])


def _identity(meta: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``planning.observed.Identity``."""
    return {
        "name": meta["name"],
        "namespace": meta.get("namespace", ""),
        "uid": meta.get("uid", ""),
        "labels": meta.get("labels") or {},
        "annotations": meta.get("annotations") or {},
        "owner_uids": _owner_uids(meta),
        "deleting": bool(meta.get("deletionTimestamp")),
    }


def workload_view(obj: dict[str, Any]) -> WorkloadView:
    meta, spec, status = _meta(obj), obj.get("spec") or {}, obj.get("status") or {}
    kind = obj.get("kind", "")
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    replicas = spec.get("replicas")  # every workload kind defaults it to 1
    return WorkloadView(
        api_version=obj.get("apiVersion", ""),
        kind=kind,
        **_identity(meta),
        generation=int(meta.get("generation", 0)),
        observed_generation=int(status.get("observedGeneration", 0)),
        replicas=int(replicas) if replicas is not None else 1,
        status_replicas=int(status.get("replicas", 0)),
        ready_replicas=int(status.get("readyReplicas", 0)),
        updated_replicas=int(status.get("updatedReplicas", 0)),
        available_replicas=int(status.get("availableReplicas", 0)),
        current_revision=str(status.get("currentRevision", "")),
        update_revision=str(status.get("updateRevision", "")),
        selector=selector,
        partition=_partition(kind, spec),
    )


def _partition(kind: str, spec: dict[str, Any]) -> int | None:
    """The rolling-update partition the workload's kind reads in its spec (None for other kinds)."""
    found = kinds.for_kind(kind)
    return found.partition_of(spec) if found is not None else None


def object_view(obj: dict[str, Any]) -> ObjectView:
    meta = _meta(obj)
    return ObjectView(
        api_version=obj.get("apiVersion", ""),
        kind=obj.get("kind", ""),
        **_identity(meta),
    )


def _revision(obj: dict[str, Any], hash_label: str, data: bool) -> RevisionView:
    meta = _meta(obj)
    return RevisionView(
        name=meta["name"],
        namespace=meta.get("namespace", ""),
        uid=meta.get("uid", ""),
        revision=int(obj.get("revision", 0)),
        labels=meta.get("labels") or {},
        data_hash=(meta.get("labels") or {}).get(hash_label, ""),
        owner_uids=_owner_uids(meta),
        data=(obj.get("data") or {}) if data else None,
    )


def revision_view(obj: dict[str, Any]) -> RevisionView:
    """A group's ControllerRevision (its data is not kept)."""
    return _revision(obj, "rolebasedgroup.workloads.x-k8s.io/controller-revision-hash", data=False)


def template_revision_view(obj: dict[str, Any]) -> RevisionView:
    """An InstanceSet's ControllerRevision, with its data (the planner rebuilds old revisions from it)."""
    return _revision(obj, "controller-revision-hash", data=True)


def pod_view(obj: dict[str, Any]) -> PodView:
    meta, spec, status = _meta(obj), obj.get("spec") or {}, obj.get("status") or {}
    return PodView(
        **_identity(meta),
        phase=status.get("phase", "Pending"),
        node_name=spec.get("nodeName", ""),
        images={c["name"]: c.get("image", "") for c in spec.get("containers") or []},
        containers=tuple(
            ContainerView(
                name=c.get("name", ""),
                image=c.get("image", ""),
                ready=bool(c.get("ready")),
                restart_count=int(c.get("restartCount", 0)),
            )
            for c in status.get("containerStatuses") or []
        ),
        conditions={
            c["type"]: (str(c.get("status", "")), str(c.get("lastTransitionTime", "")))
            for c in status.get("conditions") or []
        },
        gates=tuple(g.get("conditionType", "") for g in spec.get("readinessGates") or []),
        pod_ip=status.get("podIP", ""),
    )


def instance_view(obj: dict[str, Any]) -> InstanceView:
    meta, status = _meta(obj), obj.get("status") or {}
    ready: dict[str, Any] = next(
        (c for c in status.get("conditions") or [] if c.get("type") == "InstanceReady"), {}
    )
    return InstanceView(
        **_identity(meta),
        generation=int(meta.get("generation", 0)),
        observed_generation=int(status.get("observedGeneration", 0)),
        ready=ready.get("status") == "True",
        ready_since=str(ready.get("lastTransitionTime", "")),
        current_revision=str(status.get("currentRevision", "")),
        update_revision=str(status.get("updateRevision", "")),
    )
