"""The operator as a real subprocess against the devcluster (so tests can kill and restart it); ready once
/readyz answers and its admission webhook is registered."""

from __future__ import annotations

import contextlib

from rbg_operator.devcluster import operator
from rbg_operator.devcluster.rest import ApiError
from tests.e2e.kube import Kube

WEBHOOK_CONFIG = "rbg-operator.workloads.x-k8s.io"


class OperatorProcess(operator.OperatorProcess):
    def start(self, kube: Kube, timeout: float = 60.0, webhook: bool = True) -> None:
        if not webhook:
            self.extra_args = [*self.extra_args, "--no-webhook"]
        self.launch(timeout, also=lambda: not webhook or self._webhook_registered(kube))

    def _webhook_registered(self, kube: Kube) -> bool:
        try:
            cfg = kube.rest.request(
                "GET",
                f"/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/{WEBHOOK_CONFIG}",
            )
        except ApiError:
            return False
        hooks = cfg.get("webhooks") or []
        return bool(hooks) and all(
            f":{self.webhook_port}/" in w["clientConfig"].get("url", "") for w in hooks
        )


def remove_webhooks(kube: Kube) -> None:
    """A stopped operator leaves its webhook configuration behind; tests without an operator need it gone."""
    for kind in ("validatingwebhookconfigurations", "mutatingwebhookconfigurations"):
        with contextlib.suppress(ApiError):
            kube.rest.request("DELETE", f"/apis/admissionregistration.k8s.io/v1/{kind}/{WEBHOOK_CONFIG}")
