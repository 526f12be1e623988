"""The drain protocol's decisions: when a pod may be removed, when a drain starts and ends, and how
abandoned drains are put back in service."""

from __future__ import annotations

from typing import Any

import pytest

from rbg_operator.api import keys
from rbg_operator.planning import drain
from rbg_operator.planning.observed import PodView
from rbg_operator.planning.timestamps import format_ts, parse

T0 = "2026-01-01T00:00:00Z"


def at(seconds: float) -> str:
    return format_ts(parse(T0) + seconds)


def pod(annotations: dict[str, str] | None = None, **over: Any) -> PodView:
    base: dict[str, Any] = {
        "name": "p-0",
        "namespace": "ns",
        "uid": "u",
        "phase": "Running",
        "annotations": {keys.ANNOTATION_DRAIN_TIMEOUT: "30s", **(annotations or {})},
        "conditions": {"Ready": ("True", T0), drain.GATE: ("True", T0)},
        "gates": (drain.GATE,),
        "pod_ip": "10.0.0.7",
    }
    base.update(over)
    return PodView(**base)


DRAINING = {keys.ANNOTATION_DRAIN_STARTED_AT: T0}


@pytest.mark.parametrize(
    ("view", "now", "allow", "start"),
    [
        pytest.param(
            pod(annotations={}).model_copy(update={"annotations": {}}), T0, True, False, id="not-configured"
        ),
        pytest.param(pod(), T0, False, True, id="serving-starts-a-drain"),
        pytest.param(pod(conditions={"Ready": ("False", T0)}), T0, True, False, id="not-ready-goes-at-once"),
        pytest.param(pod(phase="Pending"), T0, True, False, id="pending-goes-at-once"),
        pytest.param(pod(DRAINING), at(10), False, False, id="draining-waits"),
        pytest.param(pod(DRAINING), at(30), False, False, id="timeout-passed-until-recorded"),
        pytest.param(
            pod(DRAINING, conditions={keys.POD_CONDITION_DRAINED: ("True", T0)}),
            at(1),
            False,
            False,
            id="reported-until-recorded",
        ),
        pytest.param(pod({**DRAINING, keys.ANNOTATION_DRAINED_AT: at(3)}), at(3), True, False, id="drained"),
    ],
)
def test_removal_verdict(view: PodView, now: str, allow: bool, start: bool) -> None:
    verdict = drain.removal_verdict(view, now)
    assert (verdict.allow, verdict.start) == (allow, start), verdict.reason


def test_start_takes_the_pod_out_of_traffic() -> None:
    patches = drain.start(pod(), T0)
    assert patches[0].body["metadata"] == {
        "labels": {keys.LABEL_DRAINING: "true"},
        "annotations": {keys.ANNOTATION_DRAIN_STARTED_AT: T0},
    }
    assert patches[1].status and patches[1].body["status"]["conditions"][0]["status"] == "False"


@pytest.mark.parametrize(
    ("view", "probe_ok", "now", "by", "wake"),
    [
        pytest.param(pod(DRAINING), None, at(5), None, 25, id="waits-for-the-timeout"),
        pytest.param(pod(DRAINING), True, at(5), "probe", None, id="probe-answered"),
        pytest.param(
            pod({**DRAINING, keys.ANNOTATION_DRAIN_PROBE_PORT: "8080"}),
            False,
            at(5),
            None,
            1,
            id="probe-polls",
        ),
        pytest.param(pod(DRAINING), None, at(31), "timeout", None, id="timeout"),
        pytest.param(
            pod(DRAINING, conditions={keys.POD_CONDITION_DRAINED: ("True", T0)}),
            None,
            at(2),
            "reported",
            None,
            id="reported",
        ),
    ],
)
def test_drain_step_ends_drains(
    view: PodView, probe_ok: bool | None, now: str, by: str | None, wake: float | None
) -> None:
    step = drain.drain_step(view, now, probe_ok)
    ended = [p.body["metadata"]["annotations"].get(keys.ANNOTATION_DRAINED_BY) for p in step.patches]
    assert ended == ([by] if by else [])
    assert step.wake == wake


def test_new_pods_are_admitted_and_abandoned_drains_restored() -> None:
    fresh = pod(conditions={"Ready": ("False", T0)})
    admit = drain.drain_step(fresh, T0, None)
    assert [p.body["status"]["conditions"][0]["status"] for p in admit.patches] == ["True"]
    done = pod({**DRAINING, keys.ANNOTATION_DRAINED_AT: T0, keys.ANNOTATION_DRAINED_BY: "timeout"})
    assert drain.drain_step(done, at(10), None).wake == drain.ABANDONED_AFTER - 10
    back = drain.drain_step(done, at(drain.ABANDONED_AFTER), None).patches
    assert back[0].body["metadata"]["labels"] == {keys.LABEL_DRAINING: None}
    assert back[1].body["status"]["conditions"][0]["status"] == "True"


@pytest.mark.parametrize(
    ("annotations", "timeout", "url"),
    [
        ({keys.ANNOTATION_DRAIN_TIMEOUT: "1m30s"}, 90.0, ""),
        (
            {keys.ANNOTATION_DRAIN_PROBE_PORT: "8080", keys.ANNOTATION_DRAIN_PROBE_PATH: "drain"},
            30.0,
            "http://10.0.0.7:8080/drain",
        ),
        ({keys.ANNOTATION_DRAIN_PROBE_URL: "http://$(POD_NAME).svc:1/x"}, 30.0, "http://p-0.svc:1/x"),
    ],
)
def test_settings(annotations: dict[str, str], timeout: float, url: str) -> None:
    settings = drain.DrainSettings.of(annotations)
    assert settings is not None and settings.timeout == timeout
    assert (settings.url(pod()) if settings.probe else "") == url
    assert drain.parse_duration("500ms") == 0.5 and drain.parse_duration("soon") is None


def test_drain_plan_carries_the_step_in_order() -> None:
    done = pod({**DRAINING, keys.ANNOTATION_DRAINED_AT: T0, keys.ANNOTATION_DRAINED_BY: "timeout"})
    now = at(drain.ABANDONED_AFTER)
    plan = drain.drain_plan(done, now, None)
    assert plan.patch == drain.drain_step(done, now, None).patches and len(plan.patch) == 2
    assert not plan.apply and not plan.delete and plan.status is None and plan.requeue_after is None
    waiting = drain.drain_plan(pod(DRAINING), at(10), None)
    assert waiting.empty and waiting.requeue_after == 20
