"""One role, v1alpha1 -> v1alpha2.

The pattern follows upstream: non-empty ``components`` -> customComponentsPattern; else a
``leaderWorkerSet`` -> leaderWorkerPattern; else standalonePattern. ``template`` / ``templateRef`` (with
``templatePatch`` as ``templateRef.patch``) go into the pattern, ``restartPolicy`` into its
``restartPolicyConfig.type``, ``workload`` into the role-workload-type annotation. What has no home is
returned as the role's facts (see :mod:`.layout`); the facts of the v1alpha2-fields annotation, if any, are
put back."""

from __future__ import annotations

import copy

from rbg_operator.api.convert.annotations import (
    DEFAULT_V1_WORKLOAD,
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
    same,
)

STANDALONE = "standalonePattern"
LEADER_WORKER = "leaderWorkerPattern"
COMPONENTS = "customComponentsPattern"
PATTERNS = (STANDALONE, LEADER_WORKER, COMPONENTS)
#: Role fields both versions have with the same meaning.
SHARED_ROLE_FIELDS = (
    "name",
    "labels",
    "replicas",
    "dependencies",
    "servicePorts",
    "engineRuntimes",
    "minReadySeconds",
)
#: v1alpha1 leaderWorkerSet field -> v1alpha2 leaderWorkerPattern field.
LWS_FIELDS = (
    ("size", "size"),
    ("patchLeaderTemplate", "leaderTemplatePatch"),
    ("patchWorkerTemplate", "workerTemplatePatch"),
)
COMPONENT_FIELDS = ("name", "size", "serviceName", "template")


def split(obj: JsonDict, known: tuple[str, ...]) -> tuple[JsonDict, JsonDict]:
    """``(known fields, the rest)`` of an object."""
    return ({k: obj[k] for k in known if k in obj}, {k: v for k, v in obj.items() if k not in known})


def component_facts(components: Json, facts: JsonDict, other: JsonDict) -> Json:
    """The components with only the fields both versions share; the others go to ``facts`` by name, and
    ``other`` (facts from the other direction, by name) are put back."""
    if not isinstance(components, list):
        return components
    out = []
    for component in components:
        if not isinstance(component, dict):
            out.append(component)
            continue
        kept, rest = split(component, COMPONENT_FIELDS)
        name = component.get("name")
        if isinstance(name, str):
            put_group(facts, name, rest)
            fill(kept, other.get(name))
        out.append(kept)
    return out


def rollout_up(strategy: Json, facts: JsonDict) -> Json:
    """The rollout strategy; the v1alpha1-only update type ``Recreate`` becomes ``RecreatePod``."""
    update = strategy.get("rollingUpdate") if isinstance(strategy, dict) else None
    if isinstance(update, dict) and update.get("type") == "Recreate":
        update["type"] = "RecreatePod"
        facts["rollingUpdateType"] = "Recreate"
    return strategy


def _workload_up(role: JsonDict, y: JsonDict, facts: JsonDict, other: JsonDict) -> None:
    workload = role.pop("workload", MISSING)
    given = role.pop("annotations", None)
    annotations = role_annotations_up(
        given, workload_type(DEFAULT_V1_WORKLOAD if workload is MISSING else workload)
    )
    back, back_workload = role_annotations_down(annotations)
    put(facts, "annotations", diff_map(given, back))
    if workload is not MISSING and not same(workload, back_workload):
        facts["workload"] = workload
    annotations = apply_map(annotations, other.get("annotations", MISSING))
    if annotations is not None:
        y["annotations"] = annotations


def _pattern_kind(role: JsonDict, restart: Json, other: JsonDict) -> str | None:
    components = role.get("components")
    if isinstance(components, list) and components:
        return COMPONENTS
    if isinstance(role.get("leaderWorkerSet"), dict):
        return LEADER_WORKER
    if "template" in role or "templateRef" in role:
        return STANDALONE
    forced = other.get("pattern", MISSING)
    if forced == COMPONENTS:
        return COMPONENTS
    if forced is None and restart is MISSING and "templatePatch" not in role:
        return None
    return STANDALONE


def _pattern_up(role: JsonDict, kind: str, facts: JsonDict, other: JsonDict) -> JsonDict:
    pattern: JsonDict = {}
    if kind == COMPONENTS:
        if "components" in role:
            comps: JsonDict = {}
            pattern["components"] = component_facts(
                role.pop("components"), comps, as_dict(other.get("components")) or {}
            )
            put_group(facts, "components", comps)
        return pattern
    if kind == LEADER_WORKER:
        lws = role.pop("leaderWorkerSet")
        for old, new in LWS_FIELDS:
            if old in lws:
                pattern[new] = lws.pop(old)
        put_group(facts, "leaderWorkerSet", lws)
    if "template" in role:
        pattern["template"] = role.pop("template")
    if isinstance(role.get("templateRef"), dict):
        ref, rest = split(role.pop("templateRef"), ("name",))
        put_group(facts, "templateRef", rest)
        if "templatePatch" in role:
            ref["patch"] = role.pop("templatePatch")
        fill(ref, other.get("templateRef"))
        pattern["templateRef"] = ref
    return pattern


def role_up(role: Json, other: JsonDict | None) -> tuple[Json, JsonDict]:
    """``(v1alpha2 role, facts)`` of a v1alpha1 role; ``other`` are the role's v1alpha2-only facts."""
    if not isinstance(role, dict):
        return copy.deepcopy(role), {}
    r, other = copy.deepcopy(role), other or {}
    y, rest = split(r, SHARED_ROLE_FIELDS)
    r = rest
    facts: JsonDict = {}
    if "rolloutStrategy" in r:
        y["rolloutStrategy"] = rollout_up(r.pop("rolloutStrategy"), facts)
    _workload_up(r, y, facts, other)
    if isinstance(r.get("scalingAdapter"), dict):
        adapter, extra = split(r.pop("scalingAdapter"), ("enable",))
        put_group(facts, "scalingAdapter", extra)
        fill(adapter, other.get("scalingAdapter"))
        y["scalingAdapter"] = adapter
    restart = r.pop("restartPolicy", MISSING)
    kind = _pattern_kind(r, restart, other)
    if kind is not None:
        pattern = _pattern_up(r, kind, facts, other)
        if restart is not MISSING:
            pattern["restartPolicyConfig"] = {"type": restart}
        if isinstance(other.get("restartPolicyConfig"), dict):
            config = pattern.setdefault("restartPolicyConfig", {})
            fill(config, other["restartPolicyConfig"])
        fill(pattern, other.get("patternFields"))
        y[kind] = pattern
    put_group(facts, "fields", r)
    fill(y, other.get("fields"))
    return y, facts
