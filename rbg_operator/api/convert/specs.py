"""A RoleBasedGroup spec (a group's, or a set's nested one), role by role, and the annotation map that
carries its podGroupPolicy and coordination in v1alpha2."""

from __future__ import annotations

import copy
from collections.abc import Callable

from rbg_operator.api.convert.annotations import (
    COORD,
    PGP,
    policies_down,
    policies_up,
    valid_coordination,
    valid_pod_group_policy,
)
from rbg_operator.api.convert.jsonutil import MISSING, Json, JsonDict, as_dict, fill, loads, put_group
from rbg_operator.api.convert.roles_down import role_down
from rbg_operator.api.convert.roles_up import role_up

SPEC_FIELDS_V1 = ("roles", "roleTemplates", "podGroupPolicy", "coordination")
SPEC_FIELDS_V2 = ("roles", "roleTemplates")


def policies_of(spec: Json) -> tuple[Json, Json]:
    """The podGroupPolicy and coordination of a v1alpha1 spec that the annotations can carry (MISSING
    for an absent or an invalid one: that stays a spec field the target cannot express)."""
    if not isinstance(spec, dict):
        return MISSING, MISSING
    pgp, coord = spec.get("podGroupPolicy", MISSING), spec.get("coordination", MISSING)
    return (pgp if valid_pod_group_policy(pgp) else MISSING), (
        coord if valid_coordination(coord) else MISSING
    )


def annotations_up(annotations: Json, spec: Json) -> Json:
    """The v1alpha2 annotations of a v1alpha1 object: its own, minus any podGroupPolicy / coordination
    annotation the way back would read as a field, plus the spec's two policies as JSON."""
    if isinstance(annotations, dict):
        consumed = [
            k
            for k, ok in ((PGP, valid_pod_group_policy), (COORD, valid_coordination))
            if k in annotations and ok(loads(annotations[k]))
        ]
        if consumed:
            annotations = {k: v for k, v in annotations.items() if k not in consumed} or None
    return policies_up(annotations, *policies_of(spec))


RoleConverter = Callable[[Json, JsonDict | None], tuple[Json, JsonDict]]


def _by_name(roles: Json) -> JsonDict:
    return roles if isinstance(roles, dict) else {}


def _roles(roles: Json, other: JsonDict, convert: RoleConverter, facts: JsonDict) -> Json:
    if not isinstance(roles, list):
        return copy.deepcopy(roles)
    out = []
    for role in roles:
        name = role.get("name") if isinstance(role, dict) else None
        given = as_dict(other.get(name)) if isinstance(name, str) else None
        converted, found = convert(role, given)
        if isinstance(name, str):
            put_group(facts, name, found)
        out.append(converted)
    return out


def spec_up(spec: Json, other: JsonDict) -> tuple[Json, JsonDict]:
    """``(v1alpha2 spec, {"spec": ..., "roles": ...} facts)``; the policies are left to the caller
    (:func:`annotations_up`), an invalid one is kept in the facts. ``other``: the v1alpha2-only facts."""
    if not isinstance(spec, dict):
        return copy.deepcopy(spec), {}
    s = copy.deepcopy(spec)
    pgp, coord = policies_of(s)
    y: JsonDict = {}
    roles: JsonDict = {}
    if "roles" in s:
        y["roles"] = _roles(s.pop("roles"), _by_name(other.get("roles")), role_up, roles)
    if "roleTemplates" in s:
        y["roleTemplates"] = s.pop("roleTemplates")
    if pgp is not MISSING:
        del s["podGroupPolicy"]
    if coord is not MISSING:
        del s["coordination"]
    facts: JsonDict = {}
    put_group(facts, "spec", s)
    put_group(facts, "roles", roles)
    fill(y, other.get("spec"))
    return y, facts


def spec_down(spec: Json, other: JsonDict, pgp: Json, coord: Json) -> tuple[Json, JsonDict]:
    """``(v1alpha1 spec, facts)``: the inverse of :func:`spec_up`, with the policies read from the
    annotations (``pgp``, ``coord``; MISSING when absent). ``other``: the v1alpha1-only facts."""
    if not isinstance(spec, dict):
        return copy.deepcopy(spec), {}
    s = copy.deepcopy(spec)
    x: JsonDict = {}
    roles: JsonDict = {}
    if "roles" in s:
        x["roles"] = _roles(s.pop("roles"), _by_name(other.get("roles")), role_down, roles)
    if "roleTemplates" in s:
        x["roleTemplates"] = s.pop("roleTemplates")
    if pgp is not MISSING:
        x["podGroupPolicy"] = pgp
    if coord is not MISSING:
        x["coordination"] = coord
    facts: JsonDict = {}
    put_group(facts, "spec", s)
    put_group(facts, "roles", roles)
    fill(x, other.get("spec"))
    return x, facts


__all__ = ["annotations_up", "policies_down", "policies_of", "spec_down", "spec_up"]
