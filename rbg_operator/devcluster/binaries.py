"""Finding the control-plane binaries: ``KUBEBUILDER_ASSETS``, then ``PATH``, then a pinned build from the
Go modules under ``hack/tools`` into a per-user cache shared by every clone on the machine."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


class BinaryError(RuntimeError):
    """A binary cannot be found or built."""


def _plain_ldflags(_version: str) -> str:
    return "-s -w"


@dataclass(frozen=True)
class Tool:
    """One pinned Go module under hack/tools and the binaries it builds."""

    name: str
    module: str  # the module whose required version is the pin
    binaries: tuple[tuple[str, str], ...]  # (binary name, Go package)
    version_args: tuple[str, ...]
    accepts: Callable[[str, str], bool]  # (found version output, pinned version) -> compatible
    build_tags: str = ""
    ldflags: Callable[[str], str] = _plain_ldflags


def _minor(version: str) -> tuple[int, int] | None:
    m = re.search(r"v?(\d+)\.(\d+)\.\d+", version)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _k8s_accepts(found: str, pinned: str) -> bool:
    f, p = _minor(found), _minor(pinned)
    return f is not None and p is not None and f[0] == p[0] and abs(f[1] - p[1]) <= 1


def _etcd_accepts(found: str, _pinned: str) -> bool:
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", found)
    return m is not None and tuple(int(x) for x in m.groups()) >= (3, 5, 13)


def _same_minor(found: str, pinned: str) -> bool:
    return _minor(found) is not None and _minor(found) == _minor(pinned)


def _k8s_ldflags(version: str) -> str:
    major, minor = version.lstrip("v").split(".")[:2]
    flags = ["-s", "-w"]
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"-X {pkg}.gitVersion={version}",
            f"-X {pkg}.gitMajor={major}",
            f"-X {pkg}.gitMinor={minor}",
            f"-X {pkg}.gitTreeState=clean",
        ]
    return " ".join(flags)


TOOLS: tuple[Tool, ...] = (
    Tool(
        name="kubernetes",
        module="k8s.io/kubernetes",
        binaries=tuple(
            (b, f"k8s.io/kubernetes/cmd/{b}")
            for b in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")
        ),
        version_args=("--version",),
        accepts=_k8s_accepts,
        build_tags="selinux,notest,grpcnotrace",
        ldflags=_k8s_ldflags,
    ),
    Tool(
        name="etcd",
        module="go.etcd.io/etcd/server/v3",
        binaries=(("etcd", "go.etcd.io/etcd/server/v3"),),
        version_args=("--version",),
        accepts=_etcd_accepts,
    ),
    Tool(
        name="kwok",
        module="sigs.k8s.io/kwok",
        binaries=(("kwok", "sigs.k8s.io/kwok/cmd/kwok"),),
        version_args=("--version",),
        accepts=_same_minor,
    ),
    Tool(
        name="helm",
        module="helm.sh/helm/v3",
        binaries=(("helm", "helm.sh/helm/v3/cmd/helm"),),
        version_args=("version", "--short"),
        accepts=lambda found, _p: found.strip().startswith("v3."),
    ),
)


def tool_for(binary: str) -> Tool:
    for tool in TOOLS:
        if any(b == binary for b, _ in tool.binaries):
            return tool
    raise BinaryError(f"unknown binary {binary!r}")


def repo_root() -> Path | None:
    """The checkout this package runs from, if it has the pinned tool modules."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "hack" / "tools").is_dir():
            return parent
    return None


def cache_root() -> Path:
    base = os.environ.get("RBG_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rbg-operator"


def pinned_version(tool: Tool) -> str:
    root = repo_root()
    if root is None:
        raise BinaryError(f"cannot build {tool.name}: hack/tools is not next to this installation")
    gomod = (root / "hack" / "tools" / tool.name / "go.mod").read_text()
    m = re.search(rf"^\s*(?:require\s+)?{re.escape(tool.module)}\s+(v\S+)", gomod, re.MULTILINE)
    if not m:
        raise BinaryError(f"hack/tools/{tool.name}/go.mod does not require {tool.module}")
    return m.group(1)


_VERSION_ARGS = {"kubectl": ("version", "--client")}


def _version_of(path: Path, tool: Tool) -> str:
    args = _VERSION_ARGS.get(path.name, tool.version_args)
    try:
        out = subprocess.run([str(path), *args], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (out.stdout + out.stderr).strip()


def _candidates(binary: str) -> list[Path]:
    found: list[Path] = []
    assets = os.environ.get("KUBEBUILDER_ASSETS")
    if assets and (Path(assets) / binary).is_file():
        found.append(Path(assets) / binary)
    on_path = shutil.which(binary)
    if on_path:
        found.append(Path(on_path))
    return found


def _cached(tool: Tool, version: str) -> Path:
    return cache_root() / "bin" / f"{tool.name}-{version}"


def find_binary(binary: str, *, build: bool = True, log: Callable[[str], None] = print) -> Path:
    """Return a usable binary: KUBEBUILDER_ASSETS, then PATH, then the pinned cache (built on demand)."""
    tool = tool_for(binary)
    version = pinned_version(tool) if repo_root() is not None else ""
    for candidate in _candidates(binary):
        found = _version_of(candidate, tool)
        if tool.accepts(found, version or found):
            return candidate
        log(f"skipping {candidate}: version {found.splitlines()[0] if found else '?'} is not compatible")
    if not version:
        raise BinaryError(f"{binary} not found in KUBEBUILDER_ASSETS or PATH, and no hack/tools to build it")
    target = _cached(tool, version) / binary
    if not target.exists():
        if not build:
            raise BinaryError(f"{binary} {version} is not built yet (run `rbg-operator devcluster build`)")
        build_tool(tool, log=log)
    return target


def build_tool(tool: Tool, *, log: Callable[[str], None] = print) -> Path:
    """Build every binary of ``tool`` into the cache, once per machine (a file lock serialises builds)."""
    root = repo_root()
    go = shutil.which("go")
    if root is None:
        raise BinaryError("hack/tools not found: cannot build")
    if go is None:
        raise BinaryError(f"cannot build {tool.name}: no `go` on PATH (install Go >= 1.24)")
    version = pinned_version(tool)
    out = _cached(tool, version)
    out.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f".{tool.name}-{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        missing = [(b, pkg) for b, pkg in tool.binaries if not (out / b).exists()]
        if not missing:
            return out
        _go_build(go, root / "hack" / "tools" / tool.name, tool, version, missing, out, log)
    return out


def _go_build(
    go: str,
    moddir: Path,
    tool: Tool,
    version: str,
    binaries: list[tuple[str, str]],
    out: Path,
    log: Callable[[str], None],
) -> None:
    env = {
        **os.environ,
        "GOTOOLCHAIN": os.environ.get("GOTOOLCHAIN", "auto"),
        "CGO_ENABLED": "0",
        "GOFLAGS": "-mod=readonly",
    }
    pkgs = [pkg for _, pkg in binaries]
    tags = ["-tags", tool.build_tags] if tool.build_tags else []
    deps = subprocess.run(
        [go, "list", *tags, "-deps", *pkgs], cwd=moddir, env=env, capture_output=True, text=True, check=False
    )
    total = len(deps.stdout.split()) or 1
    log(f"building {tool.name} {version} ({', '.join(b for b, _ in binaries)}) into {out}")
    log(f"  {total} packages to compile (kubernetes: about 6 minutes cold on 2 cores; cached afterwards)")
    staging = out / ".staging"
    staging.mkdir(exist_ok=True)
    cmd = [go, "build", "-v", "-trimpath", *tags, "-ldflags", tool.ldflags(version)]
    if len(binaries) == 1:
        cmd += ["-o", str(staging / binaries[0][0]), pkgs[0]]
    else:
        cmd += ["-o", str(staging) + "/", *pkgs]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=moddir, env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    last_report, tail = started, list[str]()
    for compiled, line in enumerate(proc.stderr, start=1):
        tail = [*tail[-30:], line.rstrip()]
        now = time.monotonic()
        if now - last_report >= 30:
            pct = min(99, 100 * compiled // total)
            log(f"  {tool.name}: {compiled}/{total} packages compiled (~{pct}%), {int(now - started)}s")
            last_report = now
    if proc.wait() != 0:
        raise BinaryError(f"building {tool.name} failed:\n" + "\n".join(tail))
    for b, _ in binaries:
        (staging / b).replace(out / b)
    log(f"  built {tool.name} in {int(time.monotonic() - started)}s")
    sys.stdout.flush()
