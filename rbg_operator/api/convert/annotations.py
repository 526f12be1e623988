"""The annotation-borne parts of the mapping: upstream's podGroupPolicy / coordination annotations (on a
group, or on a set's groupTemplate) and the role workload-type annotation.

Each comes as an ``*_up`` (v1alpha1 -> v1alpha2) and ``*_down`` function; the converters compare what one
rebuilds from the other to find what must be remembered."""

from __future__ import annotations

import re

from pydantic import ValidationError

from rbg_operator.api import keys
from rbg_operator.api.convert.jsonutil import MISSING, Json, canon, loads
from rbg_operator.api.v1alpha1.common import Coordination, PodGroupPolicy

PGP = keys.ANNOTATION_CONVERSION_POD_GROUP_POLICY
COORD = keys.ANNOTATION_CONVERSION_COORDINATION
WORKLOAD_TYPE = keys.ANNOTATION_ROLE_WORKLOAD_TYPE_V2
#: v1alpha1's workload when a role names none.
DEFAULT_V1_WORKLOAD = {"apiVersion": "apps/v1", "kind": "StatefulSet"}
#: The workload of a v1alpha2 role without the workload-type annotation.
ROLE_INSTANCE_SET = {"apiVersion": "workloads.x-k8s.io/v1alpha2", "kind": keys.KIND_ROLE_INSTANCE_SET}

_API_VERSION = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/v[0-9]+((alpha|beta)[0-9]+)?$"
)


# --------------------------------------------------------------------------------------------
# spec.podGroupPolicy and spec.coordination <-> upstream's conversion annotations
# --------------------------------------------------------------------------------------------


def valid_pod_group_policy(value: Json) -> bool:
    """Whether ``value`` is a podGroupPolicy v1alpha1 accepts (so it may live in the annotation)."""
    if not isinstance(value, dict):
        return False
    try:
        PodGroupPolicy.model_validate(value)
    except ValidationError:
        return False
    return True


def valid_coordination(value: Json) -> bool:
    """Whether ``value`` is a coordination list v1alpha1 accepts."""
    if not isinstance(value, list):
        return False
    try:
        for item in value:
            if not isinstance(item, dict):
                return False
            Coordination.model_validate(item)
    except ValidationError:
        return False
    return True


def policies_up(annotations: Json, pod_group_policy: Json, coordination: Json) -> Json:
    """The v1alpha2 annotation map: ``annotations`` plus the two policies as JSON (MISSING: none)."""
    if pod_group_policy is MISSING and coordination is MISSING:
        return annotations
    out = dict(annotations) if isinstance(annotations, dict) else {}
    if pod_group_policy is not MISSING:
        out[PGP] = canon(pod_group_policy)
    if coordination is not MISSING:
        out[COORD] = canon(coordination)
    return out


def policies_down(annotations: Json) -> tuple[Json, Json, Json]:
    """``(rest, podGroupPolicy, coordination)``: the two annotations become fields when they hold what
    v1alpha1 accepts (else they stay, verbatim); the map goes when that empties it."""
    if not isinstance(annotations, dict):
        return annotations, MISSING, MISSING
    rest = dict(annotations)
    pgp, coord = loads(rest.get(PGP)), loads(rest.get(COORD))
    if valid_pod_group_policy(pgp):
        del rest[PGP]
    else:
        pgp = MISSING
    if valid_coordination(coord):
        del rest[COORD]
    else:
        coord = MISSING
    if not rest and (pgp is not MISSING or coord is not MISSING):
        return None, pgp, coord
    return rest, pgp, coord


# --------------------------------------------------------------------------------------------
# role.workload <-> rbg.workloads.x-k8s.io/role-workload-type
# --------------------------------------------------------------------------------------------


def workload_type(workload: Json) -> str | None:
    """``<apiVersion>/<kind>`` of a v1alpha1 workload object (None when it has no string pair)."""
    if not isinstance(workload, dict):
        return None
    api_version, kind = workload.get("apiVersion"), workload.get("kind")
    if isinstance(api_version, str) and isinstance(kind, str):
        return f"{api_version}/{kind}"
    return None


def parse_workload_type(value: Json) -> dict[str, str] | None:
    """The v1alpha1 workload an annotation value names (``group/version/Kind``), or None."""
    if not isinstance(value, str):
        return None
    group, _, rest = value.partition("/")
    version, sep, kind = rest.partition("/")
    api_version = f"{group}/{version}"
    if not sep or not _API_VERSION.match(api_version):
        return None
    return {"apiVersion": api_version, "kind": kind}


def role_annotations_up(annotations: Json, type_string: str | None) -> Json:
    """The v1alpha2 role annotations: the workload type written, except for RoleInstanceSet (the v1alpha2
    default, also used when the workload names nothing usable), where the key is dropped."""
    if type_string is None or type_string == keys.WORKLOAD_ROLEINSTANCESET:
        if isinstance(annotations, dict) and WORKLOAD_TYPE in annotations:
            out = {k: v for k, v in annotations.items() if k != WORKLOAD_TYPE}
            return out or None
        return annotations
    base = annotations if isinstance(annotations, dict) else {}
    return {**base, WORKLOAD_TYPE: type_string}


def role_annotations_down(annotations: Json) -> tuple[Json, dict[str, str]]:
    """``(annotations, workload)``: the workload-type annotation always leaves the map (the map goes too
    when that empties it) and becomes the workload; RoleInstanceSet when absent or unusable."""
    if not isinstance(annotations, dict) or WORKLOAD_TYPE not in annotations:
        return annotations, dict(ROLE_INSTANCE_SET)
    rest = {k: v for k, v in annotations.items() if k != WORKLOAD_TYPE}
    workload = parse_workload_type(annotations[WORKLOAD_TYPE]) or dict(ROLE_INSTANCE_SET)
    return (rest or None), workload
