"""One role between v1alpha1 and v1alpha2 (plain JSON). Each direction returns the converted role and
``extras``: what the target version cannot hold, kept by the caller in a conversion annotation and
handed back on the way home, so that a round trip in either direction gives back exactly what it got."""

from __future__ import annotations

import copy
from typing import Any

from rbg_operator.api import keys

JSON = dict[str, Any]
_WT = keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2
_V1_TYPES = {"Recreate"}  # rollingUpdate.type values v1alpha2 does not have (v1alpha2 spells it RecreatePod)
_PATTERNS = ("standalonePattern", "leaderWorkerPattern", "customComponentsPattern")
_COMMON: tuple[str, ...] = ("name", "labels", "annotations", "replicas", "rolloutStrategy", "dependencies")
_COMMON += ("servicePorts", "engineRuntimes", "scalingAdapter", "minReadySeconds")


def _copy_common(role: JSON) -> JSON:
    return {k: copy.deepcopy(role[k]) for k in _COMMON if k in role}


def role_to_v2(role: JSON, back: JSON | None) -> tuple[JSON, JSON]:
    """A v1alpha1 role in v1alpha2; ``back`` is what an earlier v1alpha2 -> v1alpha1 conversion kept."""
    back = back or {}
    out = _copy_common(role)
    extras: JSON = {}
    workload = role.get("workload") or {"apiVersion": "apps/v1", "kind": "StatefulSet"}
    wtype = f"{workload.get('apiVersion', 'apps/v1')}/{workload.get('kind', 'StatefulSet')}"
    annotations = dict(out.get("annotations") or {})
    if "workloadAnnotation" in back:
        if back["workloadAnnotation"] is None:
            annotations.pop(_WT, None)
        else:
            annotations[_WT] = back["workloadAnnotation"]
    elif wtype != keys.WORKLOAD_ROLEINSTANCESET:
        annotations[_WT] = wtype
    if "workload" not in role:
        extras["noWorkload"] = True
    out["annotations"] = annotations
    if not annotations:
        out.pop("annotations")
    ru = ((out.get("rolloutStrategy") or {}).get("rollingUpdate")) or {}
    if ru.get("type") in _V1_TYPES:
        extras["updateType"] = ru["type"]
        ru["type"] = "RecreatePod"
    pattern: JSON = {}
    if role.get("components"):
        pattern["components"] = [copy.deepcopy(c) for c in role["components"]]
        for c in pattern["components"]:
            c.update(copy.deepcopy((back.get("componentMeta") or {}).get(c.get("name"), {})))
        name = "customComponentsPattern"
        for field in ("leaderWorkerSet", "template", "templateRef", "templatePatch"):
            if field in role:
                extras[field] = copy.deepcopy(role[field])
    else:
        name = "leaderWorkerPattern" if "leaderWorkerSet" in role else "standalonePattern"
        lws = role.get("leaderWorkerSet") or {}
        if name == "leaderWorkerPattern":
            for v1, v2 in (("size", "size"), ("patchLeaderTemplate", "leaderTemplatePatch")):
                if v1 in lws:
                    pattern[v2] = copy.deepcopy(lws[v1])
            if "patchWorkerTemplate" in lws:
                pattern["workerTemplatePatch"] = copy.deepcopy(lws["patchWorkerTemplate"])
            if back.get("sharedServiceSelection"):
                pattern["sharedServiceSelection"] = back["sharedServiceSelection"]
        if "template" in role:
            pattern["template"] = copy.deepcopy(role["template"])
        if "templateRef" in role:
            ref = copy.deepcopy(role["templateRef"])
            if "templatePatch" in role and not back.get("patchAbsent"):
                ref["patch"] = copy.deepcopy(role["templatePatch"])
            pattern["templateRef"] = ref
        elif "templatePatch" in role:
            extras["templatePatch"] = copy.deepcopy(role["templatePatch"])
    restart = copy.deepcopy(back.get("restartPolicyConfig") or {})
    if "restartPolicy" in role:
        restart["type"] = role["restartPolicy"]
    else:
        restart.pop("type", None)
    if restart:
        pattern["restartPolicyConfig"] = restart
    if not back.get("noPattern"):
        out[name] = pattern
    if "podManagementPolicy" in back:
        out["podManagementPolicy"] = back["podManagementPolicy"]
    if back.get("scalingAdapterLabels") is not None and "scalingAdapter" in out:
        out["scalingAdapter"]["labels"] = copy.deepcopy(back["scalingAdapterLabels"])
    return out, extras


def role_to_v1(role: JSON, back: JSON | None) -> tuple[JSON, JSON]:
    """A v1alpha2 role in v1alpha1; ``back`` is what an earlier v1alpha1 -> v1alpha2 conversion kept."""
    back = back or {}
    out = _copy_common(role)
    extras: JSON = {}
    annotations = dict(out.get("annotations") or {})
    wtype = annotations.pop(_WT, None)
    if wtype is None or wtype == keys.WORKLOAD_ROLEINSTANCESET:
        extras["workloadAnnotation"] = wtype
    api_version, _, kind = (wtype or keys.WORKLOAD_ROLEINSTANCESET).rpartition("/")
    if not back.get("noWorkload") or wtype != keys.WORKLOAD_STATEFULSET:
        out["workload"] = {"apiVersion": api_version, "kind": kind}
    out["annotations"] = annotations
    if not annotations:
        out.pop("annotations")
    if "podManagementPolicy" in role:
        extras["podManagementPolicy"] = role["podManagementPolicy"]
    adapter = out.get("scalingAdapter")
    if adapter is not None and "labels" in adapter:
        extras["scalingAdapterLabels"] = adapter.pop("labels")
    ru = ((out.get("rolloutStrategy") or {}).get("rollingUpdate")) or {}
    if back.get("updateType") and ru.get("type") == "RecreatePod":
        ru["type"] = back["updateType"]
    name = next((p for p in _PATTERNS if p in role), None)
    if name is None:
        extras["noPattern"] = True
        return out, extras
    pattern = role[name] or {}
    restart = copy.deepcopy(pattern.get("restartPolicyConfig") or {})
    if "type" in restart:
        out["restartPolicy"] = restart.pop("type")
    if restart:
        extras["restartPolicyConfig"] = restart
    if name == "customComponentsPattern":
        components = []
        meta: JSON = {}
        for c in pattern.get("components") or []:
            c = copy.deepcopy(c)
            kept = {k: c.pop(k) for k in ("labels", "annotations") if k in c}
            if kept:
                meta[c.get("name")] = kept
            components.append(c)
        out["components"] = components
        if meta:
            extras["componentMeta"] = meta
        for field in ("leaderWorkerSet", "template", "templateRef", "templatePatch"):
            if field in back:
                out[field] = copy.deepcopy(back[field])
        return out, extras
    if name == "leaderWorkerPattern":
        lws: JSON = {}
        for v2, v1 in (("size", "size"), ("leaderTemplatePatch", "patchLeaderTemplate")):
            if v2 in pattern:
                lws[v1] = copy.deepcopy(pattern[v2])
        if "workerTemplatePatch" in pattern:
            lws["patchWorkerTemplate"] = copy.deepcopy(pattern["workerTemplatePatch"])
        out["leaderWorkerSet"] = lws
        if "sharedServiceSelection" in pattern:
            extras["sharedServiceSelection"] = pattern["sharedServiceSelection"]
    if "template" in pattern:
        out["template"] = copy.deepcopy(pattern["template"])
    if "templateRef" in pattern:
        ref = copy.deepcopy(pattern["templateRef"])
        if "patch" in ref:
            out["templatePatch"] = ref.pop("patch")
        else:
            out["templatePatch"] = {}
            extras["patchAbsent"] = True
        out["templateRef"] = ref
    elif "templatePatch" in back:
        out["templatePatch"] = copy.deepcopy(back["templatePatch"])
    return out, extras
