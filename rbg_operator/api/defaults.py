"""Admission defaulting (pure): the values a mutating webhook rewrites so that objects written before a
schema tightening keep being writable.

``rollingUpdate.type`` of a role: upstream's v1alpha2 enum is RecreatePod, InPlaceIfPossible and
InPlaceOnly; objects stored before it (or copied from v1alpha1 manifests) can carry ``""`` or the v1alpha1
name ``Recreate``, and every later write of them would fail the schema with 422. As upstream's defaulter
does, ``""`` becomes InPlaceIfPossible (the default of an unset type) and, in v1alpha2, ``Recreate``
becomes RecreatePod. In v1alpha1, ``Recreate`` is valid (conversion keeps it) and only ``""`` is rewritten.
An absent type stays absent (it means InPlaceIfPossible already).

This works because the API server runs mutating admission before it validates a custom resource against
its CRD schema and CEL rules (k8s.io/apiserver endpoints/handlers/create.go: ``mutatingAdmission.Admit``,
then ``Store.Create`` -> ``rest.BeforeCreate`` -> ``strategy.Validate``, then validating admission; updates
run the mutating admission inside ``UpdatedObject`` before ``BeforeUpdate``), so the CRDs keep their
tight enums. Reads are never validated, and updates that leave the field as stored pass the schema
anyway (CRD validation ratcheting, on by default since Kubernetes 1.30).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from rbg_operator.api import keys

#: Per version: update type as written -> the value it is stored as.
LEGACY_UPDATE_TYPES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        keys.API_VERSION_V1ALPHA2: MappingProxyType({"": "InPlaceIfPossible", "Recreate": "RecreatePod"}),
        keys.API_VERSION_V1ALPHA1: MappingProxyType({"": "InPlaceIfPossible"}),
    }
)

#: (kind, apiVersion) -> where the roles of the group (or of the set's group template) are.
_ROLES_AT: Mapping[tuple[str, str], tuple[str, ...]] = MappingProxyType(
    {
        (keys.KIND_ROLE_BASED_GROUP, keys.API_VERSION_V1ALPHA2): ("spec", "roles"),
        (keys.KIND_ROLE_BASED_GROUP, keys.API_VERSION_V1ALPHA1): ("spec", "roles"),
        (keys.KIND_ROLE_BASED_GROUP_SET, keys.API_VERSION_V1ALPHA2): (
            "spec",
            "groupTemplate",
            "spec",
            "roles",
        ),
        (keys.KIND_ROLE_BASED_GROUP_SET, keys.API_VERSION_V1ALPHA1): ("spec", "template", "roles"),
    }
)

_TYPE_AT = ("rolloutStrategy", "rollingUpdate", "type")


@dataclass(frozen=True)
class Fix:
    """One value the defaulter rewrites: where (keys and list indexes from the object's root), from what,
    to what."""

    at: tuple[str | int, ...]
    old: str
    new: str

    @property
    def field_path(self) -> str:
        """``spec.roles[0].rolloutStrategy.rollingUpdate.type``."""
        out = ""
        for part in self.at:
            out = f"{out}[{part}]" if isinstance(part, int) else (f"{out}.{part}" if out else part)
        return out

    @property
    def pointer(self) -> str:
        """The RFC 6901 JSON pointer of the value."""
        return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in self.at)

    @property
    def warning(self) -> str:
        """The admission warning that tells the client what was rewritten."""
        return f"{self.field_path}: {self.old!r} is stored as {self.new!r}"


def rollout_type_fixes(obj: Mapping[str, Any]) -> list[Fix]:
    """The legacy ``rollingUpdate.type`` values of a RoleBasedGroup or RoleBasedGroupSet of either version,
    in role order (none for any other object, or a malformed one: validation reports those)."""
    where = _ROLES_AT.get((str(obj.get("kind")), str(obj.get("apiVersion"))))
    legacy = LEGACY_UPDATE_TYPES.get(str(obj.get("apiVersion")), {})
    roles = _get(obj, where) if where else None
    if not isinstance(roles, list):
        return []
    out = []
    for i, role in enumerate(roles):
        value = _get(role, _TYPE_AT)
        if isinstance(value, str) and value in legacy:
            out.append(Fix((*(where or ()), i, *_TYPE_AT), value, legacy[value]))
    return out


def apply_fixes(obj: MutableMapping[str, Any], fixes: Sequence[Fix]) -> None:
    """Rewrite the values in place (the object the fixes were computed from)."""
    for fix in fixes:
        node: Any = obj
        for part in fix.at[:-1]:
            node = node[part]
        node[fix.at[-1]] = fix.new


def _get(node: Any, at: Sequence[str | int]) -> Any:
    for part in at:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
        else:
            node = node.get(part) if isinstance(node, Mapping) else None
    return node
