"""Whole-object golden tests: for every RoleBasedGroup of examples/, examples/v1alpha2/ and the upstream
examples (both API versions), the complete list of child objects the planner emits once the group has
converged, and the status it leaves, equals the checked-in tests/golden/<source>/<file-stem>__<group>.yaml.
``pytest --update-golden`` rewrites them."""

from __future__ import annotations

import pytest

from tests.unit import golden_support as gs

CASES = gs.cases()


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def test_there_are_cases() -> None:
    """Both versions of our examples, none skipped; every upstream group is planned too (when the shared
    folder is here): v1alpha2 groups of RoleInstanceSet roles get their status and revision only."""
    for source in ("examples", "examples/v1alpha2"):
        mine = [c for c in CASES if c.source == source]
        assert mine and all(c.skip is None for c in mine), source
    assert [c.id for c in CASES if c.skip is not None] == []


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_planned_children_match_golden(case: gs.Case, update_golden: bool) -> None:
    if case.skip is not None:
        pytest.skip(case.skip)
    actual = gs.dump(gs.planned_children(case.doc, case.profiles))
    if update_golden:
        case.golden.parent.mkdir(parents=True, exist_ok=True)
        case.golden.write_text(actual, encoding="utf-8")
        return
    assert case.golden.is_file(), f"no golden file {case.golden}: run pytest --update-golden"
    expected = case.golden.read_text(encoding="utf-8")
    if actual != expected:
        pytest.fail(
            f"{case.id}: the planned children differ from the golden file (pytest --update-golden "
            f"rewrites it)\n" + gs.diff(expected, actual, case.golden.name),
            pytrace=False,
        )


def test_no_stale_goldens(update_golden: bool) -> None:
    """Every golden file belongs to a case that still produces it (a renamed group or file, a removed
    example, or a case now skipped leaves one behind)."""
    wanted = {c.golden for c in CASES if c.skip is None}
    stale = [p for p in gs.goldens() if p not in wanted]
    if update_golden:
        for p in stale:
            p.unlink()
        return
    assert not stale, "golden files without a case (pytest --update-golden removes them): " + ", ".join(
        str(p.relative_to(gs.REPO)) for p in stale
    )
