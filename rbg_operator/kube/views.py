"""Raw API objects -> the planners' typed projections (rbg_operator.planning.observed)."""

from __future__ import annotations

from typing import Any

from rbg_operator.planning.observed import ContainerView, ObjectView, PodView, RevisionView, WorkloadView


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = obj.get("metadata") or {}
    return meta


def _owner_uids(meta: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(o.get("uid", "")) for o in meta.get("ownerReferences") or [])


def pod_view(obj: dict[str, Any]) -> PodView:
    meta, spec, status = _meta(obj), obj.get("spec") or {}, obj.get("status") or {}
    conditions: dict[str, str] = {}
    ready_since = ""
    for cond in status.get("conditions") or []:
        conditions[str(cond.get("type"))] = str(cond.get("status"))
        if cond.get("type") == "Ready" and cond.get("status") == "True":
            ready_since = str(cond.get("lastTransitionTime") or "")
    containers = []
    for cs in status.get("containerStatuses") or []:
        state = cs.get("state") or {}
        containers.append(
            ContainerView(
                name=str(cs.get("name")),
                image=str(cs.get("image", "")),
                ready=bool(cs.get("ready")),
                restart_count=int(cs.get("restartCount", 0)),
                started=bool(cs.get("started")) or "running" in state,
                terminated_reason=str((state.get("terminated") or {}).get("reason", "")),
            )
        )
    owners = meta.get("ownerReferences") or []
    controller = next((o for o in owners if o.get("controller")), owners[0] if owners else {})
    return PodView(
        name=meta["name"],
        namespace=meta.get("namespace", ""),
        uid=meta.get("uid", ""),
        labels=meta.get("labels") or {},
        annotations=meta.get("annotations") or {},
        owner_uid=str(controller.get("uid", "")),
        node_name=spec.get("nodeName") or "",
        pod_ip=status.get("podIP") or "",
        phase=status.get("phase") or "Pending",
        conditions=conditions,
        ready_since=ready_since,
        readiness_gates=tuple(str(g.get("conditionType")) for g in spec.get("readinessGates") or []),
        spec_images={str(c.get("name")): str(c.get("image", "")) for c in spec.get("containers") or []},
        containers=tuple(sorted(containers, key=lambda c: c.name)),
        init_restarts=sum(int(c.get("restartCount", 0)) for c in status.get("initContainerStatuses") or []),
        created=str(meta.get("creationTimestamp", "")),
        deleting=bool(meta.get("deletionTimestamp")),
        resource_version=str(meta.get("resourceVersion", "")),
    )


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
