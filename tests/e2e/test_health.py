"""/healthz of the running operator: ok while its loop keeps time and its watches work (the verdicts for a
lagging loop, failing watches and dead tasks are unit-tested in tests/unit/test_health.py)."""

from __future__ import annotations

import urllib.request

from tests.e2e.operator_process import OperatorProcess


def test_a_working_operator_is_healthy(operator: OperatorProcess) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{operator.metrics_port}/healthz", timeout=5) as resp:
        assert resp.status == 200 and resp.read() == b"ok"
