"""One role, v1alpha2 -> v1alpha1: the inverse of :mod:`.roles_up`.

The role's one pattern becomes v1alpha1's fields (a customComponentsPattern with components wins over a
leaderWorkerPattern, which wins over a standalonePattern, as in the other direction; any further pattern
is kept in the facts); the workload-type annotation becomes ``workload`` (RoleInstanceSet when absent).
v1alpha2-only fields are returned as the role's facts; the facts of the v1alpha1-fields annotation, if
any, are put back."""

from __future__ import annotations

import copy

from rbg_operator.api.convert.annotations import (
    role_annotations_down,
    role_annotations_up,
    workload_type,
)
from rbg_operator.api.convert.jsonutil import (
    MISSING,
    Json,
    JsonDict,
    apply_map,
    as_dict,
    diff_map,
    fill,
    put,
    put_group,
)
from rbg_operator.api.convert.roles_up import (
    COMPONENTS,
    LEADER_WORKER,
    LWS_FIELDS,
    SHARED_ROLE_FIELDS,
    STANDALONE,
    component_facts,
    split,
)


def _primary(role: JsonDict) -> str | None:
    """The pattern v1alpha1 fields will carry (the one the other direction infers back)."""
    components = role.get(COMPONENTS)
    if (
        isinstance(components, dict)
        and isinstance(components.get("components"), list)
        and components["components"]
    ):
        return COMPONENTS
    return next((p for p in (LEADER_WORKER, STANDALONE, COMPONENTS) if isinstance(role.get(p), dict)), None)


def _source_down(pattern: JsonDict, x: JsonDict, facts: JsonDict, other: JsonDict) -> None:
    if "template" in pattern:
        x["template"] = pattern.pop("template")
    if isinstance(pattern.get("templateRef"), dict):
        ref, rest = split(pattern.pop("templateRef"), ("name",))
        if "patch" in rest:
            x["templatePatch"] = rest.pop("patch")
        put_group(facts, "templateRef", rest)
        fill(ref, other.get("templateRef"))
        x["templateRef"] = ref


def _pattern_down(kind: str, pattern: JsonDict, x: JsonDict, facts: JsonDict, other: JsonDict) -> None:
    if kind == COMPONENTS:
        comps = pattern.get("components")
        if "components" in pattern:
            found: JsonDict = {}
            x["components"] = component_facts(
                pattern.pop("components"), found, as_dict(other.get("components")) or {}
            )
            put_group(facts, "components", found)
        if not (isinstance(comps, list) and comps):
            facts["pattern"] = COMPONENTS
    if kind == LEADER_WORKER:
        lws = {old: pattern.pop(new) for old, new in LWS_FIELDS if new in pattern}
        fill(lws, other.get("leaderWorkerSet"))
        x["leaderWorkerSet"] = lws
    if kind in (LEADER_WORKER, STANDALONE):
        _source_down(pattern, x, facts, other)
    config = pattern.get("restartPolicyConfig")
    if isinstance(config, dict):
        del pattern["restartPolicyConfig"]
        rest = dict(config)
        if "type" in rest:
            x["restartPolicy"] = rest.pop("type")
        if rest or "type" not in config:
            facts["restartPolicyConfig"] = rest
    put_group(facts, "patternFields", pattern)


def rollout_down(strategy: Json, other: JsonDict) -> Json:
    """The rollout strategy; ``RecreatePod`` goes back to ``Recreate`` when the v1alpha1 object said so."""
    update = strategy.get("rollingUpdate") if isinstance(strategy, dict) else None
    if (
        isinstance(update, dict)
        and update.get("type") == "RecreatePod"
        and other.get("rollingUpdateType") == "Recreate"
    ):
        update["type"] = "Recreate"
    return strategy


def role_down(role: Json, other: JsonDict | None) -> tuple[Json, JsonDict]:
    """``(v1alpha1 role, facts)`` of a v1alpha2 role; ``other`` are the role's v1alpha1-only facts."""
    if not isinstance(role, dict):
        return copy.deepcopy(role), {}
    r, other = copy.deepcopy(role), other or {}
    x, r = split(r, SHARED_ROLE_FIELDS)
    facts: JsonDict = {}
    if "rolloutStrategy" in r:
        x["rolloutStrategy"] = rollout_down(r.pop("rolloutStrategy"), other)
    given = r.pop("annotations", None)
    annotations, workload = role_annotations_down(given)
    kept = other.get("workload")
    if isinstance(kept, dict) and workload_type(kept) == workload_type(workload):
        workload = kept
    annotations = apply_map(annotations, other.get("annotations", MISSING))
    put(facts, "annotations", diff_map(given, role_annotations_up(annotations, workload_type(workload))))
    x["workload"] = workload
    if annotations is not None:
        x["annotations"] = annotations
    if isinstance(r.get("scalingAdapter"), dict):
        adapter, extra = split(r.pop("scalingAdapter"), ("enable",))
        put_group(facts, "scalingAdapter", extra)
        fill(adapter, other.get("scalingAdapter"))
        x["scalingAdapter"] = adapter
    kind = _primary(r)
    if kind is None:
        facts["pattern"] = None
    else:
        _pattern_down(kind, r.pop(kind), x, facts, other)
    put_group(facts, "fields", r)
    fill(x, other.get("fields"))
    return x, facts
