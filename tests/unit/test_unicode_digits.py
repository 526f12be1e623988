"""Numbers read from annotations and labels: str.isdigit() is true for '²' and other Unicode digits that
int() refuses, so every such read checks for ASCII digits too; a stored object with such a value (accepted
before the admission rule existed, or ratcheted) falls back to the default instead of crashing the planner."""

from __future__ import annotations

from typing import Any

import pytest

from rbg_operator.api import keys
from rbg_operator.planning.restart import ANNOTATION_MAX_RESTARTS, DEFAULT_MAX_RESTARTS, max_restarts
from tests.unit.hub import hub_group

ODD = ["²", "٣", "1²", "³0"]
CONTAINER = {"name": "c", "image": "i"}


def _group(annotations: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": keys.API_VERSION_V1ALPHA2,
        "kind": "RoleBasedGroup",
        "metadata": {"name": "g", "namespace": "ns", "annotations": annotations},
        "spec": {
            "roles": [
                {
                    "name": "r",
                    "replicas": 1,
                    "annotations": {keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2: keys.WORKLOAD_STATEFULSET},
                    "standalonePattern": {"template": {"spec": {"containers": [CONTAINER]}}},
                }
            ]
        },
    }


@pytest.mark.parametrize("value", ODD)
def test_gang_timeout_with_unicode_digits_falls_back(value: str) -> None:
    gang = {keys.ANNOTATION_GANG_SCHEDULING_V2: "true", keys.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2: value}
    rbg = hub_group(_group(gang))
    policy = rbg.pod_group_policy
    assert policy is not None and policy.kube_scheduling is not None


@pytest.mark.parametrize("value", ODD)
def test_max_restarts_with_unicode_digits_falls_back(value: str) -> None:
    assert max_restarts(hub_group(_group({ANNOTATION_MAX_RESTARTS: value}))) == DEFAULT_MAX_RESTARTS
