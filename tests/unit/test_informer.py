"""The informer cache wakes an owner only when what the planners see of its object changed."""

from __future__ import annotations

from typing import Any

from rbg_operator.kube import resources as r
from rbg_operator.kube.informer import Informer
from rbg_operator.kube.views import workload_view


def _sts(rv: int, ready: int = 0, group: str = "g", collisions: int = 0) -> dict[str, Any]:
    """A StatefulSet whose owner is named by a field outside its view (``spec.serviceName``)."""
    return {
        "metadata": {
            "name": "g-decode",
            "namespace": "ns",
            "uid": "u1",
            "resourceVersion": str(rv),
            "generation": 1,
        },
        "spec": {"replicas": 2, "serviceName": group},
        "status": {"observedGeneration": 1, "readyReplicas": ready, "collisionCount": collisions},
    }


def _informer(woken: list[str]) -> Informer[Any, str]:
    return Informer(
        None,  # type: ignore[arg-type]  # never contacted: the cache is fed directly
        r.STATEFULSET,
        workload_view,
        lambda obj: [obj["spec"]["serviceName"]],
        woken.append,
    )


def test_only_changes_the_planners_see_wake_the_owner() -> None:
    woken: list[str] = []
    inf = _informer(woken)
    inf.observe(_sts(1))
    assert woken == ["g"]  # new object
    inf.observe(_sts(1))
    assert woken == ["g"]  # the watch echo of what was written through
    inf.observe(_sts(2, collisions=1))
    assert woken == ["g"]  # a status field no planner reads
    inf.observe(_sts(3, ready=1))
    assert woken == ["g", "g"]
    assert inf.get("ns", "g-decode") is not None and inf.get("ns", "g-decode").ready_replicas == 1  # type: ignore[union-attr]


def test_an_older_version_does_not_regress_the_cache() -> None:
    woken: list[str] = []
    inf = _informer(woken)
    inf.observe(_sts(5, ready=2))
    inf.observe(_sts(4, ready=1))
    assert woken == ["g"]
    assert inf.by_owner("g")[0].ready_replicas == 2


def test_a_new_owner_is_woken_even_if_the_view_is_unchanged() -> None:
    woken: list[str] = []
    inf = _informer(woken)
    inf.observe(_sts(1))
    inf.observe(_sts(2, group="h"))  # same view, another owner: both are told
    assert woken == ["g", "g", "h"]
    assert inf.by_owner("g") == [] and len(inf.by_owner("h")) == 1
