"""What the operator tells the people who run it: /metrics after a whole scenario (create, a held
rollout, a restart, a drain, delete), parsed with the Prometheus parser; the kstatus conditions along
the way; and JSON log lines that name the group."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.kube import Kube
from tests.e2e.operator_process import OperatorProcess
from tests.e2e.test_rbg_reconciler import condition, wait_ready

CRASHES = "devcluster.rbg.x-k8s.io/crash-restart-count"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(operator: OperatorProcess) -> Samples:
    out: Samples = {}
    for family in text_string_to_metric_families(operator.metrics()):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def total(samples: Samples, name: str, **labels: str) -> float:
    """Sum over the series of ``name`` whose labels include ``labels``."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


def role(name: str, replicas: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "replicas": replicas,
        "template": {"spec": {"containers": [{"name": "engine", "image": f"sglang:{name}-v1"}]}},
        **extra,
    }


def pd_group() -> dict[str, Any]:
    return {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "RoleBasedGroup",
        "metadata": {"name": "obs"},
        "spec": {
            "roles": [
                role("router", 1),
                role("prefill", 1, restartPolicy="RecreateRoleInstanceOnPodRestart"),
                role("decode", 2, annotations={"rbg.workloads.x-k8s.io/drain-timeout": "1s"}),
            ]
        },
    }


def conditions(kube: Kube, ns: str) -> Mapping[str, dict[str, Any]]:
    obj = kube.get("RoleBasedGroup", "obs", ns) or {}
    return {c["type"]: c for c in (obj.get("status") or {}).get("conditions") or []}


def test_metrics_conditions_and_logs_through_a_scenario(
    kube: Kube, namespace: str, operator: OperatorProcess
) -> None:
    ns = namespace
    log_offset = operator.log.stat().st_size
    before = scrape(operator)

    def dump() -> dict[str, Any]:
        return {
            "rbg": kube.get("RoleBasedGroup", "obs", ns),
            "metrics": {f"{n}{dict(ls)}": v for (n, ls), v in scrape(operator).items() if ns in str(ls)},
            **kube.dump_namespace(ns, ("StatefulSet", "Pod")),
        }

    def metric_is(what: str, name: str, expected: float, **labels: str) -> None:
        kube.wait_for(
            f"{what}: {name}{labels} == {expected}",
            lambda: value(scrape(operator), name, **labels) == expected,
            60,
            dump=dump,
        )

    # -- create: per-role readiness, replicas and time to Ready ------------------------------------
    kube.create(pd_group(), ns)
    wait_ready(kube, ns, "obs")
    metric_is("group Ready", "rbg_operator_group_ready", 1, namespace=ns, group="obs")
    after = scrape(operator)
    for name, replicas in (("router", 1), ("prefill", 1), ("decode", 2)):
        assert value(after, "rbg_operator_role_ready", namespace=ns, group="obs", role=name) == 1
        for state in ("desired", "ready", "updated"):
            got = value(
                after, "rbg_operator_role_replicas", namespace=ns, group="obs", role=name, state=state
            )
            assert got == replicas, (name, state, got)
        counted = total(after, "rbg_operator_role_time_to_ready_seconds_count", role=name) - total(
            before, "rbg_operator_role_time_to_ready_seconds_count", role=name
        )
        assert counted == 1, f"time to Ready of {name} observed {counted} times"
        inf = value(after, "rbg_operator_role_time_to_ready_seconds_bucket", role=name, le="+Inf")
        assert inf is not None and inf >= 1
    assert value(after, "rbg_operator_rollout_progress_ratio", namespace=ns, group="obs") == 1
    st = conditions(kube, ns)
    assert st["Reconciling"]["status"] == "False" and st["Stalled"]["status"] == "False", st

    # -- a rollout held by a partition: progress 3/4 and Reconciling until it is released ---------
    kube.patch(
        "RoleBasedGroup",
        "obs",
        ns,
        {
            "spec": {
                "roles": [
                    role("router", 1),
                    role("prefill", 1, restartPolicy="RecreateRoleInstanceOnPodRestart"),
                    {
                        **role("decode", 2, annotations={"rbg.workloads.x-k8s.io/drain-timeout": "1s"}),
                        "template": {
                            "spec": {"containers": [{"name": "engine", "image": "sglang:decode-v2"}]}
                        },
                        "rolloutStrategy": {"rollingUpdate": {"partition": 1}},
                    },
                ]
            }
        },
    )
    metric_is("held rollout", "rbg_operator_rollout_progress_ratio", 0.75, namespace=ns, group="obs")
    metric_is("decode not ready", "rbg_operator_role_ready", 0, namespace=ns, group="obs", role="decode")
    kube.wait_for(
        "Reconciling True during the rollout",
        lambda: conditions(kube, ns).get("Reconciling", {}).get("status") == "True",
        30,
        dump=dump,
    )
    assert condition(kube.get("RoleBasedGroup", "obs", ns), "Ready") == "False"
    roles = kube.get("RoleBasedGroup", "obs", ns)["spec"]["roles"]  # type: ignore[index]
    roles[2]["rolloutStrategy"] = {"rollingUpdate": {"partition": 0}}
    kube.patch("RoleBasedGroup", "obs", ns, {"spec": {"roles": roles}})
    metric_is("rollout done", "rbg_operator_rollout_progress_ratio", 1, namespace=ns, group="obs")
    # decode is drain-enabled (1 s): each of its two pods was drained before its update, counted once
    metric_is("rollout drains", "rbg_operator_pod_drains_total", 2, namespace=ns, by="timeout")
    wait_ready(kube, ns, "obs")
    kube.wait_for(
        "Reconciling False after the rollout",
        lambda: conditions(kube, ns).get("Reconciling", {}).get("status") == "False",
        30,
        dump=dump,
    )

    # The StatefulSet controller keeps its own revisions (they carry the group's labels too): the old and
    # the new one of decode are both still there, the operator pruned none of them.
    sts_revisions = [
        r["metadata"]["name"]
        for r in kube.list("ControllerRevision", ns)
        if any(
            o["kind"] == "StatefulSet" and o["name"] == "obs-decode" for o in r["metadata"]["ownerReferences"]
        )
    ]
    assert len(sts_revisions) == 2, sts_revisions

    # -- a restart carried out by the role-instance policy ---------------------------------------
    kube.patch("Pod", "obs-prefill-0", ns, {"metadata": {"annotations": {CRASHES: "1"}}})
    metric_is("restart counted", "rbg_operator_restarts_total", 1, namespace=ns, scope="role-instance")

    # -- a scale-in: one more drain that ends by its timeout --------------------------------------
    wait_ready(kube, ns, "obs")
    roles = kube.get("RoleBasedGroup", "obs", ns)["spec"]["roles"]  # type: ignore[index]
    roles[2]["replicas"] = 1
    kube.patch("RoleBasedGroup", "obs", ns, {"spec": {"roles": roles}})
    metric_is("drain counted", "rbg_operator_pod_drains_total", 3, namespace=ns, by="timeout")
    metric_is(
        "decode scaled in",
        "rbg_operator_role_replicas",
        1,
        namespace=ns,
        group="obs",
        role="decode",
        state="ready",
    )

    # -- the controller's own figures ---------------------------------------------------------------
    final = scrape(operator)
    assert total(final, "rbg_operator_reconcile_total", kind="RoleBasedGroup", result="success") > total(
        before, "rbg_operator_reconcile_total", kind="RoleBasedGroup", result="success"
    )
    assert total(final, "rbg_operator_reconcile_duration_seconds_count", kind="RoleBasedGroup") > 0
    assert total(final, "rbg_operator_api_requests_total", verb="PATCH", resource="statefulsets") > 0
    assert total(final, "rbg_operator_api_request_duration_seconds_count", verb="PATCH") > 0
    assert value(final, "rbg_operator_workqueue_depth") is not None
    assert value(final, "rbg_operator_leader") == 1

    # -- delete: the group's series go away ------------------------------------------------------------
    kube.delete("RoleBasedGroup", "obs", ns)
    kube.wait_for(
        "the group's series removed",
        lambda: value(scrape(operator), "rbg_operator_group_ready", namespace=ns, group="obs") is None,
        60,
        dump=dump,
    )
    leftovers = [k for k in scrape(operator) if ("namespace", ns) in k[1] and ("group", "obs") in k[1]]
    assert leftovers == []

    # -- logs: one JSON object per line; the lines about this group name it -------------------------
    with open(operator.log, "rb") as f:
        f.seek(log_offset)
        lines = [line for line in f.read().decode().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON
    mine = [r for r in records if r.get("namespace") == ns and r.get("kind") == "RoleBasedGroup"]
    assert mine and all(r["rbg"] == "obs" and r["name"] == "obs" for r in mine)
    said = " | ".join(r["msg"] for r in mine)
    assert any(r["msg"].startswith("applied ") for r in mine), said
    for expected in ("StatefulSet/obs-router", "events RoleInstanceRecreated", "status written"):
        assert expected in said, said
    assert all({"ts", "level", "logger", "msg"} <= set(r) for r in records)
