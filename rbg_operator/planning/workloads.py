"""The apiVersion of each workload kind, by kind (kept for callers that predate the kind registry,
``planning.kinds``, which is the one place a kind is described)."""

from __future__ import annotations

from .kinds import KINDS

KIND_API: dict[str, str] = {kind: k.api_version for kind, k in KINDS.items()}
