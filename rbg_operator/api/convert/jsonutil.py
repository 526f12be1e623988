"""JSON helpers of the conversion: canonical dumps, strict equality, annotation-map differences, and the
JSON Patch (RFC 6902 subset) the conversion keeps as its last-resort ``overrides``.

Everything here is pure and never raises on odd shapes: a patch operation whose path does not resolve is
skipped, a value that is not a mapping is treated as "no map"."""

from __future__ import annotations

import copy
import json
from typing import Any, Final

Json = Any
JsonDict = dict[str, Any]


class _Missing:
    """Marks an absent key (distinct from a JSON null)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()


def canon(value: Json) -> str:
    """Compact JSON with sorted keys (what every conversion annotation holds)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def same(a: Json, b: Json) -> bool:
    """Equality of two JSON values that, unlike ``==``, tells 1, 1.0 and true apart."""
    return a is b or canon(a) == canon(b)


def loads(raw: Json) -> Json:
    """The JSON value of an annotation string, or MISSING when it is not a string holding JSON."""
    if not isinstance(raw, str):
        return MISSING
    try:
        return json.loads(raw)
    except ValueError:
        return MISSING


def as_dict(value: Json) -> JsonDict | None:
    """``value`` if it is a JSON object, else None."""
    return value if isinstance(value, dict) else None


def put(target: JsonDict, key: str, value: Json) -> None:
    """``target[key] = value`` unless ``value`` is MISSING."""
    if value is not MISSING:
        target[key] = value


def put_group(target: JsonDict, key: str, value: Json) -> None:
    """``target[key] = value`` unless ``value`` is MISSING or an empty group of facts."""
    if value is not MISSING and not (isinstance(value, dict | list) and not value):
        target[key] = value


def fill(target: Json, facts: Json) -> None:
    """Set every key of ``facts`` that ``target`` lacks (both must be objects; anything else is ignored)."""
    if isinstance(target, dict) and isinstance(facts, dict):
        for key, value in facts.items():
            if key not in target:
                target[key] = copy.deepcopy(value)


# --------------------------------------------------------------------------------------------
# Annotation (string map) differences: what a map was, given what the other side rebuilds.
# --------------------------------------------------------------------------------------------


def diff_map(original: Json, rebuilt: Json) -> Json:
    """How to turn ``rebuilt`` back into ``original``: MISSING when they are equal; None (JSON null) when
    ``original`` was no map at all; else ``{key: original value or null when absent}`` for the keys that
    differ (``{}`` when only the map's existence differs)."""
    if same(original, rebuilt):
        return MISSING
    if not isinstance(original, dict):
        return None
    other = rebuilt if isinstance(rebuilt, dict) else {}
    return {
        key: original.get(key)
        for key in sorted(set(original) | set(other))
        if key not in original or key not in other or not same(original[key], other[key])
    }


def apply_map(rebuilt: Json, fact: Json) -> Json:
    """Inverse of :func:`diff_map`: ``rebuilt`` corrected by ``fact``."""
    if fact is MISSING:
        return rebuilt
    if not isinstance(fact, dict):
        return None
    out = dict(rebuilt) if isinstance(rebuilt, dict) else {}
    for key, value in fact.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


# --------------------------------------------------------------------------------------------
# Object metadata annotations.
# --------------------------------------------------------------------------------------------


def annotations_of(obj: JsonDict) -> Json:
    """``metadata.annotations`` (None when absent)."""
    meta = obj.get("metadata")
    return meta.get("annotations") if isinstance(meta, dict) else None


def set_annotations(obj: JsonDict, value: Json) -> None:
    """Set (or, for None, remove) ``metadata.annotations``; creates ``metadata`` when needed."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        if value is None:
            return
        meta = obj["metadata"] = {}
    if value is None:
        meta.pop("annotations", None)
    else:
        meta["annotations"] = value


def strip(obj: JsonDict, key: str) -> JsonDict:
    """A copy of ``obj`` without annotation ``key`` (the map goes too when that empties it)."""
    out = copy.deepcopy(obj)
    ann = annotations_of(out)
    if isinstance(ann, dict) and key in ann:
        del ann[key]
        if not ann:
            set_annotations(out, None)
    return out


def with_annotation(obj: JsonDict, key: str, value: str) -> JsonDict:
    """A copy of ``obj`` with annotation ``key`` set (a map that is not an object is replaced)."""
    out = copy.deepcopy(obj)
    ann = annotations_of(out)
    set_annotations(out, {**(ann if isinstance(ann, dict) else {}), key: value})
    return out


# --------------------------------------------------------------------------------------------
# JSON Patch: the exact remaining differences, applied leniently.
# --------------------------------------------------------------------------------------------


def _escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def json_patch(target: Json, current: Json, path: str = "") -> list[JsonDict]:
    """RFC 6902 operations (add, replace, remove) that turn ``current`` into ``target``."""
    if isinstance(target, dict) and isinstance(current, dict):
        ops: list[JsonDict] = []
        for key, value in target.items():
            sub = f"{path}/{_escape(key)}"
            if key in current:
                ops += json_patch(value, current[key], sub)
            else:
                ops.append({"op": "add", "path": sub, "value": copy.deepcopy(value)})
        ops += [{"op": "remove", "path": f"{path}/{_escape(k)}"} for k in current if k not in target]
        return ops
    if isinstance(target, list) and isinstance(current, list) and len(target) == len(current):
        return [
            op
            for i, (t, c) in enumerate(zip(target, current, strict=True))
            for op in json_patch(t, c, f"{path}/{i}")
        ]
    if same(target, current):
        return []
    return [{"op": "replace", "path": path, "value": copy.deepcopy(target)}]


def _tokens(path: str) -> list[str] | None:
    if path == "":
        return []
    if not path.startswith("/"):
        return None
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def apply_patch(doc: Json, ops: Json) -> Json:
    """``doc`` with the operations applied; an operation that does not fit the document is skipped."""
    out = copy.deepcopy(doc)
    for op in ops if isinstance(ops, list) else ():
        tokens = _tokens(op.get("path", "")) if isinstance(op, dict) else None
        if tokens is None:
            continue
        kind = op.get("op")
        if not tokens:
            out = copy.deepcopy(op.get("value")) if kind in ("add", "replace") else out
            continue
        parent = out
        for token in tokens[:-1]:
            parent = _child(parent, token)
        last = tokens[-1]
        if isinstance(parent, dict):
            if kind == "remove":
                parent.pop(last, None)
            elif kind in ("add", "replace"):
                parent[last] = copy.deepcopy(op.get("value"))
        elif (
            isinstance(parent, list)
            and kind == "replace"
            and (last.isascii() and last.isdigit())
            and int(last) < len(parent)
        ):
            parent[int(last)] = copy.deepcopy(op.get("value"))
    return out


def _child(node: Json, token: str) -> Json:
    if isinstance(node, dict):
        return node.get(token)
    if isinstance(node, list) and (token.isascii() and token.isdigit()) and int(token) < len(node):
        return node[int(token)]
    return None
