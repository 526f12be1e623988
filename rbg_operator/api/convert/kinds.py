"""The structural conversion of each kind with a v1alpha1-only or v1alpha2-only shape: RoleBasedGroup
and RoleBasedGroupSet, each as an ``up`` (v1alpha1 -> v1alpha2) and a ``down`` function.

Both take the object without its own conversion annotation, the facts that annotation held (``{}`` if
none) and whether the result will carry a conversion annotation of its own (which changes how an empty
annotation map comes back), and return ``(converted object, facts the target cannot express)``."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from rbg_operator.api import keys
from rbg_operator.api.convert.annotations import policies_down, policies_up
from rbg_operator.api.convert.jsonutil import (
    MISSING,
    Json,
    JsonDict,
    annotations_of,
    apply_map,
    as_dict,
    diff_map,
    fill,
    put,
    put_group,
    set_annotations,
)
from rbg_operator.api.convert.specs import annotations_up, policies_of, spec_down, spec_up

Core = Callable[[JsonDict, JsonDict, bool], tuple[JsonDict, JsonDict]]

#: Status fields of a RoleBasedGroupSet in both versions; v1alpha2 has more.
SET_STATUS_V1 = (
    "observedGeneration",
    "replicas",
    "readyReplicas",
    "updatedReplicas",
    "selector",
    "conditions",
)


@dataclass(frozen=True)
class Kind:
    """The two structural conversions of one kind."""

    up: Core
    down: Core


def _root(obj: JsonDict, api_version: str, mapped: tuple[str, ...]) -> JsonDict:
    out = {k: copy.deepcopy(v) for k, v in obj.items() if k not in mapped}
    out["apiVersion"] = api_version
    return out


def _unwrapped(rebuilt: Json, own_stash: bool) -> Json:
    """An empty map and no map are the same once a conversion annotation is added and removed again."""
    return None if own_stash and rebuilt == {} else rebuilt


def _stashed(annotations: Json, with_stash: bool, key: str) -> Json:
    """The map as the way back sees it once the conversion annotation ``key`` is written over and
    removed again."""
    if not with_stash:
        return annotations
    if not isinstance(annotations, dict):
        return None
    return {k: v for k, v in annotations.items() if k != key} or None


def _diff_annotations(given: Json, rebuilt: Json, foreign: str) -> Json:
    """:func:`diff_map` of the metadata annotations, leaving out ``foreign``: the conversion annotation
    the other direction writes or keeps by itself."""
    return diff_map(*(strip_key(m, foreign) for m in (given, rebuilt)))


def strip_key(annotations: Json, key: str) -> Json:
    """``annotations`` without ``key`` (None when that empties it)."""
    if not isinstance(annotations, dict) or key not in annotations:
        return annotations
    return {k: v for k, v in annotations.items() if k != key} or None


# --------------------------------------------------------------------------------------------
# RoleBasedGroup
# --------------------------------------------------------------------------------------------


def group_up(x: JsonDict, other: JsonDict, with_stash: bool) -> tuple[JsonDict, JsonDict]:
    y = _root(x, keys.API_VERSION_V1ALPHA2, ("spec",))
    facts: JsonDict = {}
    if "spec" in x:
        y["spec"], facts = spec_up(x["spec"], other)
    given = annotations_of(x)
    annotations = annotations_up(given, x.get("spec"))
    back = policies_down(_stashed(annotations, with_stash, keys.ANNOTATION_CONVERSION_V1ALPHA1_FIELDS))[0]
    put(
        facts,
        "annotations",
        _diff_annotations(given, _unwrapped(back, bool(other)), keys.ANNOTATION_CONVERSION_V1ALPHA2_FIELDS),
    )
    set_annotations(y, apply_map(annotations, other.get("annotations", MISSING)))
    return y, facts


def group_down(y: JsonDict, other: JsonDict, with_stash: bool) -> tuple[JsonDict, JsonDict]:
    x = _root(y, keys.API_VERSION_V1ALPHA1, ("spec",))
    facts: JsonDict = {}
    given = annotations_of(y)
    rest, pgp, coord = policies_down(given) if "spec" in y else (given, MISSING, MISSING)
    if "spec" in y:
        x["spec"], facts = spec_down(y["spec"], other, pgp, coord)
    annotations = apply_map(rest, other.get("annotations", MISSING))
    rebuilt = annotations_up(
        _stashed(annotations, with_stash, keys.ANNOTATION_CONVERSION_V1ALPHA2_FIELDS), x.get("spec")
    )
    put(
        facts,
        "annotations",
        _diff_annotations(
            given, _unwrapped(rebuilt, bool(other)), keys.ANNOTATION_CONVERSION_V1ALPHA1_FIELDS
        ),
    )
    set_annotations(x, annotations)
    return x, facts


GROUP = Kind(group_up, group_down)


# --------------------------------------------------------------------------------------------
# RoleBasedGroupSet
# --------------------------------------------------------------------------------------------


def _set_spec_up(spec: Json, other: JsonDict, facts: JsonDict) -> Json:
    if not isinstance(spec, dict):
        return copy.deepcopy(spec)
    s = copy.deepcopy(spec)
    y: JsonDict = {k: s.pop(k) for k in ("replicas",) if k in s}
    if "template" in s:
        template = s.pop("template")
        nested, found = spec_up(template, as_dict(other.get("template")) or {})
        put_group(facts, "template", found)
        group = as_dict(other.get("groupTemplate")) or {}
        gt: JsonDict = {"spec": nested}
        annotations = apply_map(policies_up(None, *policies_of(template)), group.get("annotations", MISSING))
        if annotations is not None:
            gt["annotations"] = annotations
        fill(gt, group.get("fields"))
        y["groupTemplate"] = gt
    put_group(facts, "spec", s)
    fill(y, other.get("spec"))
    return y


def _set_spec_down(spec: Json, other: JsonDict, facts: JsonDict) -> Json:
    if not isinstance(spec, dict):
        return copy.deepcopy(spec)
    s = copy.deepcopy(spec)
    x: JsonDict = {k: s.pop(k) for k in ("replicas",) if k in s}
    gt = s.get("groupTemplate")
    if isinstance(gt, dict) and "spec" in gt:
        del s["groupTemplate"]
        given = gt.pop("annotations", None)
        _, pgp, coord = policies_down(given)
        nested, found = spec_down(gt.pop("spec"), as_dict(other.get("template")) or {}, pgp, coord)
        put_group(facts, "template", found)
        group: JsonDict = {}
        put(group, "annotations", diff_map(given, policies_up(None, *policies_of(nested))))
        put_group(group, "fields", gt)
        put_group(facts, "groupTemplate", group)
        x["template"] = nested
    put_group(facts, "spec", s)
    fill(x, other.get("spec"))
    return x


def _set_status_up(status: Json, other: JsonDict, facts: JsonDict) -> Json:
    if not isinstance(status, dict):
        return copy.deepcopy(status)
    s = copy.deepcopy(status)
    y = {k: s.pop(k) for k in SET_STATUS_V1 if k in s}
    generation = y.get("observedGeneration")
    if "observedGeneration" in y and not (
        isinstance(generation, int) and not isinstance(generation, bool) and generation >= 0
    ):
        s["observedGeneration"] = y.pop("observedGeneration")  # v1alpha2 requires >= 0
    put_group(facts, "status", s)
    fill(y, other.get("status"))
    return y


def _set_status_down(status: Json, other: JsonDict, facts: JsonDict) -> Json:
    if not isinstance(status, dict):
        return copy.deepcopy(status)
    s = copy.deepcopy(status)
    x = {k: s.pop(k) for k in SET_STATUS_V1 if k in s}
    put_group(facts, "status", s)
    fill(x, other.get("status"))
    return x


def _set_annotations(
    obj: JsonDict, out: JsonDict, other: JsonDict, with_stash: bool, facts: JsonDict, key: str, foreign: str
) -> None:
    given = annotations_of(obj)
    back = _unwrapped(_stashed(given, with_stash, key), bool(other))
    put(facts, "annotations", _diff_annotations(given, back, foreign))
    set_annotations(out, apply_map(given, other.get("annotations", MISSING)))


def set_up(x: JsonDict, other: JsonDict, with_stash: bool) -> tuple[JsonDict, JsonDict]:
    y = _root(x, keys.API_VERSION_V1ALPHA2, ("spec", "status"))
    facts: JsonDict = {}
    if "spec" in x:
        y["spec"] = _set_spec_up(x["spec"], other, facts)
    if "status" in x:
        y["status"] = _set_status_up(x["status"], other, facts)
    _set_annotations(
        x,
        y,
        other,
        with_stash,
        facts,
        keys.ANNOTATION_CONVERSION_V1ALPHA1_FIELDS,
        keys.ANNOTATION_CONVERSION_V1ALPHA2_FIELDS,
    )
    return y, facts


def set_down(y: JsonDict, other: JsonDict, with_stash: bool) -> tuple[JsonDict, JsonDict]:
    x = _root(y, keys.API_VERSION_V1ALPHA1, ("spec", "status"))
    facts: JsonDict = {}
    if "spec" in y:
        x["spec"] = _set_spec_down(y["spec"], other, facts)
    if "status" in y:
        x["status"] = _set_status_down(y["status"], other, facts)
    _set_annotations(
        y,
        x,
        other,
        with_stash,
        facts,
        keys.ANNOTATION_CONVERSION_V1ALPHA2_FIELDS,
        keys.ANNOTATION_CONVERSION_V1ALPHA1_FIELDS,
    )
    return x, facts


GROUP_SET = Kind(set_up, set_down)
