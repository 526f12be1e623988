"""The layout of the two conversion annotations, and the check that an annotation value is ours.

``conversion.workloads.x-k8s.io/v1alpha1-fields`` on a v1alpha2 object holds what only v1alpha1 can say;
``conversion.workloads.x-k8s.io/v1alpha2-fields`` on a v1alpha1 object holds what only v1alpha2 can say.
Both hold one compact JSON object (sorted keys) of this shape, every key optional::

    {
      "annotations": {"<key>": "<value>" | null} | null,   # metadata annotations as the source had them,
                                                           # where the other side rebuilds them otherwise
      "spec":     {"<field>": <value>},      # spec fields with no home in the target version
      "roles":    {"<role>": RoleFacts},     # per role, by name
      "template": {"spec": {...}, "roles": {"<role>": RoleFacts}},   # RoleBasedGroupSet: the nested spec
      "groupTemplate": {"annotations": {...} | null, "fields": {"<field>": <value>}},   # (v1alpha2 only)
      "status":   {"<field>": <value>},      # status fields with no home in the target version
      "overrides": [{"op": "add" | "replace" | "remove", "path": "/json/pointer", "value": ...}]
    }

RoleFacts (keys used by one direction only are marked 1 = on v1alpha2 objects, 2 = on v1alpha1 ones)::

    "annotations": {...} | null     # role annotations as the source had them (workload-type key)
    "fields": {"<field>": <value>}  # role fields with no home (unknown fields; 1: template, templateRef,
                                    # templatePatch, leaderWorkerSet, components the pattern cannot hold;
                                    # 2: podManagementPolicy, a second pattern)
    "workload": {...}               # 1: the workload, when the annotation does not rebuild it exactly
    "rollingUpdateType": "Recreate" # 1: the v1alpha1 name of RecreatePod
    "pattern": "customComponentsPattern" | null   # 2: a pattern v1alpha1 fields would not imply (null: none)
    "patternFields": {...}          # 2: sharedServiceSelection and other pattern fields
    "restartPolicyConfig": {...}    # 2: restartPolicyConfig fields besides type ({}: present, no type)
    "leaderWorkerSet" | "templateRef" | "scalingAdapter": {...}   # fields of that object with no home
    "components": {"<component>": {...}}                          # component fields with no home

``overrides`` is the safety net: the exact differences the rules above did not rebuild, applied last. It
is empty for every object the CRD schema and its CEL rules accept."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from rbg_operator.api.convert.jsonutil import JsonDict, loads

Fields = dict[str, Any]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class RoleFacts(_Strict):
    annotations: Fields | None = None
    fields: Fields | None = None
    workload: Fields | None = None
    rollingUpdateType: str | None = None
    pattern: str | None = None
    patternFields: Fields | None = None
    restartPolicyConfig: Fields | None = None
    leaderWorkerSet: Fields | None = None
    templateRef: Fields | None = None
    scalingAdapter: Fields | None = None
    components: dict[str, Fields] | None = None


class SpecFacts(_Strict):
    spec: Fields | None = None
    roles: dict[str, RoleFacts] | None = None


class GroupTemplateFacts(_Strict):
    annotations: Fields | None = None
    fields: Fields | None = None


class PatchOp(_Strict):
    op: Literal["add", "replace", "remove"]
    path: str
    value: Any = None


class Stash(_Strict):
    annotations: Fields | None = None
    spec: Fields | None = None
    roles: dict[str, RoleFacts] | None = None
    template: SpecFacts | None = None
    groupTemplate: GroupTemplateFacts | None = None
    status: Fields | None = None
    overrides: list[PatchOp] | None = None


def parse_stash(raw: Any) -> JsonDict | None:
    """The facts an annotation value holds when it is ours (a non-empty JSON object of the layout
    above), else None: then the value is an ordinary annotation and is kept verbatim."""
    value = loads(raw)
    if not isinstance(value, dict) or not value:
        return None
    try:
        Stash.model_validate(value)
    except ValidationError:
        return None
    return value
