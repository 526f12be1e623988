"""The local control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and KWOK on
loopback, with simulated GPU nodes. ``up`` is idempotent, ``down`` leaves no process behind."""

from __future__ import annotations

import datetime
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from . import processes as proc
from .binaries import find_binary
from .nodes import KWOK_NODE_ANNOTATION, KWOK_NODE_VALUE, ClusterShape, node_manifests
from .pki import CLIENTS, PkiPaths, ensure_pki
from .rest import ApiError, Rest

STAGES_DIR = Path(__file__).parent / "stages"
EXTRA_CRDS_DIR = Path(__file__).parent / "crds"
ORDER = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")


@dataclass(frozen=True)
class AuditWrite:
    """One write request as the API server's audit log recorded it."""

    when: str
    verb: str
    resource: str
    subresource: str
    namespace: str
    name: str
    code: int


class DevClusterError(RuntimeError):
    """The devcluster could not be brought up (the message says why)."""


@dataclass
class Layout:
    """Paths of one devcluster's state directory."""

    root: Path

    @property
    def kubeconfig(self) -> Path:
        return self.root / "kubeconfig"

    def client_kubeconfig(self, who: str) -> Path:
        """A kubeconfig with ``who``'s own client certificate (see pki.CLIENTS)."""
        return self.root / f"kubeconfig-{who}"

    @property
    def audit_log(self) -> Path:
        return self.root / "logs" / "audit.log"

    @property
    def state(self) -> Path:
        return self.root / "state.json"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def pki(self) -> PkiPaths:
        return PkiPaths(self.root / "pki")


@dataclass
class Options:
    """What ``up`` builds: the node shape, the API server port (0 picks a free one), extra CRD dirs."""

    shape: ClusterShape = field(default_factory=ClusterShape)
    apiserver_port: int = 0
    crd_dirs: list[Path] = field(default_factory=list)
    timeout: float = 120.0


def _kubeconfig(server: str, pki: PkiPaths, who: str = "admin") -> str:
    cfg = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "devcluster", "cluster": {"server": server, "certificate-authority": str(pki.ca_crt)}}
        ],
        "users": [
            {
                "name": who,
                "user": {
                    "client-certificate": str(pki.client_crt(who)),
                    "client-key": str(pki.client_key(who)),
                },
            }
        ],
        "contexts": [{"name": "devcluster", "context": {"cluster": "devcluster", "user": who}}],
        "current-context": "devcluster",
    }
    return yaml.safe_dump(cfg, sort_keys=False)


# Every request of the operator's identity (reads too, for the benchmarks), and otherwise writes only, not
# those of the simulated kubelet and the control-plane controllers: the log holds what users and the
# operator did, attributed by identity (see DevCluster.audit_requests and audit_writes).
_AUDIT_POLICY = {
    "apiVersion": "audit.k8s.io/v1",
    "kind": "Policy",
    "omitStages": ["RequestReceived", "ResponseStarted"],
    "rules": [
        {"level": "Metadata", "users": [CLIENTS["rbg-operator"][0], CLIENTS["rbg-operator-b"][0]]},
        {"level": "None", "verbs": ["get", "list", "watch"]},
        {
            "level": "None",
            "users": [CLIENTS[c][0] for c in ("kube-controller-manager", "kube-scheduler", "kwok")],
        },
        {"level": "None", "userGroups": ["system:nodes", "system:serviceaccounts:kube-system"]},
        {"level": "Metadata"},
    ],
}


def _scheduler_config(kubeconfig: Path) -> str:
    cfg = {
        "apiVersion": "kubescheduler.config.k8s.io/v1",
        "kind": "KubeSchedulerConfiguration",
        "clientConnection": {"kubeconfig": str(kubeconfig), "qps": 1000, "burst": 2000},
        "leaderElection": {"leaderElect": False},
    }
    return yaml.safe_dump(cfg)


class DevCluster:
    """One local control plane rooted at a state directory (``.devcluster`` by default)."""

    def __init__(self, root: Path, log: Callable[[str], None] = print) -> None:
        self.layout = Layout(root.resolve())
        self.log = log

    # -- status ------------------------------------------------------------------------------------------
    def _state(self) -> dict[str, object] | None:
        return proc.load_state(self.layout.state)

    def _pids(self, state: dict[str, object]) -> dict[str, tuple[int, str]]:
        raw = state.get("processes", {})
        assert isinstance(raw, dict)
        return {name: (int(v["pid"]), str(v["binary"])) for name, v in raw.items()}

    def server(self) -> str | None:
        state = self._state()
        return str(state["server"]) if state and "server" in state else None

    def rest(self) -> Rest:
        server = self.server()
        if server is None:
            raise DevClusterError(f"no devcluster at {self.layout.root}")
        return Rest(server, self.layout.pki)

    def problems(self) -> list[str]:
        """What is wrong with the running cluster; empty when every process runs and the API is ready."""
        state = self._state()
        if state is None:
            return [f"not running (no state in {self.layout.root})"]
        found = [
            f"{name} (pid {pid}) is not running"
            for name, (pid, binary) in self._pids(state).items()
            if not proc.alive(pid, binary)
        ]
        if not found:
            try:
                if self.rest().get_text("/readyz") != "ok":
                    found.append("kube-apiserver is not ready")
            except Exception as err:
                found.append(f"kube-apiserver does not answer: {err}")
        return found

    def running(self) -> bool:
        return not self.problems()

    def audit_requests(self, user: str, since: str = "") -> list[AuditWrite]:
        """Requests made by ``user`` (a client common name) as the API server's audit log recorded them,
        optionally only those received at or after the RFC 3339 time ``since``."""
        found = []
        for path in (self.layout.audit_log, *sorted(self.layout.logs.glob("audit-*.log"))):
            if not path.exists():
                continue
            for line in path.read_text(errors="replace").splitlines():
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if event.get("user", {}).get("username") != user:
                    continue
                when = str(event.get("requestReceivedTimestamp", ""))
                if since and when < since:
                    continue
                ref = event.get("objectRef", {})
                found.append(
                    AuditWrite(
                        when=when,
                        verb=str(event.get("verb")),
                        resource=str(ref.get("resource", "")),
                        subresource=str(ref.get("subresource", "")),
                        namespace=str(ref.get("namespace", "")),
                        name=str(ref.get("name", "")),
                        code=int(event.get("responseStatus", {}).get("code", 0)),
                    )
                )
        return sorted(found, key=lambda w: w.when)

    def quiet_for(self, user: str, seconds: float) -> bool:
        """True when ``user`` has made no write request in the last ``seconds``."""
        last = self.audit_writes(user)
        cutoff = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=seconds)
        return not last or last[-1].when < cutoff.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def audit_writes(self, user: str, since: str = "") -> list[AuditWrite]:
        """Write requests (create, update, patch, delete) made by ``user``."""
        return [w for w in self.audit_requests(user, since) if w.verb not in ("get", "list", "watch")]

    # -- up ----------------------------------------------------------------------------------------------
    def up(self, options: Options | None = None) -> None:
        options = options or Options()
        options.shape.validate()
        if self._state() is not None:
            if self.running():
                self.log(f"devcluster already running at {self.server()} ({self.layout.kubeconfig})")
                return
            self.log("found a stale devcluster; stopping it first")
            self.down()
        started = time.monotonic()
        binaries = {name: str(find_binary(name, log=self.log)) for name in (*ORDER, "kubectl")}
        self.layout.root.mkdir(parents=True, exist_ok=True)
        (self.layout.root / ".gitignore").write_text("*\n")
        pki = ensure_pki(self.layout.pki.root)
        port = options.apiserver_port or proc.free_port()
        if options.apiserver_port and not proc.port_free(port):
            raise DevClusterError(f"port {port} on 127.0.0.1 is in use: pick another with --port")
        ports = {"apiserver": port, "etcd": proc.free_port(), "etcd-peer": proc.free_port()}
        ports["kwok"] = proc.free_port()
        server = f"https://127.0.0.1:{port}"
        state: dict[str, object] = {
            "server": server,
            "ports": ports,
            "shape": asdict(options.shape),
            "binaries": binaries,
            "processes": {},
        }
        proc.save_state(self.layout.state, state)
        try:
            self._start_all(binaries, ports, pki, state, options)
        except BaseException:
            self.log("bringing the devcluster up failed; stopping what was started")
            self.down(quiet=True)
            raise
        self.log(f"devcluster up in {time.monotonic() - started:.1f}s: {server}")
        self.log(f"  kubeconfig: {self.layout.kubeconfig}")

    def launch(self, name: str, argv: list[str]) -> int:
        """Run another process alongside the control plane (e.g. the operator for the demo); ``down``
        stops it first."""
        state = self._state()
        if state is None:
            raise DevClusterError("the devcluster is not running")
        pids = self._pids(state)
        if name in pids and proc.alive(*pids[name]):
            proc.stop(*pids[name])
        return self._launch(name, argv, state)[1]

    def _launch(
        self, name: str, argv: list[str], state: dict[str, object], env: dict[str, str] | None = None
    ) -> tuple[proc.Spec, int]:
        spec = proc.Spec(name, argv, self.layout.logs / f"{name}.log", env)
        pid = proc.start(spec)
        processes = state["processes"]
        assert isinstance(processes, dict)
        processes[name] = {"pid": pid, "binary": argv[0], "log": str(spec.log)}
        proc.save_state(self.layout.state, state)
        return spec, pid

    def _start_all(
        self,
        binaries: dict[str, str],
        ports: dict[str, int],
        pki: PkiPaths,
        state: dict[str, object],
        options: Options,
    ) -> None:
        root, timeout = self.layout.root, options.timeout
        self.layout.kubeconfig.write_text(_kubeconfig(str(state["server"]), pki))
        for who in CLIENTS:
            self.layout.client_kubeconfig(who).write_text(_kubeconfig(str(state["server"]), pki, who))
        audit_policy = root / "audit-policy.yaml"
        audit_policy.write_text(yaml.safe_dump(_AUDIT_POLICY))
        self.layout.logs.mkdir(parents=True, exist_ok=True)
        etcd_url = f"http://127.0.0.1:{ports['etcd']}"
        peer_url = f"http://127.0.0.1:{ports['etcd-peer']}"
        self.log("starting etcd")
        etcd = self._launch(
            "etcd",
            [
                binaries["etcd"],
                "--name=devcluster",
                f"--data-dir={root / 'etcd'}",
                f"--listen-client-urls={etcd_url}",
                f"--advertise-client-urls={etcd_url}",
                f"--listen-peer-urls={peer_url}",
                f"--initial-advertise-peer-urls={peer_url}",
                f"--initial-cluster=devcluster={peer_url}",
                "--unsafe-no-fsync",
                "--log-level=warn",
                "--quota-backend-bytes=8589934592",
                "--auto-compaction-retention=5m",
            ],
            state,
        )
        watched = [etcd]
        rest = Rest(f"http://127.0.0.1:{ports['etcd']}", pki)
        proc.wait_until(
            "etcd", lambda: "true" in rest.get_text("/health"), timeout=timeout, watch=watched, log=self.log
        )
        self.log("starting kube-apiserver")
        watched.append(
            self._launch(
                "kube-apiserver",
                [
                    binaries["kube-apiserver"],
                    f"--etcd-servers={etcd_url}",
                    "--bind-address=127.0.0.1",
                    "--advertise-address=127.0.0.1",
                    f"--secure-port={ports['apiserver']}",
                    f"--tls-cert-file={pki.server_crt}",
                    f"--tls-private-key-file={pki.server_key}",
                    f"--client-ca-file={pki.ca_crt}",
                    f"--service-account-key-file={pki.sa_pub}",
                    f"--service-account-signing-key-file={pki.sa_key}",
                    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                    "--authorization-mode=RBAC",
                    "--service-cluster-ip-range=10.96.0.0/16",
                    "--allow-privileged=true",
                    "--profiling=false",
                    "--max-requests-inflight=1000",
                    "--max-mutating-requests-inflight=500",
                    "--enable-priority-and-fairness=false",
                    "--endpoint-reconciler-type=none",
                    "--event-ttl=30m",
                    "--v=1",
                    f"--audit-policy-file={audit_policy}",
                    f"--audit-log-path={self.layout.audit_log}",
                    "--audit-log-format=json",
                    "--audit-log-mode=batch",
                    "--audit-log-maxsize=500",
                    "--audit-log-maxbackup=1",
                ],
                state,
            )
        )
        api = self.rest()
        proc.wait_until(
            "kube-apiserver /readyz",
            lambda: api.get_text("/readyz") == "ok",
            timeout=timeout,
            watch=watched,
            log=self.log,
        )
        self.log("starting kube-controller-manager, kube-scheduler and kwok")
        watched.append(
            self._launch(
                "kube-controller-manager",
                [
                    binaries["kube-controller-manager"],
                    f"--kubeconfig={self.layout.client_kubeconfig('kube-controller-manager')}",
                    "--leader-elect=false",
                    "--bind-address=127.0.0.1",
                    "--secure-port=0",
                    f"--service-account-private-key-file={pki.sa_key}",
                    f"--root-ca-file={pki.ca_crt}",
                    "--use-service-account-credentials=false",
                    "--controllers=*,-nodeipam,-cloud-node-lifecycle",
                    "--kube-api-qps=1000",
                    "--kube-api-burst=2000",
                    "--concurrent-statefulset-syncs=20",
                    "--concurrent-deployment-syncs=20",
                    "--concurrent-replicaset-syncs=20",
                    "--concurrent-gc-syncs=50",
                    "--concurrent-service-endpoint-syncs=20",
                    "--concurrent-endpoint-syncs=20",
                    "--v=1",
                ],
                state,
            )
        )
        sched_cfg = root / "scheduler.yaml"
        sched_cfg.write_text(_scheduler_config(self.layout.client_kubeconfig("kube-scheduler")))
        watched.append(
            self._launch(
                "kube-scheduler",
                [
                    binaries["kube-scheduler"],
                    f"--config={sched_cfg}",
                    "--bind-address=127.0.0.1",
                    "--secure-port=0",
                    "--v=1",
                ],
                state,
            )
        )
        stage_args = [f"--config={p}" for p in sorted(STAGES_DIR.glob("*.yaml"))]
        watched.append(
            self._launch(
                "kwok",
                [
                    binaries["kwok"],
                    f"--kubeconfig={self.layout.client_kubeconfig('kwok')}",
                    *stage_args,
                    "--manage-all-nodes=false",
                    f"--manage-nodes-with-annotation-selector={KWOK_NODE_ANNOTATION}={KWOK_NODE_VALUE}",
                    f"--server-address=127.0.0.1:{ports['kwok']}",
                    "--node-lease-duration-seconds=40",
                    "--node-ip=127.0.0.1",
                    "--cidr=10.62.0.1/16",
                ],
                state,
                {"KWOK_WORKDIR": str(root / "kwok")},
            )
        )
        for crd_dir in [EXTRA_CRDS_DIR, *options.crd_dirs]:
            self._apply_crds(api, crd_dir)
        self._create_nodes(api, options.shape)
        names = {n["metadata"]["name"] for n in node_manifests(options.shape)}
        proc.wait_until(
            f"{len(names)} nodes Ready",
            lambda: self._ready_nodes(api) >= names,
            timeout=timeout,
            watch=watched,
            log=self.log,
        )
        proc.wait_until(
            "the default ServiceAccount",
            lambda: bool(api.request("GET", "/api/v1/namespaces/default/serviceaccounts/default")),
            timeout=timeout,
            watch=watched,
            log=self.log,
        )

    def _apply_crds(self, api: Rest, crd_dir: Path) -> None:
        files = sorted(crd_dir.glob("*.yaml")) if crd_dir.is_dir() else []
        names = []
        for path in files:
            for doc in yaml.safe_load_all(path.read_text()):
                if not doc or doc.get("kind") != "CustomResourceDefinition":
                    continue
                name = doc["metadata"]["name"]
                api.apply(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}", doc)
                names.append(name)
        for name in names:
            crd_path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}"

            def established(p: str = crd_path) -> bool:
                return _established(api.request("GET", p))

            proc.wait_until(
                f"CRD {name} established",
                established,
                timeout=30,
                log=self.log,
            )
        if names:
            self.log(f"  installed {len(names)} CRDs from {crd_dir}")

    def _create_nodes(self, api: Rest, shape: ClusterShape) -> None:
        manifests = node_manifests(shape)
        self.log(
            f"creating {len(manifests)} simulated nodes ({shape.gpu_nodes} x {shape.gpus_per_node} GPUs)"
        )
        for node in manifests:
            try:
                api.request("POST", "/api/v1/nodes", node)
            except ApiError as err:
                if err.status != 409:
                    raise

    @staticmethod
    def _ready_nodes(api: Rest) -> set[str]:
        nodes = api.request("GET", "/api/v1/nodes?limit=5000")["items"]
        ready = set()
        for node in nodes:
            for cond in node.get("status", {}).get("conditions", []):
                if cond["type"] == "Ready" and cond["status"] == "True":
                    ready.add(node["metadata"]["name"])
        return ready

    # -- down --------------------------------------------------------------------------------------------
    def down(self, quiet: bool = False) -> None:
        state = self._state()
        if state is None:
            if not quiet:
                self.log("devcluster is not running")
            return
        pids = self._pids(state)
        for name in [n for n in pids if n not in ORDER] + list(reversed(ORDER)):
            if name in pids:
                proc.stop(*pids[name])
        left = [name for name, (pid, binary) in pids.items() if proc.alive(pid, binary)]
        if left:
            raise DevClusterError(f"could not stop: {', '.join(left)}")
        self.layout.state.unlink(missing_ok=True)
        shutil.rmtree(self.layout.root / "etcd", ignore_errors=True)
        if not quiet:
            self.log(f"devcluster stopped ({len(pids)} processes)")


def _established(crd: dict[str, object]) -> bool:
    status = crd.get("status")
    conditions = status.get("conditions", []) if isinstance(status, dict) else []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)
