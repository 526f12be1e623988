"""Conversion between ``workloads.x-k8s.io/v1alpha1`` and ``v1alpha2`` (the hub), on plain JSON objects
as a CRD conversion webhook receives them (metadata and status included). Pure functions, no I/O; the
input is never modified.

* :func:`convert` converts any served kind to the other version (RoleBasedGroup, RoleBasedGroupSet,
  RoleBasedGroupScalingAdapter, ClusterEngineRuntimeProfile).
* :func:`to_hub_group` / :func:`to_hub_groupset` parse an object of either version into the v1alpha2
  model the planners read.

The mapping follows upstream (see :mod:`.roles_up`, :mod:`.specs`, :mod:`.kinds`) and, unlike upstream's,
is lossless both ways: what the target version cannot express is kept as JSON in one annotation
(:mod:`.layout`) and restored from it (:mod:`.engine`)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.convert import engine
from rbg_operator.api.convert.kinds import GROUP, GROUP_SET, Kind
from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleBasedGroupSet

VERSIONS = (keys.API_VERSION_V1ALPHA1, keys.API_VERSION_V1ALPHA2)
#: Kinds with a different shape in the two versions.
_STRUCTURAL: Mapping[str, Kind] = {
    keys.KIND_ROLE_BASED_GROUP: GROUP,
    keys.KIND_ROLE_BASED_GROUP_SET: GROUP_SET,
}
#: Kinds whose fields are the same in both versions: only apiVersion changes.
_SAME_SHAPE = (keys.KIND_SCALING_ADAPTER, keys.KIND_ENGINE_RUNTIME_PROFILE)


def convert(obj: Mapping[str, Any], to_api_version: str) -> dict[str, Any]:
    """``obj`` as ``to_api_version`` (a copy; the same version comes back unchanged).

    Raises ValueError for a version or kind that is not converted."""
    if not isinstance(obj, Mapping):
        raise ValueError(f"cannot convert {type(obj).__name__}: not a JSON object")
    if to_api_version not in VERSIONS:
        raise ValueError(
            f"cannot convert to {to_api_version!r}: the served versions are {', '.join(VERSIONS)}"
        )
    source = obj.get("apiVersion")
    if source not in VERSIONS:
        raise ValueError(f"cannot convert from {source!r}: the served versions are {', '.join(VERSIONS)}")
    data = copy.deepcopy(dict(obj))
    if source == to_api_version:
        return data
    kind = obj.get("kind")
    if kind in _SAME_SHAPE:
        data["apiVersion"] = to_api_version
        return data
    structural = _STRUCTURAL.get(kind) if isinstance(kind, str) else None
    if structural is None:
        served = ", ".join([*_STRUCTURAL, *_SAME_SHAPE])
        raise ValueError(f"cannot convert kind {kind!r} from {source} to {to_api_version}: only {served} are")
    if to_api_version == keys.API_VERSION_V1ALPHA2:
        return engine.up(data, structural)
    return engine.down(data, structural)


def _to_hub(obj: Mapping[str, Any], kind: str) -> dict[str, Any]:
    if not isinstance(obj, Mapping) or obj.get("kind") != kind:
        found = obj.get("kind") if isinstance(obj, Mapping) else type(obj).__name__
        raise ValueError(f"expected a {kind}, got {found!r}")
    return convert(obj, keys.API_VERSION_V1ALPHA2)


def to_hub_group(obj: Mapping[str, Any]) -> RoleBasedGroup:
    """A v1alpha1 or v1alpha2 RoleBasedGroup as the v1alpha2 model (pydantic.ValidationError, a
    ValueError, when it is not valid)."""
    return RoleBasedGroup.from_dict(_to_hub(obj, keys.KIND_ROLE_BASED_GROUP))


def to_hub_groupset(obj: Mapping[str, Any]) -> RoleBasedGroupSet:
    """A v1alpha1 or v1alpha2 RoleBasedGroupSet as the v1alpha2 model."""
    return RoleBasedGroupSet.from_dict(_to_hub(obj, keys.KIND_ROLE_BASED_GROUP_SET))


__all__ = ["VERSIONS", "convert", "to_hub_group", "to_hub_groupset"]
