"""Fixtures of the API tests: the upstream example manifests and the generated CRDs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.shared_dir import upstream_examples

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = upstream_examples()
V1ALPHA1 = "workloads.x-k8s.io/v1alpha1"


def upstream_v1alpha1_docs() -> list[tuple[str, dict[str, Any]]]:
    """(id, document) of every v1alpha1 object in the upstream examples, in file order."""
    if not EXAMPLES.is_dir():
        return []
    out = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        for i, doc in enumerate(yaml.safe_load_all(path.read_text(encoding="utf-8"))):
            if isinstance(doc, dict) and doc.get("apiVersion") == V1ALPHA1:
                out.append((f"{path.stem}#{i}", doc))
    return out


@pytest.fixture(scope="session")
def crd_dir() -> Path:
    return REPO / "crds"
