"""RFC 3339 timestamps as the API server writes them, and arithmetic on them (pure: no clock here)."""

from __future__ import annotations

import datetime


def parse(ts: str) -> float:
    """Seconds since the epoch; 0.0 for an empty or unreadable value."""
    if not ts:
        return 0.0
    try:
        return datetime.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def format_ts(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def elapsed(since: str, now: str) -> float:
    """Seconds from ``since`` to ``now`` (0 when ``since`` is unknown)."""
    start = parse(since)
    return max(0.0, parse(now) - start) if start else 0.0
