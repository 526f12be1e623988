"""v1alpha2 admission checks (rbg_operator.api.validation_v2): a table of invalid objects of every v1alpha2
kind, each refused at a named field path, shared with the e2e suite (tests/e2e/test_admission_v1alpha2.py),
which replays it against the API server; plus the checks that need a second object (a CoordinatedPolicy
and its group) and the check of a v1alpha1 write as it is stored (v1alpha2)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from rbg_operator.api import keys
from rbg_operator.api.errors import ErrorType, errors_only, warnings_only
from rbg_operator.api.v1alpha2 import CoordinatedPolicy
from rbg_operator.api.validation import validate_object
from rbg_operator.api.validation_v2 import (
    v1alpha1_path,
    validate_as_stored,
    validate_coordinated_policy,
    validate_group_for_policy,
    validate_policy_for_group,
)
from tests.shared_dir import upstream_examples
from tests.unit.api.cases import InvalidCase, Manifest, _chain, _drop, _rbg, _set, base_rbg, base_rbgs

V2 = keys.API_VERSION_V1ALPHA2
WT = keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2
STS = {WT: keys.WORKLOAD_STATEFULSET}
LWS = {WT: keys.WORKLOAD_LEADERWORKERSET}
DEPLOY = {WT: keys.WORKLOAD_DEPLOYMENT}
POD = {"spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]}}


def v2_role(name: str, **extra: Any) -> Manifest:
    out: Manifest = {
        "name": name,
        "replicas": 1,
        "annotations": dict(STS),
        "standalonePattern": {"template": copy.deepcopy(POD)},
    }
    out.update(extra)
    return out


def base_v2_rbg() -> Manifest:
    """A valid v1alpha2 group: a StatefulSet role, a LeaderWorkerSet role with a leader/worker pattern, and
    a router depending on both."""
    return {
        "apiVersion": V2,
        "kind": "RoleBasedGroup",
        "metadata": {"name": "demo2", "namespace": "default"},
        "spec": {
            "roles": [
                v2_role("prefill", replicas=2),
                {
                    "name": "decode",
                    "replicas": 2,
                    "annotations": dict(LWS),
                    "leaderWorkerPattern": {"size": 2, "template": copy.deepcopy(POD)},
                },
                v2_role("router", dependencies=["prefill", "decode"]),
            ]
        },
    }


def base_v2_rbgs() -> Manifest:
    return {
        "apiVersion": V2,
        "kind": "RoleBasedGroupSet",
        "metadata": {"name": "set2", "namespace": "default"},
        "spec": {"replicas": 2, "groupTemplate": {"spec": copy.deepcopy(base_v2_rbg()["spec"])}},
    }


def base_v2_rbgsa() -> Manifest:
    return {
        "apiVersion": V2,
        "kind": "RoleBasedGroupScalingAdapter",
        "metadata": {"name": "demo2-prefill", "namespace": "default"},
        "spec": {"replicas": 3, "scaleTargetRef": {"name": "demo2", "role": "prefill"}},
    }


def base_v2_profile() -> Manifest:
    return {
        "apiVersion": V2,
        "kind": "ClusterEngineRuntimeProfile",
        "metadata": {"name": "runtime2"},
        "spec": {
            "containers": [{"name": "sidecar", "image": "nginx:1.27"}],
            "initContainers": [{"name": "init", "image": "nginx:1.27"}],
        },
    }


def base_policy() -> Manifest:
    """A valid CoordinatedPolicy of base_v2_rbg (same name and namespace)."""
    return {
        "apiVersion": V2,
        "kind": "CoordinatedPolicy",
        "metadata": {"name": "demo2", "namespace": "default"},
        "spec": {
            "policies": [
                {
                    "name": "pd",
                    "roles": ["prefill", "decode"],
                    "strategy": {"rollingUpdate": {"maxSkew": 1}},
                }
            ]
        },
    }


def _v2(edit: Any) -> Any:
    return _rbg(edit, base_v2_rbg)


def _rolling(role: int = 0, **values: Any) -> Any:
    return _set(f"spec.roles.{role}.rolloutStrategy", {"type": "RollingUpdate", "rollingUpdate": values})


def _swap_pattern(role: int, pattern: str, value: Manifest, annotation: dict[str, str] | None = None) -> Any:
    def edit(obj: Manifest) -> None:
        r = obj["spec"]["roles"][role]
        for p in ("standalonePattern", "leaderWorkerPattern", "customComponentsPattern"):
            r.pop(p, None)
        r[pattern] = copy.deepcopy(value)
        if annotation is not None:
            r["annotations"] = dict(annotation)

    return edit


def _with_templates(obj: Manifest) -> None:
    obj["spec"]["roleTemplates"] = [{"name": "base", "template": copy.deepcopy(POD)}]


_COMPONENTS = {"components": [{"name": "worker", "size": 1, "template": POD}]}
_LWP = {"size": 2, "template": POD}
_RIS = {WT: keys.WORKLOAD_ROLEINSTANCESET}


def _rbgs(edit: Any) -> Any:
    return _rbg(edit, base_v2_rbgs)


def _policy(edit: Any) -> Any:
    return _rbg(edit, base_policy)


def _rule(**rule: Any) -> Manifest:
    return {"roles": ["prefill"], "strategy": {"rollingUpdate": {"maxSkew": 1}}, **rule}


V2_INVALID_CASES: list[InvalidCase] = [
    # --- patterns and workload kinds --------------------------------------------------------
    InvalidCase(
        "pattern-leader-worker-on-statefulset",
        _v2(_swap_pattern(0, "leaderWorkerPattern", _LWP)),
        "spec.roles[0].leaderWorkerPattern",
        "webhook",
    ),
    InvalidCase(
        "pattern-components-on-deployment",
        _v2(_swap_pattern(0, "customComponentsPattern", _COMPONENTS, DEPLOY)),
        "spec.roles[0].customComponentsPattern",
        "webhook",
    ),
    InvalidCase(
        "pattern-components-on-leaderworkerset",
        _v2(_swap_pattern(1, "customComponentsPattern", _COMPONENTS)),
        "spec.roles[1].customComponentsPattern",
        "webhook",
    ),
    InvalidCase(
        "pattern-two",
        _v2(_set("spec.roles.1.standalonePattern", {"template": POD})),
        "spec.roles[1].leaderWorkerPattern",
        "cel",
    ),
    InvalidCase("pattern-none", _v2(_drop("spec.roles.0.standalonePattern")), "spec.roles[0]", "webhook"),
    InvalidCase(
        "workload-type-unknown",
        _v2(_set("spec.roles.0.annotations", {WT: "apps/v1/DaemonSet"})),
        f"spec.roles[0].annotations[{WT}]",
        "cel",
    ),
    InvalidCase(
        "leader-only-on-leaderworkerset",
        _v2(_set("spec.roles.1.leaderWorkerPattern.sharedServiceSelection", "LeaderOnly")),
        "spec.roles[1].leaderWorkerPattern.sharedServiceSelection",
        "cel",
    ),
    InvalidCase(
        "shared-service-selection-unknown",
        _v2(_set("spec.roles.1.leaderWorkerPattern.sharedServiceSelection", "Leaders")),
        "spec.roles[1].leaderWorkerPattern.sharedServiceSelection",
        "schema",
    ),
    InvalidCase(
        "leader-worker-size-zero",
        _v2(_set("spec.roles.1.leaderWorkerPattern.size", 0)),
        "spec.roles[1].leaderWorkerPattern.size",
        "schema",
    ),
    InvalidCase(
        "components-empty",
        _v2(_swap_pattern(0, "customComponentsPattern", {}, _RIS)),
        "spec.roles[0].customComponentsPattern.components",
        "webhook",
    ),
    InvalidCase(
        "components-duplicate-name",
        _v2(
            _swap_pattern(
                0, "customComponentsPattern", {"components": [*_COMPONENTS["components"]] * 2}, _RIS
            )
        ),
        "spec.roles[0].customComponentsPattern.components[1].name",
        "schema",
    ),
    # --- templates --------------------------------------------------------------------------
    InvalidCase(
        "template-missing",
        _v2(_set("spec.roles.0.standalonePattern", {})),
        "spec.roles[0].standalonePattern.template",
        "webhook",
    ),
    InvalidCase(
        "template-and-templateRef",
        _v2(_chain(_with_templates, _set("spec.roles.0.standalonePattern.templateRef", {"name": "base"}))),
        "spec.roles[0].standalonePattern.templateRef",
        "cel",
    ),
    InvalidCase(
        "templateRef-unknown",
        _v2(_set("spec.roles.0.standalonePattern", {"templateRef": {"name": "other"}})),
        "spec.roles[0].standalonePattern.templateRef.name",
        "cel",
    ),
    InvalidCase(
        "templateRef-name-not-dns",
        _v2(_chain(_with_templates, _set("spec.roles.0.standalonePattern", {"templateRef": {"name": "B_"}}))),
        "spec.roles[0].standalonePattern.templateRef.name",
        "schema",
    ),
    InvalidCase(
        "template-duplicate-name",
        _v2(lambda o: o["spec"].update(roleTemplates=[{"name": "base", "template": POD}] * 2)),
        "spec.roleTemplates[1].name",
        "schema",
    ),
    # --- roles and dependencies -------------------------------------------------------------
    InvalidCase(
        "role-duplicate-name", _v2(_set("spec.roles.2.name", "prefill")), "spec.roles[2].name", "schema"
    ),
    InvalidCase(
        "role-name-not-dns", _v2(_set("spec.roles.0.name", "Prefill_0")), "spec.roles[0].name", "schema"
    ),
    InvalidCase(
        "replicas-negative", _v2(_set("spec.roles.0.replicas", -1)), "spec.roles[0].replicas", "schema"
    ),
    InvalidCase("roles-empty", _v2(_set("spec.roles", [])), "spec.roles", "schema"),
    InvalidCase("group-name-not-dns", _v2(_set("metadata.name", "demo.group")), "metadata.name", "webhook"),
    InvalidCase(
        "pod-management-policy-unknown",
        _v2(_set("spec.roles.0.podManagementPolicy", "Serial")),
        "spec.roles[0].podManagementPolicy",
        "schema",
    ),
    InvalidCase(
        "dependency-unknown",
        _v2(_set("spec.roles.2.dependencies", ["prefill", "cache"])),
        "spec.roles[2].dependencies[1]",
        "cel",
    ),
    InvalidCase(
        "dependency-self",
        _v2(_set("spec.roles.0.dependencies", ["prefill"])),
        "spec.roles[0].dependencies[0]",
        "cel",
    ),
    InvalidCase(
        "dependency-repeated",
        _v2(_set("spec.roles.2.dependencies", ["decode", "decode"])),
        "spec.roles[2].dependencies[1]",
        "webhook",
    ),
    InvalidCase(
        "dependency-cycle",
        _v2(_set("spec.roles.0.dependencies", ["router"])),
        "spec.roles[2].dependencies[0]",
        "webhook",
    ),
    InvalidCase(
        "engine-runtime-duplicate",
        _v2(_set("spec.roles.0.engineRuntimes", [{"profileName": "p"}, {"profileName": "p"}])),
        "spec.roles[0].engineRuntimes[1].profileName",
        "webhook",
    ),
    InvalidCase(
        "ports-unnamed",
        _v2(_set("spec.roles.0.servicePorts", [{"name": "http", "port": 80}, {"port": 81}])),
        "spec.roles[0].servicePorts[1].name",
        "webhook",
    ),
    InvalidCase(
        "ports-duplicate-port",
        _v2(_set("spec.roles.0.servicePorts", [{"name": "a", "port": 80}, {"name": "b", "port": 80}])),
        "spec.roles[0].servicePorts[1].port",
        "webhook",
    ),
    # --- restart policy ---------------------------------------------------------------------
    InvalidCase(
        "restart-delays-inverted",
        _v2(
            _set(
                "spec.roles.1.leaderWorkerPattern.restartPolicyConfig",
                {"baseDelaySeconds": 60, "maxDelaySeconds": 30},
            )
        ),
        "spec.roles[1].leaderWorkerPattern.restartPolicyConfig.maxDelaySeconds",
        "cel",
    ),
    InvalidCase(
        "restart-type-unknown",
        _v2(_set("spec.roles.1.leaderWorkerPattern.restartPolicyConfig", {"type": "Always"})),
        "spec.roles[1].leaderWorkerPattern.restartPolicyConfig.type",
        "schema",
    ),
    InvalidCase(
        "restart-delay-negative",
        _v2(_set("spec.roles.1.leaderWorkerPattern.restartPolicyConfig", {"baseDelaySeconds": -1})),
        "spec.roles[1].leaderWorkerPattern.restartPolicyConfig.baseDelaySeconds",
        "schema",
    ),
    # --- rolling update ---------------------------------------------------------------------
    InvalidCase(
        "rollout-both-zero",
        _v2(_rolling(maxSurge=0, maxUnavailable="0%")),
        "spec.roles[0].rolloutStrategy.rollingUpdate",
        "cel",
    ),
    InvalidCase(
        "rollout-partition-beyond",
        _v2(_rolling(partition=5)),
        "spec.roles[0].rolloutStrategy.rollingUpdate.partition",
        "webhook",
    ),
    InvalidCase(
        "rollout-type-unknown",
        _v2(_rolling(type="BlueGreen")),
        "spec.roles[0].rolloutStrategy.rollingUpdate.type",
        "schema",
    ),
    InvalidCase(
        "rollout-surge-not-percent",
        _v2(_rolling(maxSurge="abc")),
        "spec.roles[0].rolloutStrategy.rollingUpdate.maxSurge",
        "schema",
    ),
    InvalidCase(
        "rollout-strategy-unknown",
        _v2(_set("spec.roles.0.rolloutStrategy", {"type": "Canary"})),
        "spec.roles[0].rolloutStrategy.type",
        "schema",
    ),
    # --- RoleBasedGroupSet ------------------------------------------------------------------
    InvalidCase(
        "rbgs-template-dependency-cycle",
        _rbgs(_set("spec.groupTemplate.spec.roles.0.dependencies", ["router"])),
        "spec.groupTemplate.spec.roles[2].dependencies[0]",
        "webhook",
    ),
    InvalidCase(
        "rbgs-template-pattern-for-kind",
        _rbgs(_set("spec.groupTemplate.spec.roles.1.annotations", DEPLOY)),
        "spec.groupTemplate.spec.roles[1].leaderWorkerPattern",
        "webhook",
    ),
    InvalidCase(
        "rbgs-template-scaling-adapter",
        _rbgs(_set("spec.groupTemplate.spec.roles.0.scalingAdapter", {"enable": True})),
        "spec.groupTemplate.spec.roles[0].scalingAdapter.enable",
        "webhook",
    ),
    InvalidCase(
        "rbgs-in-place-with-surge",
        _rbgs(_set("spec.rolloutStrategy", {"type": "InPlaceUpdate", "maxSurge": 1})),
        "spec.rolloutStrategy.maxSurge",
        "cel",
    ),
    InvalidCase(
        "rbgs-in-place-unavailable-zero",
        _rbgs(_set("spec.rolloutStrategy", {"type": "InPlaceUpdate", "maxUnavailable": 0})),
        "spec.rolloutStrategy.maxUnavailable",
        "cel",
    ),
    InvalidCase(
        "rbgs-recreate-both-zero",
        _rbgs(_set("spec.rolloutStrategy", {"type": "Recreate", "maxUnavailable": 0, "maxSurge": "0%"})),
        "spec.rolloutStrategy",
        "webhook",
    ),
    InvalidCase(
        "rbgs-partition-beyond",
        _rbgs(_set("spec.rolloutStrategy", {"partition": 3})),
        "spec.rolloutStrategy.partition",
        "webhook",
    ),
    InvalidCase(
        "rbgs-rollout-type-unknown",
        _rbgs(_set("spec.rolloutStrategy", {"type": "BlueGreen"})),
        "spec.rolloutStrategy.type",
        "schema",
    ),
    InvalidCase("rbgs-replicas-negative", _rbgs(_set("spec.replicas", -1)), "spec.replicas", "schema"),
    InvalidCase(
        "rbgs-group-template-missing", _rbgs(_drop("spec.groupTemplate")), "spec.groupTemplate", "schema"
    ),
    # --- RoleBasedGroupScalingAdapter and ClusterEngineRuntimeProfile ---------------------------
    InvalidCase(
        "rbgsa-target-missing",
        _rbg(_drop("spec.scaleTargetRef"), base_v2_rbgsa),
        "spec.scaleTargetRef",
        "schema",
    ),
    InvalidCase(
        "rbgsa-role-empty",
        _rbg(_set("spec.scaleTargetRef.role", ""), base_v2_rbgsa),
        "spec.scaleTargetRef.role",
        "schema",
    ),
    InvalidCase(
        "rbgsa-replicas-negative",
        _rbg(_set("spec.replicas", -2), base_v2_rbgsa),
        "spec.replicas",
        "schema",
    ),
    InvalidCase(
        "profile-container-also-init",
        _rbg(_set("spec.containers", [{"name": "init", "image": "nginx:1.27"}]), base_v2_profile),
        "spec.containers[0].name",
        "webhook",
    ),
    # --- CoordinatedPolicy (rules alone; against the group: see below) --------------------------
    InvalidCase(
        "cpolicy-role-repeated-in-rule",
        _policy(_set("spec.policies.0.roles", ["prefill", "prefill"])),
        "spec.policies[0].roles[1]",
        "webhook",
    ),
    InvalidCase(
        "cpolicy-role-in-two-rules",
        _policy(lambda o: o["spec"]["policies"].append(_rule(name="again"))),
        "spec.policies[1].roles[0]",
        "webhook",
    ),
    InvalidCase(
        "cpolicy-strategy-empty",
        _policy(_set("spec.policies.0.strategy", {})),
        "spec.policies[0].strategy",
        "webhook",
    ),
    InvalidCase(
        "cpolicy-gang-minimum-for-other-role",
        _policy(_set("spec.policies.0.strategy", {"scheduling": {"gang": {"minReplicas": {"router": 1}}}})),
        "spec.policies[0].strategy.scheduling.gang.minReplicas[router]",
        "webhook",
    ),
    InvalidCase(
        "cpolicy-gang-minimum-zero",
        _policy(_set("spec.policies.0.strategy", {"scheduling": {"gang": {"minReplicas": {"prefill": 0}}}})),
        "spec.policies[0].strategy.scheduling.gang.minReplicas[prefill]",
        "webhook",
    ),
    InvalidCase("cpolicy-policies-empty", _policy(_set("spec.policies", [])), "spec.policies", "schema"),
    InvalidCase(
        "cpolicy-roles-empty", _policy(_set("spec.policies.0.roles", [])), "spec.policies[0].roles", "schema"
    ),
    InvalidCase(
        "cpolicy-progression-unknown",
        _policy(_set("spec.policies.0.strategy", {"scaling": {"progression": "Random"}})),
        "spec.policies[0].strategy.scaling.progression",
        "schema",
    ),
    InvalidCase(
        "cpolicy-skew-not-percent",
        _policy(_set("spec.policies.0.strategy.rollingUpdate.maxSkew", "lots")),
        "spec.policies[0].strategy.rollingUpdate.maxSkew",
        "schema",
    ),
]


def _ann(where: str, key: str, value: str) -> Any:
    """Set one annotation of the map at ``where`` (a dotted path, created on the way)."""

    def edit(obj: Manifest) -> None:
        node: Any = obj
        for part in where.split("."):
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        node[key] = value

    return edit


_P = keys.PREFIX_V2
_GANG_ON = _ann("metadata.annotations", keys.ANNOTATION_GANG_SCHEDULING_V2, "true")
_EXCLUSIVE = _ann("metadata.annotations", keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2, "kubernetes.io/hostname")
_TEMPLATE_ANN = "spec.roles.0.standalonePattern.template.metadata.annotations"

#: Configuration annotations with values the operator would ignore, read differently or fail to apply
#: (rbg_operator.api.validation_annotations): refused by the webhook only (annotations are free-form for
#: the CRD schema), at the annotation's field path.
ANNOTATION_CASES: list[InvalidCase] = [
    InvalidCase(
        "annotation-gang-timeout-not-seconds",
        _v2(_chain(_GANG_ON, _ann("metadata.annotations", keys.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2, "2m"))),
        f"metadata.annotations[{keys.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2}]",
        "webhook",
    ),
    InvalidCase(
        "annotation-gang-switch-not-boolean",
        _v2(_ann("metadata.annotations", keys.ANNOTATION_GANG_SCHEDULING_V2, "yes")),
        f"metadata.annotations[{keys.ANNOTATION_GANG_SCHEDULING_V2}]",
        "webhook",
    ),
    InvalidCase(
        "annotation-volcano-queue-not-a-name",
        _v2(_chain(_GANG_ON, _ann("metadata.annotations", keys.ANNOTATION_GANG_VOLCANO_QUEUE_V2, "Team A"))),
        f"metadata.annotations[{keys.ANNOTATION_GANG_VOLCANO_QUEUE_V2}]",
        "webhook",
    ),
    InvalidCase(
        "annotation-conversion-coordination-not-json",
        _v2(_ann("metadata.annotations", keys.ANNOTATION_CONVERSION_COORDINATION, "[{")),
        f"metadata.annotations[{keys.ANNOTATION_CONVERSION_COORDINATION}]",
        "webhook",
    ),
    InvalidCase(
        "annotation-conversion-coordination-unknown-role",
        _v2(
            _ann(
                "metadata.annotations",
                keys.ANNOTATION_CONVERSION_COORDINATION,
                '[{"name": "pd", "roles": ["prefill", "cache"]}]',
            )
        ),
        f"metadata.annotations[{keys.ANNOTATION_CONVERSION_COORDINATION}][0].roles[1]",
        "webhook",
    ),
    InvalidCase(
        "annotation-conversion-pod-group-policy-bad-type",
        _v2(
            _ann(
                "metadata.annotations",
                keys.ANNOTATION_CONVERSION_POD_GROUP_POLICY,
                '{"kubeScheduling": {"scheduleTimeoutSeconds": "soon"}}',
            )
        ),
        f"metadata.annotations[{keys.ANNOTATION_CONVERSION_POD_GROUP_POLICY}].kubeScheduling"
        ".scheduleTimeoutSeconds",
        "webhook",
    ),
    InvalidCase(
        "annotation-exclusive-topology-not-a-label-key",
        _v2(_ann("metadata.annotations", keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2, "any host")),
        f"metadata.annotations[{keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2}]",
        "webhook",
    ),
    InvalidCase(
        "annotation-disable-exclusive-false",
        _v2(_chain(_EXCLUSIVE, _ann(_TEMPLATE_ANN, keys.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2, "false"))),
        f"spec.roles[0].standalonePattern.template.metadata.annotations"
        f"[{keys.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2}]",
        "webhook",
    ),
    InvalidCase(
        "annotation-group-key-on-a-role",
        _v2(_chain(_ann("spec.roles.1.annotations", keys.ANNOTATION_GANG_SCHEDULING_V2, "true"))),
        f"spec.roles[1].annotations[{keys.ANNOTATION_GANG_SCHEDULING_V2}]",
        "webhook",
    ),
    InvalidCase(
        "annotation-pack-roles-unknown",
        _v2(
            _chain(
                _ann("metadata.annotations", keys.ANNOTATION_PACK_TOPOLOGY, "kubernetes.io/hostname"),
                _ann("metadata.annotations", keys.ANNOTATION_PACK_ROLES, "prefill,cache"),
            )
        ),
        f"metadata.annotations[{keys.ANNOTATION_PACK_ROLES}]",
        "webhook",
    ),
    InvalidCase(
        "annotation-drain-timeout-zero",
        _v2(_ann("spec.roles.0.annotations", keys.ANNOTATION_DRAIN_TIMEOUT, "0s")),
        f"spec.roles[0].annotations[{keys.ANNOTATION_DRAIN_TIMEOUT}]",
        "webhook",
    ),
    InvalidCase(
        "annotation-pdb-over-100-percent",
        _v2(_ann("metadata.annotations", keys.ANNOTATION_PDB_MAX_UNAVAILABLE, "150%")),
        f"metadata.annotations[{keys.ANNOTATION_PDB_MAX_UNAVAILABLE}]",
        "webhook",
    ),
    InvalidCase(
        "annotation-spread-mode-unknown",
        _v2(_ann("spec.roles.0.annotations", keys.ANNOTATION_SPREAD_MODE, "always")),
        f"spec.roles[0].annotations[{keys.ANNOTATION_SPREAD_MODE}]",
        "webhook",
    ),
    InvalidCase(
        "rbgs-annotation-max-unavailable-zero",
        _rbgs(_ann("metadata.annotations", keys.ANNOTATION_GROUPSET_MAX_UNAVAILABLE, "0")),
        f"metadata.annotations[{keys.ANNOTATION_GROUPSET_MAX_UNAVAILABLE}]",
        "webhook",
    ),
    InvalidCase(
        "rbgs-annotation-template-gang-timeout",
        _rbgs(
            _chain(
                _ann("spec.groupTemplate.annotations", keys.ANNOTATION_GANG_SCHEDULING_V2, "true"),
                _ann("spec.groupTemplate.annotations", keys.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2, "1.5"),
            )
        ),
        f"spec.groupTemplate.annotations[{keys.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2}]",
        "webhook",
    ),
    InvalidCase(
        "rbgs-annotation-not-copied-to-members",
        _rbgs(_ann("metadata.annotations", keys.ANNOTATION_SCHEDULER_NAME, "volcano")),
        f"metadata.annotations[{keys.ANNOTATION_SCHEDULER_NAME}]",
        "webhook",
    ),
]
V2_INVALID_CASES += ANNOTATION_CASES

#: The same annotations on v1alpha1 groups and sets (checked as the v1alpha2 object they are stored as),
#: refused at their v1alpha1 field paths.
V1_ANNOTATION_CASES: list[InvalidCase] = [
    InvalidCase(
        "v1alpha1-annotation-gang-timeout-not-seconds",
        _rbg(_ann("metadata.annotations", keys.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2, "2m")),
        f"metadata.annotations[{keys.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2}]",
        "webhook",
    ),
    InvalidCase(
        "v1alpha1-annotation-gang-against-pod-group-policy",
        _rbg(
            _chain(
                _set("spec.podGroupPolicy", {"kubeScheduling": {"scheduleTimeoutSeconds": 30}}),
                _ann("metadata.annotations", keys.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2, "120"),
            )
        ),
        f"metadata.annotations[{keys.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2}]",
        "webhook",
    ),
    InvalidCase(
        "v1alpha1-annotation-exclusive-topology-keys-differ",
        _rbg(
            _chain(
                _ann("metadata.annotations", keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1, "kubernetes.io/hostname"),
                _ann(
                    "metadata.annotations",
                    keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2,
                    "topology.kubernetes.io/zone",
                ),
            )
        ),
        f"metadata.annotations[{keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1}]",
        "webhook",
    ),
    InvalidCase(
        "v1alpha1-annotation-disable-exclusive-in-template",
        _rbg(
            _chain(
                _ann("metadata.annotations", keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1, "kubernetes.io/hostname"),
                _ann(
                    "spec.roles.2.template.metadata.annotations",
                    keys.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V1,
                    "yes",
                ),
            )
        ),
        f"spec.roles[2].template.metadata.annotations[{keys.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V1}]",
        "webhook",
    ),
    InvalidCase(
        "v1alpha1-set-annotation-pack-roles-unknown",
        _rbg(
            _chain(
                _ann("metadata.annotations", keys.ANNOTATION_PACK_TOPOLOGY, "kubernetes.io/hostname"),
                _ann("metadata.annotations", keys.ANNOTATION_PACK_ROLES, "cache"),
            ),
            base_rbgs,
        ),
        f"metadata.annotations[{keys.ANNOTATION_PACK_ROLES}]",
        "webhook",
    ),
]

#: v1alpha1 objects valid in v1alpha1 whose conversion (the stored v1alpha2 object) is not.
STORED_INVALID_CASES: list[InvalidCase] = [
    InvalidCase(
        "v1alpha1-leader-worker-set-on-statefulset",
        _rbg(_set("spec.roles.0.leaderWorkerSet", {"size": 2})),
        "spec.roles[0].leaderWorkerSet",
        "webhook",
    ),
    InvalidCase(
        "v1alpha1-set-leader-worker-set-on-deployment",
        _rbg(
            _chain(
                _set("spec.template.roles.0.workload", {"apiVersion": "apps/v1", "kind": "Deployment"}),
                _set("spec.template.roles.0.leaderWorkerSet", {"size": 2}),
            ),
            base_rbgs,
        ),
        "spec.template.roles[0].leaderWorkerSet",
        "webhook",
    ),
]


def _v2_docs() -> list[tuple[str, dict[str, Any]]]:
    root = Path(__file__).resolve().parents[2]
    paths = [*sorted(upstream_examples().glob("*.yaml")), *sorted((root / "examples").rglob("*.yaml"))]
    return [
        (f"{p.stem}#{i}", d)
        for p in paths
        for i, d in enumerate(yaml.safe_load_all(p.read_text()))
        if d and str(d.get("apiVersion", "")).startswith("workloads.x-k8s.io/")
    ]


VALID = [
    ("rbg", base_v2_rbg()),
    ("rbgs", base_v2_rbgs()),
    ("rbgsa", base_v2_rbgsa()),
    ("profile", base_v2_profile()),
    ("policy", base_policy()),
    *_v2_docs(),
]


def test_the_table_covers_every_kind_and_layer() -> None:
    assert len({c.id for c in V2_INVALID_CASES}) == len(V2_INVALID_CASES) >= 50
    assert {c.manifest()["kind"] for c in V2_INVALID_CASES} == {
        "RoleBasedGroup",
        "RoleBasedGroupSet",
        "RoleBasedGroupScalingAdapter",
        "ClusterEngineRuntimeProfile",
        "CoordinatedPolicy",
    }
    assert {c.manifest()["apiVersion"] for c in V2_INVALID_CASES} == {V2}
    assert {c.server for c in V2_INVALID_CASES} == {"schema", "cel", "webhook"}


@pytest.mark.parametrize("case", V2_INVALID_CASES, ids=[c.id for c in V2_INVALID_CASES])
def test_invalid_v1alpha2_object_is_refused_at_its_field(case: InvalidCase) -> None:
    """Everything the CRD schema and CEL refuse, the webhook refuses too (at the exact field, where CEL can
    only name the node its rule sits on): a v1alpha1 write is stored as v1alpha2 without CEL seeing it."""
    problems = errors_only(validate_object(case.manifest()))
    assert case.path in [p.path for p in problems], [str(p) for p in problems]


@pytest.mark.parametrize(("doc_id", "doc"), VALID, ids=[i for i, _ in VALID])
def test_valid_object_has_no_problems(doc_id: str, doc: dict[str, Any]) -> None:
    assert errors_only(validate_object(copy.deepcopy(doc))) == [], doc_id
    if doc["apiVersion"] == keys.API_VERSION_V1ALPHA1:
        assert validate_as_stored(doc) == [], doc_id


def test_valid_v1alpha2_objects_have_no_warnings() -> None:
    assert [validate_object(d) for _, d in VALID[:5]] == [[]] * 5


@pytest.mark.parametrize("case", V1_ANNOTATION_CASES, ids=[c.id for c in V1_ANNOTATION_CASES])
def test_v1alpha1_annotation_is_refused_at_its_field(case: InvalidCase) -> None:
    """validate_object reads a v1alpha1 group's annotations as the planners will (its v1alpha2 form);
    the check as stored does not repeat them."""
    obj = case.manifest()
    assert obj["apiVersion"] == keys.API_VERSION_V1ALPHA1
    problems = errors_only(validate_object(obj))
    assert case.path in [p.path for p in problems], [str(p) for p in problems]
    assert validate_as_stored(obj) == []


@pytest.mark.parametrize("case", STORED_INVALID_CASES, ids=[c.id for c in STORED_INVALID_CASES])
def test_v1alpha1_object_invalid_only_as_stored(case: InvalidCase) -> None:
    obj = case.manifest()
    assert errors_only(validate_object(obj)) == [], "valid in v1alpha1"
    problems = errors_only(validate_as_stored(obj))
    assert [p.path for p in problems] == [case.path], [str(p) for p in problems]
    assert "leaderWorkerPattern" in problems[0].reason and V2 in problems[0].reason
    assert "not supported with the apps/v1/" in problems[0].reason


def test_as_stored_ignores_other_kinds_and_valid_groups() -> None:
    assert validate_as_stored(base_rbg()) == validate_as_stored(base_rbgs()) == []
    assert validate_as_stored({"apiVersion": keys.API_VERSION_V1ALPHA1, "kind": "InstanceSet"}) == []


def test_as_stored_reports_an_object_that_cannot_be_converted() -> None:
    obj = base_rbg()
    obj["apiVersion"] = "workloads.x-k8s.io/v9"
    problems = validate_as_stored(obj)
    assert [p.path for p in problems] == ["spec"] and "cannot be converted" in problems[0].reason


@pytest.mark.parametrize(
    ("v2", "v1"),
    [
        ("spec.roles[0].leaderWorkerPattern.template.spec", "spec.roles[0].template.spec"),
        ("spec.roles[3].leaderWorkerPattern.size", "spec.roles[3].leaderWorkerSet.size"),
        ("spec.roles[0].leaderWorkerPattern.restartPolicyConfig", "spec.roles[0].restartPolicy"),
        ("spec.roles[0].standalonePattern.templateRef.name", "spec.roles[0].templateRef.name"),
        (
            "spec.roles[0].standalonePattern.templateRef.patch.metadata",
            "spec.roles[0].templatePatch.metadata",
        ),
        (
            "spec.roles[1].leaderWorkerPattern.workerTemplatePatch.metadata",
            "spec.roles[1].leaderWorkerSet.patchWorkerTemplate.metadata",
        ),
        ("spec.roles[0].standalonePattern", "spec.roles[0]"),
        ("spec.roles[1].customComponentsPattern.components[2].name", "spec.roles[1].components[2].name"),
        ("spec.groupTemplate.spec.roles[0].dependencies[1]", "spec.template.roles[0].dependencies[1]"),
        ("metadata.name", "metadata.name"),
    ],
)
def test_v1alpha1_path(v2: str, v1: str) -> None:
    assert v1alpha1_path(v2) == v1


# --- a CoordinatedPolicy and its group ------------------------------------------------------------


def test_policy_naming_a_role_its_group_lacks_is_refused() -> None:
    policy = base_policy()
    policy["spec"]["policies"][0]["roles"] = ["prefill", "cache"]
    problems = validate_policy_for_group(policy, base_v2_rbg())
    assert [(p.path, p.type, p.severity) for p in problems] == [
        ("spec.policies[0].roles[1]", ErrorType.NOT_FOUND, "error")
    ]
    assert "'cache' does not exist in RoleBasedGroup 'demo2'" in problems[0].reason
    assert "decode, prefill, router" in problems[0].reason


def test_policy_of_a_v1alpha1_group_is_checked_by_role_name() -> None:
    """The group is read in v1alpha2 by the webhook, but role names sit at spec.roles[].name in both."""
    assert validate_policy_for_group(base_policy(), base_rbg()) == []


def test_policy_before_its_group_is_accepted_with_a_warning() -> None:
    """Upstream lets a policy exist before its group (it applies once the group does)."""
    problems = validate_policy_for_group(base_policy(), None)
    assert errors_only(problems) == []
    assert [p.path for p in warnings_only(problems)] == ["metadata.name"]
    assert "no RoleBasedGroup 'demo2' in namespace 'default' yet" in problems[0].reason


def test_policy_for_group_leaves_a_malformed_policy_to_validate_object() -> None:
    policy = base_policy()
    policy["spec"]["policies"] = "nope"
    assert validate_policy_for_group(policy, base_v2_rbg()) == []
    assert errors_only(validate_object(policy))


def test_group_without_a_role_its_policy_names_is_warned_about() -> None:
    group = base_v2_rbg()
    group["spec"]["roles"] = [r for r in group["spec"]["roles"] if r["name"] != "decode"]
    group["spec"]["roles"][-1]["dependencies"] = ["prefill"]
    problems = validate_group_for_policy(group, base_policy())
    assert errors_only(problems) == []
    assert [p.path for p in problems] == ["spec.roles"]
    assert "'decode' (spec.policies[0].roles[1])" in problems[0].reason
    assert validate_group_for_policy(base_v2_rbg(), base_policy()) == []
    assert validate_group_for_policy(group, None) == []


def test_policy_rules_alone_know_nothing_of_the_group() -> None:
    policy = CoordinatedPolicy.from_dict({**base_policy(), "spec": {"policies": [_rule(roles=["x"])]}})
    assert validate_coordinated_policy(policy, None) == []
    assert [p.path for p in validate_coordinated_policy(policy, {"prefill"})] == ["spec.policies[0].roles[0]"]


def test_every_problem_of_a_group_is_reported() -> None:
    obj = base_v2_rbg()
    obj["spec"]["roles"][0]["dependencies"] = ["router"]
    obj["spec"]["roles"][1]["customComponentsPattern"] = {}
    obj["metadata"]["name"] = "Bad"
    paths = {p.path for p in errors_only(validate_object(obj))}
    assert {
        "metadata.name",
        "spec.roles[1].customComponentsPattern",
        "spec.roles[2].dependencies[0]",
    } <= paths


@pytest.mark.parametrize(
    ("strategy", "replicas"),
    [
        ({"type": "InPlaceUpdate", "maxUnavailable": "50%"}, 2),
        ({"type": "Recreate", "maxSurge": 1, "maxUnavailable": 0}, 2),
        ({"partition": 2}, 2),  # equal to replicas: every member stays on the old template
        ({"partition": 9}, 0),
    ],
)
def test_valid_set_rollouts(strategy: dict[str, Any], replicas: int) -> None:
    obj = base_v2_rbgs()
    obj["spec"].update(rolloutStrategy=strategy, replicas=replicas)
    assert validate_object(obj) == []
