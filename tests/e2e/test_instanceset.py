"""InstanceSet roles and standalone InstanceSets against the devcluster: identities and env, in-place
image updates through the readiness gate (maxUnavailable held at every observed step), updates that
cannot be done in place (recreate vs. refuse), whole-instance recreation with back-off, partition,
scale-down victims and the scale subresource."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from rbg_operator.api import keys
from tests.e2e.kube import Kube, Recorder, pod_condition

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("operator")
GATE = keys.POD_CONDITION_IN_PLACE_UPDATE_READY
OLD, NEW = "registry.example/engine:v1", "registry.example/engine:v2"


def condition(obj: dict[str, Any] | None, ctype: str) -> dict[str, Any] | None:
    for c in (obj or {}).get("status", {}).get("conditions", []) or []:
        if c["type"] == ctype:
            return dict(c)
    return None


def dump(kube: Kube, ns: str) -> dict[str, Any]:
    return {
        "rbg": kube.list("RoleBasedGroup", ns),
        **kube.dump_namespace(ns, ("InstanceSet", "Instance", "Pod")),
    }


def wait_ready(kube: Kube, ns: str, name: str, timeout: float = 90) -> dict[str, Any]:
    def ready() -> dict[str, Any] | None:
        rbg = kube.get("RoleBasedGroup", name, ns)
        c = condition(rbg, "Ready")
        if (
            rbg
            and c
            and c["status"] == "True"
            and rbg["status"].get("observedGeneration") == rbg["metadata"]["generation"]
        ):
            return rbg
        return None

    return kube.wait_for(f"RoleBasedGroup {ns}/{name} Ready", ready, timeout, dump=lambda: dump(kube, ns))


def group(name: str, role: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "RoleBasedGroup",
        "metadata": {"name": name},
        "spec": {"roles": [role]},
    }


def is_role(
    replicas: int,
    size: int,
    *,
    rolling: dict[str, Any] | None = None,
    restart: str | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    role: dict[str, Any] = {
        "name": "decode",
        "replicas": replicas,
        "workload": {"apiVersion": "workloads.x-k8s.io/v1alpha1", "kind": "InstanceSet"},
        "leaderWorkerSet": {"size": size},
        "servicePorts": [{"name": "http", "port": 30000}],
        "template": {
            "metadata": {"annotations": annotations or {}},
            "spec": {
                "containers": [
                    {
                        "name": "engine",
                        "image": OLD,
                        "ports": [{"containerPort": 30000, "name": "http"}],
                        "resources": {"requests": {"cpu": "1"}},
                    }
                ]
            },
        },
    }
    if rolling is not None:
        role["rolloutStrategy"] = {"rollingUpdate": rolling}
    if restart is not None:
        role["restartPolicy"] = restart
    return role


def pods(kube: Kube, ns: str) -> dict[str, dict[str, Any]]:
    return {p["metadata"]["name"]: p for p in kube.list("Pod", ns)}


def image(pod: dict[str, Any]) -> str:
    return str(pod["spec"]["containers"][0]["image"])


def set_image(kube: Kube, ns: str, rbg: dict[str, Any], new: str) -> None:
    spec = copy.deepcopy(rbg["spec"])
    spec["roles"][0]["template"]["spec"]["containers"][0]["image"] = new
    kube.patch("RoleBasedGroup", rbg["metadata"]["name"], ns, {"spec": {"roles": spec["roles"]}})


def test_pd_example_on_instancesets(kube: Kube, namespace: str) -> None:
    kube.create(yaml.safe_load((ROOT / "examples/pd-disagg-instanceset.yaml").read_text()), namespace)
    rbg = wait_ready(kube, namespace, "sglang-pd-is", timeout=120)
    assert [(r["name"], r["readyReplicas"]) for r in rbg["status"]["roleStatuses"]] == [
        ("router", 1),
        ("prefill", 2),
        ("decode", 2),
    ]
    all_pods = pods(kube, namespace)
    assert sorted(all_pods) == sorted(
        [
            "sglang-pd-is-router-0-router-0",
            *(
                f"sglang-pd-is-{r}-{i}-{c}-0"
                for r in ("prefill", "decode")
                for i in (0, 1)
                for c in ("leader", "worker")
            ),
        ]
    )
    worker = all_pods["sglang-pd-is-decode-1-worker-0"]
    assert worker["spec"]["hostname"] == "sglang-pd-is-decode-1-worker-0"
    assert worker["spec"]["subdomain"] == "s-sglang-pd-is-decode"
    labels = worker["metadata"]["labels"]
    assert labels[keys.LABEL_INSTANCE_NAME] == "sglang-pd-is-decode-1"
    assert labels[keys.LABEL_COMPONENT_INDEX_V1] == "1"
    assert labels[keys.LABEL_GROUP_NAME_V1] == labels[keys.LABEL_GROUP_NAME_V2] == "sglang-pd-is"
    assert labels[keys.LABEL_ROLE_NAME_V1] == labels[keys.LABEL_ROLE_NAME_V2] == "decode"
    env = {e["name"]: e for e in worker["spec"]["containers"][0]["env"]}
    assert (
        env["LWS_LEADER_ADDRESS"]["value"] == f"$(INSTANCE_NAME)-leader-0.s-sglang-pd-is-decode.{namespace}"
    )
    assert env["LWS_GROUP_SIZE"]["value"] == env["RBG_LWP_GROUP_SIZE"]["value"] == "2"
    for name, label in (
        ("INSTANCE_NAME", keys.LABEL_INSTANCE_NAME),
        ("LWS_WORKER_INDEX", keys.LABEL_COMPONENT_INDEX_V1),
        ("ROLE_INDEX", keys.LABEL_ROLE_INSTANCE_INDEX_V2),
        ("RBG_ROLE_INDEX", keys.LABEL_ROLE_INSTANCE_INDEX_V2),
    ):
        assert env[name]["valueFrom"]["fieldRef"]["fieldPath"] == f"metadata.labels['{label}']"
    assert [g["conditionType"] for g in worker["spec"]["readinessGates"]] == [GATE]
    assert pod_condition(worker, GATE) == "True"
    svc = kube.get("Service", "s-sglang-pd-is-decode", namespace)
    assert svc is not None and svc["spec"]["clusterIP"] == "None"
    iset = kube.get("InstanceSet", "sglang-pd-is-decode", namespace)
    assert iset is not None
    st = iset["status"]
    assert (st["replicas"], st["readyReplicas"], st["updatedReplicas"]) == (2, 2, 2)
    assert st["currentRevision"] == st["updateRevision"]
    assert st["labelSelector"]
    revisions = kube.list(
        "ControllerRevision", namespace, f"{keys.LABEL_INSTANCESET_NAME}=sglang-pd-is-decode"
    )
    assert len(revisions) == 1


def _unavailable(state: dict[str, dict[str, Any]]) -> set[str]:
    """Instances with a pod missing or not Ready in this snapshot of the pods."""
    out = set()
    for pod in state.values():
        if pod_condition(pod, "Ready") != "True":
            out.add(pod["metadata"]["labels"][keys.LABEL_INSTANCE_NAME])
    return out


def test_image_change_is_applied_in_place_through_the_readiness_gate(kube: Kube, namespace: str) -> None:
    rolling = {"maxUnavailable": 1, "inPlaceUpdateStrategy": {"gracePeriodSeconds": 1}}
    rbg = kube.create(group("ip", is_role(3, 2, rolling=rolling)), namespace)
    wait_ready(kube, namespace, "ip")
    # A serving Service (not headless): endpoints follow pod readiness.
    kube.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "decode-serving"},
            "spec": {"selector": {keys.LABEL_ROLE_NAME_V1: "decode"}, "ports": [{"port": 30000}]},
        },
        namespace,
    )
    before = pods(kube, namespace)
    assert len(before) == 6
    kube.wait_for(
        "serving endpoints",
        lambda: (
            sum(
                1
                for s in kube.list("EndpointSlice", namespace, "kubernetes.io/service-name=decode-serving")
                for e in s.get("endpoints") or []
                if e["conditions"].get("ready")
            )
            == 6
        ),
    )
    rec = Recorder(kube, "Pod", namespace)
    slices = Recorder(kube, "EndpointSlice", namespace)
    try:
        set_image(kube, namespace, rbg, NEW)

        def done() -> bool:
            now = pods(kube, namespace)
            return len(now) == 6 and all(
                image(p) == NEW and pod_condition(p, "Ready") == "True" and pod_condition(p, GATE) == "True"
                for p in now.values()
            )

        kube.wait_for("in-place rollout", done, 120, dump=lambda: dump(kube, namespace))
        wait_ready(kube, namespace, "ip")
    finally:
        rec.stop()
        slices.stop()
    after = pods(kube, namespace)
    for name, pod in after.items():
        assert pod["metadata"]["uid"] == before[name]["metadata"]["uid"], f"{name} was recreated"
        assert pod["spec"]["nodeName"] == before[name]["spec"]["nodeName"]
        assert pod["status"]["containerStatuses"][0]["restartCount"] == 1
    # Replay: every step keeps at most maxUnavailable instances unavailable, and each pod's image
    # changes only after its gate went False (it had left the Service's endpoints).
    state = {name: pod for name, pod in before.items()}
    gated: set[str] = set()
    changed_at: dict[str, int] = {}
    for i, (etype, pod) in enumerate(rec.events):
        name = pod["metadata"]["name"]
        if etype == "DELETED":
            pytest.fail(f"pod {name} deleted during an in-place update")
        state[name] = pod
        if pod_condition(pod, GATE) == "False":
            assert pod_condition(pod, "Ready") != "True" or image(pod) == OLD
            gated.add(name)
        if image(pod) == NEW and name not in changed_at:
            assert name in gated, f"{name} got the new image before its readiness gate went False"
            changed_at[name] = i
        assert len(_unavailable(state)) <= 1, f"step {i}: unavailable {_unavailable(state)}"
    assert sorted(changed_at) == sorted(before)
    left = {
        e["targetRef"]["name"]
        for _, s in slices.events
        if s["metadata"].get("labels", {}).get("kubernetes.io/service-name") == "decode-serving"
        for e in s.get("endpoints") or []
        if not e["conditions"].get("ready")
    }
    assert left == set(before), "every pod left the serving endpoints during its update"


def test_change_that_is_not_in_place_recreates_or_is_refused(kube: Kube, namespace: str) -> None:
    rbg = kube.create(group("np", is_role(2, 1, rolling={"maxUnavailable": 1})), namespace)
    wait_ready(kube, namespace, "np")
    before = {n: p["metadata"]["uid"] for n, p in pods(kube, namespace).items()}
    roles = copy.deepcopy(rbg["spec"]["roles"])
    roles[0]["template"]["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "2"}}
    kube.patch("RoleBasedGroup", "np", namespace, {"spec": {"roles": roles}})

    def recreated() -> bool:
        now = pods(kube, namespace)
        return sorted(now) == sorted(before) and all(
            p["metadata"]["uid"] != before[n]
            and p["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "2"
            and pod_condition(p, "Ready") == "True"
            for n, p in now.items()
        )

    kube.wait_for("pods recreated with the new resources", recreated, 90, dump=lambda: dump(kube, namespace))
    wait_ready(kube, namespace, "np")
    events = kube.list("Event", namespace)
    assert any(e["reason"] == "UpdateNotInPlace" and "resources" in e["message"] for e in events)

    # InPlaceOnly: the same kind of change is refused, with a condition that says why.
    current = kube.get("RoleBasedGroup", "np", namespace)
    assert current is not None
    roles = copy.deepcopy(current["spec"]["roles"])
    roles[0]["rolloutStrategy"] = {"rollingUpdate": {"type": "InPlaceOnly", "maxUnavailable": 1}}
    kube.patch("RoleBasedGroup", "np", namespace, {"spec": {"roles": roles}})
    kube.wait_for(
        "strategy applied",
        lambda: (
            (kube.get("InstanceSet", "np-decode", namespace) or {})
            .get("spec", {})
            .get("updateStrategy", {})
            .get("type")
            == "InPlaceOnly"
        ),
    )
    kept = {n: p["metadata"]["uid"] for n, p in pods(kube, namespace).items()}
    roles[0]["template"]["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "3"}}
    kube.patch("RoleBasedGroup", "np", namespace, {"spec": {"roles": roles}})

    def refused() -> dict[str, Any] | None:
        c = condition(kube.get("InstanceSet", "np-decode", namespace), keys.CONDITION_FAILED_UPDATE)
        return c if c and c["status"] == "True" else None

    cond = kube.wait_for("FailedUpdate condition", refused, 60, dump=lambda: dump(kube, namespace))
    assert cond["reason"] == "InPlaceUpdateImpossible"
    assert "resources" in cond["message"] and "InPlaceOnly" in cond["message"]
    assert any(e["reason"] == "InPlaceUpdateImpossible" for e in kube.list("Event", namespace))
    assert {n: p["metadata"]["uid"] for n, p in pods(kube, namespace).items()} == kept


def _instance_uids(kube: Kube, ns: str, instance: str) -> dict[str, str]:
    return {
        n: p["metadata"]["uid"]
        for n, p in pods(kube, ns).items()
        if p["metadata"]["labels"].get(keys.LABEL_INSTANCE_NAME) == instance
        and not p["metadata"].get("deletionTimestamp")
    }


def test_pod_loss_recreates_the_whole_instance_once_with_backoff(kube: Kube, namespace: str) -> None:
    kube.create(group("rs", is_role(2, 3, restart="RecreateRoleInstanceOnPodRestart")), namespace)
    wait_ready(kube, namespace, "rs")
    first = _instance_uids(kube, namespace, "rs-decode-0")
    other = _instance_uids(kube, namespace, "rs-decode-1")
    assert len(first) == 3 and len(other) == 3
    rec = Recorder(kube, "Pod", namespace)
    try:
        kube.delete("Pod", "rs-decode-0-worker-1", namespace)

        def recreated() -> dict[str, str] | None:
            now = _instance_uids(kube, namespace, "rs-decode-0")
            fresh = len(now) == 3 and not set(now.values()) & set(first.values())
            return now if fresh else None

        second = kube.wait_for("instance 0 recreated", recreated, 60, dump=lambda: dump(kube, namespace))
        wait_ready(kube, namespace, "rs")
        inst = kube.get("Instance", "rs-decode-0", namespace)
        assert inst is not None and inst["status"]["restartCount"] == 1
        t1 = inst["status"]["lastRestartTime"]
        # A second failure soon after: recreated again, but only after the back-off.
        kube.delete("Pod", "rs-decode-0-leader-0", namespace)
        third = kube.wait_for(
            "instance 0 recreated again",
            lambda: (
                lambda now: now if len(now) == 3 and not set(now.values()) & set(second.values()) else None
            )(_instance_uids(kube, namespace, "rs-decode-0")),
            90,
            dump=lambda: dump(kube, namespace),
        )
        wait_ready(kube, namespace, "rs")
    finally:
        rec.stop()
    inst = kube.get("Instance", "rs-decode-0", namespace)
    assert inst is not None and inst["status"]["restartCount"] == 2
    from rbg_operator.planning.timestamps import parse

    assert parse(inst["status"]["lastRestartTime"]) - parse(t1) >= 10, "the second recreation backed off"
    assert _instance_uids(kube, namespace, "rs-decode-1") == other, "the other instance was untouched"
    created = [p["metadata"]["uid"] for t, p in rec.events if t == "ADDED"]
    assert len(created) == len(set(created)) == 6, "each recreation created the 3 pods exactly once"
    assert set(third.values()) <= set(created)


def test_restart_policy_none_replaces_only_the_lost_pod(kube: Kube, namespace: str) -> None:
    kube.create(group("rn", is_role(1, 3, restart="None")), namespace)
    wait_ready(kube, namespace, "rn")
    before = _instance_uids(kube, namespace, "rn-decode-0")
    kube.delete("Pod", "rn-decode-0-worker-0", namespace)

    def replaced() -> dict[str, str] | None:
        now = _instance_uids(kube, namespace, "rn-decode-0")
        ok = len(now) == 3 and now["rn-decode-0-worker-0"] != before["rn-decode-0-worker-0"]
        return now if ok else None

    now = kube.wait_for("worker replaced", replaced, 60, dump=lambda: dump(kube, namespace))
    assert {k: v for k, v in now.items() if k != "rn-decode-0-worker-0"} == {
        k: v for k, v in before.items() if k != "rn-decode-0-worker-0"
    }


def test_partition_moves_exactly_the_highest_ordinals(kube: Kube, namespace: str) -> None:
    rolling = {"partition": 2, "maxUnavailable": 2}
    rbg = kube.create(group("pt", is_role(4, 1, rolling=rolling)), namespace)
    wait_ready(kube, namespace, "pt")
    set_image(kube, namespace, rbg, NEW)

    def settled() -> dict[str, Any] | None:
        iset = kube.get("InstanceSet", "pt-decode", namespace)
        st = (iset or {}).get("status", {})
        ok = st.get("updatedReplicas") == 2 and st.get("updatedReadyReplicas") == 2
        return iset if ok else None

    kube.wait_for("partitioned rollout", settled, 90, dump=lambda: dump(kube, namespace))
    by_instance = {
        p["metadata"]["labels"][keys.LABEL_INSTANCE_NAME]: image(p) for p in pods(kube, namespace).values()
    }
    assert by_instance == {"pt-decode-0": OLD, "pt-decode-1": OLD, "pt-decode-2": NEW, "pt-decode-3": NEW}


def standalone(name: str, replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "InstanceSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "instanceTemplate": {
                "components": [
                    {
                        "name": "main",
                        "size": 1,
                        "template": {"spec": {"containers": [{"name": "c", "image": OLD}]}},
                    }
                ]
            },
        },
    }


def test_standalone_instanceset_scale_subresource_and_victims(kube: Kube, namespace: str) -> None:
    kube.create(standalone("web", 3), namespace)

    def count(n: int) -> Any:
        def check() -> dict[str, Any] | None:
            iset = kube.get("InstanceSet", "web", namespace)
            st = (iset or {}).get("status", {})
            live = [i for i in kube.list("Instance", namespace) if not i["metadata"].get("deletionTimestamp")]
            return (
                iset if st.get("readyReplicas") == n and st.get("replicas") == n and len(live) == n else None
            )

        return check

    kube.wait_for("3 ready instances", count(3), 60, dump=lambda: dump(kube, namespace))
    scale = kube.get("InstanceSet", "web", namespace)
    assert scale is not None
    sel = scale["status"]["labelSelector"]
    assert len(kube.list("Pod", namespace, sel)) == 3, "the scale selector matches the pods"
    # An explicit delete label picks the victim of a scale-in.
    kube.patch(
        "Instance",
        "web-1",
        namespace,
        {"metadata": {"labels": {keys.LABEL_INSTANCESET_SPECIFIED_DELETE: "true"}}},
    )
    kube.patch("InstanceSet", "web", namespace, {"spec": {"replicas": 2}}, subresource="scale")
    kube.wait_for("2 ready instances", count(2), 60, dump=lambda: dump(kube, namespace))
    assert kube.wait_for(
        "web-1 gone",
        lambda: sorted(i["metadata"]["name"] for i in kube.list("Instance", namespace)) == ["web-0", "web-2"],
        30,
    )
    # Scale out again: the lowest free ordinal is taken.
    kube.patch("InstanceSet", "web", namespace, {"spec": {"replicas": 3}}, subresource="scale")
    kube.wait_for("3 ready instances again", count(3), 60, dump=lambda: dump(kube, namespace))
    assert sorted(i["metadata"]["name"] for i in kube.list("Instance", namespace)) == [
        "web-0",
        "web-1",
        "web-2",
    ]
    # A HorizontalPodAutoscaler reads the scale subresource (there is no metrics server to act on).
    kube.create(
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web"},
            "spec": {
                "scaleTargetRef": {
                    "apiVersion": "workloads.x-k8s.io/v1alpha1",
                    "kind": "InstanceSet",
                    "name": "web",
                },
                "minReplicas": 1,
                "maxReplicas": 5,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 50},
                        },
                    }
                ],
            },
        },
        namespace,
    )

    def scale_read() -> dict[str, Any] | None:
        hpa = kube.get("HorizontalPodAutoscaler", "web", namespace)
        c = condition(hpa, "AbleToScale")
        return c if c and c["status"] == "True" else None

    able = kube.wait_for("the HPA read the scale subresource", scale_read, 60)
    assert able["reason"] == "SucceededGetScale"
    kube.delete("HorizontalPodAutoscaler", "web", namespace)
    # Without a delete label, the highest ordinal goes first.
    kube.patch("InstanceSet", "web", namespace, {"spec": {"replicas": 2}}, subresource="scale")
    kube.wait_for(
        "web-2 gone",
        lambda: sorted(i["metadata"]["name"] for i in kube.list("Instance", namespace)) == ["web-0", "web-1"],
        60,
        dump=lambda: dump(kube, namespace),
    )


def test_standalone_instance_runs_its_components(kube: Kube, namespace: str) -> None:
    def comp(name: str, size: int) -> dict[str, Any]:
        return {
            "name": name,
            "size": size,
            "template": {"spec": {"containers": [{"name": "c", "image": OLD}]}},
        }

    kube.create(
        {
            "apiVersion": "workloads.x-k8s.io/v1alpha1",
            "kind": "Instance",
            "metadata": {"name": "solo"},
            "spec": {"components": [comp("leader", 1), comp("worker", 2)]},
        },
        namespace,
    )

    def ready() -> dict[str, Any] | None:
        inst = kube.get("Instance", "solo", namespace)
        c = condition(inst, keys.CONDITION_INSTANCE_READY)
        return inst if c and c["status"] == "True" else None

    inst = kube.wait_for("Instance ready", ready, 60, dump=lambda: dump(kube, namespace))
    assert sorted(pods(kube, namespace)) == ["solo-leader-0", "solo-worker-0", "solo-worker-1"]
    assert [(c["name"], c["readyReplicas"]) for c in inst["status"]["componentStatuses"]] == [
        ("leader", 1),
        ("worker", 2),
    ]
    assert inst["status"]["labelSelector"] == f"{keys.LABEL_INSTANCE_NAME}=solo"
