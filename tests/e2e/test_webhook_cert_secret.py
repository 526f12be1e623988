"""The webhook certificate from a Secret someone else fills (cert-manager; --webhook-cert-provided): the
operator waits for the Secret, serves its certificate, advertises its ca.crt as the caBundle, admission
works, and the Secret is never written. The test stands in for cert-manager with a CA-signed certificate.
The renewal follower is exercised against the real API server too."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from rbg_operator.devcluster.cluster import DevCluster
from rbg_operator.devcluster.rest import ApiError
from rbg_operator.kube.certs import KeyPair, issue, make_ca
from rbg_operator.kube.client import KubeClient
from rbg_operator.kube.webhook_certs import (
    ProvidedSecret,
    ensure_serving_cert,
    follow_provided,
    wait_provided,
)
from tests.e2e.kube import Kube
from tests.e2e.operator_process import WEBHOOK_CONFIG, OperatorProcess
from tests.unit.api.cases import INVALID_CASES, base_rbg

SECRET = "rbg-webhook-cert"


def tls_secret(name: str, ca: KeyPair, serving: KeyPair) -> dict[str, Any]:
    """What cert-manager writes for a Certificate issued by a CA Issuer."""
    data = {"ca.crt": ca.cert, "tls.crt": serving.cert, "tls.key": serving.key}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": {"name": name, "annotations": {"cert-manager.io/certificate-name": name}},
        "data": {k: base64.b64encode(v).decode() for k, v in data.items()},
    }


def serving_pair(ca: KeyPair) -> KeyPair:
    """The names the API server uses for the out-of-cluster webhook (https://127.0.0.1:<port>)."""
    return issue(ca, "rbg-operator-webhook", dns_names=("localhost",), ips=("127.0.0.1",), server=True)


def log_since_start(proc: OperatorProcess) -> str:
    text = proc.log.read_text(errors="replace") if proc.log.exists() else ""
    return text.rsplit("===== start", 1)[-1]


def served_certificate(port: int, ca: bytes) -> bytes:
    """The certificate the webhook port presents, verified against ``ca`` (DER)."""
    ctx = ssl.create_default_context(cadata=ca.decode())
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as sock,
        ctx.wrap_socket(sock, server_hostname="127.0.0.1") as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return der


def der(pem: bytes) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)


@pytest.fixture
def provided(
    devcluster: DevCluster, kube: Kube, operator: OperatorProcess, namespace: str
) -> Iterator[tuple[OperatorProcess, KeyPair, KeyPair, dict[str, Any]]]:
    """The session's operator steps aside; one with --webhook-cert-provided starts before the Secret
    exists, waits for it, and is ready once the test has created it (as cert-manager would)."""
    operator.stop()
    proc = OperatorProcess(
        devcluster.layout.client_kubeconfig("rbg-operator"),
        devcluster.layout.logs / "webhook-cert-secret.log",
        extra_args=["--webhook-secret", f"{namespace}/{SECRET}", "--webhook-cert-provided"],
    )
    failure: list[BaseException] = []

    def start() -> None:
        try:
            proc.start(kube, timeout=90)
        except BaseException as err:
            failure.append(err)

    starter = threading.Thread(target=start, daemon=True)
    try:
        starter.start()
        kube.wait_for(
            "the operator waiting for cert-manager to fill the Secret",
            lambda: failure or "waiting for the webhook certificate" in log_since_start(proc),
            timeout=60,
        )
        assert not failure, failure
        assert kube.get("Secret", SECRET, namespace) is None
        ca = make_ca("cert-manager-test-ca")
        serving = serving_pair(ca)
        created = kube.create(tls_secret(SECRET, ca, serving), namespace)
        starter.join(120)
        assert not starter.is_alive() and not failure, failure or log_since_start(proc)[-4000:]
        yield proc, ca, serving, created
    finally:
        starter.join(1)
        proc.stop()
        operator.start(kube)


def test_the_webhook_serves_the_secrets_certificate_and_never_writes_it(
    kube: Kube, namespace: str, provided: tuple[OperatorProcess, KeyPair, KeyPair, dict[str, Any]]
) -> None:
    proc, ca, serving, created = provided
    # The webhook configuration trusts the Secret's ca.crt ...
    cfg = kube.rest.request(
        "GET", f"/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/{WEBHOOK_CONFIG}"
    )
    bundles = {w["clientConfig"].get("caBundle") for w in cfg["webhooks"]}
    assert bundles == {base64.b64encode(ca.cert).decode()}
    # ... and the webhook port presents the Secret's tls.crt.
    assert served_certificate(proc.webhook_port, ca.cert) == der(serving.cert)

    # Admission works: a mistake only the webhook catches is rejected naming the field ...
    case = next(c for c in INVALID_CASES if c.id == "dependency-cycle-2")
    assert case.server == "webhook"
    bad = copy.deepcopy(case.manifest())
    bad["metadata"]["namespace"] = namespace
    with pytest.raises(ApiError) as err:
        kube.create(bad, namespace)
    assert err.value.status in (400, 422) and case.path in str(err.value), err.value
    assert kube.get("RoleBasedGroup", bad["metadata"]["name"], namespace) is None
    # ... and a good group passes it (the webhook answers; it does not just fail closed).
    good = base_rbg()
    good["metadata"]["namespace"] = namespace
    path = kube.path("RoleBasedGroup", namespace) + "?dryRun=All"
    assert kube.rest.request("POST", path, good)["metadata"]["name"] == good["metadata"]["name"]

    # The operator never wrote the Secret.
    secret = kube.get("Secret", SECRET, namespace)
    assert secret is not None
    assert secret["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert secret["data"] == created["data"]
    managers = {m.get("manager") for m in secret["metadata"].get("managedFields") or []}
    assert not any("rbg" in (m or "") for m in managers), managers
    log = log_since_start(proc)
    assert "webhook certificate read from Secret" in log and "Traceback" not in log


async def _until(what: str, check: Callable[[], bool], within: float = 20.0) -> None:
    """Poll ``check`` (the file the follower rewrites) until it holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        assert loop.time() < deadline, f"timed out after {within}s waiting for {what}"
        await asyncio.sleep(0.1)


async def test_a_renewal_with_a_new_ca_is_followed(
    kubeconfig: Path, kube: Kube, namespace: str, tmp_path: Path
) -> None:
    client = await KubeClient.connect(str(kubeconfig))
    ref = ProvidedSecret(namespace, "renewed")
    follower: asyncio.Task[None] | None = None
    try:
        with pytest.raises(TimeoutError, match=f"{namespace}/renewed has no matching tls.crt"):
            await wait_provided(client, ref, within=1.0, poll=0.2)
        ca1 = make_ca("ca-1")
        first = serving_pair(ca1)
        kube.create(tls_secret("renewed", ca1, first), namespace)
        files = await ensure_serving_cert(client, ("localhost",), ("127.0.0.1",), ref, tmp_path)
        assert files.cert == files.key and files.ca == ca1.cert
        assert files.cert.read_bytes() == first.cert + first.key
        cas: list[bytes] = []
        follower = asyncio.create_task(follow_provided(client, ref, files.cert, files.ca, cas.append, 0.2))

        # cert-manager renews the certificate with the same CA: the file changes, the CA does not.
        second = serving_pair(ca1)
        kube.patch("Secret", "renewed", namespace, tls_secret("renewed", ca1, second))
        await _until(
            "the renewed certificate served", lambda: files.cert.read_bytes() == second.cert + second.key
        )
        assert cas == []
        # A new CA (the CA Certificate was re-issued): the caBundle follows, before the file is replaced.
        ca2 = make_ca("ca-2")
        third = serving_pair(ca2)
        kube.patch("Secret", "renewed", namespace, tls_secret("renewed", ca2, third))
        await _until(
            "the new CA's certificate served", lambda: files.cert.read_bytes() == third.cert + third.key
        )
        assert cas == [ca2.cert]
    finally:
        if follower is not None:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
        await client.close()
