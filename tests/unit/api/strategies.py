"""Hypothesis strategies that build RoleBasedGroups and RoleBasedGroupSets of both API versions.

``valid_*`` objects are what the CRD schemas and their CEL rules accept (unique role names, a templateRef
only to an existing roleTemplate, one pattern per v1alpha2 role, ...). ``odd_*`` objects are what the
pydantic models accept but the CEL rules do not (several patterns, unknown fields, conversion annotations
holding garbage or JSON of another shape): conversion must stay lossless for those too."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from rbg_operator.api import keys

Manifest = dict[str, Any]
Draw = Any  # hypothesis' draw function

V1 = keys.API_VERSION_V1ALPHA1
V2 = keys.API_VERSION_V1ALPHA2
ROLE_NAMES = ("router", "prefill", "decode", "worker", "a", "b-2")
TEMPLATE_NAMES = ("base", "gpu", "cpu")
WORD = st.sampled_from(("x", "y", "app", "demo", "v1", "gpu-0"))
LABELS = st.dictionaries(st.sampled_from(("app", "tier", "example.com/team")), WORD, max_size=2)
#: Values a conversion annotation might hold that are not ours (or look like ours but are not).
GARBAGE = st.sampled_from(
    (
        "not json",
        "{",
        "[]",
        "null",
        "1",
        '"s"',
        '{"x":1}',
        "{}",
        '{"roles":{}}',
        '{"overrides":[]}',
        '{"roles": {"a": {"fields": {"podManagementPolicy": "Parallel"}}}}',
        '{"kubeScheduling":{}}',
        "[{}]",
    )
)
CONVERSION_KEYS = (
    keys.ANNOTATION_CONVERSION_V1ALPHA1_FIELDS,
    keys.ANNOTATION_CONVERSION_V1ALPHA2_FIELDS,
    keys.ANNOTATION_CONVERSION_POD_GROUP_POLICY,
    keys.ANNOTATION_CONVERSION_COORDINATION,
)
V1_WORKLOADS = (
    keys.WORKLOAD_STATEFULSET,
    keys.WORKLOAD_DEPLOYMENT,
    keys.WORKLOAD_LEADERWORKERSET,
    keys.WORKLOAD_INSTANCESET,
    keys.WORKLOAD_ROLEINSTANCESET,
)
RESTART_POLICIES = ("None", "RecreateRBGOnPodRestart", "RecreateRoleInstanceOnPodRestart")


def optional(draw: Draw, target: Manifest, key: str, strategy: st.SearchStrategy[Any]) -> None:
    """Set ``target[key]`` to a drawn value, or leave it absent."""
    if draw(st.booleans()):
        target[key] = draw(strategy)


# --------------------------------------------------------------------------------------------
# Building blocks shared by both versions
# --------------------------------------------------------------------------------------------


@st.composite
def containers(draw: Draw) -> Manifest:
    out: Manifest = {
        "name": draw(st.sampled_from(("main", "engine", "sidecar"))),
        "image": draw(st.sampled_from(("nginx:1.27", "lmsysorg/sglang:v0.5"))),
    }
    optional(
        draw,
        out,
        "env",
        st.lists(
            st.fixed_dictionaries({"name": st.sampled_from(("A", "B")), "value": WORD}),
            min_size=1,
            max_size=2,
        ),
    )
    return out


@st.composite
def pod_templates(draw: Draw) -> Manifest:
    out: Manifest = {"spec": {"containers": [draw(containers())]}}
    optional(draw, out, "metadata", st.fixed_dictionaries({"labels": LABELS}))
    return out


PATCHES = st.one_of(
    st.just({}), st.fixed_dictionaries({"metadata": st.fixed_dictionaries({"labels": LABELS})})
)
INT_OR_PERCENT = st.one_of(st.integers(0, 3), st.sampled_from(("0%", "10%", "50%")))


@st.composite
def rollout_strategies(draw: Draw, update_types: tuple[str, ...]) -> Manifest:
    out: Manifest = {"type": "RollingUpdate"}
    if draw(st.booleans()):
        update: Manifest = {
            "partition": draw(INT_OR_PERCENT),
            "maxUnavailable": draw(st.integers(1, 3)),
            "maxSurge": draw(INT_OR_PERCENT),
        }
        optional(draw, update, "type", st.sampled_from(update_types))
        optional(draw, update, "paused", st.booleans())
        optional(
            draw,
            update,
            "inPlaceUpdateStrategy",
            st.fixed_dictionaries({"gracePeriodSeconds": st.integers(0, 30)}),
        )
        out["rollingUpdate"] = update
    return out


@st.composite
def shared_role_fields(draw: Draw, name: str, names: list[str]) -> Manifest:
    """Role fields both versions have (normalised: replicas and minReadySeconds present)."""
    out: Manifest = {
        "name": name,
        "replicas": draw(st.integers(0, 4)),
        "minReadySeconds": draw(st.integers(0, 5)),
    }
    optional(draw, out, "labels", LABELS)
    others = [n for n in names if n != name]
    if others:
        optional(draw, out, "dependencies", st.lists(st.sampled_from(others), max_size=2, unique=True))
    optional(draw, out, "servicePorts", st.just([{"name": "http", "port": 8080, "protocol": "TCP"}]))
    optional(draw, out, "engineRuntimes", st.just([{"profileName": "patio", "injectContainers": ["main"]}]))
    return out


@st.composite
def pod_group_policies(draw: Draw) -> Manifest:
    if draw(st.booleans()):
        return {"kubeScheduling": {"scheduleTimeoutSeconds": draw(st.integers(0, 120))}}
    volcano: Manifest = {}
    optional(draw, volcano, "queue", WORD)
    optional(draw, volcano, "priorityClassName", WORD)
    return {"volcanoScheduling": volcano}


@st.composite
def coordinations(draw: Draw, names: list[str]) -> list[Manifest]:
    out: Manifest = {"name": "pd", "roles": draw(st.lists(st.sampled_from(names), min_size=1, unique=True))}
    if draw(st.booleans()):
        out["strategy"] = {"rollingUpdate": {"maxSkew": draw(st.sampled_from(("1%", "50%")))}}
    return [out]


def role_templates(names: set[str]) -> list[Manifest]:
    return [
        {"name": n, "template": {"spec": {"containers": [{"name": "main", "image": n}]}}}
        for n in sorted(names)
    ]


@st.composite
def role_statuses(draw: Draw, names: list[str]) -> Manifest:
    out: Manifest = {
        "roleStatuses": [
            {"name": n, "readyReplicas": draw(st.integers(0, 2)), "replicas": 2, "updatedReplicas": 1}
            for n in names
        ]
    }
    optional(draw, out, "observedGeneration", st.integers(1, 9))
    optional(draw, out, "conditions", st.just([{"type": "Ready", "status": "True", "reason": "AllReady"}]))
    return out


@st.composite
def metadata(draw: Draw, version: str, odd: bool) -> Manifest:
    meta: Manifest = {"name": "demo", "namespace": "default"}
    annotations: Manifest = {}
    optional(draw, annotations, keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1, st.just("kubernetes.io/hostname"))
    if version == V2:
        optional(draw, annotations, keys.ANNOTATION_GANG_SCHEDULING_V2, st.just("true"))
        optional(draw, annotations, keys.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2, st.just("30"))
        optional(draw, annotations, keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2, st.just("kubernetes.io/hostname"))
    if odd:
        for key in CONVERSION_KEYS:
            optional(draw, annotations, key, GARBAGE)
    if annotations or draw(st.booleans()):
        meta["annotations"] = annotations
    optional(draw, meta, "labels", LABELS)
    return meta


def extra_field(draw: Draw, target: Manifest, odd: bool) -> None:
    """In odd objects, sometimes an unknown field (the models keep unknown fields)."""
    if odd and draw(st.integers(0, 3)) == 0:
        key = draw(st.sampled_from(("futureField", "labels", "patch", "annotations", "podManagementPolicy")))
        target.setdefault(key, "OrderedReady" if key == "podManagementPolicy" else {"k": "v"})


# --------------------------------------------------------------------------------------------
# v1alpha1
# --------------------------------------------------------------------------------------------


@st.composite
def v1_sources(draw: Draw, role: Manifest, refs: set[str], odd: bool) -> None:
    """A template, or a templateRef (+ templatePatch) to a roleTemplate (odd: both, or a lone patch)."""
    choice = draw(st.sampled_from(("template", "ref", "both", "patch") if odd else ("template", "ref")))
    if choice in ("template", "both"):
        role["template"] = draw(pod_templates())
    if choice in ("ref", "both"):
        ref = draw(st.sampled_from(TEMPLATE_NAMES))
        refs.add(ref)
        role["templateRef"] = {"name": ref}
        extra_field(draw, role["templateRef"], odd)
    if choice != "template":
        optional(draw, role, "templatePatch", PATCHES)


@st.composite
def v1_components(draw: Draw, odd: bool) -> list[Manifest]:
    names = draw(
        st.lists(st.sampled_from(("leader", "worker", "router")), min_size=1, max_size=2, unique=True)
    )
    out = []
    for name in names:
        c: Manifest = {"name": name, "template": draw(pod_templates())}
        optional(draw, c, "size", st.integers(1, 3))
        optional(draw, c, "serviceName", st.just(f"svc-{name}"))
        extra_field(draw, c, odd)
        out.append(c)
    return out


@st.composite
def v1_roles(draw: Draw, name: str, names: list[str], refs: set[str], odd: bool) -> Manifest:
    role = draw(shared_role_fields(name, names))
    workload = draw(st.sampled_from(V1_WORKLOADS))
    group, version, kind = workload.split("/")
    role["workload"] = {"apiVersion": f"{group}/{version}", "kind": kind}
    if odd and draw(st.booleans()):
        role["workload"]["futureField"] = "x"
    shapes = {
        "leaderworkerset.x-k8s.io/v1/LeaderWorkerSet": ("lws",),
        keys.WORKLOAD_INSTANCESET: ("components", "template"),
    }.get(workload, ("source",))
    if odd:
        shapes = ("lws", "components", "source", "lws+components", "nothing", "empty-components")
    shape = draw(st.sampled_from(shapes))
    if shape in ("lws", "lws+components"):
        lws: Manifest = {"size": draw(st.integers(1, 4))}
        optional(draw, lws, "patchLeaderTemplate", PATCHES)
        optional(draw, lws, "patchWorkerTemplate", PATCHES)
        extra_field(draw, lws, odd)
        role["leaderWorkerSet"] = lws
    if shape in ("components", "lws+components"):
        role["components"] = draw(v1_components(odd))
    if shape == "empty-components":
        role["components"] = []
    if shape == "template":
        role["template"] = draw(pod_templates())
    if shape in ("lws", "source") or (odd and shape != "nothing" and draw(st.booleans())):
        draw(v1_sources(role, refs, odd))
    optional(draw, role, "restartPolicy", st.sampled_from(RESTART_POLICIES))
    optional(
        draw,
        role,
        "rolloutStrategy",
        rollout_strategies(("Recreate", "RecreatePod", "InPlaceIfPossible", "InPlaceOnly")),
    )
    optional(draw, role, "scalingAdapter", st.fixed_dictionaries({"enable": st.booleans()}))
    annotations = draw(st.dictionaries(st.sampled_from(("team", "example.com/x")), WORD, max_size=2))
    if odd:
        optional(draw, annotations, keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2, st.sampled_from(V1_WORKLOADS))
    if annotations or draw(st.booleans()):
        role["annotations"] = annotations
    extra_field(draw, role, odd)
    return role


@st.composite
def v1_specs(draw: Draw, odd: bool = False) -> Manifest:
    names = draw(st.lists(st.sampled_from(ROLE_NAMES), min_size=1, max_size=4, unique=True))
    refs: set[str] = set()
    spec: Manifest = {"roles": [draw(v1_roles(n, names, refs, odd)) for n in names]}
    if refs:
        spec["roleTemplates"] = role_templates(refs)
    optional(draw, spec, "podGroupPolicy", pod_group_policies())
    optional(draw, spec, "coordination", coordinations(names))
    extra_field(draw, spec, odd)
    return spec


@st.composite
def v1_groups(draw: Draw, odd: bool = False) -> Manifest:
    spec = draw(v1_specs(odd))
    out: Manifest = {
        "apiVersion": V1,
        "kind": "RoleBasedGroup",
        "metadata": draw(metadata(V1, odd)),
        "spec": spec,
    }
    optional(draw, out, "status", role_statuses([r["name"] for r in spec["roles"]]))
    return out


@st.composite
def v1_groupsets(draw: Draw, odd: bool = False) -> Manifest:
    out: Manifest = {
        "apiVersion": V1,
        "kind": "RoleBasedGroupSet",
        "metadata": draw(metadata(V1, odd)),
        "spec": {"replicas": draw(st.integers(0, 3)), "template": draw(v1_specs(odd))},
    }
    extra_field(draw, out["spec"], odd)
    if draw(st.booleans()):
        status: Manifest = {"readyReplicas": draw(st.integers(0, 3))}
        for key in ("observedGeneration", "replicas", "updatedReplicas"):
            optional(draw, status, key, st.integers(-1 if odd and key == "observedGeneration" else 0, 3))
        optional(draw, status, "selector", st.just("rbgs=demo"))
        extra_field(draw, status, odd)
        out["status"] = status
    return out


# --------------------------------------------------------------------------------------------
# v1alpha2
# --------------------------------------------------------------------------------------------


@st.composite
def v2_sources(draw: Draw, pattern: Manifest, refs: set[str], odd: bool) -> None:
    """A template, or a templateRef (with an optional patch) to a roleTemplate."""
    if draw(st.booleans()):
        pattern["template"] = draw(pod_templates())
        return
    ref = draw(st.sampled_from(TEMPLATE_NAMES))
    refs.add(ref)
    pattern["templateRef"] = {"name": ref}
    optional(draw, pattern["templateRef"], "patch", PATCHES)
    extra_field(draw, pattern["templateRef"], odd)


@st.composite
def restart_policy_configs(draw: Draw) -> Manifest:
    out: Manifest = {}
    optional(draw, out, "type", st.sampled_from(RESTART_POLICIES))
    if draw(st.booleans()):
        base = draw(st.integers(0, 30))
        out["baseDelaySeconds"] = base
        optional(draw, out, "maxDelaySeconds", st.integers(base, 600))
    return out


@st.composite
def v2_components(draw: Draw, odd: bool) -> list[Manifest]:
    out = draw(v1_components(odd))
    for c in out:
        optional(draw, c, "labels", LABELS)
        optional(draw, c, "annotations", st.dictionaries(st.just("note"), WORD, max_size=1))
    return out


@st.composite
def v2_patterns(draw: Draw, kind: str, workload: str | None, refs: set[str], odd: bool) -> Manifest:
    pattern: Manifest = {}
    if kind == "customComponentsPattern":
        pattern["components"] = draw(v2_components(odd))
        if odd:
            pattern["components"] = draw(st.sampled_from((pattern["components"], [], None)))
            if pattern["components"] is None:
                del pattern["components"]
    else:
        draw(v2_sources(pattern, refs, odd))
    if kind == "leaderWorkerPattern":
        optional(draw, pattern, "size", st.integers(1, 4))
        optional(draw, pattern, "leaderTemplatePatch", PATCHES)
        optional(draw, pattern, "workerTemplatePatch", PATCHES)
        leader_only = workload in (None, keys.WORKLOAD_ROLEINSTANCESET)
        optional(
            draw,
            pattern,
            "sharedServiceSelection",
            st.sampled_from(("All", "LeaderOnly") if leader_only else ("All",)),
        )
    if kind != "standalonePattern" or draw(st.booleans()):
        optional(draw, pattern, "restartPolicyConfig", restart_policy_configs())
    extra_field(draw, pattern, odd)
    return pattern


@st.composite
def v2_roles(draw: Draw, name: str, names: list[str], refs: set[str], odd: bool) -> Manifest:
    role = draw(shared_role_fields(name, names))
    annotations = draw(st.dictionaries(st.sampled_from(("team", "example.com/x")), WORD, max_size=2))
    workload = draw(st.sampled_from((None, *V1_WORKLOADS)))
    if odd:
        workload = draw(st.sampled_from((workload, "not/a-type", "apps/v1/")))
    if workload is not None:
        annotations[keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2] = workload
    if annotations or draw(st.booleans()):
        role["annotations"] = annotations
    kinds = ["standalonePattern", "leaderWorkerPattern", "customComponentsPattern"]
    chosen = [draw(st.sampled_from(kinds))]
    if odd:
        chosen = draw(st.lists(st.sampled_from(kinds), max_size=2, unique=True))
    for kind in chosen:
        role[kind] = draw(v2_patterns(kind, workload, refs, odd))
    optional(draw, role, "podManagementPolicy", st.sampled_from(("Parallel", "OrderedReady")))
    optional(
        draw, role, "rolloutStrategy", rollout_strategies(("RecreatePod", "InPlaceIfPossible", "InPlaceOnly"))
    )
    if draw(st.booleans()):
        adapter: Manifest = {"enable": draw(st.booleans())}
        optional(draw, adapter, "labels", LABELS)
        extra_field(draw, adapter, odd)
        role["scalingAdapter"] = adapter
    extra_field(draw, role, odd)
    return role


def policy_json(draw: Draw, value: Any) -> str:
    """A policy as upstream writes it (Go's json.Marshal: compact, field order) or as we do (sorted)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=draw(st.booleans()))


@st.composite
def v2_specs(draw: Draw, odd: bool = False) -> tuple[Manifest, Manifest]:
    """``(spec, annotations)``: a v1alpha2 spec and the group annotations that go with it."""
    names = draw(st.lists(st.sampled_from(ROLE_NAMES), min_size=1, max_size=4, unique=True))
    refs: set[str] = set()
    spec: Manifest = {"roles": [draw(v2_roles(n, names, refs, odd)) for n in names]}
    if refs:
        spec["roleTemplates"] = role_templates(refs)
    annotations: Manifest = {}
    if draw(st.booleans()):
        annotations[keys.ANNOTATION_CONVERSION_POD_GROUP_POLICY] = policy_json(
            draw, draw(pod_group_policies())
        )
    if draw(st.booleans()):
        annotations[keys.ANNOTATION_CONVERSION_COORDINATION] = policy_json(draw, draw(coordinations(names)))
    extra_field(draw, spec, odd)
    return spec, annotations


@st.composite
def v2_groups(draw: Draw, odd: bool = False) -> Manifest:
    spec, policies = draw(v2_specs(odd))
    meta = draw(metadata(V2, odd))
    if policies:
        meta["annotations"] = {**policies, **meta.get("annotations", {})}
    out: Manifest = {"apiVersion": V2, "kind": "RoleBasedGroup", "metadata": meta, "spec": spec}
    optional(draw, out, "status", role_statuses([r["name"] for r in spec["roles"]]))
    return out


@st.composite
def v2_groupsets(draw: Draw, odd: bool = False) -> Manifest:
    nested, policies = draw(v2_specs(odd))
    template: Manifest = {"spec": nested}
    optional(draw, template, "labels", LABELS)
    annotations = {**policies, **draw(st.dictionaries(st.just("team"), WORD, max_size=1))}
    if annotations:
        template["annotations"] = annotations
    optional(draw, template, "metadata", st.fixed_dictionaries({"labels": LABELS}))
    spec: Manifest = {"replicas": draw(st.integers(0, 3)), "groupTemplate": template}
    if draw(st.booleans()):
        rollout: Manifest = {"type": draw(st.sampled_from(("InPlaceUpdate", "Recreate")))}
        optional(draw, rollout, "partition", INT_OR_PERCENT)
        optional(draw, rollout, "maxUnavailable", st.integers(1, 2))
        spec["rolloutStrategy"] = rollout
    extra_field(draw, spec, odd)
    out: Manifest = {
        "apiVersion": V2,
        "kind": "RoleBasedGroupSet",
        "metadata": draw(metadata(V2, odd)),
        "spec": spec,
    }
    if draw(st.booleans()):
        status: Manifest = {"readyReplicas": draw(st.integers(0, 3))}
        for key in (
            "observedGeneration",
            "replicas",
            "currentReplicas",
            "updatedReplicas",
            "updatedReadyReplicas",
            "expectedUpdatedReplicas",
        ):
            optional(draw, status, key, st.integers(0, 3))
        optional(draw, status, "currentRevision", st.just("rev-1"))
        optional(draw, status, "updateRevision", st.just("rev-2"))
        optional(draw, status, "selector", st.just("rbgs=demo"))
        out["status"] = status
    return out
