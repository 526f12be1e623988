"""API requests as the API server's audit log recorded them (every request of the operator's identity,
reads included, and the writes of everyone else but the control plane's own components: see the audit
policy in rbg_operator/devcluster/cluster.py). The log is read incrementally: each refresh parses only the
lines added since the last one, and keeps the requests of the identities asked for."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

READS = ("get", "list")


@dataclass(frozen=True, slots=True)
class Request:
    when: str  # requestReceivedTimestamp, RFC 3339 with microseconds (sortable as a string)
    verb: str
    what: str  # resource[/subresource]
    code: int

    @property
    def write(self) -> bool:
        return self.verb not in (*READS, "watch")


def _parse(line: bytes) -> tuple[str, Request] | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    ref = event.get("objectRef") or {}
    what = str(ref.get("resource", "")) + (f"/{ref['subresource']}" if ref.get("subresource") else "")
    return str((event.get("user") or {}).get("username", "")), Request(
        when=str(event.get("requestReceivedTimestamp", "")),
        verb=sys.intern(str(event.get("verb", ""))),
        what=sys.intern(what),
        code=int((event.get("responseStatus") or {}).get("code", 0)),
    )


@dataclass
class AuditLog:
    path: Path
    users: frozenset[str]
    offset: int = 0
    seen: dict[str, list[Request]] = field(default_factory=dict)
    last_write: dict[str, str] = field(default_factory=dict)

    def refresh(self) -> None:
        if not self.path.exists():
            return
        if self.path.stat().st_size < self.offset:  # rotated: the rest of it is now the newest backup
            backups = sorted(self.path.parent.glob("audit-*.log"), key=lambda p: p.stat().st_mtime)
            if backups:
                self._read(backups[-1], self.offset)
            self.offset = 0
        self.offset = self._read(self.path, self.offset)

    def _read(self, path: Path, offset: int) -> int:
        """Parse the complete lines from ``offset``; returns the offset after the last one."""
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
        end = data.rfind(b"\n") + 1
        for line in data[:end].splitlines():
            parsed = _parse(line)
            if parsed is None or parsed[0] not in self.users:
                continue
            user, req = parsed
            self.seen.setdefault(user, []).append(req)
            if req.write and req.when > self.last_write.get(user, ""):
                self.last_write[user] = req.when
        return offset + end

    def requests(self, user: str, since: str, until: str) -> list[Request]:
        self.refresh()
        return [q for q in self.seen.get(user, []) if since <= q.when < until]

    def quiet_for(self, user: str, seconds: float) -> bool:
        """True when ``user`` has made no write in the last ``seconds``."""
        self.refresh()
        return self.last_write.get(user, "") < utc_ago(seconds)


def utc_ago(seconds: float = 0.0) -> str:
    when = time.time() - seconds
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when)) + f".{int(when % 1 * 1e6):06d}Z"


@dataclass(frozen=True)
class Requests:
    """API requests of one identity in a time window."""

    writes: int
    reads: int
    watches: int
    errors: int
    writes_by: dict[str, int]

    @classmethod
    def of(cls, log: AuditLog, user: str, since: str, until: str) -> Requests:
        found = log.requests(user, since, until)
        writes = [q for q in found if q.write]
        return cls(
            writes=len(writes),
            reads=sum(1 for q in found if q.verb in READS),
            watches=sum(1 for q in found if q.verb == "watch"),
            errors=sum(1 for q in found if q.code >= 400),
            writes_by=dict(sorted(Counter(f"{q.verb} {q.what}" for q in writes).items())),
        )

    def figures(self, prefix: str, reads: bool = True) -> dict[str, object]:
        out: dict[str, object] = {f"{prefix}_writes": self.writes, f"{prefix}_writes_by": self.writes_by}
        if reads:
            out.update({f"{prefix}_reads": self.reads, f"{prefix}_watches": self.watches})
        out[f"{prefix}_errors"] = self.errors
        return out


async def wait_quiet(log: AuditLog, user: str, quiet_s: float = 3, limit_s: float = 60) -> float:
    """Until ``user`` has made no write for ``quiet_s`` (at most ``limit_s``); returns the time it took."""
    started = time.monotonic()
    while True:
        waited = time.monotonic() - started
        if waited >= limit_s or log.quiet_for(user, quiet_s):
            return round(waited, 1)
        await asyncio.sleep(0.5)
