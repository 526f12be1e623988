"""The wall clock, as the RFC 3339 second-resolution timestamps the planners and the API use."""

from __future__ import annotations

import datetime


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
