"""Typed validation errors with Kubernetes field paths (``spec.roles[2].dependencies[0]``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import ValidationError

_UNION_TAG = re.compile(r"^(int|str|bool|float|none|dict\[.*|list\[.*|function-.*|.*\(\).*)$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


class ErrorType(StrEnum):
    """Kubernetes ``StatusCause.reason`` values."""

    INVALID = "FieldValueInvalid"
    REQUIRED = "FieldValueRequired"
    DUPLICATE = "FieldValueDuplicate"
    NOT_FOUND = "FieldValueNotFound"
    FORBIDDEN = "FieldValueForbidden"
    NOT_SUPPORTED = "FieldValueNotSupported"


@dataclass(frozen=True, order=True)
class FieldError:
    """One problem: where (a field path), why, and how bad (warnings do not reject)."""

    path: str
    reason: str
    type: ErrorType = ErrorType.INVALID
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def errors_only(problems: Sequence[FieldError]) -> list[FieldError]:
    """The problems that reject the request."""
    return [p for p in problems if p.severity == "error"]


def warnings_only(problems: Sequence[FieldError]) -> list[FieldError]:
    """The problems reported as admission warnings."""
    return [p for p in problems if p.severity == "warning"]


def from_pydantic(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    """Convert pydantic errors to FieldErrors with Kubernetes field paths (aliases, ``[i]``)."""
    out: set[FieldError] = set()
    for error in exc.errors():
        loc = [part for part in error["loc"] if not (isinstance(part, str) and _UNION_TAG.match(part))]
        path = join_path(prefix, *loc) or "<root>"
        kind = ErrorType.REQUIRED if error["type"] == "missing" else ErrorType.INVALID
        out.add(FieldError(path, error["msg"], kind))
    return sorted(out)


def join_path(prefix: str, *parts: str | int) -> str:
    """``join_path("spec", "roles", 2, "name") == "spec.roles[2].name"``."""
    path = prefix
    for part in parts:
        path = f"{path}[{part}]" if isinstance(part, int) else (f"{path}.{part}" if path else str(part))
    return path


def duplicates(values: Sequence[str | None], path: str, field: str | None) -> list[FieldError]:
    """One error per repeated value (None values are skipped), at the repeating index."""
    seen: set[str] = set()
    out: list[FieldError] = []
    for i, value in enumerate(values):
        if value is None:
            continue
        if value in seen:
            where = f"{path}[{i}].{field}" if field else f"{path}[{i}]"
            out.append(FieldError(where, f"duplicate value {value!r}", ErrorType.DUPLICATE))
        seen.add(value)
    return out


def name_errors(name: str | None, path: str = "metadata.name") -> list[FieldError]:
    """An error when ``name`` is set and is not a DNS-1123 label."""
    if name is None or (_DNS_LABEL.match(name) and len(name) <= 63):
        return []
    return [FieldError(path, f"{name!r} is not a DNS-1123 label (lowercase letters, digits, '-', max 63)")]
