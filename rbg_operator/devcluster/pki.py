"""Certificates and keys for the local control plane: one CA, the API server's serving certificate,
one client certificate per component (so the API server's audit log tells who wrote what) and the
service-account signing key pair."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from rbg_operator.kube.certs import KeyPair, issue, make_ca

_SERVICE_IP = "10.96.0.1"
_API_DNS = (
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)
# client identity -> (common name, organisation)
CLIENTS: dict[str, tuple[str, str]] = {
    "admin": ("devcluster-admin", "system:masters"),
    "kube-controller-manager": ("system:kube-controller-manager", "system:masters"),
    "kube-scheduler": ("system:kube-scheduler", "system:masters"),
    "kwok": ("devcluster-kwok", "system:masters"),
    "rbg-operator": ("rbg-operator", "system:masters"),
    "rbg-operator-b": ("rbg-operator-b", "system:masters"),  # a second replica, for HA tests
}


@dataclass(frozen=True)
class PkiPaths:
    """Where the files of one devcluster's PKI live."""

    root: Path

    @property
    def ca_crt(self) -> Path:
        return self.root / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.root / "ca.key"

    @property
    def server_crt(self) -> Path:
        return self.root / "apiserver.crt"

    @property
    def server_key(self) -> Path:
        return self.root / "apiserver.key"

    def client_crt(self, who: str) -> Path:
        return self.root / f"{who}.crt"

    def client_key(self, who: str) -> Path:
        return self.root / f"{who}.key"

    @property
    def admin_crt(self) -> Path:
        return self.client_crt("admin")

    @property
    def admin_key(self) -> Path:
        return self.client_key("admin")

    @property
    def sa_key(self) -> Path:
        return self.root / "sa.key"

    @property
    def sa_pub(self) -> Path:
        return self.root / "sa.pub"


def _write(crt: Path, key: Path, pair: KeyPair) -> None:
    crt.write_bytes(pair.cert)
    key.write_bytes(pair.key)
    key.chmod(0o600)


def ensure_pki(root: Path) -> PkiPaths:
    """Create the PKI under ``root`` unless it is already complete; return its paths."""
    paths = PkiPaths(root)
    if paths.sa_pub.exists() and all(paths.client_key(who).exists() for who in CLIENTS):
        return paths
    root.mkdir(parents=True, exist_ok=True)
    ca = make_ca("rbg-devcluster-ca")
    _write(paths.ca_crt, paths.ca_key, ca)
    server = issue(ca, "kube-apiserver", dns_names=_API_DNS, ips=("127.0.0.1", _SERVICE_IP), server=True)
    _write(paths.server_crt, paths.server_key, server)
    for who, (cn, org) in CLIENTS.items():
        _write(paths.client_crt(who), paths.client_key(who), issue(ca, cn, org=org, client=True))
    sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    paths.sa_key.write_bytes(
        sa_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    paths.sa_key.chmod(0o600)
    paths.sa_pub.write_bytes(
        sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return paths
