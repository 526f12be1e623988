"""Starting, watching and stopping the control-plane processes, with their pids kept on disk."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


class ProcessError(RuntimeError):
    """A control-plane process failed to start or to become healthy."""


@dataclass(frozen=True)
class Spec:
    """One process to run: its name, command line and log file."""

    name: str
    argv: list[str]
    log: Path
    env: dict[str, str] | None = None  # added to this process's environment


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def start(spec: Spec) -> int:
    """Start a process in its own session (it outlives the caller); return its pid."""
    spec.log.parent.mkdir(parents=True, exist_ok=True)
    with open(spec.log, "ab") as log:
        proc = subprocess.Popen(
            spec.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
            env={**os.environ, **spec.env} if spec.env else None,
        )
    return proc.pid


def alive(pid: int, binary: str | None = None) -> bool:
    """True when ``pid`` runs and (if given) its command line starts with ``binary``."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            return False
        if binary is not None:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
            return cmd == binary
    except (OSError, IndexError):
        return False
    return True


def stop(pid: int, binary: str | None, timeout: float = 15.0) -> None:
    """SIGTERM the process group of ``pid``, then SIGKILL what is left after ``timeout``."""
    if not alive(pid, binary):
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            if not alive(pid):
                return
            time.sleep(0.1)


def log_tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:])


def wait_until(
    what: str,
    check: Callable[[], bool],
    *,
    timeout: float,
    watch: list[tuple[Spec, int]] | None = None,
    log: Callable[[str], None] = print,
    interval: float = 0.2,
) -> None:
    """Poll ``check`` until it is true; fail early with the log tail if a watched process exits."""
    started = time.monotonic()
    next_report = started + 10
    while True:
        try:
            if check():
                return
        except Exception:  # not ready yet; keep polling until the deadline
            pass
        for spec, pid in watch or []:
            if not alive(pid):
                raise ProcessError(f"{spec.name} exited while waiting for {what}:\n{log_tail(spec.log)}")
        now = time.monotonic()
        if now - started > timeout:
            detail = "\n".join(f"--- {s.name} ({s.log}):\n{log_tail(s.log, 15)}" for s, _ in watch or [])
            raise ProcessError(f"timed out after {timeout:.0f}s waiting for {what}\n{detail}")
        if now >= next_report:
            log(f"  still waiting for {what} ({int(now - started)}s)")
            next_report = now + 10
        time.sleep(interval)


def save_state(path: Path, state: dict[str, object]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True))
    tmp.replace(path)


def load_state(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None
