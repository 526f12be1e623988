"""Parsing, dumping and defaults of the v1alpha1 models."""

from __future__ import annotations

import copy
from typing import Any, TypeVar

import pytest
from pydantic import ValidationError

from rbg_operator.api import keys
from rbg_operator.api.base import percent_or_int_value
from rbg_operator.api.core import Container, EnvVar, PodTemplateSpec
from rbg_operator.api.schema_values import apply_defaults
from rbg_operator.api.v1alpha1 import (
    ROOT_KINDS,
    ClusterEngineRuntimeProfile,
    EngineRuntimeUpdateStrategy,
    Instance,
    InstanceReadyPolicy,
    InstanceSet,
    RestartPolicy,
    RoleBasedGroup,
    RoleBasedGroupSet,
    RoleSpec,
    RolloutStrategyType,
    UpdateStrategyType,
    model_for_kind,
    parse_object,
)
from rbg_operator.gen.crdgen import build_crd
from tests.unit.api.cases import base_profile, base_rbg, base_rbgs, container, role
from tests.unit.api.conftest import upstream_v1alpha1_docs

UPSTREAM = upstream_v1alpha1_docs()
T = TypeVar("T")


def _rbg_with(**role_fields: Any) -> RoleBasedGroup:
    obj = base_rbg()
    obj["spec"]["roles"][0].update(role_fields)
    return RoleBasedGroup.from_dict(obj)


def _some(value: T | None) -> T:
    assert value is not None
    return value


def _kube_scheduling_timeout() -> int:
    obj = base_rbg()
    obj["spec"]["podGroupPolicy"] = {"kubeScheduling": {}}
    policy = _some(RoleBasedGroup.from_dict(obj).spec.pod_group_policy)
    return _some(policy.kube_scheduling).schedule_timeout_seconds


def test_upstream_examples_found() -> None:
    if not UPSTREAM:
        pytest.skip("../shared/conformance/upstream-examples is not beside the repo")
    assert len(UPSTREAM) >= 6


@pytest.mark.parametrize(("doc_id", "doc"), UPSTREAM, ids=[i for i, _ in UPSTREAM])
def test_upstream_example_round_trips(doc_id: str, doc: dict[str, Any]) -> None:
    model = parse_object(doc)
    assert model.to_dict_as_given() == doc, doc_id


@pytest.mark.parametrize(("doc_id", "doc"), UPSTREAM, ids=[i for i, _ in UPSTREAM])
def test_upstream_example_defaults_match_crd_defaulting(doc_id: str, doc: dict[str, Any]) -> None:
    """The model's defaults are exactly what the API server fills in from the CRD schema."""
    model = parse_object(doc)
    schema = build_crd(type(model))["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    assert model.to_dict() == apply_defaults(doc, schema), doc_id


@pytest.mark.parametrize("kind", ROOT_KINDS, ids=[k.__name__ for k in ROOT_KINDS])
def test_model_for_kind(kind: type) -> None:
    assert model_for_kind(kind.__name__) is kind


def test_parse_object_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown v1alpha1 kind"):
        parse_object({"kind": "Pod"})


def test_unknown_fields_pass_through_everywhere() -> None:
    obj = base_rbg()
    obj["metadata"]["managedFields"] = [{"manager": "kubectl"}]
    tpl = obj["spec"]["roles"][0]["template"]
    tpl["spec"]["hostIPC"] = True
    tpl["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    tpl["spec"]["containers"][0]["env"] = [
        {"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "x"}, "z": 1}}
    ]
    obj["spec"]["roles"][0]["futureField"] = {"a": [1, 2]}
    obj["status"] = {"roleStatuses": [], "extra": "kept"}
    assert RoleBasedGroup.from_dict(copy.deepcopy(obj)).to_dict_as_given() == obj


def test_python_names_and_aliases_are_both_accepted() -> None:
    by_alias = RoleSpec.model_validate(
        {"name": "a", "minReadySeconds": 5, "template": {"spec": {"containers": [container()]}}}
    )
    by_name = RoleSpec(
        name="a",
        min_ready_seconds=5,
        template=PodTemplateSpec.from_dict({"spec": {"containers": [container()]}}),
    )
    assert by_alias.to_dict() == by_name.to_dict()
    assert by_alias.to_dict()["minReadySeconds"] == 5


def test_core_types_dump_with_kubernetes_names() -> None:
    c = Container(name="c", image_pull_policy="Always", env=[EnvVar(name="X", value="1")])
    assert c.to_dict() == {"name": "c", "imagePullPolicy": "Always", "env": [{"name": "X", "value": "1"}]}


# --- defaults -------------------------------------------------------------------------------------

DEFAULTS: list[tuple[str, Any, Any]] = [
    (
        "replicas",
        lambda: (
            RoleSpec.model_validate(
                {"name": "a", "template": {"spec": {"containers": [container()]}}}
            ).replicas
        ),
        1,
    ),
    ("workload-omitted", lambda: _rbg_with().spec.roles[0].workload.type_string, keys.WORKLOAD_STATEFULSET),
    (
        "workload-empty",
        lambda: _rbg_with(workload={}).spec.roles[0].workload.type_string,
        keys.WORKLOAD_STATEFULSET,
    ),
    (
        "workload-kind-only",
        lambda: _rbg_with(workload={"kind": "Deployment"}).spec.roles[0].workload.type_string,
        keys.WORKLOAD_DEPLOYMENT,
    ),
    ("min-ready-seconds", lambda: _rbg_with().spec.roles[0].min_ready_seconds, 0),
    (
        "rollout-type",
        lambda: _some(_rbg_with(rolloutStrategy={}).spec.roles[0].rollout_strategy).type,
        RolloutStrategyType.ROLLING_UPDATE,
    ),
    ("max-unavailable", lambda: _rbg_with().spec.roles[0].effective_rolling_update.max_unavailable, 1),
    ("max-surge", lambda: _rbg_with().spec.roles[0].effective_rolling_update.max_surge, 0),
    (
        "partition",
        lambda: (
            _rbg_with(rolloutStrategy={"rollingUpdate": {}}).spec.roles[0].effective_rolling_update.partition
        ),
        0,
    ),
    (
        "update-type-implicit",
        lambda: _rbg_with().spec.roles[0].effective_rolling_update.effective_type,
        UpdateStrategyType.IN_PLACE_IF_POSSIBLE,
    ),
    ("paused-implicit", lambda: _rbg_with().spec.roles[0].effective_rolling_update.is_paused, False),
    ("restart-sts", lambda: _rbg_with().spec.roles[0].effective_restart_policy, RestartPolicy.NONE),
    (
        "restart-lws",
        lambda: (
            _rbg_with(workload={"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet"})
            .spec.roles[0]
            .effective_restart_policy
        ),
        RestartPolicy.RECREATE_ROLE_INSTANCE_ON_POD_RESTART,
    ),
    (
        "restart-explicit",
        lambda: _rbg_with(restartPolicy="RecreateRBGOnPodRestart").spec.roles[0].effective_restart_policy,
        RestartPolicy.RECREATE_RBG_ON_POD_RESTART,
    ),
    ("lws-size", lambda: _rbg_with(leaderWorkerSet={}).spec.roles[0].leader_worker_set.size, 1),  # type: ignore[union-attr]
    (
        "lws-group-size",
        lambda: (
            _rbg_with(
                workload={"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet"},
                leaderWorkerSet={"size": 4},
            )
            .spec.roles[0]
            .group_size
        ),
        4,
    ),
    ("sts-group-size", lambda: _rbg_with().spec.roles[0].group_size, 1),
    (
        "scaling-adapter-enable",
        lambda: _rbg_with(scalingAdapter={}).spec.roles[0].scaling_adapter_enabled,
        False,
    ),
    (
        "kube-scheduling-timeout",
        lambda: _kube_scheduling_timeout(),
        60,
    ),
    (
        "rbgs-replicas",
        lambda: (
            RoleBasedGroupSet.from_dict(
                {**base_rbgs(), "spec": {"template": base_rbg()["spec"]}}
            ).spec.replicas
        ),
        1,
    ),
    (
        "profile-update-strategy",
        lambda: ClusterEngineRuntimeProfile.from_dict(base_profile()).spec.update_strategy,
        EngineRuntimeUpdateStrategy.NO_UPDATE,
    ),
    (
        "profile-empty-spec",
        lambda: (
            ClusterEngineRuntimeProfile.from_dict(
                {"kind": "ClusterEngineRuntimeProfile"}
            ).spec.update_strategy
        ),
        EngineRuntimeUpdateStrategy.NO_UPDATE,
    ),
    (
        "instance-ready-policy",
        lambda: (
            Instance.from_dict(
                {"spec": {"components": [{"name": "c", "template": {"spec": {"containers": [container()]}}}]}}
            ).spec.ready_policy
        ),
        InstanceReadyPolicy.ALL_POD_READY,
    ),
    (
        "instanceset-replicas",
        lambda: (
            InstanceSet.from_dict(
                {
                    "spec": {
                        "instanceTemplate": {
                            "components": [{"name": "c", "template": {"spec": {"containers": [container()]}}}]
                        }
                    }
                }
            ).spec.effective_replicas
        ),
        1,
    ),
    (
        "component-size",
        lambda: (
            _rbg_with(
                workload={"apiVersion": "workloads.x-k8s.io/v1alpha1", "kind": "InstanceSet"},
                template=None,
                components=[
                    {"name": "a", "template": {"spec": {"containers": [container()]}}},
                    {"name": "b", "size": 3, "template": {"spec": {"containers": [container()]}}},
                ],
            )
            .spec.roles[0]
            .group_size
        ),
        4,
    ),
    (
        "role-status-list",
        lambda: _some(RoleBasedGroup.from_dict({**base_rbg(), "status": {}}).status).role_statuses,
        [],
    ),
]


@pytest.mark.parametrize(
    ("getter", "expected"), [(g, e) for _, g, e in DEFAULTS], ids=[i for i, _, _ in DEFAULTS]
)
def test_defaults(getter: Any, expected: Any) -> None:
    assert getter() == expected


def test_workload_defaults_are_dumped() -> None:
    dumped = _rbg_with().to_dict()["spec"]["roles"][0]
    assert dumped["workload"] == {"apiVersion": "apps/v1", "kind": "StatefulSet"}
    assert dumped["minReadySeconds"] == 0
    assert (
        RoleSpec.from_dict({"name": "a", "template": {"spec": {"containers": [container()]}}}).to_dict()[
            "replicas"
        ]
        == 1
    )


# --- int-or-percent -------------------------------------------------------------------------------

GOOD_INT_OR_PERCENT = [0, 3, "0%", "25%", "100%", "150%"]
BAD_INT_OR_PERCENT = [-1, "5", "abc", "10 %", "%", "123456789%", True]


@pytest.mark.parametrize("value", GOOD_INT_OR_PERCENT, ids=[repr(v) for v in GOOD_INT_OR_PERCENT])
def test_int_or_percent_accepts(value: Any) -> None:
    rbg = _rbg_with(rolloutStrategy={"rollingUpdate": {"maxSurge": value, "maxUnavailable": 1}})
    assert rbg.spec.roles[0].effective_rolling_update.max_surge == value


@pytest.mark.parametrize("value", BAD_INT_OR_PERCENT, ids=[repr(v) for v in BAD_INT_OR_PERCENT])
def test_int_or_percent_rejects(value: Any) -> None:
    with pytest.raises(ValidationError):
        _rbg_with(rolloutStrategy={"rollingUpdate": {"maxSurge": value}})


SCALED = [
    (3, 10, True, 3),
    ("25%", 10, True, 3),
    ("25%", 10, False, 2),
    ("10%", 2, False, 0),
    ("10%", 2, True, 1),
    ("100%", 7, False, 7),
]


@pytest.mark.parametrize(
    ("value", "total", "round_up", "expected"),
    SCALED,
    ids=[f"{v}-of-{t}-{'up' if u else 'down'}" for v, t, u, _ in SCALED],
)
def test_percent_or_int_value(value: int | str, total: int, round_up: bool, expected: int) -> None:
    assert percent_or_int_value(value, total, round_up=round_up) == expected


def test_role_helpers() -> None:
    rbg = RoleBasedGroup.from_dict(base_rbg())
    assert rbg.spec.role_names == ["prefill", "decode", "router"]
    assert rbg.spec.role("decode") is rbg.spec.roles[1]
    assert rbg.spec.role("missing") is None
    assert rbg.name == "demo" and rbg.namespace == "default"


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        ({}, None),
        ({keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1: "kubernetes.io/hostname"}, "kubernetes.io/hostname"),
        (
            {keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2: "zone", keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1: "host"},
            "zone",
        ),
    ],
    ids=["none", "v1-key", "v2-wins"],
)
def test_exclusive_topology_key(annotations: dict[str, str], expected: str | None) -> None:
    obj = base_rbg()
    obj["metadata"]["annotations"] = annotations
    assert RoleBasedGroup.from_dict(obj).exclusive_topology_key == expected


def test_status_condition_lookup() -> None:
    obj = base_rbg()
    obj["status"] = {
        "conditions": [{"type": "Ready", "status": "True"}],
        "roleStatuses": [{"name": "prefill", "replicas": 2}],
    }
    status = RoleBasedGroup.from_dict(obj).status
    assert status is not None
    ready = status.condition(keys.CONDITION_READY)
    assert ready is not None and ready.status == "True"
    assert status.condition("Progressing") is None
    assert status.role_statuses[0].ready_replicas == 0


def test_role_builder_helper_is_valid() -> None:
    assert RoleSpec.from_dict(role("x")).name == "x"
