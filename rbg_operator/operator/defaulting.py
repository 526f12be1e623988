"""The mutating admission webhook: RoleBasedGroup and RoleBasedGroupSet writes of either version get
their legacy ``rollingUpdate.type`` values rewritten (``rbg_operator.api.defaults``) before the API server
validates them against the CRD schema. kopf manages the MutatingWebhookConfiguration next to the
validating one (``settings.admission.managed``); the chart's RBAC already grants both."""

from __future__ import annotations

from typing import Any, cast

import kopf

from rbg_operator.api import keys
from rbg_operator.api.defaults import apply_fixes, rollout_type_fixes

#: (plural, versions) defaulted; like validation, a request is defaulted by the webhook of its version.
DEFAULTED = (
    ("rolebasedgroups", (keys.V1ALPHA2, keys.V1ALPHA1)),
    ("rolebasedgroupsets", (keys.V1ALPHA2, keys.V1ALPHA1)),
)


def handler_id(plural: str, version: str) -> str:
    return f"default-{plural}-{version}"


#: Webhook id -> (its version, the versions its kind is defaulted in), for ``answered_elsewhere``.
VERSIONS_BY_ID = {handler_id(p, v): (v, versions) for p, versions in DEFAULTED for v in versions}


async def _default(body: kopf.Body, patch: kopf.Patch, warnings: list[str], **_: Any) -> None:
    fixes = rollout_type_fixes(dict(body))
    if fixes:
        patch.fns.append(lambda raw: apply_fixes(cast(dict[str, Any], raw), fixes))
        warnings.extend(fix.warning for fix in fixes)


def register(registry: kopf.OperatorRegistry) -> None:
    for plural, versions in DEFAULTED:
        for version in versions:
            kopf.on.mutate(
                keys.GROUP,
                version,
                plural,
                id=handler_id(plural, version),
                operations=["CREATE", "UPDATE"],
                registry=registry,
            )(_default)
