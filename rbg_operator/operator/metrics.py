"""Prometheus metrics of the operator, in a registry owned by the running operator (no global state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from rbg_operator.api import keys
from rbg_operator.api.v1alpha1 import RoleBasedGroup, RoleBasedGroupStatus

_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


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
        self._roles: dict[tuple[str, str], set[str]] = {}

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
        for rs in status.role_statuses:
            roles.add(rs.name)
            self.role_replicas.labels(ns, name, rs.name, "desired").set(rs.replicas)
            self.role_replicas.labels(ns, name, rs.name, "ready").set(rs.ready_replicas)
            self.role_replicas.labels(ns, name, rs.name, "updated").set(rs.updated_replicas)
        for gone in self._roles.get((ns, name), set()) - roles:
            for state in ("desired", "ready", "updated"):
                self.role_replicas.remove(ns, name, gone, state)
        self._roles[(ns, name)] = roles

    def forget_group(self, namespace: str, name: str) -> None:
        if (namespace, name) in self._roles:
            self.group_ready.remove(namespace, name)
            for role in self._roles.pop((namespace, name)):
                for state in ("desired", "ready", "updated"):
                    self.role_replicas.remove(namespace, name, role, state)
