"""Configuration annotations at admission (rbg_operator.api.validation_annotations, annotation_rules): every
value the planners would ignore, read differently or fail to apply is refused at the annotation's field
path with the reason; a key set where it is not read is refused; contradicting settings are refused;
inert ones are warned about. Every annotation the examples and upstream's examples use is accepted, and
whatever is accepted is read by the hub model and planners exactly as written."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from rbg_operator.api import keys
from rbg_operator.api.annotation_rules import ANNOTATION_MAX_RESTARTS, KNOWN, RULES
from rbg_operator.api.errors import errors_only, warnings_only
from rbg_operator.api.v1alpha2 import RoleBasedGroup
from rbg_operator.api.validation import validate_object
from rbg_operator.api.validation_v2 import validate_as_stored
from rbg_operator.planning import drain, restart
from tests.shared_dir import upstream_examples
from tests.unit.api.cases import base_rbg, base_rbgs
from tests.unit.test_validation_v2 import base_v2_rbg, base_v2_rbgs

ROOT = Path(__file__).resolve().parents[2]
META = "metadata.annotations"
ROLE0 = "spec.roles[0].annotations"
TEMPLATE0 = "spec.roles[0].standalonePattern.template.metadata.annotations"
K = keys
GANG, TIMEOUT = K.ANNOTATION_GANG_SCHEDULING_V2, K.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2
QUEUE, PRIORITY = K.ANNOTATION_GANG_VOLCANO_QUEUE_V2, K.ANNOTATION_GANG_VOLCANO_PRIORITY_V2
PGP, COORD = K.ANNOTATION_CONVERSION_POD_GROUP_POLICY, K.ANNOTATION_CONVERSION_COORDINATION
HOST = "kubernetes.io/hostname"


def group(meta: dict[str, str] | None = None, role: dict[str, str] | None = None, **more: Any) -> Any:
    """base_v2_rbg with annotations on the group, on role 0, on role 0's template (``template``) and on
    role 1's leader template patch (``patch``); ``recreate`` gives role 0 RecreateRBGOnPodRestart."""
    obj = base_v2_rbg()
    if meta:
        obj["metadata"]["annotations"] = dict(meta)
    if role:
        obj["spec"]["roles"][0]["annotations"].update(role)
    if "template" in more:
        obj["spec"]["roles"][0]["standalonePattern"]["template"]["metadata"] = {
            "annotations": more["template"]
        }
    if "patch" in more:
        lwp = obj["spec"]["roles"][1]["leaderWorkerPattern"]
        lwp["leaderTemplatePatch"] = {"metadata": {"annotations": more["patch"]}}
    if more.get("recreate"):
        obj["spec"]["roles"][0]["standalonePattern"]["restartPolicyConfig"] = {
            "type": "RecreateRBGOnPodRestart"
        }
    return obj


def at(where: str, key: str) -> str:
    return f"{where}[{key}]"


# --- refused: (id, object, path, words of the reason) ---------------------------------------------------

REFUSED = [
    ("timeout-duration", group({GANG: "true", TIMEOUT: "2m"}), at(META, TIMEOUT), "whole number of seconds"),
    ("timeout-negative", group({GANG: "true", TIMEOUT: "-5"}), at(META, TIMEOUT), "whole number of seconds"),
    ("timeout-unicode-digit", group({GANG: "true", TIMEOUT: "²"}), at(META, TIMEOUT), "whole number"),
    ("timeout-beyond-int32", group({GANG: "true", TIMEOUT: "2147483648"}), at(META, TIMEOUT), "2147483647"),
    ("gang-yes", group({GANG: "yes"}), at(META, GANG), 'must be "true" or "false"'),
    ("gang-capital", group({GANG: "True"}), at(META, GANG), 'must be "true" or "false"'),
    ("queue-spaces", group({GANG: "true", QUEUE: "team a"}), at(META, QUEUE), "Volcano queue name"),
    ("queue-empty", group({GANG: "true", QUEUE: ""}), at(META, QUEUE), "Volcano queue name"),
    ("priority-upper", group({GANG: "true", PRIORITY: "High"}), at(META, PRIORITY), "PriorityClass name"),
    (
        "scheduler-name",
        group({GANG: "true", K.ANNOTATION_SCHEDULER_NAME: "my_sched"}),
        at(META, K.ANNOTATION_SCHEDULER_NAME),
        "scheduler name",
    ),
    ("pgp-not-json", group({PGP: "{kube"}), at(META, PGP), "not JSON"),
    ("pgp-empty", group({PGP: ""}), at(META, PGP), "not JSON"),
    ("pgp-list", group({PGP: "[]"}), at(META, PGP), "JSON object"),
    (
        "pgp-wrong-type",
        group({PGP: '{"kubeScheduling": {"scheduleTimeoutSeconds": "x"}}'}),
        at(META, PGP) + ".kubeScheduling.scheduleTimeoutSeconds",
        "integer",
    ),
    (
        "pgp-two-schedulers",
        group({PGP: '{"kubeScheduling": {}, "volcanoScheduling": {}}'}),
        at(META, PGP),
        "only one of kubeScheduling and volcanoScheduling",
    ),
    (
        "pgp-against-gang-timeout",
        group({PGP: '{"kubeScheduling": {"scheduleTimeoutSeconds": 30}}', GANG: "true", TIMEOUT: "120"}),
        at(META, TIMEOUT),
        "conflicts",
    ),
    (
        "pgp-kube-against-queue",
        group({PGP: '{"kubeScheduling": {}}', QUEUE: "q"}),
        at(META, QUEUE),
        "conflicts",
    ),
    (
        "pgp-against-gang-off",
        group({PGP: '{"volcanoScheduling": {}}', GANG: "false"}),
        at(META, GANG),
        "conflicts",
    ),
    ("coordination-not-json", group({COORD: "[{"}), at(META, COORD), "not JSON"),
    ("coordination-object", group({COORD: '{"name": "pd"}'}), at(META, COORD), "JSON list"),
    (
        "coordination-skew",
        group(
            {
                COORD: '[{"name": "pd", "roles": ["prefill"], '
                '"strategy": {"rollingUpdate": {"maxSkew": "abc"}}}]'
            }
        ),
        at(META, COORD) + "[0].strategy.rollingUpdate.maxSkew",
        "pattern",
    ),
    (
        "coordination-unknown-role",
        group({COORD: '[{"name": "pd", "roles": ["prefill", "cache"]}]'}),
        at(META, COORD) + "[0].roles[1]",
        "'cache' does not exist",
    ),
    (
        "coordination-repeated-name",
        group({COORD: '[{"name": "a", "roles": ["prefill"]}, {"name": "a", "roles": ["decode"]}]'}),
        at(META, COORD) + "[1].name",
        "duplicate",
    ),
    (
        "exclusive-not-a-key",
        group({K.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2: "any host"}),
        at(META, K.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2),
        "node label key",
    ),
    (
        "exclusive-empty",
        group({K.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1: ""}),
        at(META, K.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1),
        "node label key",
    ),
    (
        "exclusive-keys-differ",
        group(
            {
                K.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2: HOST,
                K.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1: "topology.kubernetes.io/zone",
            }
        ),
        at(META, K.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1),
        "which the operator uses",
    ),
    (
        "disable-false-on-role",
        group(
            {K.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2: HOST}, {K.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2: "false"}
        ),
        at(ROLE0, K.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2),
        'must be "true"',
    ),
    (
        "disable-in-leader-patch",
        group(
            {K.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2: HOST},
            patch={K.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V1: "1"},
        ),
        at(
            "spec.roles[1].leaderWorkerPattern.leaderTemplatePatch.metadata.annotations",
            K.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V1,
        ),
        'must be "true"',
    ),
    (
        "pack-topology-not-a-key",
        group({K.ANNOTATION_PACK_TOPOLOGY: "a/b/c"}),
        at(META, K.ANNOTATION_PACK_TOPOLOGY),
        "node label key",
    ),
    (
        "pack-mode",
        group({K.ANNOTATION_PACK_TOPOLOGY: HOST, K.ANNOTATION_PACK_MODE: "Preferred"}),
        at(META, K.ANNOTATION_PACK_MODE),
        'must be "required" or "preferred"',
    ),
    (
        "pack-roles-unknown",
        group({K.ANNOTATION_PACK_TOPOLOGY: HOST, K.ANNOTATION_PACK_ROLES: "prefill, kv"}),
        at(META, K.ANNOTATION_PACK_ROLES),
        "'kv' does not exist",
    ),
    (
        "pack-roles-none",
        group({K.ANNOTATION_PACK_TOPOLOGY: HOST, K.ANNOTATION_PACK_ROLES: " , "}),
        at(META, K.ANNOTATION_PACK_ROLES),
        "at least one role",
    ),
    (
        "max-restarts",
        group({ANNOTATION_MAX_RESTARTS: "three"}, recreate=True),
        at(META, ANNOTATION_MAX_RESTARTS),
        "whole number of recreations",
    ),
    (
        "drain-timeout-zero",
        group({K.ANNOTATION_DRAIN_TIMEOUT: "0"}),
        at(META, K.ANNOTATION_DRAIN_TIMEOUT),
        "positive number of seconds",
    ),
    (
        "drain-timeout-unit",
        group({K.ANNOTATION_DRAIN_TIMEOUT: "2 minutes"}),
        at(META, K.ANNOTATION_DRAIN_TIMEOUT),
        "duration",
    ),
    (
        "drain-port-name",
        group(role={K.ANNOTATION_DRAIN_PROBE_PORT: "http"}),
        at(ROLE0, K.ANNOTATION_DRAIN_PROBE_PORT),
        "port number",
    ),
    (
        "drain-port-range",
        group(role={K.ANNOTATION_DRAIN_PROBE_PORT: "70000"}),
        at(ROLE0, K.ANNOTATION_DRAIN_PROBE_PORT),
        "port number",
    ),
    (
        "drain-path-relative",
        group(role={K.ANNOTATION_DRAIN_PROBE_PORT: "8080", K.ANNOTATION_DRAIN_PROBE_PATH: "drained"}),
        at(ROLE0, K.ANNOTATION_DRAIN_PROBE_PATH),
        "starting with /",
    ),
    (
        "drain-url-scheme",
        group(role={K.ANNOTATION_DRAIN_PROBE_URL: "tcp://$(POD_IP):1"}),
        at(ROLE0, K.ANNOTATION_DRAIN_PROBE_URL),
        "http:// or https:// URL",
    ),
    (
        "drain-url-and-port",
        group(
            role={K.ANNOTATION_DRAIN_PROBE_URL: "http://$(POD_IP):1/", K.ANNOTATION_DRAIN_PROBE_PORT: "8080"}
        ),
        at(ROLE0, K.ANNOTATION_DRAIN_PROBE_PORT),
        "conflicts",
    ),
    (
        "drain-on-template",
        group(template={K.ANNOTATION_DRAIN_TIMEOUT: "30"}),
        at(TEMPLATE0, K.ANNOTATION_DRAIN_TIMEOUT),
        "reads it from the group's metadata.annotations or a role's",
    ),
    (
        "pdb-word",
        group({K.ANNOTATION_PDB_MAX_UNAVAILABLE: "one"}),
        at(META, K.ANNOTATION_PDB_MAX_UNAVAILABLE),
        "percentage",
    ),
    (
        "pdb-percent",
        group(role={K.ANNOTATION_PDB_MIN_AVAILABLE: "101%"}),
        at(ROLE0, K.ANNOTATION_PDB_MIN_AVAILABLE),
        "up to 100%",
    ),
    (
        "pdb-both",
        group(role={K.ANNOTATION_PDB_MIN_AVAILABLE: "1", K.ANNOTATION_PDB_MAX_UNAVAILABLE: "1"}),
        at(ROLE0, K.ANNOTATION_PDB_MIN_AVAILABLE),
        "conflicts",
    ),
    (
        "spread-topology",
        group(role={K.ANNOTATION_SPREAD_TOPOLOGY: "zone!"}),
        at(ROLE0, K.ANNOTATION_SPREAD_TOPOLOGY),
        "node label key",
    ),
    (
        "spread-mode",
        group(role={K.ANNOTATION_SPREAD_TOPOLOGY: HOST, K.ANNOTATION_SPREAD_MODE: "hard"}),
        at(ROLE0, K.ANNOTATION_SPREAD_MODE),
        'must be "preferred" or "required"',
    ),
    (
        "gpu-product",
        group(role={K.ANNOTATION_GPU_PRODUCT: "NVIDIA H100"}),
        at(ROLE0, K.ANNOTATION_GPU_PRODUCT),
        "node label value",
    ),
    (
        "restart-trigger",
        group(template={K.ANNOTATION_RESTART_TRIGGER_POLICY_V2: "Never"}),
        at(TEMPLATE0, K.ANNOTATION_RESTART_TRIGGER_POLICY_V2),
        '"Inherit", "Ignore" or ""',
    ),
    ("group-key-on-role", group(role={GANG: "true"}), at(ROLE0, GANG), "reads it from the group's"),
    (
        "role-key-on-group",
        group({K.ANNOTATION_GPU_PRODUCT: "H100"}),
        at(META, K.ANNOTATION_GPU_PRODUCT),
        "reads it from a role's annotations",
    ),
    (
        "group-key-on-template",
        group(template={K.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2: HOST}),
        at(TEMPLATE0, K.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2),
        "has no effect here",
    ),
    (
        "set-key-on-group",
        group({K.ANNOTATION_GROUPSET_MAX_UNAVAILABLE: "2"}),
        at(META, K.ANNOTATION_GROUPSET_MAX_UNAVAILABLE),
        "RoleBasedGroupSet's metadata.annotations",
    ),
]


@pytest.mark.parametrize(("obj", "path", "words"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_bad_annotation_is_refused_naming_it(obj: Any, path: str, words: str) -> None:
    problems = [p for p in errors_only(validate_object(obj)) if p.path == path]
    assert problems, [str(p) for p in validate_object(obj)]
    assert any(words in p.reason for p in problems), [str(p) for p in problems]


def test_a_patch_annotation_that_is_no_string_is_refused() -> None:
    obj = group(patch={K.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2: True, "example.com/n": 1})
    where = "spec.roles[1].leaderWorkerPattern.leaderTemplatePatch.metadata.annotations"
    assert sorted(p.path for p in errors_only(validate_object(obj))) == [
        at(where, "example.com/n"),
        at(where, K.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2),
    ]


def test_the_message_names_the_annotation_and_the_rule() -> None:
    (problem,) = errors_only(validate_object(group({GANG: "true", TIMEOUT: "2m"})))
    assert str(problem) == (
        f"metadata.annotations[{TIMEOUT}]: must be a whole number of seconds (0 to 2147483647), got '2m'"
    )


# --- accepted with a warning: (id, object, path, words) -----------------------------------------------

WARNED = [
    ("timeout-without-gang", group({TIMEOUT: "120"}), at(META, TIMEOUT), "gang scheduling is off"),
    ("queue-gang-false", group({GANG: "false", QUEUE: "q"}), at(META, QUEUE), "gang scheduling is off"),
    ("timeout-with-volcano", group({GANG: "true", QUEUE: "q", TIMEOUT: "90"}), at(META, TIMEOUT), "Volcano"),
    (
        "scheduler-without-gang",
        group({K.ANNOTATION_SCHEDULER_NAME: "s"}),
        at(META, K.ANNOTATION_SCHEDULER_NAME),
        "without gang scheduling",
    ),
    (
        "pack-mode-alone",
        group({K.ANNOTATION_PACK_MODE: "preferred"}),
        at(META, K.ANNOTATION_PACK_MODE),
        "without",
    ),
    (
        "spread-mode-alone",
        group(role={K.ANNOTATION_SPREAD_MODE: "required"}),
        at(ROLE0, K.ANNOTATION_SPREAD_MODE),
        "without",
    ),
    (
        "drain-path-alone",
        group({K.ANNOTATION_DRAIN_PROBE_PATH: "/x"}),
        at(META, K.ANNOTATION_DRAIN_PROBE_PATH),
        "without",
    ),
    (
        "drain-role-replaces-group",
        group({K.ANNOTATION_DRAIN_TIMEOUT: "60s"}, {K.ANNOTATION_DRAIN_PROBE_PORT: "80"}),
        at(ROLE0, K.ANNOTATION_DRAIN_PROBE_PORT),
        f"not applied to this role: {K.ANNOTATION_DRAIN_TIMEOUT}",
    ),
    (
        "max-restarts-unused",
        group({ANNOTATION_MAX_RESTARTS: "5"}),
        at(META, ANNOTATION_MAX_RESTARTS),
        "RecreateRBGOnPodRestart",
    ),
    (
        "disable-without-exclusive",
        group(template={K.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2: "true"}),
        at(TEMPLATE0, K.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2),
        "no exclusive topology",
    ),
    (
        "restart-trigger-ignore",
        group(template={K.ANNOTATION_RESTART_TRIGGER_POLICY_V2: "Ignore"}),
        at(TEMPLATE0, K.ANNOTATION_RESTART_TRIGGER_POLICY_V2),
        "not honoured",
    ),
    (
        "unknown-key",
        group({K.PREFIX_V2 + "group-gang-schedulling": "true"}),
        at(META, K.PREFIX_V2 + "group-gang-schedulling"),
        f"did you mean {GANG}?",
    ),
    (
        "upstream-key-not-read",
        group(role={K.PREFIX_V2 + "role-inplace-scheduling": "Preferred"}),
        at(ROLE0, K.PREFIX_V2 + "role-inplace-scheduling"),
        "not an annotation rbg-operator reads",
    ),
]


@pytest.mark.parametrize(("obj", "path", "words"), [c[1:] for c in WARNED], ids=[c[0] for c in WARNED])
def test_inert_annotation_is_accepted_with_a_warning(obj: Any, path: str, words: str) -> None:
    problems = validate_object(obj)
    assert errors_only(problems) == [], [str(p) for p in problems]
    assert any(p.path == path and words in p.reason for p in warnings_only(problems)), [
        str(p) for p in problems
    ]


# --- accepted without a word --------------------------------------------------------------------------

ACCEPTED = [
    (
        "gang-kube",
        group({GANG: "true", TIMEOUT: "120", K.ANNOTATION_SCHEDULER_NAME: "scheduler-plugins-scheduler"}),
    ),
    ("gang-timeout-zero", group({GANG: "true", TIMEOUT: "0"})),
    ("gang-off", group({GANG: "false"})),
    ("gang-volcano", group({GANG: "true", QUEUE: "default", PRIORITY: "high-priority"})),
    # upstream's conversion of a v1alpha1 podGroupPolicy: the kept JSON and the annotations agree
    (
        "pgp-converted-kube",
        group({PGP: '{"kubeScheduling":{"scheduleTimeoutSeconds":120}}', GANG: "true", TIMEOUT: "120"}),
    ),
    ("pgp-converted-volcano", group({PGP: '{"volcanoScheduling":{"queue":"q"}}', GANG: "true", QUEUE: "q"})),
    ("pgp-alone", group({PGP: '{"kubeScheduling":{}}'})),
    (
        "coordination",
        group(
            {
                COORD: '[{"name":"pd","roles":["prefill","decode"],'
                '"strategy":{"rollingUpdate":{"maxSkew":"5%"}}}]'
            }
        ),
    ),
    (
        "exclusive-both-keys",
        group(
            {
                K.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1: "nvidia.com/gpu.clique",
                K.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2: "nvidia.com/gpu.clique",
            },
            {K.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2: "true"},
            template={K.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V1: "true"},
        ),
    ),
    (
        "pack",
        group(
            {
                K.ANNOTATION_PACK_TOPOLOGY: "topology.rbg.workloads.x-k8s.io/nvlink-domain",
                K.ANNOTATION_PACK_MODE: "preferred",
                K.ANNOTATION_PACK_ROLES: "prefill,decode",
            }
        ),
    ),
    (
        "spread-gpu",
        group(
            role={
                K.ANNOTATION_SPREAD_TOPOLOGY: "topology.kubernetes.io/zone",
                K.ANNOTATION_SPREAD_MODE: "required",
                K.ANNOTATION_GPU_PRODUCT: "NVIDIA-H100-80GB-HBM3",
            }
        ),
    ),
    (
        "drain-group",
        group(
            {
                K.ANNOTATION_DRAIN_TIMEOUT: "1m30s",
                K.ANNOTATION_DRAIN_PROBE_PORT: "8080",
                K.ANNOTATION_DRAIN_PROBE_PATH: "/drained",
            }
        ),
    ),
    (
        "drain-role",
        group(
            role={
                K.ANNOTATION_DRAIN_TIMEOUT: "500ms",
                K.ANNOTATION_DRAIN_PROBE_URL: "http://$(POD_IP):8080/drained?pod=$(POD_NAME)",
            }
        ),
    ),
    ("pdb", group({K.ANNOTATION_PDB_MAX_UNAVAILABLE: "25%"}, {K.ANNOTATION_PDB_MIN_AVAILABLE: "1"})),
    ("max-restarts", group({ANNOTATION_MAX_RESTARTS: "0"}, recreate=True)),
    ("restart-trigger-inherit", group(template={K.ANNOTATION_RESTART_TRIGGER_POLICY_V2: "Inherit"})),
    ("bookkeeping-keys", group({K.ANNOTATION_APPLIED_HASH: "x", K.LABEL_GROUPSET_REVISION_V2: "y"})),
    (
        "other-prefixes",
        group({"example.com/anything": "goes", "rolebasedgroup.workloads.x-k8s.io/port": "1"}),
    ),
]


@pytest.mark.parametrize("obj", [c[1] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_good_annotations_are_accepted_silently(obj: Any) -> None:
    assert validate_object(obj) == []


# --- RoleBasedGroupSet ----------------------------------------------------------------------------------


def test_set_checks_its_own_keys_and_its_members() -> None:
    obj = base_v2_rbgs()
    obj["metadata"]["annotations"] = {
        K.ANNOTATION_GROUPSET_MAX_UNAVAILABLE: "2",
        K.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2: HOST,  # copied to every member
        GANG: "true",  # copied, and wins over the template's
    }
    obj["spec"]["groupTemplate"]["annotations"] = {GANG: "false", TIMEOUT: "30"}
    problems = validate_object(obj)
    assert errors_only(problems) == []
    assert [(p.path, p.reason) for p in warnings_only(problems)] == [
        (at("spec.groupTemplate.annotations", GANG), f"has no effect: {at(META, GANG)} sets it too, and wins")
    ]


@pytest.mark.parametrize(
    ("where", "key", "value", "path", "words"),
    [
        (
            META,
            K.ANNOTATION_GROUPSET_MAX_UNAVAILABLE,
            "50%",
            at(META, K.ANNOTATION_GROUPSET_MAX_UNAVAILABLE),
            "whole number of groups",
        ),
        (META, K.ANNOTATION_DRAIN_TIMEOUT, "30", at(META, K.ANNOTATION_DRAIN_TIMEOUT), "group's metadata"),
        (META, PGP, '{"kubeScheduling":{}}', at(META, PGP), "has no effect here"),
        (
            "spec.groupTemplate.metadata.annotations",
            PGP,
            "{",
            at("spec.groupTemplate.metadata.annotations", PGP),
            "not JSON",
        ),
        (
            "spec.groupTemplate.annotations",
            K.ANNOTATION_PACK_ROLES,
            "cache",
            at("spec.groupTemplate.annotations", K.ANNOTATION_PACK_ROLES),
            "does not exist",
        ),
    ],
)
def test_set_annotation_refused(where: str, key: str, value: str, path: str, words: str) -> None:
    obj = base_v2_rbgs()
    node = obj
    for part in where.split("."):
        node = node.setdefault(part, {})
    node[key] = value
    if key == K.ANNOTATION_PACK_ROLES:
        node[K.ANNOTATION_PACK_TOPOLOGY] = HOST
    problems = [p for p in errors_only(validate_object(obj)) if p.path == path]
    assert any(words in p.reason for p in problems), [str(p) for p in validate_object(obj)]


def test_set_template_role_paths() -> None:
    obj = base_v2_rbgs()
    obj["spec"]["groupTemplate"]["spec"]["roles"][0]["annotations"][K.ANNOTATION_SPREAD_MODE] = "x"
    paths = [p.path for p in errors_only(validate_object(obj))]
    assert paths == [at("spec.groupTemplate.spec.roles[0].annotations", K.ANNOTATION_SPREAD_MODE)]


# --- v1alpha1 -------------------------------------------------------------------------------------------


def test_v1alpha1_paths_are_its_own() -> None:
    obj = base_rbg()
    obj["spec"]["roles"][0]["template"]["metadata"] = {"annotations": {K.ANNOTATION_DRAIN_TIMEOUT: "1s"}}
    obj["spec"]["roles"][1]["leaderWorkerSet"] = {
        "size": 2,
        "patchWorkerTemplate": {"metadata": {"annotations": {K.ANNOTATION_RESTART_TRIGGER_POLICY_V2: "x"}}},
    }
    obj["spec"]["roles"][1]["workload"] = {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
    }
    paths = sorted(p.path for p in errors_only(validate_object(obj)))
    assert paths == [
        at("spec.roles[0].template.metadata.annotations", K.ANNOTATION_DRAIN_TIMEOUT),
        at(
            "spec.roles[1].leaderWorkerSet.patchWorkerTemplate.metadata.annotations",
            K.ANNOTATION_RESTART_TRIGGER_POLICY_V2,
        ),
    ]


def test_v1alpha1_fields_are_not_reported_as_conversion_annotations() -> None:
    """A v1alpha1 coordination or podGroupPolicy is stored in the conversion annotations: its problems are
    the fields' (once), never the annotations' the user did not write."""
    obj = base_rbg()
    obj["spec"]["coordination"] = [{"name": "pd", "roles": ["prefill", "cache"]}]
    obj["spec"]["podGroupPolicy"] = {"kubeScheduling": {}, "volcanoScheduling": {}}
    paths = sorted(p.path for p in validate_object(obj))
    assert paths == ["spec.coordination[0].roles[1]", "spec.podGroupPolicy"]


def test_v1alpha1_conversion_annotation_it_carries_is_checked() -> None:
    obj = base_rbgs()
    obj["metadata"]["annotations"] = {COORD: "nope"}
    assert [p.path for p in errors_only(validate_object(obj))] == [at(META, COORD)]


def test_v1alpha1_pod_group_policy_and_matching_annotations() -> None:
    obj = base_rbg()
    obj["spec"]["podGroupPolicy"] = {"volcanoScheduling": {"queue": "q"}}
    obj["metadata"]["annotations"] = {GANG: "true", QUEUE: "q"}
    assert validate_object(obj) == validate_as_stored(obj) == []


# --- examples ---------------------------------------------------------------------------------------------


def _docs() -> list[tuple[str, dict[str, Any]]]:
    paths = [*sorted(upstream_examples().glob("*.yaml")), *sorted((ROOT / "examples").rglob("*.yaml"))]
    return [
        (f"{p.stem}#{i}", d)
        for p in paths
        for i, d in enumerate(yaml.safe_load_all(p.read_text()))
        if d and d.get("kind") in (K.KIND_ROLE_BASED_GROUP, K.KIND_ROLE_BASED_GROUP_SET)
    ]


DOCS = _docs()


@pytest.mark.parametrize(("doc_id", "doc"), DOCS, ids=[i for i, _ in DOCS])
def test_every_example_annotation_is_accepted(doc_id: str, doc: dict[str, Any]) -> None:
    """Only upstream's restart-trigger-policy: Ignore, which the operator does not honour yet, is warned."""
    problems = validate_object(copy.deepcopy(doc))
    assert errors_only(problems) == [], doc_id
    assert all(K.ANNOTATION_RESTART_TRIGGER_POLICY_V2 in p.path for p in problems), [str(p) for p in problems]


def test_the_examples_use_the_annotations_checked_here() -> None:
    used = set(
        re.findall(r"(?:rbg|rolebasedgroup|conversion)\.workloads\.x-k8s\.io/[a-z0-9-]+", json.dumps(DOCS))
    )
    assert len(DOCS) >= 20
    assert {
        GANG,
        TIMEOUT,
        K.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1,
        K.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2,
        K.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V1,
        K.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2,
        K.ANNOTATION_SCHEDULER_NAME,
        K.ANNOTATION_RESTART_TRIGGER_POLICY_V2,
    } <= used
    assert {k for k in used if k.startswith(K.PREFIX_V2)} <= set(KNOWN)


# --- what is accepted is read as written ------------------------------------------------------------


def _accepted(key: str, value: str, **kw: Any) -> bool:
    return not errors_only(validate_object(group({key: value}, **kw)))


@given(st.text(max_size=12))
def test_accepted_gang_timeout_is_the_hub_timeout(value: str) -> None:
    obj = group({GANG: "true", TIMEOUT: value})
    if not errors_only(validate_object(obj)):
        policy = RoleBasedGroup.from_dict(obj).pod_group_policy
        assert policy is not None and policy.kube_scheduling is not None
        assert policy.kube_scheduling.schedule_timeout_seconds == int(value)


@given(st.one_of(st.text(max_size=10), st.from_regex(r"[0-9]{1,3}(\.[0-9])?(ms|s|m|h)?", fullmatch=True)))
def test_accepted_drain_timeout_is_read_as_written(value: str) -> None:
    if _accepted(K.ANNOTATION_DRAIN_TIMEOUT, value):
        seconds = drain.parse_duration(value)
        assert seconds is not None and seconds > 0
        assert drain.DrainSettings.of({K.ANNOTATION_DRAIN_TIMEOUT: value}).timeout == seconds  # type: ignore[union-attr]


@given(st.text(max_size=6))
def test_accepted_max_restarts_is_read_as_written(value: str) -> None:
    if _accepted(ANNOTATION_MAX_RESTARTS, value, recreate=True):
        assert restart.max_restarts(RoleBasedGroup.from_dict(group({ANNOTATION_MAX_RESTARTS: value}))) == int(
            value
        )


def test_max_restarts_key_is_the_planners() -> None:
    assert ANNOTATION_MAX_RESTARTS == restart.ANNOTATION_MAX_RESTARTS


#: Annotations planners read that are the operator's own bookkeeping on the objects it writes (or on other
#: kinds than groups), not configuration a user sets on a group.
BOOKKEEPING = {
    "ANNOTATION_APPLIED_HASH",
    "ANNOTATION_DRAINED_AT",
    "ANNOTATION_DRAINED_BY",
    "ANNOTATION_INPLACE_UPDATE_GRACE_V2",
    "ANNOTATION_INSTANCE_UPDATE_TYPE",
    "ANNOTATION_IN_PLACE_BASE_HASH",
    "ANNOTATION_ROLE_INSTANCE_PATTERN_V2",  # read from RoleInstanceSet objects
}


def test_every_annotation_a_planner_reads_has_a_rule() -> None:
    """A planner that starts reading a new annotation must say at admission what it accepts."""
    sources = [
        *(ROOT / "rbg_operator" / "planning").rglob("*.py"),
        *(ROOT / "rbg_operator" / "api").rglob("v1alpha2/*.py"),
    ]
    read = {
        name
        for path in sources
        for name in re.findall(
            r"(?:\.get\(|_json_annotation\([^,]+,)\s*(?:keys\.)?(ANNOTATION_\w+)", path.read_text()
        )
    }
    assert "ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2" in read
    values = {**vars(keys), "ANNOTATION_MAX_RESTARTS": ANNOTATION_MAX_RESTARTS}
    missing = sorted(n for n in read - BOOKKEEPING if values[n] not in RULES)
    assert missing == []
