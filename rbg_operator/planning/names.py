"""Names, labels and hashes of a group's children, as upstream RBG forms them (both label generations)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from rbg_operator.api import keys

MAX_NAME = 63


def truncate(name: str, limit: int = MAX_NAME) -> str:
    """Cut to ``limit`` characters and drop trailing dashes and dots (a valid DNS label stays valid)."""
    return name[:limit].rstrip("-.")


def workload_name(group: str, role: str) -> str:
    return truncate(f"{group}-{role}")


def service_name(group: str, role: str) -> str:
    return truncate(f"s-{group}-{role}")


def discovery_configmap_name(group: str, role: str) -> str:
    return truncate(f"{group}-{role}")


def scaling_adapter_name(group: str, role: str) -> str:
    return f"{group}-{role}"


def group_unique_key(namespace: str, name: str) -> str:
    """sha1 of ``<namespace>/<name>``: the value of the group-unique-key label (exclusive topology)."""
    return hashlib.sha1(f"{namespace}/{name}".encode(), usedforsecurity=False).hexdigest()


def stable_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def content_hash(value: Any) -> str:
    """A short, stable hash of a JSON-like value (label-safe): 10 hex characters of BLAKE2b."""
    return hashlib.blake2b(stable_json(value), digest_size=5).hexdigest()


def selector_labels(namespace: str, group: str, role: str) -> dict[str, str]:
    """The workload selector (v0.6 keys, as upstream; a selector never changes after creation)."""
    return {
        keys.LABEL_GROUP_NAME_V1: group,
        keys.LABEL_ROLE_NAME_V1: role,
        keys.LABEL_GROUP_UNIQUE_KEY_V1: group_unique_key(namespace, group),
    }


def group_labels(namespace: str, group: str) -> dict[str, str]:
    """Labels on every object of a group, both generations."""
    uid = group_unique_key(namespace, group)
    return {
        keys.LABEL_GROUP_NAME_V1: group,
        keys.LABEL_GROUP_NAME_V2: group,
        keys.LABEL_GROUP_UNIQUE_KEY_V1: uid,
        keys.LABEL_GROUP_UID_V2: uid,
    }


def role_labels(namespace: str, group: str, role: str) -> dict[str, str]:
    """Labels on every object and pod of a role, both generations."""
    return {**group_labels(namespace, group), keys.LABEL_ROLE_NAME_V1: role, keys.LABEL_ROLE_NAME_V2: role}


def owner_reference(
    api_version: str, kind: str, name: str, uid: str, controller: bool = True
) -> dict[str, Any]:
    ref: dict[str, Any] = {
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": uid,
        "blockOwnerDeletion": True,
    }
    if controller:
        ref["controller"] = True
    return ref
