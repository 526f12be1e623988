"""The Argo CD health checks in docs/argocd/, run in a real Lua 5.1 (lupa) the way Argo CD runs them
(gopher-lua, Lua 5.1, only the base, table, package and os libraries: no string library), against
statuses the planners write: a group with and without the kstatus conditions (Reconciling, Stalled),
a RoleBasedGroupSet and an InstanceSet."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from lupa import lua51

from rbg_operator.api import keys
from rbg_operator.api.v1alpha1 import InstanceSet, RoleBasedGroup, RoleBasedGroupSet
from rbg_operator.planning.groupset import MemberView, plan_groupset
from rbg_operator.planning.instanceset import plan_instance_set
from rbg_operator.planning.observed import ContainerView, PodView
from rbg_operator.planning.rbg import GroupObserved, plan_group
from tests.unit.hub import hub_group, hub_groupset
from tests.unit.planning.test_instanceset import inst, iset, rev_of, revision, template
from tests.unit.planning.test_rbg_plan import NOW, PD, converge, rbg, role, with_meta

ROOT = Path(__file__).resolve().parents[2]
ARGOCD = ROOT / "docs" / "argocd"
SCRIPTS = {
    "RoleBasedGroup": ARGOCD / "health-rolebasedgroup.lua",
    "RoleBasedGroupSet": ARGOCD / "health-rolebasedgroupset.lua",
    "InstanceSet": ARGOCD / "health-instanceset.lua",
}
# What Argo CD opens (util/lua: OpenPackage, OpenBase, OpenTable, a safe os): the base functions below.
BASE = [
    "assert",
    "error",
    "getmetatable",
    "ipairs",
    "next",
    "pairs",
    "pcall",
    "rawequal",
    "rawget",
    "rawset",
    "select",
    "setmetatable",
    "tonumber",
    "tostring",
    "type",
    "unpack",
    "xpcall",
]
HEALTH = {"Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"}
KSTATUS = {keys.CONDITION_RECONCILING, keys.CONDITION_STALLED}


def health(obj: dict[str, Any]) -> tuple[str, str]:
    """Run the kind's script on ``obj`` as Argo CD does: ``obj`` global, ``return hs``."""
    lua = lua51.LuaRuntime()
    lua.execute('getmetatable("").__index = nil')  # no string library: ("x"):sub() must fail too
    g = lua.globals()
    env = lua.table_from({name: g[name] for name in BASE})
    env["table"] = g["table"]
    env["obj"] = lua.table_from(obj, recursive=True)
    run = lua.eval(
        "function(src, env) local f = assert(loadstring(src, '=health.lua')); setfenv(f, env); return f() end"
    )
    hs = run(SCRIPTS[obj["kind"]].read_text(), env)
    assert hs is not None and hs["status"] in HEALTH, hs
    message = hs["message"]
    assert isinstance(message, str) and message, f"no message with {hs['status']}"
    return str(hs["status"]), message


def without_kstatus(obj: dict[str, Any]) -> dict[str, Any]:
    """The same object as an operator that does not write Reconciling/Stalled would leave it."""
    out = dict(obj)
    if obj.get("status"):
        conds = [c for c in obj["status"].get("conditions") or [] if c["type"] not in KSTATUS]
        out["status"] = {**obj["status"], "conditions": conds}
    return out


def as_planned(group: RoleBasedGroup, observed: GroupObserved) -> dict[str, Any]:
    """``group`` with the status the planner writes for ``observed``."""
    plan = plan_group(group, observed, NOW)
    status = plan.status if plan.status is not None else group.status
    return group.model_copy(update={"status": status}).to_dict()


def _bumped(group: RoleBasedGroup, **role_edits: Any) -> RoleBasedGroup:
    """The spec edited (generation + 1), the status still the one of the previous generation."""
    spec = group.to_dict()["spec"]
    for r in spec["roles"]:
        r.update(role_edits.get(r["name"], {}))
    raw = {**group.to_dict(), "spec": spec}
    raw["metadata"]["generation"] = (group.metadata.generation or 0) + 1
    return hub_group(raw)


def _crashed(name: str, role_name: str) -> PodView:
    return PodView(
        name=name,
        namespace="ns",
        uid=f"u-{name}",
        phase="Running",
        labels={keys.LABEL_ROLE_NAME_V1: role_name},
        containers=(ContainerView(name="c", restart_count=1),),
    )


def _failed() -> dict[str, Any]:
    """RecreateRBGOnPodRestart at its max-restarts: the group is recreated no more (terminal Failed)."""
    roles = [role("router"), role("prefill", 2, ["router"], restartPolicy="RecreateRBGOnPodRestart")]
    group = with_meta(rbg(roles), annotations={"rbg.workloads.x-k8s.io/max-restarts": "2"})
    observed, group, _ = converge(group)
    assert group.status is not None
    group = group.model_copy(
        update={
            "status": group.status.model_copy(
                update={"restart_count": 2, "restarts_without_ready": 2, "last_restart_time": NOW}
            )
        }
    )
    down = [
        w.model_copy(update={"ready_replicas": 0}) if w.name == "g-prefill" else w for w in observed.workloads
    ]
    observed = dataclasses.replace(observed, workloads=down, pods=[_crashed("g-prefill-0", "prefill")])
    return as_planned(group, observed)


def _rbg_cases() -> list[Any]:
    fresh = rbg(PD)
    observed, settled, _ = converge(rbg(PD))
    new_image = {"decode": {"template": {"spec": {"containers": [{"name": "c", "image": "img-decode:2"}]}}}}
    edited = _bumped(settled, **new_image)
    failed = _failed()
    lws = rbg(
        [
            role("gw"),
            role(
                "engine",
                2,
                workload={"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet"},
                leaderWorkerSet={"size": 2},
            ),
        ]
    )
    failed_then_edited = hub_group(
        {**failed, "metadata": {**failed["metadata"], "generation": failed["metadata"]["generation"] + 1}}
    )
    return [
        pytest.param(fresh.to_dict(), "Progressing", "report", id="no-status-yet"),
        pytest.param(as_planned(fresh, GroupObserved()), "Progressing", "router", id="first-reconcile"),
        pytest.param(settled.to_dict(), "Healthy", "router:1/1 prefill:2/2 decode:2/2", id="all-roles-ready"),
        pytest.param(edited.to_dict(), "Progressing", "generation 2", id="spec-edited-not-yet-observed"),
        pytest.param(as_planned(edited, observed), "Progressing", "decode", id="rolling-update"),
        pytest.param(failed, "Degraded", "recreations without reaching Ready", id="restart-limit-reached"),
        pytest.param(
            failed_then_edited.to_dict(), "Progressing", "generation 2", id="failed-then-spec-edited"
        ),
        pytest.param(
            as_planned(lws, GroupObserved(absent_apis=frozenset({"leaderworkerset.x-k8s.io/v1"}))),
            "Progressing",
            "LeaderWorkerSet CRD is not installed",
            id="blocked-role",
        ),
    ]


RBG_CASES = _rbg_cases()


@pytest.mark.parametrize(("obj", "status", "words"), RBG_CASES)
def test_group_health_as_the_planner_writes_it(obj: dict[str, Any], status: str, words: str) -> None:
    got, message = health(obj)
    assert (got, words in message) == (status, True), message


@pytest.mark.parametrize(("obj", "status", "words"), RBG_CASES)
def test_group_health_without_the_kstatus_conditions(obj: dict[str, Any], status: str, words: str) -> None:
    got, message = health(without_kstatus(obj))
    assert (got, words in message) == (status, True), message


def _cond(ctype: str, ok: bool, message: str = "m", generation: int = 1, reason: str = "R") -> dict[str, Any]:
    return {
        "type": ctype,
        "status": "True" if ok else "False",
        "reason": reason,
        "message": message,
        "observedGeneration": generation,
        "lastTransitionTime": NOW,
    }


def _group(*conditions: dict[str, Any], generation: int = 1, **meta: Any) -> dict[str, Any]:
    obj = rbg(PD).to_dict()
    obj["metadata"].update(generation=generation, **meta)
    obj["status"] = {"observedGeneration": generation, "conditions": list(conditions)}
    return obj


@pytest.mark.parametrize(
    ("obj", "status", "message"),
    [
        pytest.param(
            _group(
                _cond("Ready", True),
                _cond("Reconciling", True, "Rolling: decode 1/2", reason="RollingUpdate"),
            ),
            "Progressing",
            "Rolling: decode 1/2",
            id="ready-but-reconciling",
        ),
        pytest.param(
            _group(
                _cond("Ready", False), _cond("Stalled", True, "3 recreations", reason="RestartLimitReached")
            ),
            "Degraded",
            "RestartLimitReached: 3 recreations",
            id="stalled-without-failed",
        ),
        pytest.param(
            _group(_cond("Ready", True, "All roles are ready", generation=1), generation=2),
            "Progressing",
            "Waiting for the group to become Ready",
            id="ready-of-an-older-generation",
        ),
        pytest.param(_group(), "Progressing", "Waiting for the group to become Ready", id="no-conditions"),
        pytest.param(
            _group(_cond("Ready", True), deletionTimestamp=NOW), "Progressing", "Deleting", id="deleting"
        ),
        pytest.param(
            _group(_cond("Ready", False, "Not ready: decode 1/2"), _cond("Progressing", False, "")),
            "Progressing",
            "Not ready: decode 1/2",
            id="ready-message-last",
        ),
    ],
)
def test_group_health_edge_cases(obj: dict[str, Any], status: str, message: str) -> None:
    got = health(obj)
    assert got[0] == status and message in got[1], got


def _set(replicas: int, generation: int = 1, image: str = "v1") -> RoleBasedGroupSet:
    tpl = {"spec": {"containers": [{"name": "c", "image": image}]}}
    return hub_groupset(
        {
            "apiVersion": "workloads.x-k8s.io/v1alpha1",
            "kind": "RoleBasedGroupSet",
            "metadata": {"name": "s", "namespace": "ns", "uid": "S", "generation": generation},
            "spec": {"replicas": replicas, "template": {"roles": [{"name": "r", "template": tpl}]}},
        }
    )


def _set_planned(obj: RoleBasedGroupSet, ready: int) -> dict[str, Any]:
    first = plan_groupset(obj, [], NOW)
    rev = (first.apply[0].metadata.annotations or {})[keys.LABEL_GROUPSET_REVISION_V2]
    n = obj.spec.replicas
    members = [MemberView(f"s-{i}", f"u{i}", i, rev, i < ready) for i in range(n)]
    plan = plan_groupset(obj, members, NOW)
    return obj.model_copy(update={"status": plan.status or obj.status}).to_dict()


@pytest.mark.parametrize(
    ("obj", "status", "words"),
    [
        pytest.param(_set(3).to_dict(), "Progressing", "report", id="no-status-yet"),
        pytest.param(_set_planned(_set(3), 3), "Healthy", "3/3 groups ready", id="all-ready"),
        pytest.param(_set_planned(_set(3), 2), "Progressing", "(2/3)", id="one-not-ready"),
        pytest.param(
            {**_set_planned(_set(3), 3), "metadata": _set(3, generation=2).to_dict()["metadata"]},
            "Progressing",
            "generation 2",
            id="spec-edited-not-yet-observed",
        ),
    ],
)
def test_group_set_health(obj: dict[str, Any], status: str, words: str) -> None:
    got, message = health(obj)
    assert (got, words in message) == (status, True), message


def _iset_planned(
    replicas: int, tmpl: dict[str, Any], strategy: dict[str, Any], ready: list[bool], old: dict[str, Any]
) -> dict[str, Any]:
    """``replicas`` Instances of ``old``'s revision (ready as given) while the spec asks for ``tmpl``."""
    rev = rev_of(old)
    obj = iset(replicas, tmpl, strategy, {"currentRevision": rev, "updateRevision": rev})
    views = [inst(i, rev, ready=ok, of=obj, tmpl=old) for i, ok in enumerate(ready)]
    plan = plan_instance_set(obj, views, [revision(old)], NOW)
    out = obj.model_copy(update={"status": plan.status}).to_dict()
    out.update(apiVersion="workloads.x-k8s.io/v1alpha1", kind="InstanceSet")
    return out


def _iset_partitioned() -> dict[str, Any]:
    """partition 2: the two highest ordinals moved to the new revision, the others stay (by design)."""
    old, new = template(), template("e:v2")
    obj = iset(4, new, {"partition": 2}, {"currentRevision": rev_of(old), "updateRevision": rev_of(new)})
    views = [inst(i, rev_of(old), of=obj, tmpl=old) for i in range(2)]
    views += [inst(i, rev_of(new), of=obj, tmpl=new) for i in range(2, 4)]
    plan = plan_instance_set(obj, views, [revision(old), revision(new, 2)], NOW)
    out = obj.model_copy(update={"status": plan.status}).to_dict()
    out.update(apiVersion="workloads.x-k8s.io/v1alpha1", kind="InstanceSet")
    return out


@pytest.mark.parametrize(
    ("obj", "status", "words"),
    [
        pytest.param(
            {**iset(2, template()).to_dict(), "kind": "InstanceSet"}, "Progressing", "report", id="no-status"
        ),
        pytest.param(
            _iset_planned(3, template(), {}, [True] * 3, template()), "Healthy", "3/3", id="all-available"
        ),
        pytest.param(
            _iset_planned(3, template(), {}, [True, False, True], template()),
            "Progressing",
            "2/3",
            id="one-not-ready",
        ),
        pytest.param(
            _iset_planned(2, template(cpu="2"), {"type": "InPlaceOnly"}, [True] * 2, template()),
            "Degraded",
            "cannot apply this change in place",
            id="in-place-only-refused",
        ),
        pytest.param(
            _iset_planned(2, template("e:v2"), {"paused": True}, [True] * 2, template()),
            "Suspended",
            "0/2",
            id="update-paused",
        ),
        pytest.param(
            _iset_planned(2, template("e:v2"), {}, [True] * 2, template()),
            "Progressing",
            "Updating",
            id="update-in-progress",
        ),
        pytest.param(_iset_partitioned(), "Healthy", "4/4", id="partition-held"),
    ],
)
def test_instance_set_health(obj: dict[str, Any], status: str, words: str) -> None:
    assert InstanceSet.from_dict(obj) is not None
    got, message = health(obj)
    assert (got, words in message) == (status, True), message


@pytest.mark.parametrize("path", sorted(SCRIPTS.values()), ids=lambda p: p.name)
def test_scripts_stay_within_what_argo_cd_offers(path: Path) -> None:
    """Lua 5.1 (no goto, no integer division, no utf8) and no string library."""
    source = path.read_text()
    code = "\n".join(line.split("--", 1)[0] for line in source.splitlines())
    assert not re.search(r"\bstring\.|\bgoto\b|\butf8\.|//|\bos\.", code)
    lua51.LuaRuntime().execute(f"assert(loadstring({_lua_quote(source)}))")  # compiles as Lua 5.1


def _lua_quote(text: str) -> str:
    assert "]==]" not in text
    return f"[==[{text}]==]"


def test_argocd_cm_and_the_guide_carry_the_same_scripts() -> None:
    data = yaml.safe_load((ARGOCD / "argocd-cm.yaml").read_text())["data"]
    assert data == {
        f"resource.customizations.health.workloads.x-k8s.io_{kind}": path.read_text()
        for kind, path in SCRIPTS.items()
    }
    guide = (ROOT / "docs" / "gitops.md").read_text()
    block = re.search(r"```yaml\n(# argocd-cm.*?)```", guide, re.S)
    assert block is not None, "docs/gitops.md lost its argocd-cm block"
    shown = yaml.safe_load(block.group(1))["data"]
    key = "resource.customizations.health.workloads.x-k8s.io_RoleBasedGroup"
    assert shown[key] == SCRIPTS["RoleBasedGroup"].read_text()
