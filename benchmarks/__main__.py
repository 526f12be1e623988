"""python -m benchmarks [create] --groups N: run a scenario on a fresh devcluster, write JSON to
benchmarks/results/ and print one line per figure."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import sys
from pathlib import Path

from benchmarks.runner import scenario_create

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
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("scenario", nargs="?", default="create", choices=["create"])
    p.add_argument("--groups", type=int, default=100)
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--steady-seconds", type=float, default=60)
    p.add_argument("--workers", type=int, default=16)
    p.add_argument("--profile", action="store_true", help="sample the operator with py-spy during the create")
    args = p.parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    profile = RESULTS / f"profile-{args.scenario}-n{args.groups}.txt" if args.profile else None
    result = asyncio.run(
        scenario_create(args.groups, args.timeout, args.steady_seconds, args.workers, profile)
    )
    result["machine"] = machine()
    result["when"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{args.scenario}-n{args.groups}.json"
    out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    for section in ("baseline", "operator"):
        for k, v in result[section].items():  # type: ignore[union-attr]
            print(f"{section}.{k} {v}")
    print(f"ratio_all_pods_exist {result['ratio_all_pods_exist']}")
    for line in result["operator"].get("profile_top_self", []):  # type: ignore[union-attr]
        print(f"profile {line}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
