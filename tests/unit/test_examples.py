"""Every manifest in examples/ parses with the models and passes admission validation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rbg_operator.api.validation import errors_only, validate_object

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


def test_there_are_examples() -> None:
    assert EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_is_valid(path: Path) -> None:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    assert docs
    for doc in docs:
        assert errors_only(validate_object(doc)) == [], f"{path.name}: {doc['metadata']['name']}"
