"""Point the CRDs that serve two versions (RoleBasedGroup, RoleBasedGroupSet) at the operator's
conversion webhook: ``spec.conversion`` with the webhook's client config and CA bundle. Written only
when it differs from what the CRD holds, so every replica may keep it current (an operator restart, a
renewed CA, or a ``kubectl apply`` of the CRD files that put the placeholder back)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .client import ApiError, KubeClient
from .resources import CRD

log = logging.getLogger(__name__)

#: The CRDs whose versions differ in shape and so are converted by the webhook.
CONVERTED_CRDS = ("rolebasedgroups.workloads.x-k8s.io", "rolebasedgroupsets.workloads.x-k8s.io")
CONVERT_PATH = "/convert"


def conversion_spec(client_config: Mapping[str, Any]) -> dict[str, Any]:
    """``spec.conversion`` for a webhook client config as kopf yields it (a ``url`` or a ``service``,
    plus ``caBundle``); the conversion requests go to ``<base>/convert``."""
    config: dict[str, Any] = {}
    if "url" in client_config:
        config["url"] = str(client_config["url"]).rstrip("/") + CONVERT_PATH
    else:
        service = dict(client_config["service"])
        service["path"] = CONVERT_PATH
        config["service"] = service
    if client_config.get("caBundle"):
        config["caBundle"] = client_config["caBundle"]
    return {
        "strategy": "Webhook",
        "webhook": {"conversionReviewVersions": ["v1"], "clientConfig": config},
    }


async def ensure_conversion(client: KubeClient, client_config: Mapping[str, Any]) -> int:
    """Write the conversion config into every converted CRD that lacks it; returns how many changed.
    A CRD that is not installed is skipped (logged): the operator then serves one version only."""
    wanted = conversion_spec(client_config)
    changed = 0
    for name in CONVERTED_CRDS:
        crd = await client.get(CRD, name)
        if crd is None:
            log.warning("CRD %s is not installed: its conversion webhook is not configured", name)
            continue
        if (crd.get("spec") or {}).get("conversion") == wanted:
            continue
        try:
            body = [{"op": "replace", "path": "/spec/conversion", "value": wanted}]
            await client.patch(CRD, name, None, body, patch_type="json")
        except ApiError as err:
            log.error("cannot configure the conversion webhook of CRD %s: %s", name, err)
            continue
        changed += 1
        where = wanted["webhook"]["clientConfig"].get("url", "the webhook Service")
        log.info("CRD %s converts through %s", name, where)
    return changed
