"""Where the project's shared folder is: $RBG_SHARED_DIR, else beside the repository (as CI has it), else
/work/shared. Under CI a missing folder is an error, so conformance tests never skip there silently."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path | None:
    for candidate in (os.environ.get("RBG_SHARED_DIR"), REPO.parent / "shared", "/work/shared"):
        if candidate and (Path(candidate) / "conformance" / "upstream-examples").is_dir():
            return Path(candidate)
    if os.environ.get("CI"):
        raise RuntimeError("the shared folder (conformance/upstream-examples) is not beside the repository")
    return None


def upstream_examples() -> Path:
    found = shared_dir()
    return (found or REPO.parent / "shared") / "conformance" / "upstream-examples"
