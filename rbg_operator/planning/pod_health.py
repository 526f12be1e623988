"""Whether a pod has failed, for the restart policies: a Failed phase, or a container restart beyond the
ones an in-place update caused (recorded as the pod's restart baseline)."""

from __future__ import annotations

import json

from rbg_operator.api import keys

from .observed import PodView
from .plan import Patch


def _annotation_json(pod: PodView, key: str) -> dict[str, object]:
    try:
        value = json.loads(pod.annotations.get(key, "") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def in_place_state(pod: PodView) -> dict[str, str]:
    """The in-place update under way on the pod (target revision, start time), or {}."""
    return {str(k): str(v) for k, v in _annotation_json(pod, keys.ANNOTATION_INPLACE_UPDATE_STATE_V2).items()}


def restart_baseline(pod: PodView) -> dict[str, int]:
    out: dict[str, int] = {}
    for k, v in _annotation_json(pod, keys.ANNOTATION_RESTART_BASELINE).items():
        if isinstance(v, int):
            out[str(k)] = v
    return out


def failure(pod: PodView) -> str:
    """Why a pod counts as failed ("" when it does not)."""
    if pod.phase == "Failed":
        return f"pod {pod.name} failed"
    if in_place_state(pod):
        return ""  # an in-place update restarts containers on purpose
    base = restart_baseline(pod)
    for c in pod.containers:
        if c.restart_count > base.get(c.name, 0):
            return f"container {c.name} of pod {pod.name} restarted"
    return ""


def condition_patch(pod: PodView, ctype: str, status: str, reason: str, now: str) -> Patch:
    """Set one pod condition (e.g. a readiness gate's) through the status subresource."""
    cond = {"type": ctype, "status": status, "reason": reason, "lastTransitionTime": now}
    return Patch(pod.name, pod.uid, {"status": {"conditions": [cond]}}, status=True)
