"""What a role has besides its workload: its headless Service, its discovery ConfigMap (the group's
discovery document) and its PodDisruptionBudget, as typed manifests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from rbg_operator.api import keys
from rbg_operator.api.children import (
    ConfigMap,
    PodDisruptionBudget,
    PodDisruptionBudgetSpec,
    Service,
    ServiceSpec,
)
from rbg_operator.api.meta import LabelSelector
from rbg_operator.api.v1alpha2 import RoleBasedGroup

from . import kinds, names
from .role_context import RoleContext
from .template import DISCOVERY_KEY

# libyaml's emitter when present (5x faster, the same text for these documents), else the pure-Python one.
_BASE_DUMPER: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BASE_DUMPER):  # type: ignore[valid-type,misc]
    """Never anchors and aliases (``&id001`` / ``*id001``): launch scripts read the file with grep and
    sed, so a value shared by several entries (a role's ports) is written out in each."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def headless_service(ctx: RoleContext) -> Service:
    ports = [p for p in ctx.role.service_ports or []]
    return Service(
        metadata=ctx.meta(names.service_name(ctx.group, ctx.role.name)),
        spec=ServiceSpec(
            cluster_ip="None",
            selector=dict(ctx.selector),
            ports=ports or None,
            publish_not_ready_addresses=True,
        ),
    )


def _port_key(port: Any) -> str:
    return str(port.name).lower().replace("-", "_") if port.name else f"port{port.port}"


def discovery_config(rbg: RoleBasedGroup, replicas: Mapping[str, int]) -> str:
    """The group's discovery document: every role's instance addresses (resolvable DNS names) and ports."""
    group = rbg.metadata.name or ""
    roles: dict[str, Any] = {}
    for role in rbg.spec.roles:
        ports = {_port_key(p): p.port for p in role.service_ports or []}
        svc = names.service_name(group, role.name)
        entry: dict[str, Any] = {"size": replicas.get(role.name, role.replicas), "service": svc}
        kind = kinds.for_role(role)
        if kind is None or kind.stable_pod_names:  # a kind not supported yet is listed as it would be
            first = kind.first_pod_suffix(role) if kind is not None else ""
            entry["instances"] = [
                {"address": f"{names.workload_name(group, role.name)}-{i}{first}.{svc}", "ports": dict(ports)}
                for i in range(replicas.get(role.name, role.replicas))
            ]
        roles[role.name] = entry
    doc = {
        "group": {"name": group, "size": len(rbg.spec.roles), "roles": [r.name for r in rbg.spec.roles]},
        "roles": roles,
    }
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=True)


def discovery_configmap(ctx: RoleContext, config: str) -> ConfigMap:
    return ConfigMap(
        metadata=ctx.meta(names.discovery_configmap_name(ctx.group, ctx.role.name)),
        data={DISCOVERY_KEY: config},
    )


def _int_or_percent(value: str) -> int | str:
    return int(value) if (value.isascii() and value.isdigit()) else value


def disruption_budget(ctx: RoleContext) -> PodDisruptionBudget | None:
    """The role's PodDisruptionBudget when the role (or else the group) asks for one."""
    for source in (ctx.role.annotations or {}, ctx.rbg.metadata.annotations or {}):
        max_u = source.get(keys.ANNOTATION_PDB_MAX_UNAVAILABLE)
        min_a = source.get(keys.ANNOTATION_PDB_MIN_AVAILABLE)
        if max_u or min_a:
            return PodDisruptionBudget(
                metadata=ctx.meta(names.workload_name(ctx.group, ctx.role.name)),
                spec=PodDisruptionBudgetSpec(
                    selector=LabelSelector(match_labels=dict(ctx.selector)),
                    max_unavailable=_int_or_percent(max_u) if max_u else None,
                    min_available=_int_or_percent(min_a) if min_a and not max_u else None,
                ),
            )
    return None
