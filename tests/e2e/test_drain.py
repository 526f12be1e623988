"""Graceful drain against the devcluster: pods of a drain-enabled role leave the serving endpoints
first and are deleted (by the StatefulSet controller, whose deletion the webhook holds) only once their
HTTP drain probe answers 200 or the drain timeout passes; an operator killed mid-drain resumes it."""

from __future__ import annotations

import copy
import http.server
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from rbg_operator.api import keys
from rbg_operator.devcluster.cluster import DevCluster
from rbg_operator.planning.timestamps import parse
from tests.e2e.kube import Kube, Recorder, kubectl, kubectl_argv, pod_condition
from tests.e2e.operator_process import OperatorProcess
from tests.e2e.test_instanceset import condition

pytestmark = pytest.mark.usefixtures("operator")
SERVING = "decode-serving"


class ProbeServer:
    """A stand-in for the engines' drain endpoints: /drained?pod=<name> answers 200 once the test says
    that pod has drained, 503 before."""

    def __init__(self) -> None:
        self.drained: set[str] = set()
        self.all_drained = False
        self.asked: dict[str, int] = {}
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                pod = self.path.split("pod=", 1)[-1]
                outer.asked[pod] = outer.asked.get(pod, 0) + 1
                self.send_response(200 if outer.all_drained or pod in outer.drained else 503)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/drained?pod=$(POD_NAME)"


@pytest.fixture
def probe() -> Iterator[ProbeServer]:
    server = ProbeServer()
    yield server
    # Keep answering (everything drained) so that the namespace's teardown drains its pods at once;
    # the server thread is a daemon and ends with the session.
    server.all_drained = True


def group(name: str, replicas: int, annotations: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "workloads.x-k8s.io/v1alpha1",
        "kind": "RoleBasedGroup",
        "metadata": {"name": name},
        "spec": {
            "roles": [
                {
                    "name": "decode",
                    "replicas": replicas,
                    "annotations": annotations,
                    "template": {"spec": {"containers": [{"name": "engine", "image": "engine:v1"}]}},
                }
            ]
        },
    }


def serving_service(kube: Kube, ns: str) -> None:
    kube.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": SERVING},
            "spec": {"selector": {keys.LABEL_ROLE_NAME_V1: "decode"}, "ports": [{"port": 30000}]},
        },
        ns,
    )


def endpoints(kube: Kube, ns: str) -> dict[str, bool]:
    """pod name -> ready, as the serving Service's EndpointSlices say."""
    out: dict[str, bool] = {}
    for s in kube.list("EndpointSlice", ns, f"kubernetes.io/service-name={SERVING}"):
        for e in s.get("endpoints") or []:
            out[e["targetRef"]["name"]] = bool(e["conditions"].get("ready"))
    return out


def live_pods(kube: Kube, ns: str) -> dict[str, dict[str, Any]]:
    return {
        p["metadata"]["name"]: p for p in kube.list("Pod", ns) if not p["metadata"].get("deletionTimestamp")
    }


def wait_ready(kube: Kube, ns: str, name: str, replicas: int) -> None:
    def ready() -> bool:
        rbg = kube.get("RoleBasedGroup", name, ns)
        c = condition(rbg, "Ready")
        return bool(
            c
            and c["status"] == "True"
            and rbg
            and rbg["status"]["observedGeneration"] == rbg["metadata"]["generation"]
        )

    kube.wait_for(f"{name} Ready", ready, 90, dump=lambda: kube.dump_namespace(ns))
    kube.wait_for("serving endpoints", lambda: list(endpoints(kube, ns).values()).count(True) == replicas, 60)


def merged(*recorders: Recorder) -> list[tuple[str, dict[str, Any]]]:
    """Events of several watches in the API server's global order (resourceVersion)."""
    events = [e for r in recorders for e in r.events]
    return sorted(events, key=lambda e: int(e[1]["metadata"]["resourceVersion"]))


def scale(kube: Kube, ns: str, name: str, replicas: int) -> None:
    rbg = kube.get("RoleBasedGroup", name, ns)
    assert rbg is not None
    roles = copy.deepcopy(rbg["spec"]["roles"])
    roles[0]["replicas"] = replicas
    kube.patch("RoleBasedGroup", name, ns, {"spec": {"roles": roles}})


def serving_endpoints(slice_: dict[str, Any]) -> dict[str, bool] | None:
    """Pod name -> ready, from an EndpointSlice of the serving Service (None for other slices)."""
    if slice_["metadata"].get("labels", {}).get("kubernetes.io/service-name") != SERVING:
        return None
    return {e["targetRef"]["name"]: bool(e["conditions"].get("ready")) for e in slice_.get("endpoints") or []}


def test_scale_in_drains_victims_before_deleting_them(kube: Kube, namespace: str, probe: ProbeServer) -> None:
    ann = {keys.ANNOTATION_DRAIN_TIMEOUT: "120s", keys.ANNOTATION_DRAIN_PROBE_URL: probe.url()}
    kube.create(group("dr", 3, ann), namespace)
    serving_service(kube, namespace)
    wait_ready(kube, namespace, "dr", 3)
    pods0 = live_pods(kube, namespace)
    assert all(
        keys.READINESS_GATE_IN_SERVICE in [g["conditionType"] for g in p["spec"]["readinessGates"]]
        for p in pods0.values()
    )
    rec, slices = Recorder(kube, "Pod", namespace), Recorder(kube, "EndpointSlice", namespace)
    try:
        scale(kube, namespace, "dr", 1)

        def draining() -> bool:
            pods = live_pods(kube, namespace)
            eps = endpoints(kube, namespace)
            return all(
                n in pods
                and pods[n]["metadata"]["labels"].get(keys.LABEL_DRAINING) == "true"
                and eps.get(n) is False
                for n in ("dr-decode-1", "dr-decode-2")
            )

        kube.wait_for(
            "both victims draining and out of the endpoints",
            draining,
            60,
            dump=lambda: kube.dump_namespace(namespace),
        )
        # The probe says "not drained": they stay (still asked), until the engine reports drained.
        kube.wait_for("probed", lambda: probe.asked.get("dr-decode-2", 0) >= 3, 30)
        assert {"dr-decode-1", "dr-decode-2"} <= set(live_pods(kube, namespace))
        probe.drained.add("dr-decode-2")
        kube.wait_for(
            "dr-decode-2 gone",
            lambda: "dr-decode-2" not in live_pods(kube, namespace),
            60,
            dump=lambda: kube.dump_namespace(namespace),
        )
        assert "dr-decode-1" in live_pods(kube, namespace), "the other victim still drains"
        probe.drained.add("dr-decode-1")
        kube.wait_for("dr-decode-1 gone", lambda: sorted(live_pods(kube, namespace)) == ["dr-decode-0"], 60)
        wait_ready(kube, namespace, "dr", 1)
    finally:
        rec.stop()
        slices.stop()
    # Replay: a victim's deletion comes after it left the endpoints and after its drain ended;
    # dr-decode-0 served throughout.
    eps: dict[str, bool] = {}
    for etype, obj in merged(rec, slices):
        if obj["kind"] == "EndpointSlice":
            if (serving := serving_endpoints(obj)) is not None:
                eps = serving
                assert eps.get("dr-decode-0") is True, "the remaining pod kept serving"
            continue
        name = obj["metadata"]["name"]
        if name == "dr-decode-0":
            assert pod_condition(obj, "Ready") == "True"
        elif obj["metadata"].get("deletionTimestamp") and etype != "DELETED":
            assert eps.get(name) is not True, f"{name} deleted while in the serving endpoints"
            assert obj["metadata"]["annotations"].get(keys.ANNOTATION_DRAINED_BY) == "probe"


def test_rolling_update_never_deletes_a_pod_in_the_endpoints(kube: Kube, namespace: str) -> None:
    kube.create(group("ru", 3, {keys.ANNOTATION_DRAIN_TIMEOUT: "2s"}), namespace)
    serving_service(kube, namespace)
    wait_ready(kube, namespace, "ru", 3)
    rec, slices = Recorder(kube, "Pod", namespace), Recorder(kube, "EndpointSlice", namespace)
    try:
        rbg = kube.get("RoleBasedGroup", "ru", namespace)
        assert rbg is not None
        roles = copy.deepcopy(rbg["spec"]["roles"])
        roles[0]["template"]["spec"]["containers"][0]["image"] = "engine:v2"
        kube.patch("RoleBasedGroup", "ru", namespace, {"spec": {"roles": roles}})

        def rolled() -> bool:
            pods = live_pods(kube, namespace)
            return len(pods) == 3 and all(
                p["spec"]["containers"][0]["image"] == "engine:v2" and pod_condition(p, "Ready") == "True"
                for p in pods.values()
            )

        kube.wait_for("rolled out", rolled, 120, dump=lambda: kube.dump_namespace(namespace))
        wait_ready(kube, namespace, "ru", 3)
    finally:
        rec.stop()
        slices.stop()
    eps: dict[str, bool] = {}
    deleted: list[str] = []
    for etype, obj in merged(rec, slices):
        if obj["kind"] == "EndpointSlice":
            if (serving := serving_endpoints(obj)) is not None:
                eps = serving
            continue
        name = obj["metadata"]["name"]
        if (
            obj["metadata"].get("deletionTimestamp")
            and etype != "DELETED"
            and obj["metadata"]["uid"] not in deleted
        ):
            deleted.append(obj["metadata"]["uid"])
            assert eps.get(name) is not True, f"{name} deleted while in the serving endpoints"
            started = obj["metadata"]["annotations"].get(keys.ANNOTATION_DRAIN_STARTED_AT)
            assert started, f"{name} deleted without a drain"
            requested = parse(obj["metadata"]["deletionTimestamp"]) - obj["metadata"].get(
                "deletionGracePeriodSeconds", 0
            )
            assert requested - parse(started) >= 1, "the 2s drain was awaited (timestamps have 1s resolution)"
    assert len(deleted) == 3


@pytest.mark.parametrize("how", ["kill", "stop"])
def test_operator_killed_mid_drain_resumes_it(
    kube: Kube, namespace: str, probe: ProbeServer, operator: OperatorProcess, how: str
) -> None:
    ann = {keys.ANNOTATION_DRAIN_TIMEOUT: "120s", keys.ANNOTATION_DRAIN_PROBE_URL: probe.url()}
    kube.create(group("kd", 2, ann), namespace)
    wait_ready_pods = lambda n: len(live_pods(kube, namespace)) == n  # noqa: E731
    serving_service(kube, namespace)
    wait_ready(kube, namespace, "kd", 2)
    scale(kube, namespace, "kd", 1)
    kube.wait_for(
        "kd-decode-1 draining",
        lambda: (
            (live_pods(kube, namespace).get("kd-decode-1") or {})
            .get("metadata", {})
            .get("labels", {})
            .get(keys.LABEL_DRAINING)
            == "true"
        ),
        60,
    )
    if how == "kill":
        operator.kill()
    else:
        operator.stop()  # a clean exit, in which kopf removes its non-persistent webhooks
    try:
        probe.drained.add("kd-decode-1")  # the engine finishes while nobody watches
        # Nothing deletes it early: the StatefulSet controller's retries fail while the webhook is down
        # (failurePolicy Fail). Watched for a few seconds; any deletion ends the window early and fails.
        import time

        window = time.monotonic() + 5
        while time.monotonic() < window:
            held = kube.get("Pod", "kd-decode-1", namespace)
            assert held is not None and not held["metadata"].get("deletionTimestamp"), "deleted while down"
            time.sleep(0.5)
    finally:
        operator.start(kube)
    kube.wait_for(
        "kd-decode-1 removed after the restart",
        lambda: wait_ready_pods(1),
        90,
        dump=lambda: kube.dump_namespace(namespace),
    )
    wait_ready(kube, namespace, "kd", 1)
    left = live_pods(kube, namespace)["kd-decode-0"]
    assert keys.LABEL_DRAINING not in left["metadata"]["labels"], "nothing left stuck"


def test_in_place_update_of_a_drain_enabled_instanceset_role_drains_first(kube: Kube, namespace: str) -> None:
    from tests.e2e.test_instanceset import NEW, OLD, image, is_role, set_image

    role = is_role(2, 2, rolling={"maxUnavailable": 1})
    role["annotations"] = {keys.ANNOTATION_DRAIN_TIMEOUT: "2s"}
    rbg = kube.create(
        {
            "apiVersion": "workloads.x-k8s.io/v1alpha1",
            "kind": "RoleBasedGroup",
            "metadata": {"name": "ipd"},
            "spec": {"roles": [role]},
        },
        namespace,
    )
    wait_ready(kube, namespace, "ipd", 0)
    before = {n: p["metadata"]["uid"] for n, p in live_pods(kube, namespace).items()}
    assert len(before) == 4 and all(image(p) == OLD for p in live_pods(kube, namespace).values())
    rec = Recorder(kube, "Pod", namespace)
    try:
        set_image(kube, namespace, rbg, NEW)

        def done() -> bool:
            pods = live_pods(kube, namespace)
            return len(pods) == 4 and all(
                image(p) == NEW
                and pod_condition(p, "Ready") == "True"
                and keys.LABEL_DRAINING not in p["metadata"]["labels"]
                and keys.ANNOTATION_DRAIN_STARTED_AT not in (p["metadata"].get("annotations") or {})
                for p in pods.values()
            )

        kube.wait_for("in-place rollout with drains", done, 120, dump=lambda: kube.dump_namespace(namespace))
    finally:
        rec.stop()
    assert {n: p["metadata"]["uid"] for n, p in live_pods(kube, namespace).items()} == before
    started: dict[str, str] = {}
    for _, pod in rec.events:
        name, ann = pod["metadata"]["name"], pod["metadata"].get("annotations") or {}
        if keys.ANNOTATION_DRAIN_STARTED_AT in ann:
            started.setdefault(name, ann[keys.ANNOTATION_DRAIN_STARTED_AT])
        if image(pod) == NEW:
            assert name in started, f"{name} restarted before it drained"


def test_disruption_budget_per_role_limits_evictions(kube: Kube, namespace: str) -> None:
    from rbg_operator.devcluster.rest import ApiError

    pdb_group = group("pdb", 3, {keys.ANNOTATION_PDB_MAX_UNAVAILABLE: "1"})
    # An evicted pod takes a while to terminate (as real engines do), so its replacement cannot
    # restore the budget between the two evictions below.
    pdb_group["spec"]["roles"][0]["template"]["metadata"] = {
        "annotations": {"devcluster.rbg.x-k8s.io/termination-delay": "20s"}
    }
    kube.create(pdb_group, namespace)
    wait_ready(kube, namespace, "pdb", 0)

    def budget() -> dict[str, Any] | None:
        pdb = kube.get("PodDisruptionBudget", "pdb-decode", namespace)
        return pdb if pdb and (pdb.get("status") or {}).get("disruptionsAllowed") == 1 else None

    pdb = kube.wait_for(
        "the role's PodDisruptionBudget in force", budget, 60, dump=lambda: kube.dump_namespace(namespace)
    )
    assert pdb["spec"]["maxUnavailable"] == 1
    assert pdb["metadata"]["ownerReferences"][0]["kind"] == "RoleBasedGroup"

    def evict(pod: str) -> int:
        body = {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": pod, "namespace": namespace},
        }
        try:
            kube.rest.request("POST", kube.path("Pod", namespace, pod) + "/eviction", body)
        except ApiError as err:
            return err.status
        return 201

    assert evict("pdb-decode-0") == 201  # a node drain may take one decode pod ...
    assert evict("pdb-decode-1") == 429  # ... but not a second one while the first is away
    rbg = kube.get("RoleBasedGroup", "pdb", namespace)
    assert rbg is not None
    roles = copy.deepcopy(rbg["spec"]["roles"])
    roles[0]["annotations"] = {}
    kube.patch("RoleBasedGroup", "pdb", namespace, {"spec": {"roles": roles}})
    kube.wait_for(
        "budget removed with the annotation",
        lambda: kube.get("PodDisruptionBudget", "pdb-decode", namespace) is None,
        60,
    )


def test_deleting_the_group_drains_its_pods(kube: Kube, namespace: str) -> None:
    kube.create(group("gd", 2, {keys.ANNOTATION_DRAIN_TIMEOUT: "2s"}), namespace)
    wait_ready(kube, namespace, "gd", 0)
    rec = Recorder(kube, "Pod", namespace)
    try:
        kube.delete("RoleBasedGroup", "gd", namespace)
        kube.wait_for(
            "the group and its pods gone",
            lambda: not kube.list("Pod", namespace),
            90,
            dump=lambda: kube.dump_namespace(namespace),
        )
    finally:
        rec.stop()
    seen: set[str] = set()
    for etype, pod in rec.events:
        meta = pod["metadata"]
        if meta.get("deletionTimestamp") and etype != "DELETED" and meta["name"] not in seen:
            seen.add(meta["name"])
            assert keys.ANNOTATION_DRAIN_STARTED_AT in (meta.get("annotations") or {}), (
                f"{meta['name']} not drained"
            )
    assert seen == {"gd-decode-0", "gd-decode-1"}


def test_kubectl_drain_of_a_node_waits_for_the_pods_drain(
    kube: Kube, namespace: str, probe: ProbeServer, devcluster: DevCluster
) -> None:
    """Evictions (kubectl drain, autoscalers) are held like deletions: the eviction of a drain-enabled pod
    starts its drain and is refused with 429, which kubectl drain retries until the pod has drained; the
    role's other pod keeps serving throughout."""
    ann = {keys.ANNOTATION_DRAIN_TIMEOUT: "120s", keys.ANNOTATION_DRAIN_PROBE_URL: probe.url()}
    kube.create(group("ev", 2, ann), namespace)
    serving_service(kube, namespace)
    wait_ready(kube, namespace, "ev", 2)
    victim = live_pods(kube, namespace)["ev-decode-1"]
    node = victim["spec"]["nodeName"]
    only_victim = "--pod-selector=statefulset.kubernetes.io/pod-name=ev-decode-1"
    drain_args = ("drain", node, only_victim, "--ignore-daemonsets", "--timeout=90s")
    argv = kubectl_argv(devcluster.layout.kubeconfig, *drain_args)
    drainer = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:

        def draining() -> bool:
            pod = live_pods(kube, namespace).get("ev-decode-1")
            return bool(
                pod
                and pod["metadata"]["uid"] == victim["metadata"]["uid"]
                and pod["metadata"]["labels"].get(keys.LABEL_DRAINING) == "true"
                and endpoints(kube, namespace).get("ev-decode-1") is False
            )

        kube.wait_for(
            "the evicted pod draining, out of the endpoints",
            draining,
            60,
            dump=lambda: kube.dump_namespace(namespace),
        )
        kube.wait_for("probed", lambda: probe.asked.get("ev-decode-1", 0) >= 3, 30)
        assert drainer.poll() is None, (
            f"kubectl drain finished before the drain: {drainer.stdout.read() if drainer.stdout else ''}"
        )
        assert endpoints(kube, namespace).get("ev-decode-0") is True
        probe.drained.add("ev-decode-1")
        out, _ = drainer.communicate(timeout=90)
        assert drainer.returncode == 0, out
        assert "evicted" in out and "429" not in out.split("evicted")[-1], out
        gone = kube.get("Pod", "ev-decode-1", namespace)
        assert (
            gone is None
            or gone["metadata"]["uid"] != victim["metadata"]["uid"]
            or gone["metadata"].get("deletionTimestamp")
        )
        assert (
            live_pods(kube, namespace)["ev-decode-0"]["metadata"]["labels"].get(keys.LABEL_DRAINING) is None
        )
    finally:
        if drainer.poll() is None:
            drainer.kill()
        kubectl(devcluster.layout.kubeconfig, "uncordon", node)
