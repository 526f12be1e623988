"""Test helpers: a v1alpha1 group or set written as a dict (API or Python field names), normalised by
its v1alpha1 model and converted to the v1alpha2 hub model the planners read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rbg_operator.api import keys, v1alpha1, v1alpha2
from rbg_operator.api.convert import to_hub_group, to_hub_groupset


def hub_group(data: Mapping[str, Any]) -> v1alpha2.RoleBasedGroup:
    """A RoleBasedGroup of either version (v1alpha1 when it names none) as the hub model."""
    if data.get("apiVersion") == keys.API_VERSION_V1ALPHA2:
        return v1alpha2.RoleBasedGroup.from_dict(data)
    v1 = v1alpha1.RoleBasedGroup.model_validate({**data, "apiVersion": keys.API_VERSION_V1ALPHA1})
    return to_hub_group(v1.to_dict())


def hub_groupset(data: Mapping[str, Any]) -> v1alpha2.RoleBasedGroupSet:
    """A RoleBasedGroupSet of either version (v1alpha1 when it names none) as the hub model."""
    if data.get("apiVersion") == keys.API_VERSION_V1ALPHA2:
        return v1alpha2.RoleBasedGroupSet.from_dict(data)
    v1 = v1alpha1.RoleBasedGroupSet.model_validate({**data, "apiVersion": keys.API_VERSION_V1ALPHA1})
    return to_hub_groupset(v1.to_dict())
