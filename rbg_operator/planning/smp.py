"""Strategic merge patch of pod templates, with core/v1's patch merge keys and directives, as
``kubectl patch --type strategic`` and upstream RBG (templatePatch, LWS leader/worker patches) apply it.

Supported: maps merge recursively and ``null`` deletes a key; lists of objects with a merge key merge by
that key (order of the original kept, new items appended); other lists are replaced; ``$patch: replace``
and ``$patch: delete`` on maps and list items; ``$retainKeys``; ``$deleteFromPrimitiveList/<field>``;
``$setElementOrder/<field>`` orders the result. Primitive lists with strategy merge (finalizers) union.
"""

from __future__ import annotations

import copy
from typing import Any

JSON = Any

# type name -> field -> (type of the value or of its list elements, merge key of a list); merge key None
# means a primitive "merge" list.
_SCHEMA: dict[str, dict[str, tuple[str, str | None]]] = {
    "PodTemplateSpec": {"metadata": ("ObjectMeta", ""), "spec": ("PodSpec", "")},
    "ObjectMeta": {"finalizers": ("", None), "ownerReferences": ("", "uid")},
    "PodSpec": {
        "containers": ("Container", "name"),
        "initContainers": ("Container", "name"),
        "ephemeralContainers": ("Container", "name"),
        "volumes": ("Volume", "name"),
        "imagePullSecrets": ("", "name"),
        "hostAliases": ("", "ip"),
        "resourceClaims": ("", "name"),
        "schedulingGates": ("", "name"),
        "topologySpreadConstraints": ("", "topologyKey"),
    },
    "Container": {
        "env": ("", "name"),
        "ports": ("", "containerPort"),
        "volumeMounts": ("", "mountPath"),
        "volumeDevices": ("", "devicePath"),
    },
}

_PATCH = "$patch"
_RETAIN = "$retainKeys"
_DEL_PRIMITIVE = "$deleteFromPrimitiveList/"
_ORDER = "$setElementOrder/"


class PatchError(ValueError):
    """The patch is not a valid strategic merge patch for a pod template."""


def merge_pod_template(base: JSON, patch: JSON) -> JSON:
    """Apply ``patch`` to the PodTemplateSpec ``base``; neither argument is modified."""
    if not patch:
        return copy.deepcopy(base)
    if not isinstance(patch, dict):
        raise PatchError("a pod template patch must be an object")
    return _merge_map(copy.deepcopy(base) if isinstance(base, dict) else {}, patch, "PodTemplateSpec")


def _field_type(type_name: str, field: str) -> str:
    return _SCHEMA.get(type_name, {}).get(field, ("", None))[0]


def _merge_map(base: dict[str, Any], patch: dict[str, Any], type_name: str) -> JSON:
    directive = patch.get(_PATCH)
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != _PATCH}
    if directive == "delete":
        return None
    if directive not in (None, "merge"):
        raise PatchError(f"unknown $patch directive {directive!r}")
    result = dict(base)
    orders: dict[str, list[Any]] = {}
    for key, value in patch.items():
        if key == _PATCH:
            continue
        if key == _RETAIN:
            if not isinstance(value, list):
                raise PatchError("$retainKeys must be a list")
            keep = set(value)
            result = {k: v for k, v in result.items() if k in keep}
            continue
        if key.startswith(_ORDER):
            orders[key[len(_ORDER) :]] = list(value or [])
            continue
        if key.startswith(_DEL_PRIMITIVE):
            field = key[len(_DEL_PRIMITIVE) :]
            drop = value or []
            if isinstance(result.get(field), list):
                result[field] = [v for v in result[field] if v not in drop]
            continue
        if value is None:
            result.pop(key, None)
            continue
        spec = _SCHEMA.get(type_name, {}).get(key)
        current = result.get(key)
        if isinstance(value, list):
            if spec is not None and isinstance(current, list):
                elem_type, merge_key = spec
                merged = _merge_list(current, value, elem_type, merge_key)
            else:
                merged = _strip_directives_list(value)
            result[key] = merged
        elif isinstance(value, dict):
            sub = _field_type(type_name, key)
            merged_map = _merge_map(current if isinstance(current, dict) else {}, value, sub)
            if merged_map is None:
                result.pop(key, None)
            else:
                result[key] = merged_map
        else:
            result[key] = value
    for field, order in orders.items():
        result[field] = _apply_order(result.get(field), order, type_name, field)
    return result


def _strip_directives_list(items: list[Any]) -> list[Any]:
    out = []
    for item in items:
        if isinstance(item, dict):
            if item.get(_PATCH) in ("delete", "replace") and len(item) == 1:
                continue
            out.append(_merge_map({}, item, "") if _PATCH in item else copy.deepcopy(item))
        else:
            out.append(item)
    return out


def _merge_list(base: list[Any], patch: list[Any], elem_type: str, merge_key: str | None) -> list[Any]:
    if merge_key is None:  # primitive list with merge strategy: union, order kept
        return base + [v for v in patch if v not in base]
    if any(isinstance(i, dict) and i.get(_PATCH) == "replace" and len(i) == 1 for i in patch):
        return _strip_directives_list([i for i in patch if not (isinstance(i, dict) and i.get(_PATCH))])
    result = [copy.deepcopy(i) for i in base]
    index = {i.get(merge_key): n for n, i in enumerate(result) if isinstance(i, dict)}
    deleted: set[Any] = set()
    for item in patch:
        if not isinstance(item, dict):
            raise PatchError(f"list items merged by {merge_key!r} must be objects")
        if merge_key not in item:
            raise PatchError(f"a list item is missing its merge key {merge_key!r}")
        key = item[merge_key]
        if item.get(_PATCH) == "delete":
            deleted.add(key)
            continue
        if key in index:
            merged = _merge_map(result[index[key]], item, elem_type)
            result[index[key]] = merged
        else:
            new = _merge_map({}, item, elem_type)
            index[key] = len(result)
            result.append(new)
    return [i for i in result if not (isinstance(i, dict) and i.get(merge_key) in deleted) and i is not None]


def _apply_order(items: Any, order: list[Any], type_name: str, field: str) -> Any:
    if not isinstance(items, list):
        return items
    spec = _SCHEMA.get(type_name, {}).get(field)
    merge_key = spec[1] if spec else None

    def key(item: Any) -> Any:
        return item.get(merge_key) if merge_key and isinstance(item, dict) else item

    wanted = [key(o) if isinstance(o, dict) else o for o in order]
    ranked = {k: n for n, k in enumerate(wanted)}
    return sorted(items, key=lambda i: ranked.get(key(i), len(ranked)))
