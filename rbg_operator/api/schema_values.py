"""Values against CRD schema nodes: validation of defaults/enums and structural defaulting."""

from __future__ import annotations

import copy
import re
from typing import Any

Schema = dict[str, Any]


def is_int_or_string(node: Schema) -> bool:
    """Whether the node is ``x-kubernetes-int-or-string``."""
    return node.get("x-kubernetes-int-or-string") is True


def apply_defaults(value: Any, node: Schema) -> Any:
    """A copy of ``value`` with the schema's defaults filled in, the way the API server defaults
    a custom resource: a missing property gets its default, then defaults apply inside it."""
    if isinstance(value, dict):
        props = node.get("properties")
        if props is not None:
            out = dict(value)
            for name, child in props.items():
                if name not in out and "default" in child:
                    out[name] = copy.deepcopy(child["default"])
            return {k: apply_defaults(v, props[k]) if k in props else v for k, v in out.items()}
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            return {k: apply_defaults(v, extra) for k, v in value.items()}
        return dict(value)
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        return [apply_defaults(v, node["items"]) for v in value]
    return value


def value_problems(value: Any, node: Schema) -> list[str]:
    """Why ``value`` does not validate against ``node`` (types, enum, bounds, pattern, shape)."""
    if is_int_or_string(node):
        ok = isinstance(value, int | str) and not isinstance(value, bool)
        return [] if ok else ["not an int or a string"]
    kind = node.get("type")
    checks = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
    }
    if kind in checks and not checks[kind](value):
        return [f"not of type {kind}"]
    problems: list[str] = []
    if "enum" in node and value not in node["enum"]:
        problems.append(f"not one of {node['enum']}")
    if isinstance(value, str) and "pattern" in node and not re.search(node["pattern"], value):
        problems.append(f"does not match {node['pattern']}")
    if kind in ("integer", "number"):
        if "minimum" in node and value < node["minimum"]:
            problems.append(f"below minimum {node['minimum']}")
        if "maximum" in node and value > node["maximum"]:
            problems.append(f"above maximum {node['maximum']}")
    if isinstance(value, dict) and "properties" in node:
        for name in node.get("required", []):
            if name not in value and "default" not in node["properties"].get(name, {}):
                problems.append(f"required field {name!r} missing")
        for name, child in value.items():
            if name in node["properties"]:
                problems += [f"{name}: {p}" for p in value_problems(child, node["properties"][name])]
            elif not node.get("x-kubernetes-preserve-unknown-fields"):
                problems.append(f"unknown field {name!r} would be pruned")
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        for i, item in enumerate(value):
            problems += [f"[{i}]: {p}" for p in value_problems(item, node["items"])]
    return problems
