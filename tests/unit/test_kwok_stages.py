"""The committed KWOK pod stages are exactly what hack/kwok-stages/gen.py generates (their shared jq and
template blocks must stay byte-identical across files)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
STAGES = ROOT / "rbg_operator" / "devcluster" / "stages"


def test_pod_stages_match_their_generator(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "hack" / "kwok-stages" / "gen.py"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    generated = sorted(p.name for p in tmp_path.glob("*.yaml"))
    assert generated, "the generator wrote nothing"
    for name in generated:
        assert (tmp_path / name).read_text() == (STAGES / name).read_text(), f"{name} is stale: regenerate it"


def test_every_stage_file_parses() -> None:
    kinds = set()
    for path in STAGES.glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                kinds.add(doc["kind"])
    assert kinds == {"Stage", "KwokConfiguration"}
