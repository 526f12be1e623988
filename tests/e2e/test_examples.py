"""Every manifest in examples/ (v1alpha1) and examples/v1alpha2/ applied, unchanged unless said so below,
into a fresh namespace of the devcluster with the operator running: the group gets Ready and the feature
the example is about is checked, with the same check for both versions of an example (CHECKS, by file
name). The checks read the group as the operator does, as the v1alpha2 hub model (a v1alpha1 group
converted), and write it back in the version it was written in. A new example without a check in CHECKS
fails here.

Devcluster adjustments, all explicit: no LeaderWorkerSet controller runs here, so the test writes the
status an LWS controller would; no coscheduling scheduler runs here, so the gang example's scheduler name
is pointed at the default scheduler."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from rbg_operator.api import keys
from rbg_operator.api.convert import to_hub_group
from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleSpec
from tests.e2e.kube import Kube, WaitTimeout, pod_condition
from tests.e2e.test_instanceset import condition, wait_ready
from tests.e2e.test_scaling_adapter import ready_pods

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
V2_EXAMPLES = sorted((ROOT / "examples" / "v1alpha2").glob("*.yaml"))
ALL_EXAMPLES = [*EXAMPLES, *V2_EXAMPLES]
Docs = list[dict[str, Any]]
JSON = dict[str, Any]
LWS_API = "leaderworkerset.x-k8s.io/v1"
GPU = "nvidia.com/gpu"


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def load(path: Path) -> Docs:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def the_group(docs: Docs) -> JSON:
    (group,) = [d for d in docs if d["kind"] == keys.KIND_ROLE_BASED_GROUP]
    return group


def hub(docs: Docs) -> RoleBasedGroup:
    """The example's group as the operator reads it: the v1alpha2 model, whatever version it is written in."""
    return to_hub_group(the_group(docs))


def version(docs: Docs) -> str:
    """The version the example's group is written in (v1alpha1 or v1alpha2)."""
    return str(the_group(docs)["apiVersion"]).rpartition("/")[2]


def pod_template(role: JSON) -> JSON:
    """A role's pod template in either version (v1alpha1 ``template``, v1alpha2 in its pattern), itself:
    editing it edits the role."""
    holder = role if "template" in role else role.get("standalonePattern") or role["leaderWorkerPattern"]
    template: JSON = holder["template"]
    return template


def example_id(path: Path) -> str:
    return str(path.relative_to(ROOT / "examples"))


def create_all(kube: Kube, ns: str, docs: Docs) -> None:
    for doc in docs:
        kube.create(doc, ns)


def dump(kube: Kube, ns: str) -> JSON:
    return {
        "rbg": [
            {
                "metadata": {k: v for k, v in r["metadata"].items() if k != "managedFields"},
                "status": r.get("status"),
            }
            for r in kube.list("RoleBasedGroup", ns)
        ],
        **kube.dump_namespace(ns, ("Pod", "StatefulSet", "LeaderWorkerSet", "InstanceSet", "Instance")),
        "events": [
            f"{e['involvedObject']['kind']}/{e['involvedObject']['name']}: {e['reason']} {e['message']}"
            for e in kube.list("Event", ns)
        ][-40:],
    }


def live_pods(kube: Kube, ns: str, selector: str | None = None) -> list[JSON]:
    return [p for p in kube.list("Pod", ns, selector) if not p["metadata"].get("deletionTimestamp")]


def role_pods(kube: Kube, ns: str, group: str, role: str) -> list[JSON]:
    sel = f"{keys.LABEL_GROUP_NAME_V1}={group},{keys.LABEL_ROLE_NAME_V1}={role}"
    return live_pods(kube, ns, sel)


def wait_for_free_domains(kube: Kube, ns: str, key: str, count: int) -> None:
    """Earlier tests' namespaces are deleted at their teardown, not waited for: wait until ``count``
    domains of node label ``key`` hold no GPU pod of another namespace (the scheduler spreads pods over
    nodes, so a previous test's leftovers may touch every domain for a few seconds)."""

    def busy() -> dict[str, list[str]]:
        nodes = {n["metadata"]["name"]: n["metadata"]["labels"].get(key, "") for n in kube.list("Node")}
        out: dict[str, list[str]] = {d: [] for d in nodes.values() if d}
        for p in kube.list("Pod"):
            domain = nodes.get(p["spec"].get("nodeName", ""), "")
            gpus = sum(
                int((c.get("resources") or {}).get("requests", {}).get(GPU, "0"))
                for c in p["spec"]["containers"]
            )
            if domain and gpus and p["metadata"]["namespace"] != ns:
                out[domain].append(f"{p['metadata']['namespace']}/{p['metadata']['name']}")
        return out

    kube.wait_for(
        f"{count} free domains of {key}",
        lambda: sum(1 for pods in busy().values() if not pods) >= count,
        90,
        dump=busy,
    )


def assert_roles_run(kube: Kube, ns: str, group: RoleBasedGroup) -> None:
    """Each role has its workload, headless Service and (for pod-creating workloads) its Ready pods."""
    name = group.name
    for role in group.spec.roles:
        kind = role.workload.kind
        workload = kube.get(kind, f"{name}-{role.name}", ns)
        assert workload is not None, f"{kind} {name}-{role.name} missing: {dump(kube, ns)}"
        assert workload["spec"]["replicas"] == role.replicas
        svc = kube.get("Service", f"s-{name}-{role.name}", ns)
        assert svc is not None and svc["spec"]["clusterIP"] == "None"
        assert sorted(p["port"] for p in svc["spec"].get("ports", [])) == sorted(
            p.port for p in role.service_ports or []
        )
        if kind == "LeaderWorkerSet":
            continue
        pods = role_pods(kube, ns, name, role.name)
        assert len(pods) == role.replicas * role.group_size, [p["metadata"]["name"] for p in pods]
        assert all(pod_condition(p, "Ready") == "True" for p in pods), dump(kube, ns)
        for p in pods:
            labels = p["metadata"]["labels"]
            assert labels[keys.LABEL_GROUP_NAME_V2] == name and labels[keys.LABEL_ROLE_NAME_V2] == role.name


# --------------------------------------------------------------------------------------------
# One check per example
# --------------------------------------------------------------------------------------------


def check_pd_statefulset(kube: Kube, ns: str, docs: Docs) -> None:
    """Router, prefill and decode on StatefulSets, each with its headless Service and Ready pods."""
    group = hub(docs)
    create_all(kube, ns, docs)
    rbg = wait_ready(kube, ns, group.name)
    assert [(r["name"], r["readyReplicas"]) for r in rbg["status"]["roleStatuses"]] == [
        (r.name, r.replicas) for r in group.spec.roles
    ]
    assert_roles_run(kube, ns, group)


def check_pd_instanceset(kube: Kube, ns: str, docs: Docs) -> None:
    """InstanceSet roles: one Instance per replica, each with a Ready leader and worker pod."""
    group = hub(docs)
    name = group.name
    create_all(kube, ns, docs)
    wait_ready(kube, ns, name, timeout=120)
    assert_roles_run(kube, ns, group)
    instances = {i["metadata"]["name"]: i for i in kube.list("Instance", ns)}
    expected = [f"{name}-{r.name}-{i}" for r in group.spec.roles for i in range(r.replicas)]
    assert sorted(instances) == sorted(expected)
    pods = {p["metadata"]["name"]: p for p in live_pods(kube, ns)}
    for role in group.spec.roles:
        iset = kube.get("InstanceSet", f"{name}-{role.name}", ns)
        assert iset is not None and iset["status"]["readyReplicas"] == role.replicas
        for i in range(role.replicas):
            instance = f"{name}-{role.name}-{i}"
            assert (condition(instances[instance], "InstanceReady") or {}).get("status") == "True"
            components = ["leader", "worker"] if role.leader_worker_pattern else [role.name]
            for c in components:
                pod = pods[f"{instance}-{c}-0"]
                assert pod["metadata"]["labels"][keys.LABEL_INSTANCE_NAME] == instance
                assert pod_condition(pod, "Ready") == "True"


def play_lws_controller(kube: Kube, ns: str) -> None:
    """Report every LeaderWorkerSet's groups as created, updated and ready, as the LWS controller would."""
    for lws in kube.list("LeaderWorkerSet", ns):
        n, name = lws["spec"]["replicas"], lws["metadata"]["name"]
        status = {
            "replicas": n,
            "readyReplicas": n,
            "updatedReplicas": n,
            "observedGeneration": lws["metadata"]["generation"],
            "hpaPodSelector": f"{keys.LABEL_LWS_NAME}={name},{keys.LABEL_LWS_WORKER_INDEX}=0",
        }
        current = lws.get("status") or {}
        if any(current.get(k) != v for k, v in status.items()):
            kube.patch("LeaderWorkerSet", name, ns, {"status": status}, subresource="status")


def check_pd_lws(kube: Kube, ns: str, docs: Docs) -> None:
    """Prefill and decode as LeaderWorkerSets of the example's sizes; the router waits for both."""
    group = hub(docs)
    name = group.name
    lws_roles = {r.name: r for r in group.spec.roles if r.workload.kind == "LeaderWorkerSet"}
    assert lws_roles, "the example has LeaderWorkerSet roles"
    create_all(kube, ns, docs)

    def all_lws() -> list[JSON] | None:
        found = kube.list("LeaderWorkerSet", ns)
        return found if len(found) == len(lws_roles) else None

    found = kube.wait_for("the LeaderWorkerSets", all_lws, 30, dump=lambda: dump(kube, ns))
    for lws in found:
        role = lws_roles[lws["metadata"]["name"].removeprefix(f"{name}-")]
        assert lws["apiVersion"] == LWS_API
        assert lws["metadata"]["ownerReferences"][0]["kind"] == keys.KIND_ROLE_BASED_GROUP
        tmpl = lws["spec"]["leaderWorkerTemplate"]
        assert lws["spec"]["replicas"] == role.replicas
        assert tmpl["size"] == role.group_size
        assert tmpl["restartPolicy"] == "RecreateGroupOnPodRestart"
        leader = tmpl["leaderTemplate"]["spec"]["containers"][0]
        worker = tmpl["workerTemplate"]["spec"]["containers"][0]
        assert "readinessProbe" in leader and "readinessProbe" not in worker, (
            "leader patch only on the leader"
        )
        assert leader["image"] == worker["image"] and leader["command"] == worker["command"]
        for c in (leader, worker):  # LWS_* env comes from the LWS controller, the group's from us
            assert {"GROUP_NAME", "RBG_GROUP_NAME", "ROLE_NAME"} <= {e["name"] for e in c.get("env", [])}
    # The router depends on both engines: nothing of it exists while they are not ready.
    assert kube.get("StatefulSet", f"{name}-router", ns) is None

    def ready() -> JSON | None:
        play_lws_controller(kube, ns)
        rbg = kube.get("RoleBasedGroup", name, ns)
        c = condition(rbg, "Ready")
        gen_ok = rbg is not None and rbg["status"].get("observedGeneration") == rbg["metadata"]["generation"]
        return rbg if c and c["status"] == "True" and gen_ok else None

    kube.wait_for(f"{name} Ready", ready, 60, dump=lambda: dump(kube, ns))
    assert_roles_run(kube, ns, group)


def domains(kube: Kube, ns: str, key: str, group: str) -> dict[str, set[str]]:
    """Per role of ``group``: the values of node label ``key`` where its pods run ("" when unlabelled)."""
    nodes = {n["metadata"]["name"]: n["metadata"]["labels"].get(key, "") for n in kube.list("Node")}
    out: dict[str, set[str]] = {}
    for p in live_pods(kube, ns, f"{keys.LABEL_GROUP_NAME_V1}={group}"):
        out.setdefault(p["metadata"]["labels"][keys.LABEL_ROLE_NAME_V1], set()).add(
            nodes[p["spec"]["nodeName"]]
        )
    return out


def opts_out(role: RoleSpec) -> bool:
    """Whether a role opts out of the exclusive topology (either key, on its pod template or the role)."""
    template = role.template
    meta = template.metadata if template is not None else None
    annotations = {**((meta.annotations if meta is not None else None) or {}), **(role.annotations or {})}
    disable = (keys.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V1, keys.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2)
    return any(annotations.get(k) == "true" for k in disable)


def check_exclusive_topology(kube: Kube, ns: str, docs: Docs) -> None:
    """Every GPU pod of the group in one domain of the key; a second copy of the group gets another one."""
    group = hub(docs)
    name = group.name
    key = group.exclusive_topology_key
    assert key, "the example names an exclusive topology key"
    opted_out = {r.name for r in group.spec.roles if opts_out(r)}
    assert opted_out, "the example's router opts out"
    twin = copy.deepcopy(the_group(docs))
    twin["metadata"]["name"] = f"{name}-2"
    wait_for_free_domains(kube, ns, key, 2)
    create_all(kube, ns, [*docs, twin])
    wait_ready(kube, ns, name)
    wait_ready(kube, ns, f"{name}-2")
    assert_roles_run(kube, ns, group)
    placed: dict[str, str] = {}
    for g in (name, f"{name}-2"):
        by_role = domains(kube, ns, key, g)
        exclusive = set().union(*(d for r, d in by_role.items() if r not in opted_out))
        assert len(exclusive) == 1 and "" not in exclusive, f"{g}: {by_role}"
        placed[g] = exclusive.pop()
        for r in opted_out:  # the CPU router runs off the GPU nodes, outside every domain
            assert by_role[r] == {""}, f"{g}: {by_role}"
    assert placed[name] != placed[f"{name}-2"], f"two groups share a domain: {placed}"
    print(f"\n{key} of each group: {placed}")
    sts = kube.get("StatefulSet", f"{name}-decode", ns)
    assert sts is not None
    affinity = sts["spec"]["template"]["spec"]["affinity"]
    assert [
        t["topologyKey"] for t in affinity["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    ] == [key]


def check_gang_scheduling(kube: Kube, ns: str, docs: Docs) -> None:
    """A coscheduling PodGroup with minMember = every pod, and every pod in it, on the named scheduler."""
    docs = copy.deepcopy(docs)
    annotations = the_group(docs)["metadata"]["annotations"]
    # Devcluster: no scheduler-plugins scheduler runs; the default scheduler places the pods instead.
    assert annotations[keys.ANNOTATION_SCHEDULER_NAME]
    annotations[keys.ANNOTATION_SCHEDULER_NAME] = "default-scheduler"
    group = hub(docs)
    name = group.name
    policy = group.pod_group_policy
    assert policy is not None and policy.kube_scheduling is not None, "a scheduler-plugins gang"
    create_all(kube, ns, docs)
    wait_ready(kube, ns, name)
    assert_roles_run(kube, ns, group)
    path = f"/apis/scheduling.x-k8s.io/v1alpha1/namespaces/{ns}/podgroups/{name}"
    pg = kube.rest.request("GET", path)
    total = sum(r.replicas * r.group_size for r in group.spec.roles)
    assert pg["spec"]["minMember"] == total, pg["spec"]
    assert pg["spec"]["scheduleTimeoutSeconds"] == policy.kube_scheduling.schedule_timeout_seconds
    assert pg["metadata"]["ownerReferences"][0]["name"] == name
    pods = live_pods(kube, ns, f"{keys.LABEL_GROUP_NAME_V1}={name}")
    assert len(pods) == total
    for p in pods:
        assert p["metadata"]["labels"].get(keys.LABEL_POD_GROUP_SCHEDULER_PLUGINS) == name, p["metadata"]
        assert p["spec"]["schedulerName"] == "default-scheduler"


def check_coordinated_rollout(kube: Kube, ns: str, docs: Docs) -> None:
    """An image change of prefill and decode: their updated fractions stay within maxSkew at every
    sample, the rollout goes in several steps, and the router is left alone."""
    group = hub(docs)
    name = group.name
    (coord,) = group.coordination or []
    assert coord.strategy is not None and coord.strategy.rolling_update is not None
    skew = int(str(coord.strategy.rolling_update.max_skew).rstrip("%")) / 100
    roles = {r.name: r for r in group.spec.roles}
    moving = list(coord.roles)
    create_all(kube, ns, docs)
    wait_ready(kube, ns, name)
    (router,) = role_pods(kube, ns, name, "router")
    assert router["spec"]["serviceAccountName"] == "sglang-router"
    # The image change, in the version the example is written in.
    rbg = kube.get("RoleBasedGroup", name, ns, version=version(docs))
    assert rbg is not None and rbg["apiVersion"] == the_group(docs)["apiVersion"]
    new_roles = copy.deepcopy(rbg["spec"]["roles"])
    images: dict[str, str] = {}
    for r in new_roles:
        if r["name"] in moving:
            c = pod_template(r)["spec"]["containers"][0]
            c["image"] = images[r["name"]] = c["image"].rsplit(":", 1)[0] + ":v0.5.5"
    kube.patch("RoleBasedGroup", name, ns, {"spec": {"roles": new_roles}}, version=version(docs))

    def fractions() -> tuple[float, ...]:
        """Updated fraction of each coordinated role, from one list (one consistent snapshot)."""
        updated = dict.fromkeys(moving, 0)
        for p in live_pods(kube, ns, f"{keys.LABEL_GROUP_NAME_V1}={name}"):
            r = p["metadata"]["labels"][keys.LABEL_ROLE_NAME_V1]
            if r in images and p["spec"]["containers"][0]["image"] == images[r]:
                updated[r] += 1
        return tuple(updated[r] / roles[r].replicas for r in moving)

    samples: list[tuple[float, ...]] = []
    deadline = time.monotonic() + 60
    while not samples or min(samples[-1]) < 1.0:
        assert time.monotonic() < deadline, f"rollout unfinished: {samples[-20:]}\n{dump(kube, ns)}"
        f = fractions()
        samples.append(f)
        assert max(f) - min(f) <= skew + 1e-9, f"skew above {skew:.0%} at sample {len(samples)}: {samples}"
        time.sleep(0.1)
    steps = sorted(set(samples))
    print(f"\n{name}: updated fractions of {moving} seen during the rollout: {steps}")
    assert len(steps) >= 4, f"the rollout went in steps: {steps}"
    wait_ready(kube, ns, name)
    (after,) = role_pods(kube, ns, name, "router")
    assert after["metadata"]["uid"] == router["metadata"]["uid"], "the router is not in the coordination"


def check_hpa_scaling_adapter(kube: Kube, ns: str, docs: Docs) -> None:
    """The adapter is bound, scaling it (as `kubectl scale` does) scales the role, and the HPA reads the
    adapter's scale subresource."""
    group = hub(docs)
    name = group.name
    (hpa,) = [d for d in docs if d["kind"] == "HorizontalPodAutoscaler"]
    adapter_name, hpa_name = hpa["spec"]["scaleTargetRef"]["name"], hpa["metadata"]["name"]
    (role,) = [r for r in group.spec.roles if f"{name}-{r.name}" == adapter_name]
    # Like `kubectl apply -f`: the HPA exists before its adapter; the HPA controller looks at a new HPA
    # only after its sync period (15 s), by which time the adapter is there.
    create_all(kube, ns, docs)
    wait_ready(kube, ns, name)

    def bound() -> JSON | None:
        adapter = kube.get(keys.KIND_SCALING_ADAPTER, adapter_name, ns)
        return adapter if adapter and (adapter.get("status") or {}).get("phase") == "Bound" else None

    adapter = kube.wait_for(f"adapter {adapter_name} Bound", bound, 30, dump=lambda: dump(kube, ns))
    assert adapter["spec"]["scaleTargetRef"] == {"name": name, "role": role.name}
    assert adapter["spec"]["replicas"] == role.replicas
    # kubectl scale rbgsa/<adapter> --replicas=N, within the HPA's bounds so that it does not undo it
    target = min(role.replicas + 2, hpa["spec"]["maxReplicas"])
    assert target != role.replicas
    kube.patch(
        keys.KIND_SCALING_ADAPTER, adapter_name, ns, {"spec": {"replicas": target}}, subresource="scale"
    )
    kube.wait_for(
        f"{role.name} at {target} ready pods",
        lambda: ready_pods(kube, ns, role.name) == target,
        60,
        dump=lambda: dump(kube, ns),
    )
    rbg = wait_ready(kube, ns, name)
    assert {r["name"]: r["replicas"] for r in rbg["spec"]["roles"]}[role.name] == target
    scale = kube.rest.request("GET", kube.path(keys.KIND_SCALING_ADAPTER, ns, adapter_name) + "/scale")
    assert scale["spec"]["replicas"] == scale["status"]["replicas"] == target
    selected = {p["metadata"]["name"] for p in live_pods(kube, ns, scale["status"]["selector"])}
    assert selected == {p["metadata"]["name"] for p in role_pods(kube, ns, name, role.name)}

    def hpa_read_scale() -> JSON | None:
        obj = kube.get("HorizontalPodAutoscaler", hpa_name, ns)
        c = condition(obj, "AbleToScale")
        ok = c and c["status"] == "True" and (obj or {})["status"].get("currentReplicas") == target
        return c if ok else None

    got = kube.wait_for(
        "the HPA read the adapter's scale",
        hpa_read_scale,
        45,
        dump=lambda: kube.get("HorizontalPodAutoscaler", hpa_name, ns),
    )
    assert got["reason"] == "SucceededGetScale"


CHECKS: dict[str, Callable[[Kube, str, Docs], None]] = {
    "pd-disagg-statefulset.yaml": check_pd_statefulset,
    "pd-disagg-instanceset.yaml": check_pd_instanceset,
    "pd-disagg-lws.yaml": check_pd_lws,
    "exclusive-topology.yaml": check_exclusive_topology,
    "gang-scheduling.yaml": check_gang_scheduling,
    "coordinated-rollout.yaml": check_coordinated_rollout,
    "hpa-scaling-adapter.yaml": check_hpa_scaling_adapter,
}


def test_every_check_has_its_example_in_both_versions() -> None:
    assert sorted(CHECKS) == sorted(p.name for p in EXAMPLES) == sorted(p.name for p in V2_EXAMPLES)


@pytest.mark.usefixtures("operator")
@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=[example_id(p) for p in ALL_EXAMPLES])
def test_example(kube: Kube, namespace: str, path: Path) -> None:
    check = CHECKS.get(path.name)
    assert check is not None, f"examples/{example_id(path)} has no e2e check: add one to CHECKS in {__name__}"
    docs = load(path)
    try:
        check(kube, namespace, docs)
        # The group is served in the version it was written in, and Ready there too.
        name = the_group(docs)["metadata"]["name"]
        rbg = kube.get("RoleBasedGroup", name, namespace, version=version(docs))
        assert rbg is not None and rbg["apiVersion"] == the_group(docs)["apiVersion"]
        assert (condition(rbg, "Ready") or {}).get("status") == "True", rbg.get("status")
    except WaitTimeout:
        raise  # carries its own dump
    except AssertionError as err:
        objects = yaml.safe_dump(dump(kube, namespace), sort_keys=False)[:20000]
        raise AssertionError(f"{err}\n--- objects in {namespace}:\n{objects}") from err
