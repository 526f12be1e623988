"""Manifests shared by the API tests: a valid group and a table of invalid objects.

``InvalidCase.server`` says what a kube-apiserver with the generated CRDs does WITHOUT the webhook:
``schema``/``cel`` reject the object; ``webhook`` means only ``rbg_operator.api.validation`` does. The
e2e suite can replay the table with ``kubectl apply --dry-run=server``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Manifest = dict[str, Any]


def container(name: str = "main") -> Manifest:
    return {"name": name, "image": "nginx:1.27"}


def role(name: str, **extra: Any) -> Manifest:
    out: Manifest = {"name": name, "replicas": 1, "template": {"spec": {"containers": [container()]}}}
    out.update(extra)
    return out


def base_rbg() -> Manifest:
    """A valid three-role group (router depends on prefill and decode)."""
    return {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "RoleBasedGroup",
        "metadata": {"name": "demo", "namespace": "default"},
        "spec": {
            "roles": [
                role("prefill", replicas=2),
                role("decode", replicas=2),
                role("router", dependencies=["prefill", "decode"]),
            ]
        },
    }


def base_rbgs() -> Manifest:
    return {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "RoleBasedGroupSet",
        "metadata": {"name": "set", "namespace": "default"},
        "spec": {"replicas": 2, "template": copy.deepcopy(base_rbg()["spec"])},
    }


def base_rbgsa() -> Manifest:
    return {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "RoleBasedGroupScalingAdapter",
        "metadata": {"name": "demo-decode", "namespace": "default"},
        "spec": {"replicas": 3, "scaleTargetRef": {"name": "demo", "role": "decode"}},
    }


def base_profile() -> Manifest:
    return {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "ClusterEngineRuntimeProfile",
        "metadata": {"name": "runtime"},
        "spec": {"containers": [container("sidecar")], "initContainers": [container("init")]},
    }


@dataclass(frozen=True)
class InvalidCase:
    id: str
    build: Callable[[], Manifest]
    path: str
    server: Literal["schema", "cel", "webhook"]

    def manifest(self) -> Manifest:
        return self.build()


def _rbg(edit: Callable[[Manifest], None], base: Callable[[], Manifest] = base_rbg) -> Callable[[], Manifest]:
    def build() -> Manifest:
        obj = base()
        edit(obj)
        return obj

    return build


def _chain(*edits: Callable[[Manifest], None]) -> Callable[[Manifest], None]:
    def edit(obj: Manifest) -> None:
        for step in edits:
            step(obj)

    return edit


def _roles(obj: Manifest) -> list[Manifest]:
    roles: list[Manifest] = obj["spec"]["roles"]
    return roles


def _set(path: str, value: Any) -> Callable[[Manifest], None]:
    """Set a dotted path (``spec.roles.0.replicas``) in a manifest, creating maps on the way."""

    def edit(obj: Manifest) -> None:
        parts = path.split(".")
        node: Any = obj
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        last = parts[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return edit


def _drop(path: str) -> Callable[[Manifest], None]:
    def edit(obj: Manifest) -> None:
        parts = path.split(".")
        node: Any = obj
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[parts[-1]]

    return edit


def _rolling(**values: Any) -> Callable[[Manifest], None]:
    return _set("spec.roles.0.rolloutStrategy", {"type": "RollingUpdate", "rollingUpdate": values})


def _two_templates(obj: Manifest) -> None:
    tpl = {"name": "base", "template": {"spec": {"containers": [container()]}}}
    obj["spec"]["roleTemplates"] = [tpl, copy.deepcopy(tpl)]


def _ref_role(obj: Manifest, patch: bool = True, name: str = "base") -> None:
    obj["spec"]["roleTemplates"] = [{"name": "base", "template": {"spec": {"containers": [container()]}}}]
    role0 = _roles(obj)[0]
    del role0["template"]
    role0["templateRef"] = {"name": name}
    if patch:
        role0["templatePatch"] = {}


def _instanceset(obj: Manifest, components: bool = True) -> None:
    role0 = _roles(obj)[0]
    role0["workload"] = {"apiVersion": "workloads.x-k8s.io/v1alpha1", "kind": "InstanceSet"}
    del role0["template"]
    if components:
        tpl = {"spec": {"containers": [container()]}}
        role0["components"] = [{"name": "leader", "size": 1, "template": tpl}]


def _repeat_component(obj: Manifest) -> None:
    components = _roles(obj)[0]["components"]
    components.append(copy.deepcopy(components[0]))


def _cycle3(obj: Manifest) -> None:
    roles = _roles(obj)
    roles[0]["dependencies"] = ["decode"]
    roles[1]["dependencies"] = ["router"]


def _ports(*ports: Manifest) -> Callable[[Manifest], None]:
    return _set("spec.roles.0.servicePorts", list(ports))


def _coordination(*entries: Manifest) -> Callable[[Manifest], None]:
    return _set("spec.coordination", list(entries))


_CONTAINER = {"spec": {"containers": [container()]}}


def _ref_role_keep(obj: Manifest) -> None:
    """Add a templateRef (and roleTemplates) to role 0 without touching its other fields."""
    obj["spec"]["roleTemplates"] = [{"name": "base", "template": copy.deepcopy(_CONTAINER)}]
    _roles(obj)[0]["templateRef"] = {"name": "base"}
    _roles(obj)[0]["templatePatch"] = {}


INVALID_CASES: list[InvalidCase] = [
    # --- duplicates -------------------------------------------------------------------------
    InvalidCase(
        "duplicate-role-name", _rbg(_set("spec.roles.1.name", "prefill")), "spec.roles[1].name", "schema"
    ),
    InvalidCase("duplicate-template-name", _rbg(_two_templates), "spec.roleTemplates[1].name", "schema"),
    InvalidCase(
        "duplicate-component-name",
        _rbg(_chain(_instanceset, _repeat_component)),
        "spec.roles[0].components[1].name",
        "schema",
    ),
    InvalidCase(
        "duplicate-engine-runtime",
        _rbg(_set("spec.roles.0.engineRuntimes", [{"profileName": "p"}, {"profileName": "p"}])),
        "spec.roles[0].engineRuntimes[1].profileName",
        "webhook",
    ),
    # --- dependencies -----------------------------------------------------------------------
    InvalidCase(
        "dependency-unknown",
        _rbg(_set("spec.roles.2.dependencies", ["prefill", "cache"])),
        "spec.roles[2].dependencies[1]",
        "cel",
    ),
    InvalidCase(
        "dependency-self",
        _rbg(_set("spec.roles.0.dependencies", ["prefill"])),
        "spec.roles[0].dependencies[0]",
        "cel",
    ),
    InvalidCase(
        "dependency-repeated",
        _rbg(_set("spec.roles.2.dependencies", ["decode", "decode"])),
        "spec.roles[2].dependencies[1]",
        "webhook",
    ),
    InvalidCase(
        "dependency-cycle-2",
        _rbg(_set("spec.roles.0.dependencies", ["router"])),
        "spec.roles[2].dependencies[0]",
        "webhook",
    ),
    InvalidCase("dependency-cycle-3", _rbg(_cycle3), "spec.roles[2].dependencies[0]", "webhook"),
    # --- templates --------------------------------------------------------------------------
    InvalidCase(
        "template-and-templateRef",
        _rbg(_chain(_ref_role, _set("spec.roles.0.template", _CONTAINER))),
        "spec.roles[0].templateRef",
        "cel",
    ),
    InvalidCase("template-missing", _rbg(_drop("spec.roles.0.template")), "spec.roles[0].template", "cel"),
    InvalidCase(
        "templateRef-unknown",
        _rbg(lambda o: _ref_role(o, name="other")),
        "spec.roles[0].templateRef.name",
        "cel",
    ),
    InvalidCase(
        "templateRef-without-patch",
        _rbg(lambda o: _ref_role(o, patch=False)),
        "spec.roles[0].templatePatch",
        "webhook",
    ),
    InvalidCase(
        "templatePatch-without-ref",
        _rbg(_set("spec.roles.0.templatePatch", {"metadata": {}})),
        "spec.roles[0].templatePatch",
        "webhook",
    ),
    InvalidCase(
        "instanceset-with-templateRef",
        _rbg(_chain(_instanceset, _ref_role_keep)),
        "spec.roles[0].templateRef",
        "cel",
    ),
    InvalidCase(
        "instanceset-without-components",
        _rbg(lambda o: _instanceset(o, components=False)),
        "spec.roles[0].components",
        "webhook",
    ),
    InvalidCase(
        "components-on-statefulset",
        _rbg(_set("spec.roles.0.components", [{"name": "c", "template": _CONTAINER}])),
        "spec.roles[0].components",
        "webhook",
    ),
    InvalidCase(
        "container-without-name",
        _rbg(_set("spec.roles.0.template.spec.containers", [{"image": "nginx"}])),
        "spec.roles[0].template.spec.containers[0].name",
        "schema",
    ),
    InvalidCase(
        "containers-empty",
        _rbg(_set("spec.roles.0.template.spec.containers", [])),
        "spec.roles[0].template.spec.containers",
        "schema",
    ),
    # --- workload ---------------------------------------------------------------------------
    InvalidCase(
        "workload-unsupported",
        _rbg(_set("spec.roles.0.workload", {"apiVersion": "apps/v1", "kind": "DaemonSet"})),
        "spec.roles[0].workload",
        "webhook",
    ),
    InvalidCase(
        "workload-bad-apiversion",
        _rbg(_set("spec.roles.0.workload", {"apiVersion": "v1"})),
        "spec.roles[0].workload.apiVersion",
        "schema",
    ),
    InvalidCase(
        "lws-size-zero",
        _rbg(_set("spec.roles.0.leaderWorkerSet", {"size": 0})),
        "spec.roles[0].leaderWorkerSet.size",
        "schema",
    ),
    # --- scalars and enums ------------------------------------------------------------------
    InvalidCase(
        "replicas-negative", _rbg(_set("spec.roles.0.replicas", -1)), "spec.roles[0].replicas", "schema"
    ),
    InvalidCase(
        "role-name-not-dns", _rbg(_set("spec.roles.0.name", "Prefill_0")), "spec.roles[0].name", "schema"
    ),
    InvalidCase(
        "restart-policy-unknown",
        _rbg(_set("spec.roles.0.restartPolicy", "Always")),
        "spec.roles[0].restartPolicy",
        "schema",
    ),
    InvalidCase(
        "min-ready-negative",
        _rbg(_set("spec.roles.0.minReadySeconds", -5)),
        "spec.roles[0].minReadySeconds",
        "schema",
    ),
    InvalidCase("roles-missing", _rbg(_drop("spec.roles")), "spec.roles", "schema"),
    InvalidCase("roles-empty", _rbg(_set("spec.roles", [])), "spec.roles", "schema"),
    InvalidCase("group-name-not-dns", _rbg(_set("metadata.name", "demo.group")), "metadata.name", "webhook"),
    # --- rollout ----------------------------------------------------------------------------
    InvalidCase(
        "rollout-both-zero",
        _rbg(_rolling(maxSurge=0, maxUnavailable=0)),
        "spec.roles[0].rolloutStrategy.rollingUpdate",
        "cel",
    ),
    InvalidCase(
        "rollout-both-zero-percent",
        _rbg(_rolling(maxSurge="0%", maxUnavailable=0)),
        "spec.roles[0].rolloutStrategy.rollingUpdate",
        "cel",
    ),
    InvalidCase(
        "rollout-partition-beyond",
        _rbg(_rolling(partition=5)),
        "spec.roles[0].rolloutStrategy.rollingUpdate.partition",
        "webhook",
    ),
    InvalidCase(
        "rollout-surge-not-percent",
        _rbg(_rolling(maxSurge="abc")),
        "spec.roles[0].rolloutStrategy.rollingUpdate.maxSurge",
        "schema",
    ),
    InvalidCase(
        "rollout-surge-number-string",
        _rbg(_rolling(maxSurge="5")),
        "spec.roles[0].rolloutStrategy.rollingUpdate.maxSurge",
        "schema",
    ),
    InvalidCase(
        "rollout-unavailable-negative",
        _rbg(_rolling(maxUnavailable=-1)),
        "spec.roles[0].rolloutStrategy.rollingUpdate.maxUnavailable",
        "schema",
    ),
    InvalidCase(
        "rollout-type-unknown",
        _rbg(_rolling(type="BlueGreen")),
        "spec.roles[0].rolloutStrategy.rollingUpdate.type",
        "schema",
    ),
    InvalidCase(
        "rollout-strategy-unknown",
        _rbg(_set("spec.roles.0.rolloutStrategy", {"type": "Canary"})),
        "spec.roles[0].rolloutStrategy.type",
        "schema",
    ),
    # --- service ports ----------------------------------------------------------------------
    InvalidCase(
        "ports-unnamed",
        _rbg(_ports({"name": "http", "port": 80}, {"port": 81})),
        "spec.roles[0].servicePorts[1].name",
        "webhook",
    ),
    InvalidCase(
        "ports-duplicate-name",
        _rbg(_ports({"name": "http", "port": 80}, {"name": "http", "port": 81})),
        "spec.roles[0].servicePorts[1].name",
        "webhook",
    ),
    InvalidCase(
        "ports-duplicate-port",
        _rbg(_ports({"name": "a", "port": 80}, {"name": "b", "port": 80})),
        "spec.roles[0].servicePorts[1].port",
        "webhook",
    ),
    InvalidCase("port-missing", _rbg(_ports({"name": "a"})), "spec.roles[0].servicePorts[0].port", "schema"),
    # --- coordination and gang scheduling ---------------------------------------------------
    InvalidCase(
        "coordination-unknown-role",
        _rbg(_coordination({"name": "pd", "roles": ["prefill", "cache"]})),
        "spec.coordination[0].roles[1]",
        "cel",
    ),
    InvalidCase(
        "coordination-repeated-role",
        _rbg(_coordination({"name": "pd", "roles": ["prefill", "prefill"]})),
        "spec.coordination[0].roles[1]",
        "webhook",
    ),
    InvalidCase(
        "coordination-duplicate-name",
        _rbg(_coordination({"name": "pd", "roles": ["prefill"]}, {"name": "pd", "roles": ["decode"]})),
        "spec.coordination[1].name",
        "schema",
    ),
    InvalidCase(
        "coordination-skew-over-100",
        _rbg(
            _coordination(
                {"name": "pd", "roles": ["prefill"], "strategy": {"rollingUpdate": {"maxSkew": "150%"}}}
            )
        ),
        "spec.coordination[0].strategy.rollingUpdate.maxSkew",
        "schema",
    ),
    InvalidCase(
        "podgroup-two-schedulers",
        _rbg(_set("spec.podGroupPolicy", {"kubeScheduling": {}, "volcanoScheduling": {"queue": "q"}})),
        "spec.podGroupPolicy",
        "cel",
    ),
    # --- other kinds ------------------------------------------------------------------------
    InvalidCase(
        "rbgs-dependency-unknown",
        _rbg(_set("spec.template.roles.2.dependencies", ["cache"]), base_rbgs),
        "spec.template.roles[2].dependencies[0]",
        "cel",
    ),
    InvalidCase(
        "rbgs-replicas-negative", _rbg(_set("spec.replicas", -1), base_rbgs), "spec.replicas", "schema"
    ),
    InvalidCase(
        "rbgsa-target-missing",
        _rbg(_drop("spec.scaleTargetRef"), base_rbgsa),
        "spec.scaleTargetRef",
        "schema",
    ),
    InvalidCase(
        "rbgsa-role-empty",
        _rbg(_set("spec.scaleTargetRef.role", ""), base_rbgsa),
        "spec.scaleTargetRef.role",
        "schema",
    ),
    InvalidCase(
        "profile-strategy-unknown",
        _rbg(_set("spec.updateStrategy", "Always"), base_profile),
        "spec.updateStrategy",
        "schema",
    ),
    InvalidCase(
        "profile-container-also-init",
        _rbg(_set("spec.containers", [container("init")]), base_profile),
        "spec.containers[0].name",
        "webhook",
    ),
]
