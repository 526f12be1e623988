"""A role's effective pod template: inline template, or roleTemplate + templatePatch (strategic merge),
then engine-runtime containers, the discovery config mount, the env of both generations and labels."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.v1alpha1 import ClusterEngineRuntimeProfile
from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleSpec

from . import names
from .placement import apply_placement
from .smp import PatchError, merge_pod_template

JSON = dict[str, Any]

DISCOVERY_VOLUME = "rbg-cluster-config"
DISCOVERY_MOUNT = "/etc/rbg"
DISCOVERY_KEY = "config.yaml"


class TemplateError(ValueError):
    """The role's template cannot be built (the message names the field)."""


@dataclass(frozen=True)
class RoleTemplates:
    """The pod templates of one role: ``main`` for every workload, ``worker`` for leader/worker kinds."""

    main: JSON
    worker: JSON | None = None


def base_template(rbg: RoleBasedGroup, index: int) -> JSON:
    """``template``, or the referenced roleTemplate with ``templatePatch`` merged in."""
    role = rbg.spec.roles[index]
    if role.template_ref is not None:
        found = [t for t in rbg.spec.role_templates or [] if t.name == role.template_ref.name]
        if not found:
            raise TemplateError(
                f"spec.roles[{index}].{role.pattern_field}.templateRef.name: "
                f"no roleTemplate named {role.template_ref.name!r}"
            )
        try:
            return dict(merge_pod_template(found[0].template.to_dict(), role.template_patch or {}))
        except PatchError as err:
            raise TemplateError(
                f"spec.roles[{index}].{role.pattern_field}.templateRef.patch: {err}"
            ) from None
    if role.template is None:
        return {"spec": {"containers": []}}
    return role.template.to_dict()


def _by_name(items: list[JSON]) -> dict[str, JSON]:
    return {str(i.get("name")): i for i in items}


def inject_engine_runtimes(
    spec: JSON, role: RoleSpec, index: int, profiles: Mapping[str, ClusterEngineRuntimeProfile]
) -> None:
    """Add each profile's init containers, containers and volumes (a user's same-named item wins),
    then apply the role's per-container overrides (env and args appended, as upstream does)."""
    for j, runtime in enumerate(role.engine_runtimes or []):
        profile = profiles.get(runtime.profile_name)
        if profile is None:
            raise TemplateError(
                f"spec.roles[{index}].engineRuntimes[{j}].profileName: "
                f"ClusterEngineRuntimeProfile {runtime.profile_name!r} not found"
            )
        pspec = profile.spec.to_dict()
        profile_containers = {c["name"] for c in pspec.get("containers", [])}
        for field in ("initContainers", "containers", "volumes"):
            current = spec.setdefault(field, [])
            have = _by_name(current)
            current.extend(copy.deepcopy(i) for i in pspec.get(field, []) if i["name"] not in have)
        containers = _by_name(spec["containers"])
        for override in runtime.containers or []:
            if override.name not in profile_containers or override.name not in containers:
                continue
            target = containers[override.name]
            o = override.to_dict()
            if o.get("env"):
                target["env"] = [*target.get("env", []), *o["env"]]
            if o.get("args"):
                target["args"] = [*target.get("args", []), *o["args"]]


def injected_env(group: str, role: str) -> list[JSON]:
    """The group and role names, in both generations (every pod gets them; a workload kind adds what
    its pods have beyond that, e.g. an index)."""
    return [
        {"name": keys.ENV_GROUP_NAME_V1, "value": group},
        {"name": keys.ENV_GROUP_NAME_V2, "value": group},
        {"name": keys.ENV_ROLE_NAME_V1, "value": role},
        {"name": keys.ENV_ROLE_NAME_V2, "value": role},
    ]


def label_env(pairs: Sequence[tuple[str, str]]) -> list[JSON]:
    """Env variables read from pod labels (downward API), one per ``(name, label)``."""
    return [
        {"name": name, "valueFrom": {"fieldRef": {"fieldPath": f"metadata.labels['{label}']"}}}
        for name, label in pairs
    ]


def _inject_env(containers: list[JSON], env: list[JSON]) -> None:
    """Ours first (so a user's $(GROUP_NAME) reference expands), then the user's, minus our names."""
    ours = {e["name"] for e in env}
    for c in containers:
        c["env"] = [*copy.deepcopy(env), *[e for e in c.get("env", []) if e.get("name") not in ours]]


def _mount_discovery(spec: JSON, containers: list[str], configmap: str) -> None:
    volumes = [v for v in spec.get("volumes", []) if v.get("name") != DISCOVERY_VOLUME]
    volumes.append(
        {
            "name": DISCOVERY_VOLUME,
            "configMap": {"name": configmap, "items": [{"key": DISCOVERY_KEY, "path": DISCOVERY_KEY}]},
        }
    )
    spec["volumes"] = volumes
    for c in spec.get("containers", []):
        if c.get("name") in containers:
            mounts = [m for m in c.get("volumeMounts", []) if m.get("name") != DISCOVERY_VOLUME]
            mounts.append({"name": DISCOVERY_VOLUME, "mountPath": DISCOVERY_MOUNT, "readOnly": True})
            c["volumeMounts"] = mounts


def drain_annotations(rbg: RoleBasedGroup, role: RoleSpec) -> dict[str, str]:
    """The drain settings of a role: its own annotations, else the group's."""
    for source in (role.annotations or {}, rbg.metadata.annotations or {}):
        found = {k: v for k, v in source.items() if k in keys.DRAIN_ANNOTATIONS}
        if found:
            return found
    return {}


def _enable_drain(template: JSON, rbg: RoleBasedGroup, role: RoleSpec) -> None:
    """Pods of a drain-enabled role carry the settings, the label the drain webhook selects, and the
    in-service readiness gate that takes them out of traffic while they drain."""
    settings = drain_annotations(rbg, role)
    if not settings:
        return
    meta, spec = template.setdefault("metadata", {}), template.setdefault("spec", {})
    meta["labels"] = {**meta.get("labels", {}), keys.LABEL_DRAIN_ENABLED: "true"}
    meta["annotations"] = {**meta.get("annotations", {}), **settings}
    gates = [
        g for g in spec.get("readinessGates", []) if g.get("conditionType") != keys.READINESS_GATE_IN_SERVICE
    ]
    spec["readinessGates"] = [*gates, {"conditionType": keys.READINESS_GATE_IN_SERVICE}]


def finish(
    template: JSON,
    rbg: RoleBasedGroup,
    role: RoleSpec,
    index: int,
    profiles: Mapping[str, ClusterEngineRuntimeProfile],
    *,
    sidecars: bool,
    selector: Mapping[str, str],
    extra_env: Sequence[JSON] = (),
) -> JSON:
    """Everything the operator adds to a role's pod template, in upstream's order; ``extra_env`` (what
    the workload kind adds) follows the group and role names."""
    ns, group = rbg.metadata.namespace or "", rbg.metadata.name or ""
    out = copy.deepcopy(template)
    spec = out.setdefault("spec", {})
    spec.setdefault("containers", [])
    user_containers = [c["name"] for c in spec["containers"]]
    _mount_discovery(spec, user_containers, names.discovery_configmap_name(group, role.name))
    if sidecars:
        inject_engine_runtimes(spec, role, index, profiles)
    _inject_env(spec["containers"], [*injected_env(group, role.name), *extra_env])
    meta = out.setdefault("metadata", {})
    _enable_drain(out, rbg, role)
    apply_placement(out, rbg, role)
    meta["labels"] = {**meta.get("labels", {}), **names.role_labels(ns, group, role.name), **selector}
    meta["labels"].pop(keys.LABEL_POD_TEMPLATE_HASH, None)
    meta["labels"][keys.LABEL_POD_TEMPLATE_HASH] = names.content_hash(out)
    return out


def role_template(
    rbg: RoleBasedGroup,
    index: int,
    profiles: Mapping[str, ClusterEngineRuntimeProfile],
    selector: Mapping[str, str],
    env: Sequence[JSON] = (),
) -> RoleTemplates:
    """The one finished template of role ``index`` (a workload kind with one pod per replica)."""
    base = base_template(rbg, index)
    role = rbg.spec.roles[index]
    return RoleTemplates(
        finish(base, rbg, role, index, profiles, sidecars=True, selector=selector, extra_env=env)
    )


def leader_worker_templates(
    rbg: RoleBasedGroup,
    index: int,
    profiles: Mapping[str, ClusterEngineRuntimeProfile],
    selector: Mapping[str, str],
    env: Sequence[JSON] = (),
) -> RoleTemplates:
    """The leader (``main``, with the engine-runtime sidecars) and worker templates of role ``index``:
    the base template with the pattern's leader and worker patches merged in."""
    role = rbg.spec.roles[index]
    base = base_template(rbg, index)
    lws = role.leader_worker_set
    try:
        leader = merge_pod_template(base, (lws.leader_template_patch if lws else None) or {})
        worker = merge_pod_template(base, (lws.worker_template_patch if lws else None) or {})
    except PatchError as err:
        raise TemplateError(f"spec.roles[{index}].leaderWorkerPattern: {err}") from None
    return RoleTemplates(
        main=finish(leader, rbg, role, index, profiles, sidecars=True, selector=selector, extra_env=env),
        worker=finish(worker, rbg, role, index, profiles, sidecars=False, selector=selector, extra_env=env),
    )
