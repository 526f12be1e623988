"""The admission webhook's serving certificate: kept in a Secret (shared by every replica, renewed before
it expires) or, without one, made for this process only. Written to files for the HTTPS server.

A :class:`ProvidedSecret` is filled by someone else (cert-manager): the operator waits for it, serves its
``tls.crt``/``tls.key``, advertises its ``ca.crt`` as the caBundle, follows its renewals, and never writes
it."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .certs import KeyPair, covers, issue, make_ca
from .client import ApiError, KubeClient
from .resources import SECRET

log = logging.getLogger(__name__)
_RENEW_DAYS = 30
PROVIDED_WAIT = 120.0  # seconds to wait at start-up for cert-manager to fill a provided Secret
PROVIDED_POLL = 2.0  # seconds between reads while waiting
FOLLOW_INTERVAL = 60.0  # seconds between reads of a provided Secret once serving (renewals)


class ProvidedSecret(NamedTuple):
    """(namespace, name) of a Secret whose certificate someone else (cert-manager) issues and renews: read,
    never written."""

    namespace: str
    name: str


@dataclass(frozen=True)
class Provided:
    """What a provided Secret holds: the serving certificate (chain), its key, and the CA for caBundle."""

    cert: bytes
    key: bytes
    ca: bytes


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


def _provided(secret: dict[str, Any] | None) -> Provided | None:
    """The certificate of a provided Secret, once it has a matching ``tls.crt`` and ``tls.key``; without
    ``ca.crt`` (a publicly trusted issuer) the chain itself is the caBundle."""
    data = (secret or {}).get("data") or {}
    if not data.get("tls.crt") or not data.get("tls.key"):
        return None
    cert, key = base64.b64decode(data["tls.crt"]), base64.b64decode(data["tls.key"])
    try:
        public = x509.load_pem_x509_certificate(cert).public_key()
        private = serialization.load_pem_private_key(key, password=None)
    except ValueError:
        return None
    if public != private.public_key():
        return None  # not a pair (yet): read again
    ca = base64.b64decode(data["ca.crt"]) if data.get("ca.crt") else cert
    return Provided(cert, key, ca)


def _write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically (the HTTPS server re-reads it while serving), readable by us only."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


async def wait_provided(
    client: KubeClient, ref: ProvidedSecret, within: float = PROVIDED_WAIT, poll: float = PROVIDED_POLL
) -> Provided:
    """The certificate of ``ref`` once its issuer has written it; TimeoutError after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    next_log = loop.time()
    try:
        async with asyncio.timeout(within):
            while True:
                found = _provided(await client.get(SECRET, ref.name, ref.namespace))
                if found is not None:
                    return found
                if loop.time() >= next_log:
                    log.info("waiting for the webhook certificate in Secret %s/%s (cert-manager)", *ref)
                    next_log = loop.time() + 30
                await asyncio.sleep(poll)
    except TimeoutError:
        raise TimeoutError(
            f"Secret {ref.namespace}/{ref.name} has no matching tls.crt and tls.key after {within:.0f}s: is "
            f"cert-manager issuing its Certificate? (kubectl describe certificate -n {ref.namespace})"
        ) from None


async def follow_provided(
    client: KubeClient,
    ref: ProvidedSecret,
    pem: Path,
    ca: bytes,
    on_ca: Callable[[bytes], None],
    interval: float = FOLLOW_INTERVAL,
) -> None:
    """Until cancelled: when the Secret's certificate changes (a renewal), hand a new CA to ``on_ca``, then
    replace ``pem`` (certificate and key, as :func:`ensure_serving_cert` wrote them), which the HTTPS
    server notices and reloads by itself."""
    current = await asyncio.to_thread(pem.read_bytes)
    while True:
        await asyncio.sleep(interval)
        try:
            found = _provided(await client.get(SECRET, ref.name, ref.namespace))
        except Exception as err:  # a transient failure must not end the follower
            log.warning("reading the webhook certificate Secret %s/%s: %s", *ref, err)
            continue
        if found is None or found.cert + found.key == current:
            continue
        if found.ca != ca:
            on_ca(found.ca)
            ca = found.ca
        _write_private(pem, found.cert + found.key)
        current = found.cert + found.key
        log.info("webhook certificate renewed from Secret %s/%s", *ref)


async def ensure_serving_cert(
    client: KubeClient,
    dns: tuple[str, ...],
    ips: tuple[str, ...],
    secret: tuple[str, str] | None,
    workdir: Path | None = None,
) -> ServingFiles:
    """Load (or create, or renew) the serving certificate for ``dns``/``ips``; with ``secret``
    (namespace, name) it is shared through that Secret, and a race between replicas is settled by the
    API server (the first create wins, the others read it). A :class:`ProvidedSecret` is only read: the
    certificate and key go to one file (``cert`` and ``key`` are the same path), replaced atomically on
    renewals by :func:`follow_provided`."""
    if isinstance(secret, ProvidedSecret):
        found = await wait_provided(client, secret)
        if not covers(KeyPair(found.cert, found.key), dns, ips, 0):
            log.warning(
                "the certificate in Secret %s/%s does not name %s: the API server will refuse it",
                *secret,
                ", ".join(dns + ips),
            )
        directory = workdir or Path(tempfile.mkdtemp(prefix="rbg-operator-webhook-"))
        directory.mkdir(parents=True, exist_ok=True)
        pem = directory / "tls.pem"
        _write_private(pem, found.cert + found.key)
        log.info("webhook certificate read from Secret %s/%s", *secret)
        return ServingFiles(pem, pem, found.ca)
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
