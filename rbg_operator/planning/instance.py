"""One reconcile of an Instance (pure): create missing pods, move pods to a new template in place through
the InPlaceUpdateReady readiness gate (or recreate them), recreate the whole Instance when a pod fails
under RecreateInstanceOnPodRestart (with exponential back-off, never cascading), and compute the status.

All state lives in the objects: the pod's in-place annotation (what revision it is moving to and since
when), the restart baseline annotation, the pods' epoch label and the Instance's status (epoch, restart
count, time and back-off). An operator restart at any point resumes where it stopped."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from rbg_operator.api import keys
from rbg_operator.api.v1alpha1 import Instance
from rbg_operator.api.v1alpha1.enums import (
    ConditionStatus,
    InstanceReadyPolicy,
    InstanceRestartPolicy,
    UpdateStrategyType,
)
from rbg_operator.api.v1alpha1.instance import ComponentStatus, InstanceCondition, InstanceStatus

from . import drain, names
from .instance_pods import DesiredPod, desired_pod, in_place_patch, slots
from .observed import PodView
from .plan import Deletion, Event, Patch, Plan
from .pod_health import condition_patch, failure, in_place_state
from .timestamps import elapsed, parse

GATE = keys.POD_CONDITION_IN_PLACE_UPDATE_READY
STATE = keys.ANNOTATION_INPLACE_UPDATE_STATE_V2
BACKOFF_BASE = 10  # seconds before a second recreation that follows soon after the first
BACKOFF_CAP = 300
BACKOFF_RESET = 600  # a recreation this long after the previous one starts the back-off afresh
_RECREATE_TYPES = {UpdateStrategyType.RECREATE, UpdateStrategyType.RECREATE_POD}


@dataclass(frozen=True)
class InstanceSettings:
    """How the Instance's pods take a new template (set by its InstanceSet as annotations)."""

    update_type: UpdateStrategyType
    grace_seconds: int

    @classmethod
    def of(cls, inst: Instance) -> InstanceSettings:
        ann = inst.metadata.annotations or {}
        try:
            kind = UpdateStrategyType(ann.get(keys.ANNOTATION_INSTANCE_UPDATE_TYPE, "InPlaceIfPossible"))
        except ValueError:
            kind = UpdateStrategyType.IN_PLACE_IF_POSSIBLE
        grace = ann.get(keys.ANNOTATION_INPLACE_UPDATE_GRACE_V2, "0")
        return cls(kind, int(grace) if (grace.isascii() and grace.isdigit()) else 0)


def _gate(pod: PodView, status: str, reason: str, now: str) -> Patch:
    return condition_patch(pod, GATE, status, reason, now)


def _updated_and_ready(pod: PodView) -> bool:
    by_name = {c.name: c for c in pod.containers}
    return all(
        name in by_name and by_name[name].image == image and by_name[name].ready
        for name, image in pod.images.items()
    )


class _Planner:
    def __init__(self, inst: Instance, pods: Sequence[PodView], now: str) -> None:
        self.inst, self.now = inst, now
        self.uid = inst.metadata.uid or ""
        self.status = inst.status or InstanceStatus()
        self.settings = InstanceSettings.of(inst)
        self.recreate_policy = inst.spec.restart_policy != InstanceRestartPolicy.NONE
        self.plan: Plan[InstanceStatus] = Plan()
        self.epoch = self.status.epoch or 0
        self.pods = {p.name: p for p in pods}
        self.refused: list[str] = []
        self.restarting = ""
        self.holding = False  # a recreation is due but backing off: replace nothing meanwhile

    def desired(self) -> list[DesiredPod]:
        return [desired_pod(self.inst, s, c, self.epoch) for s, c in slots(self.inst)]

    def mine(self, pod: PodView | None) -> bool:
        return pod is not None and self.uid in pod.owner_uids and not pod.deleting

    def current(self, pod: PodView | None) -> bool:
        return (
            self.mine(pod)
            and pod is not None
            and pod.labels.get(keys.LABEL_INSTANCE_EPOCH) == str(self.epoch)
        )

    # -- restart policy ------------------------------------------------------------------------------
    def check_restart(self, desired: list[DesiredPod]) -> None:
        if not self.recreate_policy:
            return
        reasons = [failure(p) for p in self.pods.values() if self.current(p)]
        recorded = {c.name: c.replicas for c in self.status.component_statuses or []}
        for comp in self.inst.spec.components:
            expected = min(recorded.get(comp.name, 0), comp.effective_size)
            present = sum(
                1
                for d in desired
                if d.slot.component == comp.name
                and self.current(self.pods.get(d.slot.pod_name(self.inst_name)))
            )
            if present < expected:
                reasons.append(f"{expected - present} pod(s) of component {comp.name} disappeared")
        reason = next((r for r in reasons if r), "")
        if not reason:
            return
        last = self.status.last_restart_time or ""
        recent = bool(last) and elapsed(last, self.now) < BACKOFF_RESET
        backoff = (self.status.restart_backoff_seconds or BACKOFF_BASE) if recent else 0
        due = parse(last) + backoff if last else 0.0
        if recent and parse(self.now) < due:
            self.restarting = f"{reason}; next recreation in {int(due - parse(self.now))}s (back-off)"
            self.holding = True
            self.plan.wake(due - parse(self.now))
            return
        count = (self.status.restart_count or 0) + 1
        self.epoch += 1
        self.status = self.status.model_copy(
            update={
                "epoch": self.epoch,
                "restart_count": count,
                "last_restart_time": self.now,
                "restart_backoff_seconds": min(2 * backoff, BACKOFF_CAP) if backoff else BACKOFF_BASE,
                "component_statuses": None,
            }
        )
        self.plan.status_first = True
        self.restarting = f"{reason}; recreating the instance (restart {count})"
        self.plan.events.append(
            Event("Warning", "InstanceRecreated", f"{reason}; recreating all pods (restart {count})")
        )

    @property
    def inst_name(self) -> str:
        return self.inst.metadata.name or ""

    # -- updates -------------------------------------------------------------------------------------
    def needs_epoch_for_update(self, desired: list[DesiredPod]) -> bool:
        """Under the recreate policy a change that cannot be done in place recreates the whole Instance."""
        if not self.recreate_policy:
            return False
        for d in desired:
            pod = self.pods.get(d.slot.pod_name(self.inst_name))
            if not self.current(pod) or pod is None:
                continue
            if pod.labels.get(keys.LABEL_CONTROLLER_REVISION_HASH) != d.revision and not self.in_place_ok(
                pod, d
            ):
                return self.settings.update_type != UpdateStrategyType.IN_PLACE_ONLY
        return False

    def in_place_ok(self, pod: PodView, d: DesiredPod) -> bool:
        return (
            self.settings.update_type not in _RECREATE_TYPES
            and pod.annotations.get(keys.ANNOTATION_IN_PLACE_BASE_HASH) == d.base
        )

    def pod_step(self, d: DesiredPod) -> None:
        name = d.slot.pod_name(self.inst_name)
        pod = self.pods.get(name)
        if pod is None:
            if not self.holding:
                self.plan.apply.append(d.manifest)
            return
        if not self.mine(pod):
            return  # a previous owner's pod, or one being deleted: its name frees up soon
        if pod.labels.get(keys.LABEL_INSTANCE_EPOCH) != str(self.epoch):
            self.delete(pod)
            return
        if not self.recreate_policy and pod.phase == "Failed":
            self.delete(pod)
            return
        state = in_place_state(pod)
        if pod.labels.get(keys.LABEL_CONTROLLER_REVISION_HASH) == d.revision:
            if state and _updated_and_ready(pod):
                counts = {c.name: c.restart_count for c in pod.containers}
                meta = {STATE: None, keys.ANNOTATION_RESTART_BASELINE: json.dumps(counts, sort_keys=True)}
                self.plan.patch.append(Patch(pod.name, pod.uid, {"metadata": {"annotations": meta}}))
                self.plan.patch.append(_gate(pod, "True", "InPlaceUpdated", self.now))
                if drain.phase(pod) is not drain.Phase.NONE:
                    self.plan.patch += drain.restore(pod, self.now)
            elif not state and pod.condition(GATE) != "True":
                self.plan.patch.append(_gate(pod, "True", "Ready", self.now))
            return
        if not self.in_place_ok(pod, d):
            if self.settings.update_type == UpdateStrategyType.IN_PLACE_ONLY:
                self.refused.append(pod.name)
            else:
                self.delete(pod)  # recreated with the new template once gone
            return
        if state.get("revision") != d.revision:
            stamp = json.dumps({"revision": d.revision, "since": self.now}, sort_keys=True)
            self.plan.patch.append(Patch(pod.name, pod.uid, {"metadata": {"annotations": {STATE: stamp}}}))
            state = {"revision": d.revision, "since": self.now}
        verdict = drain.removal_verdict(pod, self.now)
        if verdict.start:  # a drain-enabled pod also drains before its containers restart
            self.plan.patch += drain.start(pod, self.now)
        if pod.condition(GATE) != "False":
            self.plan.patch.append(_gate(pod, "False", "InPlaceUpdating", self.now))
            self.plan.wake(self.settings.grace_seconds)
            return
        wait = self.settings.grace_seconds - elapsed(state.get("since", self.now), self.now)
        if wait > 0:
            self.plan.wake(wait)
            return
        if not verdict.allow:
            self.plan.wake(drain.POLL)
            return
        self.plan.patch.append(Patch(pod.name, pod.uid, in_place_patch(d)))

    def delete(self, pod: PodView) -> None:
        """Delete, once drained (a serving pod of a drain-enabled role drains first)."""
        verdict = drain.removal_verdict(pod, self.now)
        if not verdict.allow:
            if verdict.start:
                self.plan.patch += drain.start(pod, self.now)
            self.plan.wake(drain.POLL)
            return
        self.plan.delete.append(Deletion("v1", "Pod", pod.namespace, pod.name, pod.uid))

    # -- status --------------------------------------------------------------------------------------
    def compute_status(self, desired: list[DesiredPod], revision: str) -> InstanceStatus:
        comps: list[ComponentStatus] = []
        all_ready = True
        all_updated = True
        for comp in self.inst.spec.components:
            st = ComponentStatus(name=comp.name)
            for d in desired:
                if d.slot.component != comp.name:
                    continue
                pod = self.pods.get(d.slot.pod_name(self.inst_name))
                if pod is None or not self.current(pod):
                    all_ready = all_updated = False
                    continue
                updated = pod.labels.get(
                    keys.LABEL_CONTROLLER_REVISION_HASH
                ) == d.revision and not in_place_state(pod)
                st.replicas += 1
                st.ready_replicas += pod.ready
                st.available_replicas += pod.ready
                st.scheduled_replicas += bool(pod.node_name)
                st.updated_replicas += updated
                st.updated_ready_replicas += updated and pod.ready
                all_ready &= pod.ready
                all_updated &= updated
            comps.append(st)
        if self.inst.spec.ready_policy == InstanceReadyPolicy.NONE:
            all_ready = True
        old = self.status
        conditions = [
            self.condition(
                keys.CONDITION_INSTANCE_READY,
                all_ready and all_updated and not self.restarting,
                "Ready"
                if all_ready and all_updated
                else ("Restarting" if self.restarting else "PodsNotReady"),
                self.restarting or ("" if all_ready else "not every pod of the instance is ready"),
            )
        ]
        if self.refused:
            conditions.append(
                self.condition(
                    keys.CONDITION_FAILED_UPDATE,
                    True,
                    "InPlaceUpdateImpossible",
                    f"updateType InPlaceOnly: pods {', '.join(sorted(self.refused))} need recreation",
                )
            )
        return old.model_copy(
            update={
                "observed_generation": self.inst.metadata.generation,
                "conditions": conditions,
                # While a recreation backs off, the counts keep remembering the lost pods.
                "component_statuses": old.component_statuses if self.holding else comps,
                "label_selector": f"{keys.LABEL_INSTANCE_NAME}={self.inst_name}",
                "update_revision": revision,
                "current_revision": revision if all_updated else (old.current_revision or None),
                "epoch": self.epoch,
            }
        )

    def condition(self, kind: str, ok: bool, reason: str, message: str) -> InstanceCondition:
        status = ConditionStatus.TRUE if ok else ConditionStatus.FALSE
        before = next((c for c in (self.status.conditions or []) if c.type == kind), None)
        since = before.last_transition_time if before is not None and before.status == status else self.now
        return InstanceCondition(
            type=kind, status=status, reason=reason, message=message or None, last_transition_time=since
        )


def plan_instance(inst: Instance, pods: Sequence[PodView], now: str) -> Plan[InstanceStatus]:
    planner = _Planner(inst, pods, now)
    if inst.metadata.deletion_timestamp:
        return planner.plan
    desired = planner.desired()
    planner.check_restart(desired)
    if not planner.restarting and planner.needs_epoch_for_update(desired):
        planner.epoch += 1
        planner.status = planner.status.model_copy(
            update={"epoch": planner.epoch, "component_statuses": None}
        )
        planner.plan.status_first = True
        planner.plan.events.append(
            Event(
                "Normal",
                "InstanceRecreating",
                "template change cannot be applied in place: recreating all pods",
            )
        )
    if planner.plan.status_first:
        desired = planner.desired()
    for d in desired:
        planner.pod_step(d)
    wanted = {d.slot.pod_name(planner.inst_name) for d in desired}
    for pod in sorted(planner.pods.values(), key=lambda p: p.name):
        if pod.name not in wanted and planner.mine(pod):
            planner.delete(pod)
    revision = names.content_hash(inst.spec.to_dict())
    status = planner.compute_status(desired, revision)
    before = inst.status.to_dict() if inst.status else {}
    if planner.plan.status_first or status.to_dict() != before:
        planner.plan.status = status
    if planner.refused and not any(
        c.type == keys.CONDITION_FAILED_UPDATE
        for c in (inst.status.conditions if inst.status else None) or []
    ):
        planner.plan.events.append(
            Event(
                "Warning",
                "InPlaceUpdateImpossible",
                f"updateType InPlaceOnly refuses to recreate pods {', '.join(sorted(planner.refused))}",
            )
        )
    planner.plan.apply.sort(key=lambda m: m.metadata.name or "")
    planner.plan.delete.sort()
    return planner.plan
