"""One reconcile of an InstanceSet (pure): ControllerRevisions of its template, Instances ``<set>-<i>``
created, updated and deleted by the rollout planner (rbg_operator.planning.instance_rollout), and the
status with the scale subresource's selector.

An update is in place when every component keeps its name, size and pod spec except images (the
Instances then update their pods in place); otherwise InPlaceIfPossible recreates, and InPlaceOnly
refuses with a FailedUpdate condition and an event naming what changed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.base import percent_or_int_value
from rbg_operator.api.children import ControllerRevision, InstanceManifest
from rbg_operator.api.meta import ObjectMeta
from rbg_operator.api.v1alpha1 import InstanceSet
from rbg_operator.api.v1alpha1.enums import ConditionStatus, UpdateStrategyType
from rbg_operator.api.v1alpha1.instance import InstanceCondition, InstanceSpec
from rbg_operator.api.v1alpha1.instanceset import InstanceSetStatus

from . import names
from .applied import needs_apply, with_hash
from .instance_pods import base_hash, spec_differences
from .instance_rollout import InstanceState, RolloutSpec, plan_step
from .observed import InstanceView, RevisionView
from .plan import Deletion, Event, Plan
from .timestamps import elapsed

JSON = dict[str, Any]
DEFAULT_HISTORY = 10
_RECREATE = {UpdateStrategyType.RECREATE, UpdateStrategyType.RECREATE_POD}


def instance_name(iset: str, ordinal: int) -> str:
    suffix = f"-{ordinal}"
    return names.truncate(iset, names.MAX_NAME - len(suffix)) + suffix


def ordinal_of(view: InstanceView) -> int | None:
    value = view.labels.get(keys.LABEL_ROLE_INSTANCE_INDEX_V2, "")
    return int(value) if (value.isascii() and value.isdigit()) else None


def selector(iset: InstanceSet) -> dict[str, str]:
    given = iset.spec.selector.match_labels if iset.spec.selector else None
    return dict(given) if given else {keys.LABEL_INSTANCESET_OWNER_UID: iset.metadata.uid or ""}


def in_place_possible(old: JSON, new: JSON) -> tuple[bool, list[str]]:
    """Whether ``new`` differs from ``old`` (instance templates) only in images and pod metadata, and
    if not, the first paths that differ."""
    a = {c["name"]: c for c in old.get("components", [])}
    b = {c["name"]: c for c in new.get("components", [])}
    if a.keys() != b.keys():
        return False, ["components (names)"]
    diffs: list[str] = []
    for name in sorted(a):
        if a[name].get("size", 1) != b[name].get("size", 1):
            diffs.append(f"components[{name}].size")
        sa, sb = a[name]["template"].get("spec", {}), b[name]["template"].get("spec", {})
        if base_hash(sa) != base_hash(sb):
            diffs += [f"components[{name}].template.spec.{p}" for p in spec_differences(sa, sb)]
    rest = [k for k in sorted(set(old) | set(new)) if k != "components" and old.get(k) != new.get(k)]
    return not diffs and not rest, diffs + rest


class _Set:
    def __init__(self, iset: InstanceSet, now: str) -> None:
        self.iset, self.now = iset, now
        self.name, self.ns, self.uid = (
            iset.metadata.name or "",
            iset.metadata.namespace or "",
            iset.metadata.uid or "",
        )
        us = iset.spec.update_strategy
        self.type = (us.type if us else None) or UpdateStrategyType.IN_PLACE_IF_POSSIBLE
        grace = (
            us.in_place_update_strategy.grace_period_seconds if us and us.in_place_update_strategy else None
        )
        self.grace = grace or 0
        self.replicas = iset.spec.effective_replicas
        self.plan: Plan[InstanceSetStatus] = Plan()

    def limits(self) -> tuple[int, int, int, bool]:
        us, n = self.iset.spec.update_strategy, self.replicas
        surge = percent_or_int_value(us.max_surge, n, round_up=True) if us and us.max_surge is not None else 0
        unavailable = (
            percent_or_int_value(us.max_unavailable, n, round_up=False)
            if us and us.max_unavailable is not None
            else max(1, n // 5)
        )
        if surge == 0 and unavailable == 0:
            unavailable = 1
        partition = (
            percent_or_int_value(us.partition, n, round_up=True) if us and us.partition is not None else 0
        )
        return unavailable, surge, min(partition, n), bool(us and us.paused)

    def manifest(self, ordinal: int, revision: str, template: JSON) -> InstanceManifest:
        name = instance_name(self.name, ordinal)
        labels = {
            **selector(self.iset),
            keys.LABEL_INSTANCESET_OWNER_UID: self.uid,
            keys.LABEL_ROLE_INSTANCE_OWNER_V2: self.uid,
            keys.LABEL_INSTANCESET_INSTANCE_ID: str(ordinal),
            keys.LABEL_ROLE_INSTANCE_ID_V2: str(ordinal),
            keys.LABEL_ROLE_INSTANCE_INDEX_V2: str(ordinal),
            keys.LABEL_INSTANCESET_INSTANCE_NAME: name,
            keys.LABEL_CONTROLLER_REVISION_HASH: revision,
        }
        annotations = {
            keys.ANNOTATION_INSTANCE_UPDATE_TYPE: str(self.type),
            keys.ANNOTATION_INPLACE_UPDATE_GRACE_V2: str(self.grace),
        }
        owner = names.owner_reference(self.iset.api_version, self.iset.kind, self.name, self.uid)
        meta = ObjectMeta.model_validate(
            {
                "name": name,
                "namespace": self.ns,
                "labels": labels,
                "annotations": annotations,
                "ownerReferences": [owner],
            }
        )
        return with_hash(InstanceManifest(metadata=meta, spec=InstanceSpec.model_validate(template)))

    def revisions(self, observed: Sequence[RevisionView], template: JSON) -> dict[str, JSON]:
        """Templates by revision hash; records the update revision if it is new."""
        mine = sorted((r for r in observed if self.uid in r.owner_uids), key=lambda r: r.revision)
        known = {r.data_hash: (r.data or {}).get("instanceTemplate", {}) for r in mine}
        update = names.content_hash(template)
        if update not in known:
            number = (mine[-1].revision if mine else 0) + 1
            owner = names.owner_reference(self.iset.api_version, self.iset.kind, self.name, self.uid)
            self.plan.apply.append(
                ControllerRevision(
                    metadata=ObjectMeta.model_validate(
                        {
                            "name": names.truncate(self.name, names.MAX_NAME - 11) + "-" + update,
                            "namespace": self.ns,
                            "labels": {
                                keys.LABEL_INSTANCESET_NAME: self.name,
                                keys.LABEL_CONTROLLER_REVISION_HASH: update,
                            },
                            "ownerReferences": [owner],
                        }
                    ),
                    data={"instanceTemplate": template},
                    revision=number,
                )
            )
            known[update] = template
        return known

    def prune(self, observed: Sequence[RevisionView], keep: set[str]) -> None:
        limit = self.iset.spec.revision_history_limit
        limit = DEFAULT_HISTORY if limit is None else limit
        mine = sorted((r for r in observed if self.uid in r.owner_uids), key=lambda r: r.revision)
        spare = [r for r in mine if r.data_hash not in keep]
        for old in spare[: max(0, len(spare) - limit)]:
            self.plan.delete.append(Deletion("apps/v1", "ControllerRevision", self.ns, old.name, old.uid))


def _state(view: InstanceView, ordinal: int, min_ready: int, now: str, delete: set[str]) -> InstanceState:
    settled = view.observed_generation >= view.generation
    updated = settled and view.current_revision == view.update_revision and bool(view.update_revision)
    available = updated and view.ready and elapsed(view.ready_since, now) >= min_ready
    requested = view.name in delete or any(
        view.labels.get(k) == "true"
        for k in (keys.LABEL_INSTANCESET_SPECIFIED_DELETE, keys.LABEL_ROLE_INSTANCE_DELETE_V2)
    )
    return InstanceState(
        ordinal=ordinal,
        revision=view.labels.get(keys.LABEL_CONTROLLER_REVISION_HASH, ""),
        available=available,
        updating=not updated,
        delete_requested=requested,
    )


def plan_instance_set(
    iset: InstanceSet, instances: Sequence[InstanceView], revisions: Sequence[RevisionView], now: str
) -> Plan[InstanceSetStatus]:
    s = _Set(iset, now)
    if iset.metadata.deletion_timestamp:
        return s.plan
    template = iset.spec.instance_template.to_dict()
    known = s.revisions(revisions, template)
    update = names.content_hash(template)
    status = iset.status or InstanceSetStatus()
    current = status.current_revision if status.current_revision in known else update
    ok, diffs = in_place_possible(known[current], template)
    refused = current != update and not ok and s.type == UpdateStrategyType.IN_PLACE_ONLY
    target = current if refused else update
    if current != update and not ok and status.update_revision != update:
        if refused:
            s.plan.events.append(
                Event(
                    "Warning",
                    "InPlaceUpdateImpossible",
                    f"updateType InPlaceOnly refuses: {', '.join(diffs)} changed",
                )
            )
        elif s.type == UpdateStrategyType.IN_PLACE_IF_POSSIBLE:
            s.plan.events.append(
                Event(
                    "Normal",
                    "UpdateNotInPlace",
                    f"{', '.join(diffs)} changed: instances are recreated, not updated in place",
                )
            )

    mine = [v for v in instances if s.uid in v.owner_uids]
    live = {o: v for v in mine if (o := ordinal_of(v)) is not None and not v.deleting}
    gone = {o for v in mine if (o := ordinal_of(v)) is not None and v.deleting}
    delete_names = (
        set(iset.spec.scale_strategy.instance_to_delete or []) if iset.spec.scale_strategy else set()
    )
    min_ready = iset.spec.min_ready_seconds or 0
    states = [_state(v, o, min_ready, now, delete_names) for o, v in sorted(live.items())]
    unavailable, surge, partition, paused = s.limits()
    spec = RolloutSpec(
        replicas=s.replicas,
        current_revision=current,
        update_revision=target,
        max_unavailable=unavailable,
        max_surge=surge,
        partition=partition,
        in_place=s.type not in _RECREATE and ok,
        paused=paused,
    )
    step = plan_step(spec, states)
    by_ordinal = {st.ordinal: st for st in states}
    changed: dict[int, str] = {}
    for ordinal, rev in step.create:
        if ordinal in gone:
            s.plan.wake(1)  # the previous Instance of that name is still going away
            continue
        changed[ordinal] = rev
    for ordinal in step.update:
        changed[ordinal] = target
    for ordinal, rev in step.recreate:
        if by_ordinal[ordinal].revision == rev:  # an explicit delete request: replace it afresh
            s.plan.delete.append(_deletion(s, live[ordinal]))
        else:
            changed[ordinal] = rev
    for ordinal in step.delete:
        s.plan.delete.append(_deletion(s, live[ordinal]))
    deleted = set(step.delete) | {o for o, rev in step.recreate if by_ordinal[o].revision == rev}
    for ordinal, view in sorted(live.items()):
        if ordinal not in changed and ordinal not in deleted:
            rev = by_ordinal[ordinal].revision
            if rev in known:  # keep settings current without moving it to another revision
                m = s.manifest(ordinal, rev, known[rev])
                if needs_apply(m, view):
                    s.plan.apply.append(m)
    for ordinal, rev in sorted(changed.items()):
        m = s.manifest(ordinal, rev, known[rev])
        if needs_apply(m, live.get(ordinal)):
            s.plan.apply.append(m)
    keep = {current, update} | {st.revision for st in states}
    s.prune(revisions, keep)

    ready = sum(1 for v in live.values() if v.ready)
    new_status = _status(
        iset, s, states, ready, (current, update), partition, diffs if refused else [], status
    )
    if new_status.to_dict() != status.to_dict():
        s.plan.status = new_status
    if min_ready:
        for v in live.values():
            wait = min_ready - elapsed(v.ready_since, now)
            if v.ready and wait > 0:
                s.plan.wake(wait)
    s.plan.apply.sort(key=lambda m: (m.kind != "ControllerRevision", m.metadata.name or ""))
    s.plan.delete.sort()
    return s.plan


def _deletion(s: _Set, view: InstanceView) -> Deletion:
    return Deletion(
        "workloads.x-k8s.io/v1alpha1", "Instance", s.ns, view.name, view.uid, propagation="Foreground"
    )


def _status(
    iset: InstanceSet,
    s: _Set,
    states: Sequence[InstanceState],
    ready: int,
    revisions: tuple[str, str],
    partition: int,
    refused: list[str],
    old: InstanceSetStatus,
) -> InstanceSetStatus:
    current, update = revisions
    updated = [st for st in states if st.revision == update]
    done = len(updated) == s.replicas == len(states) and all(st.available for st in updated)
    conditions: list[InstanceCondition] = []
    if refused:
        before = next((c for c in old.conditions or [] if c.type == keys.CONDITION_FAILED_UPDATE), None)
        conditions.append(
            InstanceCondition(
                type=keys.CONDITION_FAILED_UPDATE,
                status=ConditionStatus.TRUE,
                reason="InPlaceUpdateImpossible",
                message=(
                    f"updateType InPlaceOnly cannot apply this change in place: {', '.join(refused)} changed"
                ),
                last_transition_time=before.last_transition_time if before else s.now,
            )
        )
    sel = selector(iset)
    return InstanceSetStatus(
        observed_generation=iset.metadata.generation,
        replicas=len(states),
        ready_replicas=ready,
        available_replicas=sum(1 for st in states if st.available),
        current_replicas=sum(1 for st in states if st.revision == current),
        updated_replicas=len(updated),
        updated_ready_replicas=sum(1 for st in updated if st.available),
        expected_updated_replicas=max(0, s.replicas - partition),
        update_revision=update,
        current_revision=update if done else current,
        conditions=conditions or None,
        label_selector=",".join(f"{k}={v}" for k, v in sorted(sel.items())),
    )


def instance_manifest(iset: InstanceSet, ordinal: int, revision: str, template: JSON) -> InstanceManifest:
    """The Instance ``ordinal`` of ``iset`` at ``revision`` (as the planner applies it)."""
    return _Set(iset, "").manifest(ordinal, revision, template)
