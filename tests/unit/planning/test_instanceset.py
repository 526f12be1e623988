"""The InstanceSet planner: revisions, Instances per ordinal, in-place detection, refusal under
InPlaceOnly, partition, delete-label victims and status."""

from __future__ import annotations

from typing import Any

import pytest

from rbg_operator.api import keys
from rbg_operator.api.v1alpha1 import InstanceSet
from rbg_operator.planning import names
from rbg_operator.planning.instanceset import in_place_possible, instance_manifest, plan_instance_set
from rbg_operator.planning.observed import InstanceView, RevisionView

T0 = "2026-01-01T00:00:00Z"
UID = "set-uid"


def template(image: str = "e:v1", cpu: str = "1") -> dict[str, Any]:
    container = {"name": "c", "image": image, "resources": {"requests": {"cpu": cpu}}}
    return {"components": [{"name": "main", "size": 1, "template": {"spec": {"containers": [container]}}}]}


def iset(
    replicas: int,
    tmpl: dict[str, Any],
    strategy: dict[str, Any] | None = None,
    status: dict[str, Any] | None = None,
) -> InstanceSet:
    return InstanceSet.from_dict(
        {
            "metadata": {"name": "web", "namespace": "ns", "uid": UID, "generation": 1},
            "spec": {"replicas": replicas, "instanceTemplate": tmpl, "updateStrategy": strategy or {}},
            **({"status": status} if status else {}),
        }
    )


def rev_of(tmpl: dict[str, Any]) -> str:
    return names.content_hash(
        InstanceSet.from_dict({"spec": {"instanceTemplate": tmpl}}).spec.instance_template.to_dict()
    )


def _data(tmpl: dict[str, Any]) -> dict[str, Any]:
    return InstanceSet.from_dict({"spec": {"instanceTemplate": tmpl}}).spec.instance_template.to_dict()


def revision(tmpl: dict[str, Any], number: int = 1) -> RevisionView:
    data = InstanceSet.from_dict({"spec": {"instanceTemplate": tmpl}}).spec.instance_template.to_dict()
    return RevisionView(
        name=f"web-{rev_of(tmpl)}",
        namespace="ns",
        uid=f"cr-{number}",
        revision=number,
        data_hash=rev_of(tmpl),
        owner_uids=(UID,),
        data={"instanceTemplate": data},
    )


def inst(
    ordinal: int,
    rev: str,
    *,
    ready: bool = True,
    updating: bool = False,
    labels: dict[str, str] | None = None,
    of: InstanceSet | None = None,
    tmpl: dict[str, Any] | None = None,
) -> InstanceView:
    of = of or iset(1, template())
    tmpl = tmpl or template()
    return InstanceView(
        name=f"web-{ordinal}",
        namespace="ns",
        uid=f"i-{ordinal}",
        labels={
            keys.LABEL_ROLE_INSTANCE_INDEX_V2: str(ordinal),
            keys.LABEL_CONTROLLER_REVISION_HASH: rev,
            **(labels or {}),
        },
        annotations=dict(instance_manifest(of, ordinal, rev, _data(tmpl)).metadata.annotations or {}),
        owner_uids=(UID,),
        generation=1,
        observed_generation=1,
        ready=ready,
        ready_since=T0,
        current_revision="pods-old" if updating else "pods",
        update_revision="pods",
    )


def test_a_new_set_records_its_revision_and_creates_instances() -> None:
    plan = plan_instance_set(iset(3, template()), [], [], T0)
    assert [m.kind for m in plan.apply] == ["ControllerRevision", "Instance", "Instance", "Instance"]
    assert [m.metadata.name for m in plan.apply[1:]] == ["web-0", "web-1", "web-2"]
    labels = plan.apply[1].metadata.labels or {}
    assert (
        labels[keys.LABEL_INSTANCESET_OWNER_UID] == UID and labels[keys.LABEL_ROLE_INSTANCE_INDEX_V2] == "0"
    )
    assert labels[keys.LABEL_CONTROLLER_REVISION_HASH] == rev_of(template())
    ann = plan.apply[1].metadata.annotations or {}
    assert ann[keys.ANNOTATION_INSTANCE_UPDATE_TYPE] == "InPlaceIfPossible"
    assert (
        plan.status is not None and plan.status.label_selector == f"{keys.LABEL_INSTANCESET_OWNER_UID}={UID}"
    )
    assert plan_instance_set(iset(3, template()), [], [], T0) == plan


@pytest.mark.parametrize(
    ("new", "ok", "paths"),
    [
        pytest.param(template("e:v2"), True, [], id="image-only"),
        pytest.param(
            template(cpu="2"),
            False,
            ["components[main].template.spec.containers[0].resources.requests.cpu"],
            id="resources",
        ),
    ],
)
def test_in_place_detection_names_what_changed(new: dict[str, Any], ok: bool, paths: list[str]) -> None:
    assert in_place_possible(template(), new) == (ok, paths)


def _rolled(strategy: dict[str, Any], new_tmpl: dict[str, Any], n: int = 4) -> Any:
    old = rev_of(template())
    status = {"currentRevision": old, "updateRevision": old}
    obj = iset(n, new_tmpl, strategy, status)
    return plan_instance_set(obj, [inst(i, old, of=obj) for i in range(n)], [revision(template())], T0)


def test_in_place_only_refuses_a_change_that_needs_recreation() -> None:
    plan = _rolled({"type": "InPlaceOnly", "maxUnavailable": 4}, template(cpu="2"))
    assert [m.kind for m in plan.apply] == ["ControllerRevision"]  # recorded, not rolled out
    assert plan.status is not None
    cond = next(c for c in plan.status.conditions or [] if c.type == keys.CONDITION_FAILED_UPDATE)
    assert "resources" in (cond.message or "")
    assert [e.reason for e in plan.events] == ["InPlaceUpdateImpossible"]


def test_in_place_if_possible_recreates_and_says_so() -> None:
    plan = _rolled({"maxUnavailable": 1}, template(cpu="2"))
    assert [m.metadata.name for m in plan.apply if m.kind == "Instance"] == ["web-3"]
    assert [e.reason for e in plan.events] == ["UpdateNotInPlace"]


def test_partition_and_max_unavailable_pick_the_highest_ordinals() -> None:
    plan = _rolled({"partition": 2, "maxUnavailable": 2}, template("e:v2"))
    moved = [m for m in plan.apply if m.kind == "Instance"]
    assert [m.metadata.name for m in moved] == ["web-2", "web-3"]
    assert all(
        (m.metadata.labels or {})[keys.LABEL_CONTROLLER_REVISION_HASH] == rev_of(template("e:v2"))
        for m in moved
    )
    assert plan.status is not None and plan.status.expected_updated_replicas == 2


def test_scale_in_takes_the_labelled_instance_first_and_waits_for_a_deleting_name() -> None:
    rev = rev_of(template())
    status = {"currentRevision": rev, "updateRevision": rev}
    views = [
        inst(0, rev),
        inst(1, rev, labels={keys.LABEL_INSTANCESET_SPECIFIED_DELETE: "true"}),
        inst(2, rev),
    ]
    plan = plan_instance_set(iset(2, template(), None, status), views, [revision(template())], T0)
    assert [(d.name, d.propagation) for d in plan.delete] == [("web-1", "Foreground")]
    deleting = [views[0], views[1].model_copy(update={"deleting": True}), views[2]]
    grow = plan_instance_set(iset(3, template(), None, status), deleting, [revision(template())], T0)
    assert not [m for m in grow.apply if m.kind == "Instance"] and grow.requeue_after == 1


def test_status_counts_instances() -> None:
    rev = rev_of(template())
    status = {"currentRevision": rev, "updateRevision": rev}
    views = [inst(0, rev), inst(1, rev, ready=False), inst(2, rev, updating=True)]
    plan = plan_instance_set(iset(3, template(), None, status), views, [revision(template())], T0)
    assert plan.status is not None
    st = plan.status
    assert (st.replicas, st.ready_replicas, st.available_replicas, st.updated_replicas) == (3, 2, 1, 3)
