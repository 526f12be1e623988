"""The pods of an Instance: one per (component, id) slot, with stable names and hostnames, the
instance/component labels, the InPlaceUpdateReady readiness gate, and the two hashes that drive updates:
the pod revision (any change) and the in-place base (everything but images and metadata)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.children import Pod
from rbg_operator.api.meta import ObjectMeta
from rbg_operator.api.pod import PodSpec
from rbg_operator.api.v1alpha1 import Instance
from rbg_operator.api.v1alpha1.instance import InstanceComponent

from . import names

JSON = dict[str, Any]
# Instance labels that describe the Instance itself, not its pods.
_NOT_INHERITED = {
    keys.LABEL_CONTROLLER_REVISION_HASH,
    keys.LABEL_INSTANCESET_SPECIFIED_DELETE,
    keys.LABEL_ROLE_INSTANCE_DELETE_V2,
}
_IMAGE_LISTS = ("containers", "initContainers")


@dataclass(frozen=True)
class Slot:
    component: str
    id: int

    def pod_name(self, instance: str) -> str:
        return f"{instance}-{self.component}-{self.id}"


@dataclass(frozen=True)
class DesiredPod:
    slot: Slot
    manifest: Pod
    revision: str  # hash of the whole pod manifest
    base: str  # hash of the spec without images: equal base -> the change can be done in place


def slots(instance: Instance) -> Iterator[tuple[Slot, InstanceComponent]]:
    for comp in instance.spec.components:
        for i in range(comp.effective_size):
            yield Slot(comp.name, i), comp


def base_hash(spec: JSON) -> str:
    """Hash of a pod spec with every container image blanked."""
    stripped = copy.deepcopy(spec)
    for field in _IMAGE_LISTS:
        for c in stripped.get(field) or []:
            c.pop("image", None)
    return names.content_hash(stripped)


def component_index(instance: Instance, slot: Slot) -> int:
    """Leader/worker emulation: the leader is 0 and worker ``i`` is ``i + 1``; otherwise the id."""
    comps = {c.name for c in instance.spec.components}
    if comps == {keys.COMPONENT_LEADER, keys.COMPONENT_WORKER} and slot.component == keys.COMPONENT_WORKER:
        return slot.id + 1
    return slot.id


def desired_pod(instance: Instance, slot: Slot, comp: InstanceComponent, epoch: int) -> DesiredPod:
    name, ns = instance.metadata.name or "", instance.metadata.namespace or ""
    template = comp.template.to_dict()
    tmeta = template.get("metadata") or {}
    spec: JSON = copy.deepcopy(template.get("spec") or {})
    pod_name = slot.pod_name(name)
    spec["hostname"] = names.truncate(pod_name)
    if comp.service_name:
        spec["subdomain"] = comp.service_name
    gates = [g for g in spec.get("readinessGates") or []]
    if not any(g.get("conditionType") == keys.POD_CONDITION_IN_PLACE_UPDATE_READY for g in gates):
        gates.append({"conditionType": keys.POD_CONDITION_IN_PLACE_UPDATE_READY})
    spec["readinessGates"] = gates
    index = str(component_index(instance, slot))
    inherited = {k: v for k, v in (instance.metadata.labels or {}).items() if k not in _NOT_INHERITED}
    labels = {
        **(tmeta.get("labels") or {}),
        **inherited,
        keys.LABEL_INSTANCE_NAME: name,
        keys.LABEL_ROLE_INSTANCE_NAME_V2: name,
        keys.LABEL_INSTANCE_COMPONENT_NAME: slot.component,
        keys.LABEL_COMPONENT_NAME_V2: slot.component,
        keys.LABEL_INSTANCE_COMPONENT_ID: str(slot.id),
        keys.LABEL_COMPONENT_ID_V2: str(slot.id),
        keys.LABEL_COMPONENT_INDEX_V1: index,
        keys.LABEL_COMPONENT_INDEX_V2: index,
        keys.LABEL_COMPONENT_SIZE_V1: str(comp.effective_size),
        keys.LABEL_COMPONENT_SIZE_V2: str(comp.effective_size),
        keys.LABEL_INSTANCE_EPOCH: str(epoch),
    }
    base = base_hash(spec)
    annotations = {**(tmeta.get("annotations") or {}), keys.ANNOTATION_IN_PLACE_BASE_HASH: base}
    body = {"labels": labels, "annotations": annotations, "spec": spec}
    revision = names.content_hash(body)
    labels[keys.LABEL_CONTROLLER_REVISION_HASH] = revision
    owner = names.owner_reference(instance.api_version, instance.kind, name, instance.metadata.uid or "")
    manifest = Pod(
        metadata=ObjectMeta.model_validate(
            {
                "name": pod_name,
                "namespace": ns,
                "labels": labels,
                "annotations": annotations,
                "ownerReferences": [owner],
            }
        ),
        spec=PodSpec.model_validate(spec),
    )
    return DesiredPod(slot, manifest, revision, base)


def in_place_patch(pod: DesiredPod) -> JSON:
    """The strategic merge patch that moves a pod to ``pod`` without recreating it: images, labels and
    annotations (only these may differ when the base hashes match)."""
    spec = pod.manifest.spec.to_dict()
    body: JSON = {
        "metadata": {
            "labels": dict(pod.manifest.metadata.labels or {}),
            "annotations": dict(pod.manifest.metadata.annotations or {}),
        },
        "spec": {},
    }
    for field in _IMAGE_LISTS:
        if spec.get(field):
            body["spec"][field] = [{"name": c["name"], "image": c.get("image")} for c in spec[field]]
    return body


def spec_differences(old: Any, new: Any, path: str = "", limit: int = 3) -> list[str]:
    """Paths (at most ``limit``) where two templates differ other than in images and metadata."""
    out: list[str] = []
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(old) | set(new)):
            if k in ("image", "metadata") or len(out) >= limit:
                continue
            out += spec_differences(old.get(k), new.get(k), f"{path}.{k}" if path else k, limit - len(out))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            if len(out) >= limit:
                break
            out += spec_differences(a, b, f"{path}[{i}]", limit - len(out))
    elif old != new:
        out.append(path)
    return out[:limit]
