"""Prometheus metrics of the operator, in a registry owned by the running operator (no global state).

Per-group series (``group_ready``, ``role_ready``, ``role_replicas``, ``rollout_progress_ratio``) follow
the status the leader computes and disappear with the group. ``role_time_to_ready_seconds`` observes, once
per role of a group, the time from the group's creation to the role's first Ready as seen by this process
(a role already Ready when the process starts is not observed again). ``restarts_total`` counts the
recreations the operator carried out, by scope."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from rbg_operator.api import keys
from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleBasedGroupStatus
from rbg_operator.planning.plan import Event
from rbg_operator.planning.timestamps import parse

_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_READY_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600)
_STATES = ("desired", "ready", "updated")
#: Event reasons the planners emit for a recreation they carry out, and the scope reported for each.
RESTART_SCOPES: Final[Mapping[str, str]] = MappingProxyType(
    {"GroupRecreating": "group", "RoleInstanceRecreated": "role-instance", "InstanceRecreated": "instance"}
)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.reconcile_total = Counter(
            "rbg_operator_reconcile_total", "Reconciles by kind and result", ["kind", "result"], registry=reg
        )
        self.reconcile_seconds = Histogram(
            "rbg_operator_reconcile_duration_seconds",
            "Reconcile duration",
            ["kind"],
            buckets=_BUCKETS,
            registry=reg,
        )
        self.queue_depth = Gauge(
            "rbg_operator_workqueue_depth", "Keys waiting in the work queue", registry=reg
        )
        self.api_requests = Counter(
            "rbg_operator_api_requests_total",
            "API requests by verb, resource and code",
            ["verb", "resource", "code"],
            registry=reg,
        )
        self.api_seconds = Histogram(
            "rbg_operator_api_request_duration_seconds",
            "API request latency",
            ["verb"],
            buckets=_BUCKETS,
            registry=reg,
        )
        self.group_ready = Gauge(
            "rbg_operator_group_ready",
            "1 when the RoleBasedGroup is Ready",
            ["namespace", "group"],
            registry=reg,
        )
        self.role_replicas = Gauge(
            "rbg_operator_role_replicas",
            "Replicas of a role by state",
            ["namespace", "group", "role", "state"],
            registry=reg,
        )
        self.drains = Counter(
            "rbg_operator_pod_drains_total",
            "Pod drains finished, by how they ended (reported, probe, timeout)",
            ["namespace", "by"],
            registry=reg,
        )
        self.role_ready = Gauge(
            "rbg_operator_role_ready",
            "1 when every replica of the role is updated and ready",
            ["namespace", "group", "role"],
            registry=reg,
        )
        self.role_time_to_ready = Histogram(
            "rbg_operator_role_time_to_ready_seconds",
            "Time from a group's creation to one of its roles first being Ready",
            ["role"],
            buckets=_READY_BUCKETS,
            registry=reg,
        )
        self.rollout_progress = Gauge(
            "rbg_operator_rollout_progress_ratio",
            "Replicas of the group that are updated and ready, over the desired replicas (1 when settled)",
            ["namespace", "group"],
            registry=reg,
        )
        self.restarts = Counter(
            "rbg_operator_restarts_total",
            "Recreations carried out by the restart policies, by scope (group, role-instance, instance)",
            ["namespace", "scope"],
            registry=reg,
        )
        self.leader = Gauge(
            "rbg_operator_leader", "1 while this replica holds the leader Lease and reconciles", registry=reg
        )
        self._roles: dict[tuple[str, str], set[str]] = {}
        # (namespace, group) -> roles seen not Ready / already observed Ready, by this process
        self._pending: dict[tuple[str, str], set[str]] = {}
        self._done: dict[tuple[str, str], set[str]] = {}

    def api_request(self, verb: str, resource: str, code: int, seconds: float) -> None:
        self.api_requests.labels(verb, resource, str(code)).inc()
        self.api_seconds.labels(verb).observe(seconds)

    def reconciled(self, kind: str, result: str, seconds: float) -> None:
        self.reconcile_total.labels(kind, result).inc()
        self.reconcile_seconds.labels(kind).observe(seconds)

    def observe_group(self, rbg: RoleBasedGroup, status: RoleBasedGroupStatus | None) -> None:
        status = status or rbg.status
        if status is None:
            return
        ns, name = rbg.metadata.namespace or "", rbg.metadata.name or ""
        ready = any(c.type == keys.CONDITION_READY and c.status == "True" for c in status.conditions or [])
        self.group_ready.labels(ns, name).set(1 if ready else 0)
        roles = set()
        desired = settled = 0
        for rs in status.role_statuses:
            roles.add(rs.name)
            self.role_replicas.labels(ns, name, rs.name, "desired").set(rs.replicas)
            self.role_replicas.labels(ns, name, rs.name, "ready").set(rs.ready_replicas)
            self.role_replicas.labels(ns, name, rs.name, "updated").set(rs.updated_replicas)
            role_ready = rs.ready_replicas >= rs.replicas and rs.updated_replicas >= rs.replicas
            self.role_ready.labels(ns, name, rs.name).set(1 if role_ready else 0)
            desired += rs.replicas
            settled += min(rs.replicas, rs.ready_replicas, rs.updated_replicas)
            self._time_to_ready(rbg, rs.name, role_ready)
        self.rollout_progress.labels(ns, name).set(settled / desired if desired else 1.0)
        for gone in self._roles.get((ns, name), set()) - roles:
            self._remove_role(ns, name, gone)
        self._roles[(ns, name)] = roles

    def _time_to_ready(self, rbg: RoleBasedGroup, role: str, ready: bool) -> None:
        key = (rbg.metadata.namespace or "", rbg.metadata.name or "")
        done = self._done.setdefault(key, set())
        pending = self._pending.setdefault(key, set())
        if role in done:
            return
        if not ready:
            pending.add(role)
            return
        done.add(role)
        if role in pending:
            pending.discard(role)
            created = parse(str(rbg.metadata.creation_timestamp or ""))
            if created:
                self.role_time_to_ready.labels(role).observe(max(0.0, time.time() - created))

    def carried_out(self, namespace: str, events: Iterable[Event]) -> None:
        """Count the recreations among the events of a plan that was just executed."""
        for event in events:
            scope = RESTART_SCOPES.get(event.reason)
            if scope is not None:
                self.restarts.labels(namespace, scope).inc()

    def _remove_role(self, namespace: str, name: str, role: str) -> None:
        for state in _STATES:
            self.role_replicas.remove(namespace, name, role, state)
        self.role_ready.remove(namespace, name, role)

    def forget_group(self, namespace: str, name: str) -> None:
        key = (namespace, name)
        self._pending.pop(key, None)
        self._done.pop(key, None)
        if key in self._roles:
            self.group_ready.remove(namespace, name)
            self.rollout_progress.remove(namespace, name)
            for role in self._roles.pop(key):
                self._remove_role(namespace, name, role)
