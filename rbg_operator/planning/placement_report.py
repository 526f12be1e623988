"""Where a group's pods are and whether its placement policy holds (pure): per role the nodes and the
domains of the relevant topology key, and a verdict per policy (exclusive topology, pack, spread)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rbg_operator.api import keys
from rbg_operator.api.v1alpha2 import RoleBasedGroup

from . import names
from .placement import exclusive_key

DEFAULT_KEY = "topology.rbg.workloads.x-k8s.io/nvlink-domain"


@dataclass(frozen=True)
class PlacedPod:
    name: str
    role: str
    group_key: str  # the group-unique-key label
    node: str  # "" while Pending


@dataclass
class RoleReport:
    role: str
    pods: list[tuple[str, str, str]] = field(default_factory=list)  # (pod, node, domain)


@dataclass
class Report:
    key: str
    roles: list[RoleReport]
    checks: list[tuple[str, bool, str]]  # (policy, met, detail)

    def render(self) -> str:
        lines = [f"topology key: {self.key}"]
        for r in self.roles:
            lines.append(f"role {r.role}:")
            lines += [f"  {pod:40} {node or '(pending)':20} {domain or '-'}" for pod, node, domain in r.pods]
        for policy, met, detail in self.checks:
            lines.append(f"{policy}: {'met' if met else 'NOT met'} ({detail})")
        return "\n".join(lines)


def placement_report(
    rbg: RoleBasedGroup, pods: Sequence[PlacedPod], node_labels: Mapping[str, Mapping[str, str]]
) -> Report:
    ann = rbg.metadata.annotations or {}
    ns, group = rbg.metadata.namespace or "", rbg.metadata.name or ""
    mine_key = names.group_unique_key(ns, group)
    exclusive = exclusive_key(rbg)
    pack = ann.get(keys.ANNOTATION_PACK_TOPOLOGY, "")
    key = exclusive or pack or DEFAULT_KEY

    def domain(node: str, k: str = key) -> str:
        return node_labels.get(node, {}).get(k, "") if node else ""

    mine = [p for p in pods if p.group_key == mine_key]
    roles = []
    for role in rbg.spec.roles:
        rr = RoleReport(role.name)
        rr.pods = [
            (p.name, p.node, domain(p.node))
            for p in sorted(mine, key=lambda p: p.name)
            if p.role == role.name
        ]
        roles.append(rr)
    checks: list[tuple[str, bool, str]] = []
    pending = [p.name for p in mine if not p.node]
    if exclusive:
        used = {domain(p.node, exclusive) for p in mine if p.node}
        shared = sorted(
            {p.name for p in pods if p.group_key != mine_key and p.node and domain(p.node, exclusive) in used}
        )
        ok = len(used) <= 1 and not shared and not pending
        detail = f"domains {sorted(used) or ['-']}" + (f", shared with {shared}" if shared else "")
        checks.append(("exclusive-topology", ok, detail + (f", pending {pending}" if pending else "")))
    if pack:
        listed = [r.strip() for r in ann.get(keys.ANNOTATION_PACK_ROLES, "").split(",") if r.strip()]
        packed = [p for p in mine if not listed or p.role in listed]
        used = {domain(p.node, pack) for p in packed if p.node}
        checks.append(("pack", len(used) <= 1 and not pending, f"domains {sorted(used) or ['-']}"))
    for role in rbg.spec.roles:
        spread = (role.annotations or {}).get(keys.ANNOTATION_SPREAD_TOPOLOGY, "")
        if spread:
            counts: dict[str, int] = {}
            for p in mine:
                if p.role == role.name and p.node:
                    counts[domain(p.node, spread)] = counts.get(domain(p.node, spread), 0) + 1
            skew = (max(counts.values()) - min(counts.values())) if counts else 0
            checks.append(
                (f"spread {role.name}", skew <= 1, f"pods per domain {dict(sorted(counts.items()))}")
            )
    return Report(key, roles, checks)
