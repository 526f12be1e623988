"""Golden cases: every RoleBasedGroup of examples/ (both versions) and of the upstream examples, and the
complete list of objects the group planner emits for it once the group has converged (every applied
workload observed and Ready, the plan applying, deleting and changing nothing more): its children, plus
the group's status as the planner last wrote it (one ``RoleBasedGroup`` entry with only name, namespace and
status), which is what a user sees of roles the planner does not run (e.g. RoleInstanceSet roles).

``planned_children`` is the one place that knows the planner's input model: both versions are parsed
into the v1alpha2 hub model (``tests.unit.hub.hub_group``), as the operator does."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rbg_operator.api import keys
from rbg_operator.api.children import Manifest
from rbg_operator.api.convert import convert
from rbg_operator.api.v1alpha1 import ClusterEngineRuntimeProfile
from rbg_operator.api.v1alpha2 import RoleBasedGroup
from rbg_operator.kube.views import object_view, revision_view, workload_view
from rbg_operator.planning import kinds
from rbg_operator.planning.rbg import GroupObserved, plan_group
from tests.shared_dir import REPO, upstream_examples
from tests.unit.hub import hub_group

#: The RoleBasedGroup apiVersions ``planned_children`` takes; the others are skipped with a reason.
SUPPORTED = frozenset({keys.API_VERSION_V1ALPHA1, keys.API_VERSION_V1ALPHA2})

NOW = "2026-01-01T00:00:00Z"
UID = "00000000-0000-0000-0000-000000000001"
NAMESPACE = "default"
MAX_ROUNDS = 50

GOLDEN = REPO / "tests" / "golden"
#: source name -> folder of input manifests
SOURCES: dict[str, Path] = {
    "examples": REPO / "examples",
    "examples/v1alpha2": REPO / "examples" / "v1alpha2",
    "upstream": upstream_examples(),
}


# -- the planner's input model (adapt here) ----------------------------------------------------------------
def planned_children(doc: dict[str, Any], profiles: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One RoleBasedGroup document of either version -> every child object the planner emits once the
    group has converged, as dumped with ``to_dict()``, and the group's status entry, sorted by
    (apiVersion, kind, name)."""
    data = {**doc, "metadata": fixed_metadata(doc)}
    data.pop("status", None)
    group = hub_group(data)
    by_name = {p.metadata.name or "": p for p in (profile(d) for d in profiles)}
    children, group = converge(group, by_name)
    return sorted(
        [*(m.to_dict() for m in children), status_entry(group)],
        key=lambda o: (o["apiVersion"], o["kind"], o["metadata"]["name"]),
    )


def profile(doc: dict[str, Any]) -> ClusterEngineRuntimeProfile:
    """A ClusterEngineRuntimeProfile of either version (the same fields) as the model the planner takes."""
    return ClusterEngineRuntimeProfile.from_dict(convert(doc, keys.API_VERSION_V1ALPHA1))


def status_entry(group: RoleBasedGroup) -> dict[str, Any]:
    """The group's status as the planner left it, as one entry of the golden list."""
    return {
        "apiVersion": group.api_version,
        "kind": group.kind,
        "metadata": {"name": group.metadata.name, "namespace": group.metadata.namespace},
        "status": group.status.to_dict() if group.status is not None else None,
    }


def fixed_metadata(doc: dict[str, Any]) -> dict[str, Any]:
    meta = dict(doc.get("metadata") or {})
    meta.setdefault("namespace", NAMESPACE)
    meta.update(uid=UID, generation=1)
    return meta


def skip_reason(doc: dict[str, Any]) -> str | None:
    version = doc.get("apiVersion")
    if version in SUPPORTED:
        return None
    return (
        f"{version} RoleBasedGroup: the planner takes {', '.join(sorted(SUPPORTED))} only "
        "(golden_support.planned_children is to be adapted)"
    )


# -- convergence -------------------------------------------------------------------------------------------
Key = tuple[str, str, str]


def _key(obj: dict[str, Any]) -> Key:
    return (obj.get("apiVersion", ""), obj.get("kind", ""), obj["metadata"]["name"])


def observe(manifests: Iterable[Manifest], profiles: dict[str, Any]) -> GroupObserved:
    """What the informers would hold once these objects exist: every workload settled and all Ready."""
    workloads, objects, revisions = [], [], []
    for m in manifests:
        obj = m.to_dict()
        meta = obj["metadata"]
        meta["uid"] = "uid-{}-{}".format(obj["kind"].lower(), meta["name"])
        if kinds.is_workload(obj["kind"]):
            meta["generation"] = 1
            n = (obj.get("spec") or {}).get("replicas", 1)
            obj["status"] = {
                "observedGeneration": 1,
                "replicas": n,
                "readyReplicas": n,
                "updatedReplicas": n,
                "availableReplicas": n,
            }
            workloads.append(workload_view(obj))
        elif obj["kind"] == "ControllerRevision":
            revisions.append(revision_view(obj))
        else:
            objects.append(object_view(obj))
    return GroupObserved(workloads=workloads, objects=objects, revisions=revisions, profiles=profiles)


def converge(group: RoleBasedGroup, profiles: dict[str, Any]) -> tuple[list[Manifest], RoleBasedGroup]:
    """plan -> apply -> observe (Ready) until a plan applies, deletes and changes nothing; the objects
    that exist then, and the group with its status."""
    applied: dict[Key, Manifest] = {}
    for _ in range(MAX_ROUNDS):
        plan = plan_group(group, observe(applied.values(), profiles), NOW)
        if not plan.apply and not plan.delete and plan.status is None and plan.finalizer is None:
            return list(applied.values()), group
        for d in plan.delete:
            applied.pop((d.api_version, d.kind, d.name), None)
        for m in plan.apply:
            applied[_key(m.to_dict())] = m
        if plan.status is not None:
            group = group.model_copy(update={"status": plan.status})
        if plan.finalizer == "add":
            meta = group.metadata.model_copy(update={"finalizers": [keys.FINALIZER_TEARDOWN]})
            group = group.model_copy(update={"metadata": meta})
    raise AssertionError(f"{group.metadata.name}: no fixed point after {MAX_ROUNDS} rounds: {plan}")


# -- cases and golden files --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    source: str
    path: Path
    doc: dict[str, Any]
    profiles: tuple[dict[str, Any], ...]

    @property
    def group(self) -> str:
        return str(self.doc["metadata"]["name"])

    @property
    def golden(self) -> Path:
        return GOLDEN / self.source / f"{self.path.stem}__{self.group}.yaml"

    @property
    def id(self) -> str:
        return f"{self.source}/{self.path.stem}__{self.group}"

    @property
    def skip(self) -> str | None:
        return skip_reason(self.doc)


def load(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if isinstance(d, dict)]


def available_sources() -> dict[str, Path]:
    """The sources whose folder exists (the upstream examples live in the shared folder)."""
    return {s: p for s, p in SOURCES.items() if p.is_dir()}


def cases() -> list[Case]:
    """One case per RoleBasedGroup document of this project's API group; documents of other kinds are
    inputs (profiles) or not the planner's business (RBAC, HPAs, Services, groupsets, policies)."""
    out = []
    for source, folder in available_sources().items():
        for path in sorted(folder.glob("*.yaml")):
            docs = load(path)
            profiles = tuple(d for d in docs if d.get("kind") == keys.KIND_ENGINE_RUNTIME_PROFILE)
            for doc in docs:
                version = str(doc.get("apiVersion", ""))
                if doc.get("kind") == keys.KIND_ROLE_BASED_GROUP and version.startswith(keys.GROUP + "/"):
                    out.append(Case(source, path, doc, profiles))
    ids = [c.id for c in out]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"two groups would share a golden file: {duplicates}"
    return out


def goldens() -> list[Path]:
    """The checked-in golden files of the sources that are available here."""
    return sorted(p for s in available_sources() for p in (GOLDEN / s).glob("*.yaml"))


class _NoAliases(yaml.SafeDumper):
    """Every value written out in full: no ``&id001`` anchors for objects that occur twice."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(children: list[dict[str, Any]]) -> str:
    return yaml.dump(children, Dumper=_NoAliases, sort_keys=True)


def diff(expected: str, actual: str, name: str) -> str:
    return "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"{name} (golden)",
            tofile=f"{name} (planned)",
        )
    )
