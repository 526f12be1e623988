"""The admission webhook's serving certificate: kept in a Secret (shared by every replica, renewed before
it expires) or, without one, made for this process only. Written to files for the HTTPS server."""

from __future__ import annotations

import base64
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .certs import KeyPair, covers, issue, make_ca
from .client import ApiError, KubeClient
from .resources import SECRET

log = logging.getLogger(__name__)
_RENEW_DAYS = 30


@dataclass(frozen=True)
class ServingFiles:
    cert: Path
    key: Path
    ca: bytes  # PEM of the CA, for the webhook configuration's caBundle


def _generate(dns: tuple[str, ...], ips: tuple[str, ...]) -> tuple[KeyPair, KeyPair]:
    ca = make_ca("rbg-operator-webhook-ca")
    return ca, issue(ca, dns[0] if dns else "rbg-operator-webhook", dns_names=dns, ips=ips, server=True)


def _decode(secret: dict[str, object]) -> tuple[KeyPair, KeyPair] | None:
    data = secret.get("data")
    if not isinstance(data, dict) or not {"ca.crt", "ca.key", "tls.crt", "tls.key"} <= set(data):
        return None
    b = {k: base64.b64decode(str(v)) for k, v in data.items()}
    return KeyPair(b["ca.crt"], b["ca.key"]), KeyPair(b["tls.crt"], b["tls.key"])


async def ensure_serving_cert(
    client: KubeClient,
    dns: tuple[str, ...],
    ips: tuple[str, ...],
    secret: tuple[str, str] | None,
    workdir: Path | None = None,
) -> ServingFiles:
    """Load (or create, or renew) the serving certificate for ``dns``/``ips``; with ``secret``
    (namespace, name) it is shared through that Secret, and a race between replicas is settled by the
    API server (the first create wins, the others read it)."""
    pair: tuple[KeyPair, KeyPair] | None = None
    if secret is not None:
        ns, name = secret
        for _ in range(3):
            current = await client.get(SECRET, name, ns)
            pair = _decode(current) if current else None
            if pair is not None and covers(pair[1], dns, ips, _RENEW_DAYS):
                break
            ca, cert = _generate(dns, ips)
            body: dict[str, Any] = {
                "apiVersion": "v1",
                "kind": "Secret",
                "type": "kubernetes.io/tls",
                "metadata": {
                    "name": name,
                    "namespace": ns,
                    "labels": {"app.kubernetes.io/name": "rbg-operator"},
                },
                "data": {
                    k: base64.b64encode(v).decode()
                    for k, v in {
                        "ca.crt": ca.cert,
                        "ca.key": ca.key,
                        "tls.crt": cert.cert,
                        "tls.key": cert.key,
                    }.items()
                },
            }
            try:
                if current is None:
                    await client.create(SECRET, body, ns)
                else:
                    meta = current["metadata"]
                    body["metadata"]["resourceVersion"] = meta["resourceVersion"]
                    await client.request("PUT", SECRET.path(ns, name), body=body, plural=SECRET.plural)
                log.info("webhook certificate written to Secret %s/%s", ns, name)
                pair = (ca, cert)
                break
            except ApiError as err:
                if not err.conflict:
                    raise
                pair = None  # another replica won the race: read theirs
    if pair is None:
        pair = _generate(dns, ips)
    directory = workdir or Path(tempfile.mkdtemp(prefix="rbg-operator-webhook-"))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tls.crt").write_bytes(pair[1].cert)
    (directory / "tls.key").write_bytes(pair[1].key)
    (directory / "tls.key").chmod(0o600)
    return ServingFiles(directory / "tls.crt", directory / "tls.key", pair[0].cert)
