"""Turn the pydantic models into structural OpenAPI v3 schemas for CustomResourceDefinitions.

The models are the single source of truth: field names come from the aliases, descriptions from
``Field(description=...)`` and class docstrings, constraints from ``annotated_types``/pydantic
metadata, defaults from the Python defaults, and the Kubernetes extensions from the markers in
:mod:`rbg_operator.api.base`. Every node gets a ``type`` (or is int-or-string / preserve-unknown),
there is no ``$ref`` and no ``anyOf`` except the int-or-string form the API server allows.
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from collections.abc import Sequence
from typing import Any

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from rbg_operator.api.base import (
    Cel,
    CrdDefault,
    Format,
    IntOrString,
    KubeModel,
    ListType,
    PreserveUnknown,
    SchemaOnly,
)

Schema = dict[str, Any]

#: Properties every root object has; metadata must stay a bare object for the API server.
_ROOT_PROPERTIES: Schema = {
    "apiVersion": {
        "type": "string",
        "description": "APIVersion defines the versioned schema of this representation of an object.",
    },
    "kind": {
        "type": "string",
        "description": "Kind is a string value representing the REST resource this object represents.",
    },
    "metadata": {"type": "object"},
}


class SchemaError(TypeError):
    """A model uses a Python type the generator cannot express as a structural schema."""


def describe(cls: type) -> str | None:
    """The cleaned docstring of a class, or None."""
    doc = cls.__dict__.get("__doc__")
    if not isinstance(doc, str) or not doc.strip():
        return None
    return inspect.cleandoc(doc).replace("``", "`")


def root_schema(cls: type[KubeModel]) -> Schema:
    """The ``openAPIV3Schema`` of a root kind (apiVersion, kind, metadata, spec, status)."""
    schema = model_schema(cls, _stack=())
    props = schema["properties"]
    props.update({k: dict(v) for k, v in _ROOT_PROPERTIES.items()})
    schema["required"] = sorted(r for r in schema.get("required", []) if r not in _ROOT_PROPERTIES)
    if not schema["required"]:
        del schema["required"]
    return schema


def model_schema(cls: type[BaseModel], *, _stack: tuple[type, ...] = ()) -> Schema:
    """The object schema of one model, its fields inlined recursively."""
    if cls in _stack:
        raise SchemaError(f"recursive model {cls.__name__} cannot be inlined")
    stack = (*_stack, cls)
    properties: Schema = {}
    required: list[str] = []
    for name, info in cls.model_fields.items():
        key = info.alias or name
        properties[key] = field_schema(info, _stack=stack)
        if info.is_required():
            required.append(key)
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = sorted(required)
    description = describe(cls)
    if description:
        schema["description"] = description
    if getattr(cls, "crd_preserve_unknown", False):
        schema["x-kubernetes-preserve-unknown-fields"] = True
    rules: Sequence[Cel] = getattr(cls, "crd_validations", ())
    if rules:
        schema["x-kubernetes-validations"] = [_cel(rule) for rule in rules]
    return schema


def field_schema(info: FieldInfo, *, _stack: tuple[type, ...] = ()) -> Schema:
    """The schema of one field: its type, constraints, description and default."""
    schema = type_schema(info.annotation, info.metadata, _stack=_stack)
    if info.description:
        schema["description"] = info.description
    default = _default_of(info)
    if default is not None:
        schema["default"] = default
    return schema


def type_schema(tp: Any, metadata: Sequence[Any] = (), *, _stack: tuple[type, ...] = ()) -> Schema:
    """The schema of a Python type plus the constraint/marker metadata attached to it."""
    if typing.get_origin(tp) is typing.Annotated:
        base, *inner = typing.get_args(tp)
        return type_schema(base, [*inner, *metadata], _stack=_stack)
    flat = list(_flatten(metadata))
    schema = _base_schema(tp, flat, _stack)
    _apply(schema, flat)
    return schema


def _flatten(metadata: Sequence[Any]) -> Any:
    for item in metadata:
        if isinstance(item, at.GroupedMetadata):
            yield from _flatten(list(item))
        else:
            yield item


def _base_schema(tp: Any, metadata: list[Any], stack: tuple[type, ...]) -> Schema:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return _union_schema(tp, metadata, stack)
    if tp is Any:
        return {"x-kubernetes-preserve-unknown-fields": True}
    if origin is typing.Literal:
        values = [v.value if isinstance(v, enum.Enum) else v for v in typing.get_args(tp)]
        return {"type": _json_type(values[0]), "enum": values}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        values = [member.value for member in tp]
        return {"type": _json_type(values[0]), "enum": values}
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return model_schema(tp, _stack=stack)
    if origin in (list, Sequence, tuple):
        (item,) = typing.get_args(tp)[:1]
        return {"type": "array", "items": type_schema(item, _stack=stack)}
    if origin is dict:
        key, value = typing.get_args(tp)
        if key is not str:
            raise SchemaError(f"map keys must be str, got {key!r}")
        if value is Any:
            return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        return {"type": "object", "additionalProperties": type_schema(value, _stack=stack)}
    scalar = {bool: "boolean", int: "integer", float: "number", str: "string"}.get(tp)
    if scalar is None:
        raise SchemaError(f"cannot express {tp!r} as a structural schema")
    return {"type": scalar}


def _union_schema(tp: Any, metadata: list[Any], stack: tuple[type, ...]) -> Schema:
    args = [a for a in typing.get_args(tp) if a is not types.NoneType]
    if len(args) == 1:
        return type_schema(args[0], _stack=stack)
    bare = {typing.get_args(a)[0] if typing.get_origin(a) is typing.Annotated else a for a in args}
    if bare == {int, str}:
        if not any(isinstance(m, IntOrString) for m in metadata):
            raise SchemaError("int | str needs the IntOrString marker")
        return {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]}
    raise SchemaError(f"unions other than Optional and int | str are not structural: {tp!r}")


def _apply(schema: Schema, metadata: list[Any]) -> None:
    """Apply constraint and marker metadata to a schema node in place."""
    kind = schema.get("type")
    for item in metadata:
        if isinstance(item, at.Ge):
            schema["minimum"] = item.ge
        elif isinstance(item, at.Gt):
            schema.update(minimum=item.gt, exclusiveMinimum=True)
        elif isinstance(item, at.Le):
            schema["maximum"] = item.le
        elif isinstance(item, at.Lt):
            schema.update(maximum=item.lt, exclusiveMaximum=True)
        elif isinstance(item, at.MinLen | at.MaxLen):
            _apply_len(schema, kind, item)
        elif isinstance(item, Format):
            schema["format"] = item.value
        elif isinstance(item, PreserveUnknown):
            schema["x-kubernetes-preserve-unknown-fields"] = True
            schema.setdefault("type", "object")
        elif isinstance(item, ListType):
            schema["x-kubernetes-list-type"] = item.type
            if item.map_keys:
                schema["x-kubernetes-list-map-keys"] = list(item.map_keys)
        elif isinstance(item, Cel):
            schema.setdefault("x-kubernetes-validations", []).append(_cel(item))
        elif isinstance(item, SchemaOnly):
            schema.update(dict(item.items))
        elif isinstance(item, CrdDefault):
            schema["default"] = item.value
        elif getattr(item, "pattern", None):
            schema["pattern"] = str(item.pattern)


def _apply_len(schema: Schema, kind: Any, item: at.MinLen | at.MaxLen) -> None:
    suffix = {"array": "Items", "object": "Properties"}.get(str(kind), "Length")
    if isinstance(item, at.MinLen):
        schema[f"min{suffix}"] = item.min_length
    else:
        schema[f"max{suffix}"] = item.max_length


def _cel(rule: Cel) -> Schema:
    out: Schema = {"rule": rule.rule, "message": rule.message}
    if rule.field_path:
        out["fieldPath"] = rule.field_path
    if rule.reason:
        out["reason"] = rule.reason
    return out


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return "string"


def _default_of(info: FieldInfo) -> Any:
    """The CRD default of a field: its Python default, or a factory's non-empty product."""
    for item in info.metadata:
        if isinstance(item, CrdDefault):
            return item.value
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
    elif info.default is PydanticUndefined:
        return None
    else:
        value = info.default
    if isinstance(value, KubeModel):
        return value.to_dict() or None
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | dict) and not value:
        return None
    return value
