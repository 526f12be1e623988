"""The CRD conversion webhook, served by the admission webhook's HTTPS server (same certificate, same
port): a ConversionReview is answered from :func:`rbg_operator.api.conversion.convert`; anything else
goes to kopf's admission handling. Whenever the server (re)starts with a certificate, the converted
CRDs are pointed at it; a background task keeps them pointed there."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import kopf

from rbg_operator.api.convert import convert
from rbg_operator.kube.client import KubeClient
from rbg_operator.kube.crd_conversion import ensure_conversion

log = logging.getLogger(__name__)
RECHECK_S = 30.0  # how often the CRDs' conversion config is compared with the served one


def review(body: Mapping[str, Any]) -> dict[str, Any]:
    """The response to one ConversionReview (``apiextensions.k8s.io/v1``): every object converted to
    ``desiredAPIVersion``, or a Failure that names the object and the reason."""
    request = body.get("request") or {}
    desired = str(request.get("desiredAPIVersion", ""))
    converted: list[dict[str, Any]] = []
    result: dict[str, Any] = {"status": "Success"}
    for obj in request.get("objects") or []:
        try:
            converted.append(convert(obj, desired))
        except (ValueError, KeyError, TypeError) as err:
            meta = obj.get("metadata") or {}
            what = f"{obj.get('kind')} {meta.get('namespace', '')}/{meta.get('name', '')}"
            log.error("conversion of %s to %s failed: %s", what, desired, err)
            result = {"status": "Failure", "message": f"cannot convert {what} to {desired}: {err}"}
            converted = []
            break
    return {
        "apiVersion": body.get("apiVersion", "apiextensions.k8s.io/v1"),
        "kind": "ConversionReview",
        "response": {"uid": request.get("uid", ""), "convertedObjects": converted, "result": result},
    }


def _allowed(body: Mapping[str, Any]) -> dict[str, Any]:
    uid = (body.get("request") or {}).get("uid", "")
    return {
        "apiVersion": body.get("apiVersion", "admission.k8s.io/v1"),
        "kind": "AdmissionReview",
        "response": {"uid": uid, "allowed": True},
    }


class Converting:
    """Mixin for a kopf webhook server: answers ConversionReviews itself, configures the CRDs with each
    client config the server yields, and lets ``answered_elsewhere(webhook id, requested version)``
    allow an admission review at once that another webhook validates in the version the request used
    (kopf registers every webhook with matchPolicy Equivalent, so each version's webhook sees every
    request)."""

    client: KubeClient | None = None
    answered_elsewhere: Callable[[str, str], bool] | None = None
    _config: Mapping[str, Any] | None = None

    async def __call__(self, fn: Any) -> AsyncIterator[Any]:
        async def serve(data: Any, **kwargs: Any) -> Any:
            if isinstance(data, dict) and data.get("kind") == "ConversionReview":
                return await asyncio.to_thread(review, data)
            if isinstance(data, dict) and self.answered_elsewhere is not None:
                version = ((data.get("request") or {}).get("requestKind") or {}).get("version", "")
                if self.answered_elsewhere(str(kwargs.get("webhook") or ""), str(version)):
                    return _allowed(data)
            return await fn(data, **kwargs)

        async for config in super().__call__(serve):  # type: ignore[misc]
            self._config = config
            if self.client is not None:
                await ensure_conversion(self.client, config)
            yield config

    async def keep_configured(self) -> None:
        """Re-point the CRDs whenever someone changed their conversion config (runs until cancelled)."""
        while True:
            await asyncio.sleep(RECHECK_S)
            if self.client is not None and self._config is not None:
                try:
                    await ensure_conversion(self.client, self._config)
                except Exception:  # a failed round is retried at the next one
                    log.exception("checking the CRDs' conversion config failed")


class ConvertingWebhookServer(Converting, kopf.WebhookServer):
    """kopf's HTTPS webhook server with the conversion webhook (reached by URL)."""
