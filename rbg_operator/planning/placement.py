"""Placement of a role's pods (pure, applied to its pod template): exclusive topology (one group per
domain), packing a group into one domain, spreading a role across domains, a GPU product per role, and
the gang-scheduling labels of ``podGroupPolicy``. Every term selects on labels the pods really carry
(the v0.6 group-unique-key label is in every pod template)."""

from __future__ import annotations

from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleSpec

from . import names

JSON = dict[str, Any]


def exclusive_key(rbg: RoleBasedGroup) -> str:
    ann = rbg.metadata.annotations or {}
    return (
        ann.get(keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2) or ann.get(keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1) or ""
    )


def _opted_out(template: JSON, role: RoleSpec) -> bool:
    disable = (keys.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V1, keys.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2)
    for source in ((template.get("metadata") or {}).get("annotations") or {}, role.annotations or {}):
        if any(source.get(k) for k in disable):
            return True
    return False


def _affinity(spec: JSON, kind: str) -> JSON:
    affinity: JSON = spec.setdefault("affinity", {})
    section: JSON = affinity.setdefault(kind, {})
    return section


def _add_required(section: JSON, term: JSON) -> None:
    terms = section.setdefault("requiredDuringSchedulingIgnoredDuringExecution", [])
    if term not in terms:
        terms.append(term)


def _add_preferred(section: JSON, term: JSON, weight: int = 100) -> None:
    terms = section.setdefault("preferredDuringSchedulingIgnoredDuringExecution", [])
    entry = {"weight": weight, "podAffinityTerm": term}
    if entry not in terms:
        terms.append(entry)


def _own_group(uid: str, key: str) -> JSON:
    return {
        "labelSelector": {
            "matchExpressions": [{"key": keys.LABEL_GROUP_UNIQUE_KEY_V1, "operator": "In", "values": [uid]}]
        },
        "topologyKey": key,
    }


def _other_groups(uid: str, key: str) -> JSON:
    return {
        "labelSelector": {
            "matchExpressions": [
                {"key": keys.LABEL_GROUP_UNIQUE_KEY_V1, "operator": "Exists"},
                {"key": keys.LABEL_GROUP_UNIQUE_KEY_V1, "operator": "NotIn", "values": [uid]},
            ]
        },
        "topologyKey": key,
    }


def apply_placement(template: JSON, rbg: RoleBasedGroup, role: RoleSpec) -> None:
    ns, group = rbg.metadata.namespace or "", rbg.metadata.name or ""
    uid = names.group_unique_key(ns, group)
    ann = rbg.metadata.annotations or {}
    role_ann = role.annotations or {}
    spec: JSON = template.setdefault("spec", {})
    meta: JSON = template.setdefault("metadata", {})

    key = exclusive_key(rbg)
    if key and not _opted_out(template, role):
        meta["annotations"] = {**(meta.get("annotations") or {}), keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1: key}
        _add_required(_affinity(spec, "podAffinity"), _own_group(uid, key))
        _add_required(_affinity(spec, "podAntiAffinity"), _other_groups(uid, key))

    pack = ann.get(keys.ANNOTATION_PACK_TOPOLOGY, "")
    packed = [r.strip() for r in ann.get(keys.ANNOTATION_PACK_ROLES, "").split(",") if r.strip()]
    if pack and (not packed or role.name in packed):
        term = _own_group(uid, pack)
        if packed:  # only towards the other packed roles
            term["labelSelector"]["matchExpressions"].append(
                {"key": keys.LABEL_ROLE_NAME_V1, "operator": "In", "values": sorted(packed)}
            )
        if ann.get(keys.ANNOTATION_PACK_MODE, "required") == "preferred":
            _add_preferred(_affinity(spec, "podAffinity"), term)
        else:
            _add_required(_affinity(spec, "podAffinity"), term)

    spread = role_ann.get(keys.ANNOTATION_SPREAD_TOPOLOGY, "")
    if spread:
        constraint = {
            "maxSkew": 1,
            "topologyKey": spread,
            "whenUnsatisfiable": (
                "DoNotSchedule"
                if role_ann.get(keys.ANNOTATION_SPREAD_MODE) == "required"
                else "ScheduleAnyway"
            ),
            "labelSelector": {"matchLabels": names.selector_labels(ns, group, role.name)},
        }
        constraints = [
            c for c in spec.get("topologySpreadConstraints") or [] if c.get("topologyKey") != spread
        ]
        spec["topologySpreadConstraints"] = [*constraints, constraint]

    product = role_ann.get(keys.ANNOTATION_GPU_PRODUCT, "")
    if product:
        spec["nodeSelector"] = {**(spec.get("nodeSelector") or {}), keys.LABEL_NODE_GPU_PRODUCT: product}

    policy = rbg.pod_group_policy
    if policy is not None and policy.kube_scheduling is not None:
        meta["labels"] = {**(meta.get("labels") or {}), keys.LABEL_POD_GROUP_SCHEDULER_PLUGINS: group}
        if ann.get(keys.ANNOTATION_SCHEDULER_NAME):
            spec["schedulerName"] = ann[keys.ANNOTATION_SCHEDULER_NAME]
    elif policy is not None and policy.volcano_scheduling is not None:
        meta["annotations"] = {**(meta.get("annotations") or {}), keys.ANNOTATION_VOLCANO_GROUP_NAME: group}
        spec["schedulerName"] = ann.get(keys.ANNOTATION_SCHEDULER_NAME) or keys.VOLCANO_SCHEDULER
