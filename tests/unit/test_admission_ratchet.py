"""Admission ratcheting: errors the stored object already had become warnings on update; new ones stay."""

from __future__ import annotations

import copy
from typing import Any

from rbg_operator.api.errors import errors_only
from rbg_operator.operator.admission import _own_checks, ratchet
from tests.unit.api.cases import INVALID_CASES


def _cycle() -> dict[str, Any]:
    (case,) = [c for c in INVALID_CASES if c.id == "dependency-cycle-3"]
    return case.manifest()


def test_an_unchanged_invalid_object_is_not_refused() -> None:
    old = _cycle()
    new = copy.deepcopy(old)
    new["metadata"]["labels"] = {"team": "inference"}
    problems = ratchet(_own_checks(new), _own_checks(old))
    assert errors_only(_own_checks(new)), "the case must be invalid on its own"
    assert errors_only(problems) == []
    assert any("already so before this change" in p.reason for p in problems)


def test_a_new_error_next_to_an_old_one_is_refused() -> None:
    old = _cycle()
    new = copy.deepcopy(old)
    new["spec"]["roles"][0]["replicas"] = -1
    errors = errors_only(ratchet(_own_checks(new), _own_checks(old)))
    assert errors and all("dependency cycle" not in e.reason for e in errors), errors


def test_a_valid_object_keeps_its_warnings_and_is_untouched() -> None:
    obj = copy.deepcopy(_cycle())
    obj["spec"]["roles"][2]["dependencies"] = []
    obj["spec"]["roles"][1]["dependencies"] = []
    assert errors_only(_own_checks(obj)) == []
    assert ratchet(_own_checks(obj), _own_checks(_cycle())) == _own_checks(obj)
