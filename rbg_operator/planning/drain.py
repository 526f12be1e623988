"""Graceful drain of a pod (pure): take it out of traffic (the in-service readiness gate goes False, a
``draining`` label and start time are stamped), wait until it reports itself drained (a pod condition),
answers its HTTP drain probe with 200, or the timeout passes; only then may it be deleted or patched.

Every step is recorded in the pod, so whoever looks next (the deletion webhook, the drain controller, an
operator restarted mid-drain) continues from there. A pod that is drained but then not removed (the
scale-in was reverted) is put back in service after ``ABANDONED_AFTER`` seconds."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from rbg_operator.api import keys

from .observed import PodView
from .plan import Patch, Plan
from .pod_health import condition_patch
from .timestamps import elapsed

GATE = keys.READINESS_GATE_IN_SERVICE
DEFAULT_TIMEOUT = 30.0  # when only a probe is configured
ABANDONED_AFTER = 60.0
POLL = 1.0  # seconds between probes
_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: str) -> float | None:
    """``30``, ``30s``, ``1m30s``, ``500ms`` -> seconds; None when unreadable."""
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    if not _DURATION.match(value):
        return None
    return sum(float(n) * _UNITS[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", value))


@dataclass(frozen=True)
class DrainSettings:
    timeout: float
    probe: str = ""  # URL template; "" when the pod has no probe

    @classmethod
    def of(cls, annotations: Mapping[str, str]) -> DrainSettings | None:
        """The pod's (or role's) drain settings; None when drain is not configured."""
        if not any(k in annotations for k in keys.DRAIN_ANNOTATIONS):
            return None
        timeout = parse_duration(annotations.get(keys.ANNOTATION_DRAIN_TIMEOUT, "")) or DEFAULT_TIMEOUT
        probe = annotations.get(keys.ANNOTATION_DRAIN_PROBE_URL, "")
        port = annotations.get(keys.ANNOTATION_DRAIN_PROBE_PORT, "")
        if not probe and port:
            path = annotations.get(keys.ANNOTATION_DRAIN_PROBE_PATH, "/")
            probe = f"http://$(POD_IP):{port}{path if path.startswith('/') else '/' + path}"
        return cls(timeout, probe)

    def url(self, pod: PodView) -> str:
        return (
            self.probe.replace("$(POD_IP)", pod.pod_ip)
            .replace("$(POD_NAME)", pod.name)
            .replace("$(POD_NAMESPACE)", pod.namespace)
        )


class Phase(Enum):
    NONE = "none"
    DRAINING = "draining"
    DRAINED = "drained"


def phase(pod: PodView) -> Phase:
    if keys.ANNOTATION_DRAINED_AT in pod.annotations:
        return Phase.DRAINED
    if keys.ANNOTATION_DRAIN_STARTED_AT in pod.annotations:
        return Phase.DRAINING
    return Phase.NONE


def serving(pod: PodView) -> bool:
    return pod.phase == "Running" and pod.ready and not pod.deleting


@dataclass(frozen=True)
class Verdict:
    allow: bool
    reason: str
    start: bool = False  # the drain has to be started first


def removal_verdict(pod: PodView, now: str) -> Verdict:
    """May ``pod`` be deleted (or restarted) now?"""
    settings = DrainSettings.of(pod.annotations)
    if settings is None:
        return Verdict(True, "drain is not configured")
    current = phase(pod)
    if current is Phase.DRAINED:
        return Verdict(True, f"drained ({pod.annotations.get(keys.ANNOTATION_DRAINED_BY, '')})")
    if current is Phase.NONE:
        if not serving(pod):
            return Verdict(True, "the pod is not serving")
        return Verdict(
            False, f"draining pod {pod.name} (up to {settings.timeout:g}s) before removal", start=True
        )
    # The end of a drain (reported, probe, timeout) is recorded by the drain controller first, exactly
    # once; that change wakes the workload controller, whose retried removal is then admitted.
    started = pod.annotations[keys.ANNOTATION_DRAIN_STARTED_AT]
    waited = elapsed(started, now)
    if pod.condition(keys.POD_CONDITION_DRAINED) == "True" or waited >= settings.timeout:
        return Verdict(False, f"pod {pod.name} is drained; waiting for the operator to record it")
    return Verdict(
        False, f"pod {pod.name} is draining since {started} ({waited:.0f}s of {settings.timeout:g}s)"
    )


def _gate(pod: PodView, status: str, reason: str, now: str) -> Patch:
    return condition_patch(pod, GATE, status, reason, now)


def start(pod: PodView, now: str) -> list[Patch]:
    """Out of traffic: the draining label and start time, then the gate False (if the pod has it)."""
    meta = {
        "metadata": {
            "labels": {keys.LABEL_DRAINING: "true"},
            "annotations": {keys.ANNOTATION_DRAIN_STARTED_AT: now},
        }
    }
    patches = [Patch(pod.name, pod.uid, meta)]
    if GATE in pod.gates:
        patches.append(_gate(pod, "False", "Draining", now))
    return patches


def finish(pod: PodView, now: str, by: str) -> Patch:
    meta = {"metadata": {"annotations": {keys.ANNOTATION_DRAINED_AT: now, keys.ANNOTATION_DRAINED_BY: by}}}
    return Patch(pod.name, pod.uid, meta)


def restore(pod: PodView, now: str) -> list[Patch]:
    """Back in service: drain marks removed and the gate True."""
    meta = {
        "metadata": {
            "labels": {keys.LABEL_DRAINING: None},
            "annotations": {
                keys.ANNOTATION_DRAIN_STARTED_AT: None,
                keys.ANNOTATION_DRAINED_AT: None,
                keys.ANNOTATION_DRAINED_BY: None,
            },
        }
    }
    patches = [Patch(pod.name, pod.uid, meta)]
    if GATE in pod.gates:
        patches.append(_gate(pod, "True", "InService", now))
    return patches


@dataclass
class DrainStep:
    patches: list[Patch]
    wake: float | None = None


def drain_step(pod: PodView, now: str, probe_ok: bool | None) -> DrainStep:
    """The drain controller's step for one pod: admit a new pod to service, end a drain when the pod
    reported, its probe answered (``probe_ok``) or the timeout passed, and restore abandoned drains."""
    settings = DrainSettings.of(pod.annotations)
    if settings is None or pod.deleting:
        return DrainStep([])
    current = phase(pod)
    if current is Phase.NONE:
        if GATE in pod.gates and pod.condition(GATE) == "":
            return DrainStep([_gate(pod, "True", "InService", now)])
        return DrainStep([])
    if current is Phase.DRAINED:
        since = elapsed(pod.annotations.get(keys.ANNOTATION_DRAINED_AT, now), now)
        if since >= ABANDONED_AFTER:
            return DrainStep(restore(pod, now))
        return DrainStep([], ABANDONED_AFTER - since)
    if pod.condition(keys.POD_CONDITION_DRAINED) == "True":
        return DrainStep([finish(pod, now, "reported")])
    if probe_ok:
        return DrainStep([finish(pod, now, "probe")])
    waited = elapsed(pod.annotations[keys.ANNOTATION_DRAIN_STARTED_AT], now)
    if waited >= settings.timeout:
        return DrainStep([finish(pod, now, "timeout")])
    return DrainStep(
        [], min(POLL if settings.probe else settings.timeout - waited, settings.timeout - waited)
    )


def drain_plan(pod: PodView, now: str, probe_ok: bool | None) -> Plan[Any]:
    """The drain controller's plan for one pod: the patches of its step, in order, and when to look
    again."""
    step = drain_step(pod, now, probe_ok)
    return Plan(patch=list(step.patches), requeue_after=step.wake)
