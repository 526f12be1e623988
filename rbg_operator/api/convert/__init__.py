"""Conversion between ``workloads.x-k8s.io/v1alpha1`` and ``v1alpha2`` (the hub), on plain JSON objects
as a CRD conversion webhook receives them. Pure, never mutates its input, lossless both ways: what the
target version cannot express is kept as JSON in one annotation of the converted object
(``conversion.workloads.x-k8s.io/v1alpha1-fields`` on v1alpha2 objects, ``.../v1alpha2-fields`` on
v1alpha1 ones) and restored, the annotation removed, on the way back. v1alpha1 ``podGroupPolicy`` and
``coordination`` are kept in upstream's annotations, which the hub model reads.

Layout of the fields annotations: ``{"roles": {<role>: {...}}, "set": {...}}``; see roles.py."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleBasedGroupSet

from .roles import role_to_v1, role_to_v2

JSON = dict[str, Any]
V1, V2 = keys.API_VERSION_V1ALPHA1, keys.API_VERSION_V1ALPHA2
_SAME_SHAPE = ("RoleBasedGroupScalingAdapter", "ClusterEngineRuntimeProfile")
_KEPT_V1: tuple[tuple[str, str], ...] = (
    (keys.ANNOTATION_CONVERSION_POD_GROUP_POLICY, "podGroupPolicy"),
    (keys.ANNOTATION_CONVERSION_COORDINATION, "coordination"),
)
_SET_V2_STATUS: tuple[str, ...] = ("currentReplicas", "updatedReadyReplicas", "expectedUpdatedReplicas")
_SET_V2_STATUS += ("currentRevision", "updateRevision")


def _take(annotations: JSON, key: str) -> JSON:
    """Pop a fields annotation and parse it; garbage is left in place (never raise on user input)."""
    raw = annotations.get(key)
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    annotations.pop(key)
    return value


def _put(obj: JSON, annotations: JSON, key: str, fields: JSON) -> None:
    if fields:
        annotations[key] = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    meta = obj.setdefault("metadata", {})
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)


def _spec_to_v2(spec: JSON, back: JSON) -> tuple[JSON, JSON]:
    out: JSON = {}
    extras: JSON = {}
    roles, kept = [], {}
    for role in spec.get("roles") or []:
        converted, left = role_to_v2(role, (back.get("roles") or {}).get(role.get("name")))
        roles.append(converted)
        if left:
            kept[role.get("name")] = left
    if "roles" in spec:
        out["roles"] = roles
    if "roleTemplates" in spec:
        out["roleTemplates"] = copy.deepcopy(spec["roleTemplates"])
    if kept:
        extras["roles"] = kept
    return out, extras


def _spec_to_v1(spec: JSON, back: JSON) -> tuple[JSON, JSON]:
    out: JSON = {}
    extras: JSON = {}
    roles, kept = [], {}
    for role in spec.get("roles") or []:
        converted, left = role_to_v1(role, (back.get("roles") or {}).get(role.get("name")))
        roles.append(converted)
        if left:
            kept[role.get("name")] = left
    if "roles" in spec:
        out["roles"] = roles
    if "roleTemplates" in spec:
        out["roleTemplates"] = copy.deepcopy(spec["roleTemplates"])
    if kept:
        extras["roles"] = kept
    return out, extras


def group_to_v2(obj: Mapping[str, Any]) -> JSON:
    out = copy.deepcopy(dict(obj))
    out["apiVersion"] = V2
    annotations = dict((out.get("metadata") or {}).get("annotations") or {})
    back = _take(annotations, keys.ANNOTATION_CONVERSION_V1ALPHA2_FIELDS)
    spec = out.get("spec") or {}
    converted, extras = _spec_to_v2(spec, back)
    for key, field in _KEPT_V1:
        if field in spec:
            annotations[key] = json.dumps(spec[field], sort_keys=True, separators=(",", ":"))
    if "spec" in out:
        out["spec"] = converted
    _put(out, annotations, keys.ANNOTATION_CONVERSION_V1ALPHA1_FIELDS, extras)
    return out


def group_to_v1(obj: Mapping[str, Any]) -> JSON:
    out = copy.deepcopy(dict(obj))
    out["apiVersion"] = V1
    annotations = dict((out.get("metadata") or {}).get("annotations") or {})
    back = _take(annotations, keys.ANNOTATION_CONVERSION_V1ALPHA1_FIELDS)
    converted, extras = _spec_to_v1(out.get("spec") or {}, back)
    for key, field in _KEPT_V1:
        raw = annotations.get(key)
        if raw is None:
            continue
        try:
            converted[field] = json.loads(raw)
        except ValueError:
            continue  # not ours to understand: kept verbatim
        annotations.pop(key)
    if "spec" in out:
        out["spec"] = converted
    _put(out, annotations, keys.ANNOTATION_CONVERSION_V1ALPHA2_FIELDS, extras)
    return out


def groupset_to_v2(obj: Mapping[str, Any]) -> JSON:
    out = copy.deepcopy(dict(obj))
    out["apiVersion"] = V2
    annotations = dict((out.get("metadata") or {}).get("annotations") or {})
    back = _take(annotations, keys.ANNOTATION_CONVERSION_V1ALPHA2_FIELDS)
    spec = out.get("spec") or {}
    extras: JSON = {}
    if "spec" in out:
        new: JSON = {k: v for k, v in spec.items() if k != "template"}
        template = copy.deepcopy((back.get("set") or {}).get("groupTemplate") or {})
        inner, left = _spec_to_v2(spec.get("template") or {}, back.get("template") or {})
        kept = {
            key: json.dumps(spec["template"][field], sort_keys=True, separators=(",", ":"))
            for key, field in _KEPT_V1
            if field in (spec.get("template") or {})
        }
        if kept:  # members carry them, and their hub model reads them
            template["annotations"] = {**(template.get("annotations") or {}), **kept}
        if left:
            extras["template"] = left
        template["spec"] = inner
        new["groupTemplate"] = template
        if "rolloutStrategy" in (back.get("set") or {}):
            new["rolloutStrategy"] = back["set"]["rolloutStrategy"]
        out["spec"] = new
    status = (back.get("set") or {}).get("status")
    if status and isinstance(out.get("status"), dict):
        out["status"].update(status)
    _put(out, annotations, keys.ANNOTATION_CONVERSION_V1ALPHA1_FIELDS, extras)
    return out


def groupset_to_v1(obj: Mapping[str, Any]) -> JSON:
    out = copy.deepcopy(dict(obj))
    out["apiVersion"] = V1
    annotations = dict((out.get("metadata") or {}).get("annotations") or {})
    back = _take(annotations, keys.ANNOTATION_CONVERSION_V1ALPHA1_FIELDS)
    spec = out.get("spec") or {}
    extras: JSON = {}
    kept_set: JSON = {}
    if "spec" in out:
        new: JSON = {k: v for k, v in spec.items() if k not in ("groupTemplate", "rolloutStrategy")}
        template = copy.deepcopy(spec.get("groupTemplate") or {})
        inner, left = _spec_to_v1(template.pop("spec", {}) or {}, back.get("template") or {})
        member_annotations = template.get("annotations") or {}
        for key, field in _KEPT_V1:
            if key in member_annotations:
                try:
                    inner[field] = json.loads(member_annotations[key])
                except ValueError:
                    continue
                member_annotations.pop(key)
        if "annotations" in template and not member_annotations:
            template.pop("annotations")
        new["template"] = inner
        if template:
            kept_set["groupTemplate"] = template
        if "rolloutStrategy" in spec:
            kept_set["rolloutStrategy"] = spec["rolloutStrategy"]
        if left:
            extras["template"] = left
        out["spec"] = new
    status = out.get("status")
    if isinstance(status, dict):
        moved = {k: status.pop(k) for k in _SET_V2_STATUS if k in status}
        if moved:
            kept_set["status"] = moved
    if kept_set:
        extras["set"] = kept_set
    _put(out, annotations, keys.ANNOTATION_CONVERSION_V1ALPHA2_FIELDS, extras)
    return out


_CONVERTERS = {
    ("RoleBasedGroup", V2): group_to_v2,
    ("RoleBasedGroup", V1): group_to_v1,
    ("RoleBasedGroupSet", V2): groupset_to_v2,
    ("RoleBasedGroupSet", V1): groupset_to_v1,
}


def convert(obj: Mapping[str, Any], to_api_version: str) -> JSON:
    """``obj`` in ``to_api_version``; the same object (a copy) when it is already there."""
    kind, source = str(obj.get("kind", "")), str(obj.get("apiVersion", ""))
    if to_api_version not in (V1, V2) or source not in (V1, V2):
        raise ValueError(f"cannot convert {kind} from {source!r} to {to_api_version!r}")
    if source == to_api_version:
        return copy.deepcopy(dict(obj))
    if kind in _SAME_SHAPE:
        return {**copy.deepcopy(dict(obj)), "apiVersion": to_api_version}
    converter = _CONVERTERS.get((kind, to_api_version))
    if converter is None:
        raise ValueError(f"{kind} is not served in both versions")
    return converter(obj)


def to_hub_group(obj: Mapping[str, Any]) -> RoleBasedGroup:
    """A RoleBasedGroup of either version as the hub model."""
    return RoleBasedGroup.from_dict(convert(obj, V2))


def to_hub_groupset(obj: Mapping[str, Any]) -> RoleBasedGroupSet:
    """A RoleBasedGroupSet of either version as the hub model."""
    return RoleBasedGroupSet.from_dict(convert(obj, V2))


__all__ = ["convert", "group_to_v1", "group_to_v2", "groupset_to_v1", "groupset_to_v2", "to_hub_group"]
