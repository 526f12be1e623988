"""The ``rbg-operator`` command: run the operator, manage the local devcluster, inspect placement."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from rbg_operator.api import keys


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
            cluster.up(
                Options(shape=shape, apiserver_port=args.port, crd_dirs=crd_dirs, timeout=args.timeout)
            )
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


def _ns_name(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    ns, _, name = value.partition("/")
    if not ns or not name:
        raise SystemExit(f"error: expected NAMESPACE/NAME, got {value!r}")
    return ns, name


def _webhook_secret(args: argparse.Namespace) -> tuple[str, str] | None:
    """--webhook-secret; with --webhook-cert-provided a Secret that cert-manager fills (only read)."""
    from rbg_operator.kube.webhook_certs import ProvidedSecret

    secret = _ns_name(args.webhook_secret)
    if not args.webhook_cert_provided:
        return secret
    if secret is None:
        raise SystemExit("error: --webhook-cert-provided needs --webhook-secret NAMESPACE/NAME")
    return ProvidedSecret(*secret)


def _cmd_run(args: argparse.Namespace) -> int:
    from rbg_operator.operator.admission import WebhookSettings
    from rbg_operator.operator.main import Settings, run_operator

    webhook = None
    if not args.no_webhook:
        webhook = WebhookSettings(
            port=args.webhook_port,
            url_host=args.webhook_host,
            service=_ns_name(args.webhook_service),
            secret=_webhook_secret(args),
        )
    settings = Settings(
        namespaces=args.namespace,
        workers=args.workers,
        metrics_port=args.metrics_port,
        webhook=webhook,
        leader_election=args.leader_elect,
        lease_namespace=args.lease_namespace or os.environ.get("POD_NAMESPACE", "default"),
        leader_identity=args.leader_identity or os.environ.get("POD_NAME", ""),
        kubeconfig=args.kubeconfig,
    )
    return run_operator(settings, verbose=args.verbose, log_format=args.log_format)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rbg-operator", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the operator against KUBECONFIG (or in-cluster config)")
    run.add_argument(
        "--namespace",
        "-n",
        action="append",
        default=[],
        help="watch only these namespaces (repeatable; default: all)",
    )
    run.add_argument("--kubeconfig", help="default: $KUBECONFIG, then in-cluster config, then ~/.kube/config")
    run.add_argument("--workers", type=int, default=16, help="groups reconciled concurrently")
    run.add_argument("--metrics-port", type=int, default=8080, help="/metrics, /healthz and /readyz")
    run.add_argument("--webhook-port", type=int, default=9443)
    run.add_argument(
        "--webhook-host",
        default="127.0.0.1",
        help="address the API server uses to reach the webhook when not running in a cluster",
    )
    run.add_argument(
        "--webhook-service", help="NAMESPACE/NAME of the Service in front of the webhook (in cluster)"
    )
    run.add_argument(
        "--webhook-secret", help="NAMESPACE/NAME of the Secret that holds the webhook certificate"
    )
    run.add_argument(
        "--webhook-cert-provided",
        action="store_true",
        help="the --webhook-secret Secret is issued and renewed by cert-manager (tls.crt, tls.key, ca.crt): "
        "wait for it, serve it, follow its renewals, never write it",
    )
    run.add_argument("--no-webhook", action="store_true", help="do not serve the admission webhook")
    run.add_argument("--leader-elect", action="store_true", help="run as one of several replicas (Lease)")
    run.add_argument("--lease-namespace", help="namespace of the leader Lease (default: $POD_NAMESPACE)")
    run.add_argument(
        "--leader-identity", default="", help="this replica's name in the Lease (default: host_random)"
    )
    run.add_argument("--verbose", "-v", action="store_true")
    run.add_argument(
        "--log-format",
        choices=["text", "json"],
        default=os.environ.get("RBG_LOG_FORMAT", "text"),
        help="text lines, or one JSON object per line (default: $RBG_LOG_FORMAT, else text)",
    )
    run.set_defaults(func=_cmd_run)

    pl = sub.add_parser("placement", help="where a RoleBasedGroup's pods run and whether its placement holds")
    pl.add_argument("name")
    pl.add_argument("--namespace", "-n", default="default")
    pl.add_argument("--kubeconfig", default=None)
    pl.set_defaults(func=_cmd_placement)

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


def _cmd_placement(args: argparse.Namespace) -> int:
    """Where a group's pods run and whether its placement policy holds (exit 1 when it does not)."""
    import asyncio

    from rbg_operator.api.v1alpha2 import RoleBasedGroup
    from rbg_operator.kube import resources as r
    from rbg_operator.kube.client import KubeClient
    from rbg_operator.planning.placement_report import PlacedPod, placement_report

    async def fetch() -> tuple[dict[str, Any] | None, list[dict[str, Any]], list[dict[str, Any]]]:
        client = await KubeClient.connect(args.kubeconfig)
        try:
            rbg = await client.get(r.RBG, args.name, args.namespace)
            pods, _ = await client.list(r.POD, args.namespace, f"{keys.LABEL_GROUP_UNIQUE_KEY_V1}")
            nodes, _ = await client.list(r.NODE)
            return rbg, pods, nodes
        finally:
            await client.close()

    raw, pods, nodes = asyncio.run(fetch())
    if raw is None:
        print(f"RoleBasedGroup {args.namespace}/{args.name} not found", file=sys.stderr)
        return 2
    placed = [
        PlacedPod(
            name=p["metadata"]["name"],
            role=p["metadata"].get("labels", {}).get(keys.LABEL_ROLE_NAME_V1, ""),
            group_key=p["metadata"].get("labels", {}).get(keys.LABEL_GROUP_UNIQUE_KEY_V1, ""),
            node=p.get("spec", {}).get("nodeName", ""),
        )
        for p in pods
        if not p["metadata"].get("deletionTimestamp")
    ]
    labels = {n["metadata"]["name"]: n["metadata"].get("labels", {}) for n in nodes}
    report = placement_report(RoleBasedGroup.from_dict(raw), placed, labels)
    print(report.render())
    return 0 if all(met for _, met, _ in report.checks) else 1


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
