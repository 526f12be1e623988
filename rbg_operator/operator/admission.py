"""Admission: the webhook server (certificate from kube.webhook_certs), the validating handlers that
reject what the CRD schema and CEL cannot (every message names the field path and the reason), and the
mutating defaulter (.defaulting)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import kopf

from rbg_operator.api import keys
from rbg_operator.api.errors import FieldError
from rbg_operator.api.validation import errors_only, validate_object
from rbg_operator.api.validation_v2 import (
    validate_as_stored,
    validate_group_for_policy,
    validate_policy_for_group,
)
from rbg_operator.kube import clock
from rbg_operator.kube.client import KubeClient
from rbg_operator.kube.executor import patch_pod
from rbg_operator.kube.resources import COORDINATED_POLICY, POD, RBG, RBG_SA, STATEFULSET
from rbg_operator.kube.views import pod_view
from rbg_operator.kube.webhook_certs import ensure_serving_cert
from rbg_operator.planning import drain
from rbg_operator.planning.names import scaling_adapter_name
from rbg_operator.planning.observed import PodView

from . import defaulting
from .conversion import Converting, ConvertingWebhookServer

log = logging.getLogger(__name__)
GROUP = keys.GROUP
#: (kind, plural, versions) validated by the webhook; a kind served in both versions is validated in the
#: version each request uses (messages name that version's fields).
VALIDATED = (
    ("RoleBasedGroup", "rolebasedgroups", (keys.V1ALPHA2, keys.V1ALPHA1)),
    ("RoleBasedGroupSet", "rolebasedgroupsets", (keys.V1ALPHA2, keys.V1ALPHA1)),
    ("RoleBasedGroupScalingAdapter", "rolebasedgroupscalingadapters", (keys.V1ALPHA2, keys.V1ALPHA1)),
    ("ClusterEngineRuntimeProfile", "clusterengineruntimeprofiles", (keys.V1ALPHA2, keys.V1ALPHA1)),
    ("CoordinatedPolicy", "coordinatedpolicies", (keys.V1ALPHA2,)),
    ("InstanceSet", "instancesets", (keys.V1ALPHA1,)),
)


@dataclass(frozen=True)
class WebhookSettings:
    """Where the API server reaches the webhook: ``url_host`` (out of cluster, e.g. 127.0.0.1) or a
    Service (in cluster); ``secret`` (namespace, name) shares the certificate between replicas."""

    port: int = 9443
    listen: str = "0.0.0.0"
    url_host: str = "127.0.0.1"
    service: tuple[str, str] | None = None  # (namespace, name)
    secret: tuple[str, str] | None = None  # (namespace, name); a ProvidedSecret (cert-manager) is only read


class _ServiceWebhookServer(kopf.WebhookServer):
    """kopf's HTTPS server, advertised to the API server through a Service instead of a URL."""

    def __init__(self, service: tuple[str, str], service_port: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._service = service
        self._service_port = service_port

    async def __call__(self, fn: Any) -> AsyncIterator[Any]:
        async for config in super().__call__(fn):
            ns, name = self._service
            yield {
                "service": {"namespace": ns, "name": name, "port": self._service_port},
                "caBundle": config["caBundle"],
            }


class _ConvertingServiceWebhookServer(Converting, _ServiceWebhookServer):
    """The in-cluster server with the conversion webhook (reached through the Service)."""


async def server(client: KubeClient, ws: WebhookSettings) -> kopf.WebhookServer:
    """The HTTPS server of the admission and conversion webhooks."""
    built: kopf.WebhookServer
    if ws.service is not None:
        ns, name = ws.service
        dns = (f"{name}.{ns}.svc", f"{name}.{ns}.svc.cluster.local", f"{name}.{ns}", name)
        files = await ensure_serving_cert(client, dns, (), ws.secret)
        built = _ConvertingServiceWebhookServer(
            ws.service,
            443,
            addr=ws.listen,
            port=ws.port,
            certfile=str(files.cert),
            pkeyfile=str(files.key),
            cadata=files.ca,
        )
    else:
        files = await ensure_serving_cert(client, ("localhost",), (ws.url_host,), ws.secret)
        built = ConvertingWebhookServer(
            addr=ws.listen,
            port=ws.port,
            host=ws.url_host,
            certfile=str(files.cert),
            pkeyfile=str(files.key),
            cadata=files.ca,
        )
    built.client = client
    built.answered_elsewhere = answered_elsewhere
    return built


def _handler_id(plural: str, version: str) -> str:
    return f"validate-{plural}" if version == keys.V1ALPHA1 else f"validate-{plural}-{version}"


#: Webhook id -> its version and the versions its kind is validated (or defaulted) in.
_VERSIONS_BY_ID = {
    **{_handler_id(p, v): (v, versions) for _, p, versions in VALIDATED for v in versions},
    **defaulting.VERSIONS_BY_ID,
}


def answered_elsewhere(webhook: str, requested: str) -> bool:
    """A request of a kind served in both versions is validated (and defaulted) once, by the webhook of
    the version the request used (its messages name that version's fields); the other webhook allows it."""
    found = _VERSIONS_BY_ID.get(webhook)
    if found is None or not requested:
        return False
    version, versions = found
    return requested != version and requested in versions


async def _adapter_conflicts(client: KubeClient, new: dict[str, Any], old: dict[str, Any]) -> list[str]:
    """Roles whose replicas this update changes away from what their Bound scaling adapter says."""
    ns, group = new["metadata"].get("namespace", ""), new["metadata"]["name"]
    before = {r.get("name"): r.get("replicas") for r in (old.get("spec") or {}).get("roles") or []}
    errors = []
    for i, role in enumerate((new.get("spec") or {}).get("roles") or []):
        name, replicas = role.get("name"), role.get("replicas")
        if name not in before or before[name] == replicas:
            continue
        adapter = await client.get(RBG_SA, scaling_adapter_name(group, name), ns)
        if adapter is None or (adapter.get("status") or {}).get("phase") != "Bound":
            continue
        owned = (adapter.get("spec") or {}).get("replicas")
        if owned is not None and owned != replicas:
            errors.append(
                f"spec.roles[{i}].replicas: role {name!r} is scaled by the Bound scaling adapter "
                f"{adapter['metadata']['name']!r} (replicas {owned}); scale it with "
                f"`kubectl scale rbgsa/{adapter['metadata']['name']} --replicas={replicas}`"
            )
    return errors


def _check(kind: str) -> Callable[..., Coroutine[Any, Any, None]]:
    async def handler(
        body: kopf.Body, old: kopf.Body | None, warnings: list[str], memo: kopf.Memo, **_: Any
    ) -> None:
        raw = dict(body)
        problems = _own_checks(raw)
        if old is not None and errors_only(problems):
            problems = ratchet(problems, _own_checks(dict(old)))
        client: KubeClient | None = memo.runtime.client
        if not errors_only(problems) and client is not None:
            problems += await _cross_checks(client, kind, raw)
        warnings.extend(str(p) for p in problems if p.severity == "warning")
        messages = [str(e) for e in errors_only(problems)]
        if not messages and kind == "RoleBasedGroup" and old is not None and client is not None:
            messages = await _adapter_conflicts(client, raw, dict(old))
        if messages:
            name = raw.get("metadata", {}).get("name", "")
            raise kopf.AdmissionError(f"{kind} {name} is invalid: {'; '.join(messages[:10])}", code=422)

    return handler


def _own_checks(raw: dict[str, Any]) -> list[FieldError]:
    problems = validate_object(raw)
    if not errors_only(problems) and raw.get("apiVersion") == keys.API_VERSION_V1ALPHA1:
        problems += validate_as_stored(raw)  # a v1alpha1 write is stored (and planned) as v1alpha2
    return problems


def ratchet(problems: list[FieldError], before: list[FieldError]) -> list[FieldError]:
    """Ratcheting, as the API server does for CRD schemas: an error the stored object already had (the
    same field, the same reason) is not the update's fault, so it becomes a warning. Objects stored before
    a check existed (or while no webhook ran) can then still be relabelled, finalized, rewritten by the
    storage migration and changed elsewhere; any new error is refused."""
    known = {str(p) for p in errors_only(before)}
    return [
        dataclasses.replace(p, reason=f"{p.reason} (already so before this change)", severity="warning")
        if p.severity == "error" and str(p) in known
        else p
        for p in problems
    ]


async def _cross_checks(client: KubeClient, kind: str, raw: dict[str, Any]) -> list[FieldError]:
    """A CoordinatedPolicy against its group (unknown roles are refused) and a group against its policy
    (roles it names that the group lacks are warned about): both have the same name and namespace. A
    failed read skips the check (with a warning): it must not block every write of the kind."""
    meta = raw.get("metadata") or {}
    name, ns = meta.get("name", ""), meta.get("namespace")
    other = RBG if kind == "CoordinatedPolicy" else COORDINATED_POLICY
    if kind not in ("CoordinatedPolicy", "RoleBasedGroup"):
        return []
    try:
        found = await client.get(other, name, ns)
    except Exception as err:  # API errors (RBAC, say), timeouts, connection errors alike
        log.warning("admission: reading %s %s/%s failed: %s", other.kind, ns, name, err)
        reason = f"not checked against {other.kind} {name!r}: reading it failed ({err})"
        return [FieldError("metadata.name", reason, severity="warning")]
    if kind == "CoordinatedPolicy":
        return validate_policy_for_group(raw, found)
    return validate_group_for_policy(raw, found)


async def _drain_before_delete(body: kopf.Body, dryrun: bool, memo: kopf.Memo, **_: Any) -> None:
    """Pods of drain-enabled roles are deleted only once drained, whoever deletes them (StatefulSet and
    ReplicaSet controllers, the garbage collector, kubectl): the first attempt starts the drain and is
    refused with 429 (retry later); the controllers retry as the pod changes."""
    await _hold_until_drained(dict(body), dryrun, memo.runtime.client)


async def _drain_before_eviction(body: kopf.Body, dryrun: bool, memo: kopf.Memo, **_: Any) -> None:
    """Evictions (``kubectl drain``, cluster-autoscaler, the descheduler) delete pods without a DELETE
    request of their own, so the eviction itself is held: an eviction of a drain-enabled pod starts its
    drain and is refused with 429, which every eviction client retries on (as for a PodDisruptionBudget);
    once drained, the eviction goes through (and still honours the role's budget)."""
    client: KubeClient | None = memo.runtime.client
    meta = body.get("metadata") or {}
    if client is None or not meta.get("name") or not meta.get("namespace"):
        return
    pod = await client.get(POD, str(meta["name"]), str(meta["namespace"]))
    if (
        pod is None
        or ((pod.get("metadata") or {}).get("labels") or {}).get(keys.LABEL_DRAIN_ENABLED) != "true"
    ):
        return
    await _hold_until_drained(pod, dryrun, client)


async def _hold_until_drained(raw: dict[str, Any], dryrun: bool, client: KubeClient | None) -> None:
    pod = pod_view(raw)
    now = clock.now()
    verdict = drain.removal_verdict(pod, now)
    if verdict.allow:
        return
    if verdict.start and not dryrun and client is not None:
        victims = [pod, *await _condemned_siblings(client, raw)]
        for victim in victims:
            if drain.removal_verdict(victim, now).start:
                for patch in drain.start(victim, now):
                    await patch_pod(client, victim.namespace, patch)
    raise kopf.AdmissionError(verdict.reason, code=429)


async def _condemned_siblings(client: KubeClient, raw: dict[str, Any]) -> list[PodView]:
    """The other pods a StatefulSet scale-in will remove (ordinals >= replicas): the StatefulSet
    controller deletes them one at a time and stops at the first refusal, so their drains start now
    and run in parallel."""
    meta = raw.get("metadata") or {}
    owner = next(
        (
            o
            for o in meta.get("ownerReferences") or []
            if o.get("kind") == "StatefulSet" and o.get("controller")
        ),
        None,
    )
    index = (meta.get("labels") or {}).get(keys.LABEL_POD_INDEX, "")
    if owner is None or not (index.isascii() and index.isdigit()):
        return []
    sts = await client.get(STATEFULSET, owner["name"], meta.get("namespace"))
    replicas = int(((sts or {}).get("spec") or {}).get("replicas", 1))
    if int(index) < replicas:
        return []  # a rolling update: one pod at a time, by design
    pods, _ = await client.list(POD, meta.get("namespace"), f"{keys.LABEL_DRAIN_ENABLED}=true")
    out = []
    for p in pods:
        pm = p.get("metadata") or {}
        mine = any(o.get("uid") == owner.get("uid") for o in pm.get("ownerReferences") or [])
        ordinal = (pm.get("labels") or {}).get(keys.LABEL_POD_INDEX, "")
        if (
            mine
            and (ordinal.isascii() and ordinal.isdigit())
            and int(ordinal) >= replicas
            and pm.get("name") != meta.get("name")
        ):
            out.append(pod_view(p))
    return out


def register(registry: kopf.OperatorRegistry) -> None:
    defaulting.register(registry)
    kopf.on.validate(
        "",
        "v1",
        "pods",
        id="drain-pods",
        operations=["DELETE"],
        labels={keys.LABEL_DRAIN_ENABLED: "true"},
        side_effects=True,
        ignore_failures=False,
        persistent=True,  # kept when an operator exits cleanly: drains must hold during restarts too
        registry=registry,
    )(_drain_before_delete)
    kopf.on.validate(
        "",
        "v1",
        "pods",
        subresource="eviction",
        id="drain-evictions",
        operations=["CREATE"],
        side_effects=True,
        # An Eviction carries no pod labels to select on, so this webhook sees every eviction in the
        # cluster: while the operator is down they go through (PodDisruptionBudgets still apply) rather
        # than blocking every node drain of the cluster.
        ignore_failures=True,
        persistent=True,
        registry=registry,
    )(_drain_before_eviction)
    for kind, plural, versions in VALIDATED:
        for version in versions:
            kopf.on.validate(
                GROUP,
                version,
                plural,
                id=_handler_id(plural, version),
                operations=["CREATE", "UPDATE"],
                registry=registry,
            )(_check(kind))
