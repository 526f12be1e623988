"""What each configuration annotation must hold and where the operator reads it (the group's metadata,
a role's annotations, a pod template's, a RoleBasedGroupSet's metadata), as one table, and the check of
one annotation map against it: the value as the planner reads it, the place, and unknown keys of the
project's prefix. Cross-key rules are in :mod:`rbg_operator.api.validation_annotations`. No I/O."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from rbg_operator.api import keys
from rbg_operator.api.errors import ErrorType, FieldError

#: Group annotation of the restart planner (planning/restart.py): recreations before the group is Failed.
ANNOTATION_MAX_RESTARTS = "rbg.workloads.x-k8s.io/max-restarts"

GROUP, ROLE, TEMPLATE, SET = "group", "role", "template", "set"
_WHERE = {
    GROUP: "the group's metadata.annotations",
    ROLE: "a role's annotations",
    TEMPLATE: "a pod template's annotations",
    SET: "a RoleBasedGroupSet's metadata.annotations",
}
_INT32 = 2**31 - 1
_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
_DURATION = re.compile(r"([0-9]+(\.[0-9]+)?(ms|s|m|h))+")  # planning.drain.parse_duration's syntax
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
Check = Callable[[str], str | None]


def _choice(*allowed: str) -> Check:
    quoted = [json.dumps(a) for a in allowed]
    reason = "must be " + (f"{', '.join(quoted[:-1])} or {quoted[-1]}" if len(quoted) > 1 else quoted[0])
    return lambda v: None if v in allowed else reason


def _whole(low: int, unit: str) -> Check:
    def check(v: str) -> str | None:
        if re.fullmatch(r"[0-9]+", v) and low <= int(v) <= _INT32:
            return None
        return f"must be a whole number of {unit} ({low} to {_INT32})"

    return check


def _label_key(v: str) -> str | None:
    prefix, slash, name = v.rpartition("/")
    ok = _NAME.fullmatch(name) and len(name) <= 63
    if slash:
        ok = ok and _SUBDOMAIN.fullmatch(prefix) and len(prefix) <= 253
    return None if ok else "must be a node label key (a topology domain) such as kubernetes.io/hostname"


def _label_value(v: str) -> str | None:
    ok = _NAME.fullmatch(v) and len(v) <= 63
    return None if ok else "must be a node label value such as NVIDIA-H100-80GB-HBM3 (at most 63 characters)"


def _subdomain(what: str) -> Check:
    return lambda v: (
        None if _SUBDOMAIN.fullmatch(v) and len(v) <= 253 else f"must be {what} (a DNS-1123 subdomain)"
    )


def _duration(v: str) -> str | None:
    if _NUMBER.fullmatch(v):
        seconds = float(v)
    elif _DURATION.fullmatch(v):
        seconds = sum(float(n) * _UNITS[u] for n, _, u in re.findall(r"(\d+(\.\d+)?)(ms|s|m|h)", v))
    else:
        seconds = 0.0
    return None if seconds > 0 else "must be a positive number of seconds or a duration such as 90s or 5m"


def _port(v: str) -> str | None:
    ok = re.fullmatch(r"[0-9]+", v) and 1 <= int(v) <= 65535
    return None if ok else "must be a port number (1 to 65535)"


def _http_path(v: str) -> str | None:
    return None if re.fullmatch(r"/\S*", v) else "must be an HTTP path starting with / (e.g. /drained)"


def _http_url(v: str) -> str | None:
    parts = urlsplit(v) if not re.search(r"\s", v) else None
    ok = parts is not None and parts.scheme in ("http", "https") and parts.netloc
    return None if ok else "must be an http:// or https:// URL, e.g. http://$(POD_IP):8080/drained"


def _int_or_percent(v: str) -> str | None:
    match = re.fullmatch(r"([0-9]+)(%?)", v)
    ok = match and int(match[1]) <= (100 if match[2] else _INT32)
    return None if ok else "must be a whole number of pods or a percentage up to 100% (e.g. 1 or 25%)"


def _only_true(v: str) -> str | None:
    if v == "true":
        return None
    return (
        'must be "true": any value turns the opt-out on (as upstream), so leave the annotation out to keep '
        "the role's pods in the exclusive placement"
    )


def _any(v: str) -> str | None:
    del v
    return None


_G, _GR, _R, _RT = (
    frozenset({GROUP}),
    frozenset({GROUP, ROLE}),
    frozenset({ROLE}),
    frozenset({ROLE, TEMPLATE}),
)
#: Key -> (where the operator reads it, what it must hold).
RULES: dict[str, tuple[frozenset[str], Check]] = {
    keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V2: (_G, _label_key),
    keys.ANNOTATION_EXCLUSIVE_TOPOLOGY_V1: (_G, _label_key),
    keys.ANNOTATION_GANG_SCHEDULING_V2: (_G, _choice("true", "false")),
    keys.ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2: (_G, _whole(0, "seconds")),
    keys.ANNOTATION_GANG_VOLCANO_QUEUE_V2: (_G, _subdomain("a Volcano queue name")),
    keys.ANNOTATION_GANG_VOLCANO_PRIORITY_V2: (_G, _subdomain("a PriorityClass name")),
    keys.ANNOTATION_SCHEDULER_NAME: (_G, _subdomain("a scheduler name")),
    keys.ANNOTATION_PACK_TOPOLOGY: (_G, _label_key),
    keys.ANNOTATION_PACK_MODE: (_G, _choice("required", "preferred")),
    keys.ANNOTATION_PACK_ROLES: (_G, _any),  # role names: see _group_errors
    ANNOTATION_MAX_RESTARTS: (_G, _whole(0, "recreations")),
    keys.ANNOTATION_CONVERSION_POD_GROUP_POLICY: (_G, _any),  # JSON: see conversion_annotation_errors
    keys.ANNOTATION_CONVERSION_COORDINATION: (_G, _any),
    keys.ANNOTATION_DRAIN_TIMEOUT: (_GR, _duration),
    keys.ANNOTATION_DRAIN_PROBE_PORT: (_GR, _port),
    keys.ANNOTATION_DRAIN_PROBE_PATH: (_GR, _http_path),
    keys.ANNOTATION_DRAIN_PROBE_URL: (_GR, _http_url),
    keys.ANNOTATION_PDB_MAX_UNAVAILABLE: (_GR, _int_or_percent),
    keys.ANNOTATION_PDB_MIN_AVAILABLE: (_GR, _int_or_percent),
    keys.ANNOTATION_SPREAD_TOPOLOGY: (_R, _label_key),
    keys.ANNOTATION_SPREAD_MODE: (_R, _choice("preferred", "required")),
    keys.ANNOTATION_GPU_PRODUCT: (_R, _label_value),
    keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2: (_R, _any),  # value: validation_v2 and the CRD's CEL rule
    keys.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2: (_RT, _only_true),
    keys.ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V1: (_RT, _only_true),
    keys.ANNOTATION_RESTART_TRIGGER_POLICY_V2: (frozenset({TEMPLATE}), _choice("Inherit", "Ignore", "")),
    keys.ANNOTATION_GROUPSET_MAX_UNAVAILABLE: (frozenset({SET}), _whole(1, "groups")),
}
#: Every key of the project's prefix it knows (the rest get a warning).
KNOWN = sorted(
    {v for v in vars(keys).values() if isinstance(v, str) and v.startswith(keys.PREFIX_V2)} | set(RULES)
)


def warn(path: str, reason: str) -> FieldError:
    return FieldError(path, reason, severity="warning")


def map_errors(annotations: Mapping[str, Any] | None, path: str, level: str) -> list[FieldError]:
    """Value and placement of each key of one annotation map found at ``path``, read at ``level``."""
    out: list[FieldError] = []
    for key, value in sorted((annotations or {}).items()):
        where = f"{path}[{key}]"
        if not isinstance(value, str):  # only in a template patch, which is free-form JSON
            out.append(FieldError(where, f"an annotation value must be a string, got {value!r}"))
            continue
        if key not in RULES:
            if key.startswith(keys.PREFIX_V2) and key not in KNOWN:
                near = difflib.get_close_matches(key, KNOWN, n=1)
                hint = f"; did you mean {near[0]}?" if near else ""
                out.append(warn(where, f"not an annotation rbg-operator reads, so it has no effect{hint}"))
            continue
        levels, check = RULES[key]
        if level not in levels:
            read = " or ".join(_WHERE[x] for x in (GROUP, ROLE, TEMPLATE, SET) if x in levels)
            out.append(
                FieldError(
                    where, f"has no effect here: the operator reads it from {read}", ErrorType.FORBIDDEN
                )
            )
        elif (reason := check(value)) is not None:
            out.append(FieldError(where, f"{reason}, got {value!r}"))
    return out
