"""The image is built from the wheel (Dockerfile: `pip wheel .` in a build stage, installed in a slim
runtime stage). Without a Docker engine here, build that wheel the same way and check what the image
would get: every module, the data files read at run time, and the `rbg-operator` entry point."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "rbg_operator"


def test_the_wheel_the_image_installs_has_everything(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "--wheel-dir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    [wheel] = list(tmp_path.glob("rbg_operator-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*")
        if p.suffix in (".py", ".yaml", ".json") and "__pycache__" not in p.parts
    }
    assert wanted - names == set(), "missing from the wheel"
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert re.search(r"^rbg-operator = rbg_operator\.cli:main$", text, re.M), text
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/"))]


def test_the_runtime_stage_is_non_root_and_runs_the_operator() -> None:
    stages = (ROOT / "Dockerfile").read_text().split("\nFROM ")[1:]
    assert len(stages) == 2, "a build stage and a runtime stage"
    assert stages[0].split()[0] == stages[1].split()[0], "both stages on the same pinned base"
    runtime = stages[1]
    base = runtime.splitlines()[0]
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", base), f"pinned slim base, got {base}"
    assert "COPY --from=build /wheels" in runtime and "pip wheel" not in runtime
    assert "pip uninstall -y pip " in runtime, "no installer left in the final image"
    assert re.search(r"^USER 65532:65532$", runtime, re.M)
    assert 'ENTRYPOINT ["rbg-operator", "run"]' in runtime
