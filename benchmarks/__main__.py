"""python -m benchmarks [create|rollout|failover|all] --groups N: run a scenario on a fresh devcluster (the
baseline first, then the operator), write JSON to benchmarks/results/<scenario>-n<N>.json and print the
figures. python -m benchmarks writecost: the API server's CPU per write, by kind of write
(results/writecost.json). See benchmarks/README.md."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import signal
import sys
from pathlib import Path
from typing import Any

from benchmarks import writecost
from benchmarks.runner import ROOT, SCENARIOS, ClusterBusy, Settings, run

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, object]:
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024 // 1024
    return {
        "cpus": os.cpu_count(),
        "memory_gib": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("scenario", nargs="?", default="create", choices=[*sorted(SCENARIOS), "writecost"])
    p.add_argument("--groups", type=int, default=100, help="PD groups (7 pods each)")
    p.add_argument("--writes", type=int, default=2000, help="writecost: writes per kind of write")
    p.add_argument("--timeout", type=float, default=1800, help="limit of each wait, seconds")
    p.add_argument("--steady-seconds", type=float, default=60, help="the idle window of the steady phase")
    p.add_argument("--workers", type=int, default=16, help="the operator's --workers")
    p.add_argument(
        "--concurrency", type=int, default=32, help="requests the benchmark client keeps in flight"
    )
    p.add_argument("--dir", type=Path, default=ROOT / ".devcluster-bench", help="the devcluster's state dir")
    p.add_argument("--profile", action="store_true", help="sample the operator with py-spy in every phase")
    p.add_argument(
        "--operator-first",
        action="store_true",
        help="run the operator's side before the baseline's (to rule out an order effect)",
    )
    p.add_argument(
        "--baseline-again",
        action="store_true",
        help="repeat the baseline after the operator (A-B-A); ratios are to the mean of both baselines",
    )
    return p.parse_args(argv)


def report(result: dict[str, Any]) -> None:
    for phase in result["phases"]:
        for side, figures in result.get(phase, {}).items():
            for k, v in figures.items():
                if isinstance(v, list):
                    print("\n".join(f"{phase}.{side}.{k} {line}" for line in v))
                elif not isinstance(v, dict):
                    print(f"{phase}.{side}.{k} {v}")
    for k, v in result["resources"].items():
        print(f"resources.{k} {v}")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(
        scenario=args.scenario,
        groups=args.groups,
        limit_s=args.timeout,
        steady_s=args.steady_seconds,
        workers=args.workers,
        concurrency=args.concurrency,
        state_dir=args.dir,
        profile_dir=RESULTS if args.profile else None,
        operator_first=args.operator_first,
        baseline_again=args.baseline_again,
    )


def _measure(args: argparse.Namespace) -> tuple[dict[str, Any], Path]:
    """Run what ``args`` ask for; the result and the file it belongs in."""
    if args.scenario == "writecost":
        cost = writecost.CostSettings(args.dir, writes=args.writes, concurrency=min(args.concurrency, 16))
        return asyncio.run(writecost.run(cost)), RESULTS / "writecost.json"
    # sampling perturbs the timings: a profiled run does not replace the figures of a clean one
    suffix = (
        ("-operator-first" if args.operator_first else "")
        + ("-aba" if args.baseline_again else "")
        + ("-profiled" if args.profile else "")
    )
    return asyncio.run(run(_settings(args))), RESULTS / f"{args.scenario}-n{args.groups}{suffix}.json"


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    RESULTS.mkdir(exist_ok=True)
    # SIGTERM unwinds like Ctrl-C, so the devcluster and the operator are stopped on the way out
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    info = machine()
    try:
        result, out = _measure(args)
    except ClusterBusy as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    result["machine"] = info
    result["when"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    if "phases" in result:
        report(result)
    else:
        print("\n".join(f"{k} {v}" for k, v in result.items()))
    print(f"wrote {out}")
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main())
