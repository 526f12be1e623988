"""The constants module: well-formed, distinct keys of both generations."""

from __future__ import annotations

import re

import pytest

from rbg_operator.api import keys

# A qualified name: optional DNS subdomain prefix and "/", then a name of at most 63 characters.
_QUALIFIED = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)
_ENV = re.compile(r"^[A-Z_][A-Z0-9_]*$")

CONSTANTS = {name: value for name, value in vars(keys).items() if name.isupper() and isinstance(value, str)}
LABELS = {
    n: v
    for n, v in CONSTANTS.items()
    if n.startswith(("LABEL_", "ANNOTATION_", "FINALIZER_", "READINESS_GATE_"))
}
ENVS = {n: v for n, v in CONSTANTS.items() if n.startswith("ENV_") and not n.startswith("ENV_PREFIX")}


@pytest.mark.parametrize(("name", "key"), sorted(LABELS.items()), ids=sorted(LABELS))
def test_label_and_annotation_keys_are_qualified_names(name: str, key: str) -> None:
    concrete = key.format(role="prefill")
    assert _QUALIFIED.match(concrete), f"{name}={key!r}"
    assert len(concrete.split("/")[-1]) <= 63


@pytest.mark.parametrize(("name", "env"), sorted(ENVS.items()), ids=sorted(ENVS))
def test_env_names_are_c_identifiers(name: str, env: str) -> None:
    assert _ENV.match(env), f"{name}={env!r}"


def test_label_keys_are_distinct() -> None:
    values = [v for n, v in LABELS.items() if n.startswith("LABEL_")]
    assert len(values) == len(set(values))


def test_env_names_are_distinct() -> None:
    assert len(ENVS) == len(set(ENVS.values()))


PAIRS = [
    (keys.LABEL_GROUP_NAME_V1, "rolebasedgroup.workloads.x-k8s.io/name"),
    (keys.LABEL_ROLE_NAME_V1, "rolebasedgroup.workloads.x-k8s.io/role"),
    (keys.LABEL_GROUP_NAME_V2, "rbg.workloads.x-k8s.io/group-name"),
    (keys.LABEL_ROLE_NAME_V2, "rbg.workloads.x-k8s.io/role-name"),
    (keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1, "rolebasedgroup.workloads.x-k8s.io/exclusive-topology"),
    (keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2, "rbg.workloads.x-k8s.io/group-exclusive-topology"),
    (keys.ENV_GROUP_NAME_V1, "GROUP_NAME"),
    (keys.ENV_ROLE_NAME_V1, "ROLE_NAME"),
    (keys.ENV_ROLE_INDEX_V1, "ROLE_INDEX"),
    (keys.ENV_GROUP_NAME_V2, "RBG_GROUP_NAME"),
    (keys.ENV_ROLE_NAME_V2, "RBG_ROLE_NAME"),
    (keys.ENV_ROLE_INDEX_V2, "RBG_ROLE_INDEX"),
    (
        keys.LABEL_ROLE_REVISION_V1_FMT.format(role="decode"),
        "rolebasedgroup.workloads.x-k8s.io/role-revision-hash-decode",
    ),
]


@pytest.mark.parametrize(("actual", "expected"), PAIRS, ids=[e for _, e in PAIRS])
def test_upstream_values(actual: str, expected: str) -> None:
    assert actual == expected


def test_v1_env_names_listed() -> None:
    assert set(keys.ENV_NAMES_V1) == {v for n, v in ENVS.items() if n.endswith("_V1")}
