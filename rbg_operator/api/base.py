"""The shared pydantic base of every API model, plus the markers that steer CRD generation.

Every model (ours and the Kubernetes ones we read) uses the exact Kubernetes JSON names as
aliases, accepts the Python field names too, and keeps unknown fields so that a
parse/dump round trip never loses anything. Dump with :meth:`KubeModel.to_dict`.

The markers below are plain frozen dataclasses placed in ``Annotated[...]`` metadata; pydantic
ignores them and :mod:`rbg_operator.api.schema` turns them into OpenAPI/CRD keywords.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, Self

from annotated_types import Ge
from pydantic import AfterValidator, BaseModel, ConfigDict, StrictInt
from pydantic.alias_generators import to_camel

# --------------------------------------------------------------------------------------------
# Markers read by the CRD schema generator.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Format:
    """OpenAPI ``format`` of a scalar (``int32``, ``int64``, ``date-time``)."""

    value: str


@dataclass(frozen=True)
class IntOrString:
    """Marks an ``int | str`` union as ``x-kubernetes-int-or-string: true``."""


@dataclass(frozen=True)
class SchemaOnly:
    """OpenAPI keywords put on the CRD schema only; pydantic does not enforce them (e.g. a
    ``pattern`` or ``minimum`` on an int-or-string node, which the API server applies by value type)."""

    items: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, **keywords: Any) -> SchemaOnly:
        """Build from keyword arguments (OpenAPI names)."""
        return cls(tuple(sorted(keywords.items())))


@dataclass(frozen=True)
class PreserveUnknown:
    """Marks an object (or a ``dict[str, Any]`` field) as ``x-kubernetes-preserve-unknown-fields``."""


@dataclass(frozen=True)
class ListType:
    """``x-kubernetes-list-type`` (``atomic``, ``set`` or ``map``) and, for maps, the key fields."""

    type: Literal["atomic", "set", "map"]
    map_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cel:
    """One ``x-kubernetes-validations`` rule, evaluated by the API server on the annotated node."""

    rule: str
    message: str
    field_path: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class CrdDefault:
    """An explicit CRD ``default`` for a field whose Python default is a factory."""

    value: Any


# --------------------------------------------------------------------------------------------
# CRD-level metadata of a root kind.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrinterColumn:
    """One ``additionalPrinterColumns`` entry (what ``kubectl get`` shows)."""

    name: str
    type: Literal["string", "integer", "number", "boolean", "date"]
    json_path: str
    description: str = ""
    priority: int = 0


@dataclass(frozen=True)
class ScaleSubresource:
    """The ``scale`` subresource paths (HPA/KEDA and ``kubectl scale`` use them)."""

    spec_replicas_path: str
    status_replicas_path: str
    label_selector_path: str | None = None


@dataclass(frozen=True)
class CrdInfo:
    """Names, scope, subresources and printer columns of one CustomResourceDefinition."""

    kind: str
    plural: str
    singular: str
    scope: Literal["Namespaced", "Cluster"] = "Namespaced"
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    printer_columns: tuple[PrinterColumn, ...] = ()
    scale: ScaleSubresource | None = None
    status_subresource: bool = True

    @property
    def list_kind(self) -> str:
        """The ``<Kind>List`` name."""
        return f"{self.kind}List"


# --------------------------------------------------------------------------------------------
# The base model.
# --------------------------------------------------------------------------------------------


class KubeModel(BaseModel):
    """Base of every API model: camelCase Kubernetes names, lossless pass-through of unknown fields."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
    )

    #: When true the CRD schema of this object keeps fields it does not declare.
    crd_preserve_unknown: ClassVar[bool] = False
    #: CEL rules put on this object's CRD schema node.
    crd_validations: ClassVar[tuple[Cel, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        """The Kubernetes JSON form: aliases, no ``None`` values, JSON-compatible scalars."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")

    def to_dict_as_given(self) -> dict[str, Any]:
        """Like :meth:`to_dict` but only the fields that were set (no defaults filled in)."""
        return self.model_dump(by_alias=True, exclude_none=True, exclude_unset=True, mode="json")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Parse a Kubernetes JSON/YAML mapping (Kubernetes names) into the model."""
        return cls.model_validate(dict(data))


class KubeObject(KubeModel):
    """Base of a root kind (a whole Kubernetes object); ``crd`` describes its CRD."""

    crd: ClassVar[CrdInfo]


class KubePassThrough(KubeModel):
    """Base of the Kubernetes built-in types we read: undeclared fields are kept in the CRD too."""

    crd_preserve_unknown: ClassVar[bool] = True


# --------------------------------------------------------------------------------------------
# Shared scalar types.
# --------------------------------------------------------------------------------------------

PERCENT_RE = re.compile(r"^[0-9]+%$")
_MAX_PERCENT_LENGTH = 8
DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"


def _int_or_percent(value: int | str) -> int | str:
    if isinstance(value, bool):
        raise ValueError("must be an integer or a percentage string like '10%'")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("must not be negative")
        return value
    if not PERCENT_RE.match(value) or len(value) > _MAX_PERCENT_LENGTH:
        raise ValueError(f"{value!r} is not an integer or a percentage like '10%'")
    return value


#: The API server applies pattern/maxLength to strings and minimum to integers of an int-or-string.
_PERCENT_SCHEMA = SchemaOnly.of(pattern=PERCENT_RE.pattern, maxLength=_MAX_PERCENT_LENGTH, minimum=0)

#: A 32-bit integer (OpenAPI format int32).
Int32 = Annotated[int, Format("int32")]
#: A non-negative 32-bit integer.
NonNegInt32 = Annotated[int, Format("int32"), Ge(0)]
#: A 64-bit integer (OpenAPI format int64).
Int64 = Annotated[int, Format("int64")]
#: An RFC 3339 timestamp kept as the string the API server sent.
Timestamp = Annotated[str, Format("date-time")]
#: ``intstr.IntOrString`` restricted to a non-negative int or a ``"N%"`` string.
IntOrPercent = Annotated[StrictInt | str, AfterValidator(_int_or_percent), IntOrString(), _PERCENT_SCHEMA]
#: A resource quantity (``1``, ``"500m"``, ``"8Gi"``).
Quantity = Annotated[int | str, IntOrString()]


def percent_or_int_value(value: int | str, total: int, *, round_up: bool) -> int:
    """Resolve an int-or-percent against ``total`` like ``intstr.GetScaledValueFromIntOrPercent``."""
    if isinstance(value, int):
        return value
    pct = int(value.rstrip("%"))
    scaled = pct * total
    return -(-scaled // 100) if round_up else scaled // 100
