"""The ``rbg-operator`` command: run the operator, manage the local devcluster, inspect placement."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _devcluster_dir(args: argparse.Namespace) -> Path:
    return Path(args.dir or os.environ.get("RBG_DEVCLUSTER_DIR") or ".devcluster")


def _cmd_devcluster(args: argparse.Namespace) -> int:
    from rbg_operator.devcluster.binaries import TOOLS, build_tool
    from rbg_operator.devcluster.cluster import DevCluster, DevClusterError, Options
    from rbg_operator.devcluster.nodes import ClusterShape

    def log(msg: str) -> None:
        print(msg, flush=True)

    cluster = DevCluster(_devcluster_dir(args), log=log)
    try:
        if args.action == "up":
            shape = ClusterShape(
                gpu_nodes=args.gpu_nodes,
                gpus_per_node=args.gpus_per_node,
                gpu_product=args.gpu_product,
                nodes_per_nvlink_domain=args.nodes_per_nvlink_domain,
                nvlink_domains_per_rack=args.nvlink_domains_per_rack,
                cpu_nodes=args.cpu_nodes,
            )
            crd_dirs = [Path(d) for d in args.crds]
            cluster.up(Options(shape=shape, apiserver_port=args.port, crd_dirs=crd_dirs, timeout=args.timeout))
        elif args.action == "down":
            cluster.down()
        elif args.action == "build":
            for tool in TOOLS:
                build_tool(tool, log=log)
        else:
            problems = cluster.problems()
            if problems:
                for p in problems:
                    print(p)
                return 1
            print(f"running: {cluster.server()} (kubeconfig {cluster.layout.kubeconfig})")
    except (DevClusterError, ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from rbg_operator.operator.main import run_operator

    return run_operator(namespaces=args.namespace, webhook_port=args.webhook_port, metrics_port=args.metrics_port,
                        webhook=not args.no_webhook, verbose=args.verbose)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rbg-operator", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the operator against KUBECONFIG (or in-cluster config)")
    run.add_argument("--namespace", "-n", action="append", default=[],
                     help="watch only these namespaces (repeatable; default: all)")
    run.add_argument("--webhook-port", type=int, default=9443)
    run.add_argument("--metrics-port", type=int, default=8080)
    run.add_argument("--no-webhook", action="store_true", help="do not serve the admission webhook")
    run.add_argument("--verbose", "-v", action="store_true")
    run.set_defaults(func=_cmd_run)

    dc = sub.add_parser("devcluster", help="a local control plane with simulated GPU nodes")
    dc.add_argument("action", choices=["up", "down", "status", "build"])
    dc.add_argument("--dir", help="state directory (default .devcluster or $RBG_DEVCLUSTER_DIR)")
    dc.add_argument("--port", type=int, default=0, help="kube-apiserver port (default: a free one)")
    dc.add_argument("--gpu-nodes", type=int, default=8)
    dc.add_argument("--gpus-per-node", type=int, default=8)
    dc.add_argument("--gpu-product", default="NVIDIA-H100-80GB-HBM3")
    dc.add_argument("--nodes-per-nvlink-domain", type=int, default=2)
    dc.add_argument("--nvlink-domains-per-rack", type=int, default=2)
    dc.add_argument("--cpu-nodes", type=int, default=2)
    dc.add_argument("--crds", action="append", default=[], help="also install the CRDs in this directory")
    dc.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for each step")
    dc.set_defaults(func=_cmd_devcluster)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
