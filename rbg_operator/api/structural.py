"""A strict offline checker for CRD schemas: structural-schema rules of the API server and more.

Checked: every node has a ``type`` unless it is int-or-string or preserve-unknown; no ``$ref``,
``definitions`` or other keywords ``apiextensions.k8s.io/v1`` rejects; junctors only in the
int-or-string form; arrays have ``items``; ``properties`` and ``additionalProperties`` are exclusive;
keyword/type agreement; list-type map keys exist and are required scalars; defaults validate against
their node; CEL rules are well formed and their ``self.<field>`` paths and ``fieldPath`` exist;
``metadata`` is a bare object; names, subresource paths and printer columns are consistent.
"""

from __future__ import annotations

import re
from typing import Any

from rbg_operator.api.schema_values import Schema, is_int_or_string, value_problems

_TYPES = {"object", "array", "string", "integer", "number", "boolean"}
_ALLOWED = {
    "description", "type", "format", "title", "default", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
    "multipleOf", "enum", "maxProperties", "minProperties", "required", "items", "anyOf", "properties",
    "additionalProperties", "nullable", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string",
    "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type",
    "x-kubernetes-validations", "x-kubernetes-embedded-resource",
}  # fmt: skip
_KEYWORD_TYPES = {
    "maxLength": {"string"}, "minLength": {"string"}, "pattern": {"string"},
    "maxItems": {"array"}, "minItems": {"array"}, "items": {"array"}, "uniqueItems": {"array"},
    "x-kubernetes-list-type": {"array"}, "x-kubernetes-list-map-keys": {"array"},
    "maxProperties": {"object"}, "minProperties": {"object"}, "properties": {"object"},
    "additionalProperties": {"object"}, "required": {"object"}, "x-kubernetes-map-type": {"object"},
    "maximum": {"integer", "number"}, "minimum": {"integer", "number"}, "multipleOf": {"integer", "number"},
    "exclusiveMaximum": {"integer", "number"}, "exclusiveMinimum": {"integer", "number"},
}  # fmt: skip
_FORMATS = {
    "integer": {"int32", "int64"},
    "number": {"float", "double"},
    "string": {"byte", "date", "date-time", "duration", "uri", "email", "hostname", "ipv4", "ipv6", "uuid"},
}
_CEL_KEYS = {"rule", "message", "messageExpression", "reason", "fieldPath", "optionalOldSelf"}
_CEL_REASONS = {"FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate"}
_CEL_FUNCS = {
    "all", "exists", "exists_one", "map", "filter", "size", "matches", "startsWith", "endsWith",
    "contains", "lowerAscii", "upperAscii", "split", "join", "indexOf", "lastIndexOf", "isSorted",
    "sum", "min", "max", "trim", "replace", "substring", "charAt", "find", "findAll", "url", "quantity",
}  # fmt: skip
_SELF_PATH = re.compile(r"\bself((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
_PRINTER_TYPES = {"integer", "number", "string", "boolean", "date"}


def check_crd(crd: Schema) -> list[str]:
    """All problems found in a CustomResourceDefinition (empty when it is fine)."""
    problems: list[str] = []
    if crd.get("apiVersion") != "apiextensions.k8s.io/v1" or crd.get("kind") != "CustomResourceDefinition":
        problems.append("not an apiextensions.k8s.io/v1 CustomResourceDefinition")
    spec = crd.get("spec", {})
    names = spec.get("names", {})
    for field in ("kind", "plural", "singular", "listKind"):
        if not names.get(field):
            problems.append(f"spec.names.{field} is missing")
    if crd.get("metadata", {}).get("name") != f"{names.get('plural')}.{spec.get('group')}":
        problems.append("metadata.name must be <plural>.<group>")
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        problems.append("spec.scope must be Namespaced or Cluster")
    versions = spec.get("versions") or []
    if sum(1 for v in versions if v.get("storage")) != 1:
        problems.append("exactly one version must be the storage version")
    for version in versions:
        where = f"versions[{version.get('name')}]"
        schema = version.get("schema", {}).get("openAPIV3Schema")
        if not isinstance(schema, dict):
            problems.append(f"{where}: openAPIV3Schema is missing")
            continue
        problems += check_schema(schema, f"{where}.openAPIV3Schema", root=True)
        problems += _check_subresources(version.get("subresources", {}), schema, where)
        for i, column in enumerate(version.get("additionalPrinterColumns", [])):
            if column.get("type") not in _PRINTER_TYPES or not column.get("name"):
                problems.append(f"{where}.additionalPrinterColumns[{i}]: bad name or type")
            if not str(column.get("jsonPath", "")).startswith("."):
                problems.append(f"{where}.additionalPrinterColumns[{i}]: jsonPath must start with '.'")
    return problems


def check_schema(node: Any, path: str = "", *, root: bool = False) -> list[str]:
    """All structural and consistency problems of a schema tree."""
    problems: list[str] = []
    _check_node(node, path or "<root>", problems, root=root)
    return problems


def _check_node(node: Any, path: str, problems: list[str], *, root: bool = False) -> None:
    if not isinstance(node, dict):
        problems.append(f"{path}: schema node must be an object")
        return
    for key in sorted(set(node) - _ALLOWED):
        problems.append(f"{path}: keyword {key!r} is not allowed in a structural schema")
    kind = _check_type(node, path, problems)
    if root:
        _check_root(node, path, problems)
    for key, allowed in _KEYWORD_TYPES.items():
        if key in node and kind is not None and kind not in allowed and not is_int_or_string(node):
            problems.append(f"{path}: {key!r} does not apply to type {kind!r}")
    if node.get("uniqueItems") is True:
        problems.append(f"{path}: uniqueItems: true is forbidden")
    if "description" in node and not isinstance(node["description"], str):
        problems.append(f"{path}: description must be a string")
    fmt = node.get("format")
    if fmt is not None and fmt not in _FORMATS.get(str(kind), set()):
        problems.append(f"{path}: format {fmt!r} does not fit type {kind!r}")
    if "pattern" in node:
        try:
            re.compile(node["pattern"])
        except re.error as exc:
            problems.append(f"{path}: pattern does not compile: {exc}")
    if "enum" in node:
        for value in node["enum"]:
            problems += [f"{path}: enum value {value!r}: {p}" for p in value_problems(value, {"type": kind})]
    if kind == "object":
        _check_object(node, path, problems)
    elif kind == "array":
        _check_array(node, path, problems)
    if "default" in node:
        for problem in value_problems(node["default"], node):
            problems.append(f"{path}: default {node['default']!r} is invalid: {problem}")
    _check_cel(node, path, problems)


def _check_type(node: Schema, path: str, problems: list[str]) -> str | None:
    if (
        "x-kubernetes-preserve-unknown-fields" in node
        and node["x-kubernetes-preserve-unknown-fields"] is not True
    ):
        problems.append(f"{path}: x-kubernetes-preserve-unknown-fields may only be true")
    if is_int_or_string(node):
        if "type" in node:
            problems.append(f"{path}: an int-or-string node must not set type")
        any_of = node.get("anyOf")
        if any_of is not None and any_of != [{"type": "integer"}, {"type": "string"}]:
            problems.append(f"{path}: int-or-string anyOf must be [integer, string]")
        return None
    if "anyOf" in node:
        problems.append(f"{path}: anyOf is only allowed with x-kubernetes-int-or-string")
    kind = node.get("type")
    if kind is None:
        if node.get("x-kubernetes-preserve-unknown-fields") is not True:
            problems.append(f"{path}: missing type")
        return None
    if kind not in _TYPES:
        problems.append(f"{path}: unknown type {kind!r}")
        return None
    return str(kind)


def _check_root(node: Schema, path: str, problems: list[str]) -> None:
    if node.get("type") != "object":
        problems.append(f"{path}: the root must be of type object")
    meta = node.get("properties", {}).get("metadata")
    if meta is not None and set(meta) - {"type", "properties"}:
        problems.append(f"{path}.metadata: only type (and name/generateName) may be specified")
    if meta is not None and set(meta.get("properties", {})) - {"name", "generateName"}:
        problems.append(f"{path}.metadata: only name and generateName may be constrained")
    for name in ("apiVersion", "kind", "metadata"):
        if name not in node.get("properties", {}):
            problems.append(f"{path}: root property {name!r} is missing")


def _check_object(node: Schema, path: str, problems: list[str]) -> None:
    props = node.get("properties")
    extra = node.get("additionalProperties")
    if props is not None and extra is not None:
        problems.append(f"{path}: properties and additionalProperties are mutually exclusive")
    if extra is not None:
        if isinstance(extra, dict):
            _check_node(extra, f"{path}.additionalProperties", problems)
        else:
            problems.append(f"{path}: additionalProperties must be a schema")
    for name, child in sorted((props or {}).items()):
        _check_node(child, f"{path}.{name}", problems)
    for name in node.get("required", []):
        if props is not None and name not in props:
            problems.append(f"{path}: required field {name!r} is not a property")
    if node.get("x-kubernetes-map-type") not in (None, "granular", "atomic"):
        problems.append(f"{path}: x-kubernetes-map-type must be granular or atomic")


def _check_array(node: Schema, path: str, problems: list[str]) -> None:
    items = node.get("items")
    if not isinstance(items, dict):
        problems.append(f"{path}: an array must have a single items schema")
        return
    _check_node(items, f"{path}[*]", problems)
    list_type = node.get("x-kubernetes-list-type")
    keys = node.get("x-kubernetes-list-map-keys")
    if list_type not in (None, "atomic", "set", "map"):
        problems.append(f"{path}: unknown x-kubernetes-list-type {list_type!r}")
    if keys is not None and list_type != "map":
        problems.append(f"{path}: x-kubernetes-list-map-keys needs x-kubernetes-list-type: map")
    if list_type == "set" and items.get("type") in ("object", "array"):
        problems.append(f"{path}: a set must have scalar items")
    if list_type == "map":
        if items.get("type") != "object" or not keys:
            problems.append(f"{path}: a map list needs object items and x-kubernetes-list-map-keys")
            return
        for key in keys:
            prop = items.get("properties", {}).get(key)
            if prop is None or prop.get("type") not in ("string", "integer", "boolean"):
                problems.append(f"{path}: map key {key!r} must be a scalar property of the items")
            elif key not in items.get("required", []) and "default" not in prop:
                problems.append(f"{path}: map key {key!r} must be required or defaulted")


def _check_cel(node: Schema, path: str, problems: list[str]) -> None:
    rules = node.get("x-kubernetes-validations")
    if rules is None:
        return
    if not isinstance(rules, list):
        problems.append(f"{path}: x-kubernetes-validations must be a list")
        return
    for i, rule in enumerate(rules):
        where = f"{path}.x-kubernetes-validations[{i}]"
        if not isinstance(rule, dict) or not isinstance(rule.get("rule"), str) or not rule["rule"].strip():
            problems.append(f"{where}: a rule needs a non-empty 'rule' string")
            continue
        for key in sorted(set(rule) - _CEL_KEYS):
            problems.append(f"{where}: unknown key {key!r}")
        if "reason" in rule and rule["reason"] not in _CEL_REASONS:
            problems.append(f"{where}: unknown reason {rule['reason']!r}")
        if not _balanced(rule["rule"]):
            problems.append(f"{where}: unbalanced parentheses or quotes in {rule['rule']!r}")
        for match in _SELF_PATH.finditer(_strip_strings(rule["rule"])):
            missing = _resolve(node, match.group(1).split(".")[1:])
            if missing:
                problems.append(f"{where}: self.{missing} is not a field of this node")
        field_path = rule.get("fieldPath")
        if field_path is not None:
            segments = str(field_path).split(".")
            if segments[0] != "" or _resolve(node, segments[1:], functions=False):
                problems.append(f"{where}: fieldPath {field_path!r} does not name a field of this node")


def _resolve(node: Schema, segments: list[str], *, functions: bool = True) -> str | None:
    """Walk ``segments`` through properties; returns the first unknown segment, or None."""
    current: Any = node
    for segment in segments:
        props = current.get("properties") if isinstance(current, dict) else None
        if props is not None and segment in props:
            current = props[segment]
            continue
        if functions and segment in _CEL_FUNCS:
            return None
        if isinstance(current, dict) and current.get("x-kubernetes-preserve-unknown-fields"):
            return None
        return segment
    return None


def _strip_strings(rule: str) -> str:
    return re.sub(r"'[^']*'|\"[^\"]*\"", "''", rule)


def _balanced(rule: str) -> bool:
    if rule.count("'") % 2 or rule.count('"') % 2:
        return False
    depth = 0
    for char in _strip_strings(rule):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _check_subresources(sub: Schema, schema: Schema, where: str) -> list[str]:
    problems: list[str] = []
    scale = sub.get("scale")
    if scale is None:
        return problems
    wanted = {
        "specReplicasPath": (".spec.", "integer"),
        "statusReplicasPath": (".status.", "integer"),
        "labelSelectorPath": (".status.", "string"),
    }
    for key, (prefix, kind) in wanted.items():
        value = scale.get(key)
        if value is None:
            if key != "labelSelectorPath":
                problems.append(f"{where}.subresources.scale.{key} is missing")
            continue
        node: Any = schema
        for segment in str(value).split(".")[1:]:
            node = node.get("properties", {}).get(segment, {}) if isinstance(node, dict) else {}
        if not str(value).startswith(prefix) or node.get("type") != kind:
            problems.append(f"{where}.subresources.scale.{key} {value!r} must name a {kind} under {prefix}")
    return problems
