"""The operator's log lines: plain text or one JSON object per line. A line logged while a worker
reconciles an object carries that object's kind, namespace and name, and the RoleBasedGroup it belongs
to, taken from the reconcile in progress (a context variable, so concurrent workers never mix them up)."""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

from rbg_operator.kube.executor import Outcome
from rbg_operator.planning.plan import Event

LogFormat = Literal["text", "json"]
NOISY = ("kopf.objects", "kopf._core.reactor.observation", "kopf.activities.probe")


@dataclass(frozen=True)
class LogContext:
    kind: str
    namespace: str
    name: str
    group: str = ""  # the RoleBasedGroup the object belongs to, when known

    def fields(self) -> dict[str, str]:
        out = {"kind": self.kind, "namespace": self.namespace, "name": self.name}
        if self.group:
            out["rbg"] = self.group
        return out


_CURRENT: ContextVar[LogContext | None] = ContextVar("rbg_operator_log_context", default=None)


@contextmanager
def reconciling(ctx: LogContext) -> Iterator[None]:
    """Attach ``ctx`` to every line logged until the block ends (in this task and the tasks it starts)."""
    token = _CURRENT.set(ctx)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> LogContext | None:
    return _CURRENT.get()


def outcome_line(outcome: Outcome, events: Sequence[Event]) -> str:
    """One line saying what a reconcile wrote ("" when it wrote nothing)."""
    parts = []
    if outcome.applied:
        names = (f"{o.get('kind')}/{(o.get('metadata') or {}).get('name')}" for o in outcome.applied)
        parts.append("applied " + ", ".join(names))
    if outcome.deleted:
        parts.append("deleted " + ", ".join(f"{res.kind}/{name}" for res, _, name in outcome.deleted))
    if outcome.status is not None:
        parts.append("status written")
    if events:
        parts.append("events " + ", ".join(e.reason for e in events))
    return "; ".join(parts)


def _timestamp(record: logging.LogRecord) -> str:
    when = datetime.datetime.fromtimestamp(record.created, datetime.UTC)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", "kind", "namespace", "name", "rbg", "exc"}``, one line each."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        ctx = current()
        if ctx is not None:
            line.update(ctx.fields())
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """The classic line, with ``[kind ns/name rbg=group]`` when an object is being reconciled."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        ctx = current()
        if ctx is None:
            return text
        where = f"{ctx.kind} {ctx.namespace}/{ctx.name}" + (f" rbg={ctx.group}" if ctx.group else "")
        head, sep, rest = text.partition(": ")
        return f"{head}: [{where}] {rest}" if sep else f"[{where}] {text}"


def configure(fmt: LogFormat, verbose: bool) -> None:
    """Install one stderr handler on the root logger with the chosen format."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
