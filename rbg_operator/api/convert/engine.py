"""Lossless conversion of one object around the structural rules of :mod:`.kinds`.

Each object may carry the other direction's conversion annotation (``v1alpha2-fields`` on a v1alpha1
object, ``v1alpha1-fields`` on a v1alpha2 one): when it is ours its facts are restored and it is removed,
otherwise it is an ordinary annotation and stays verbatim. Facts the target cannot express are written
to the target's conversion annotation.

Both directions then make sure of the round trip:

* up (v1alpha1 -> v1alpha2) converts the result straight back (:func:`down_naive`) and, where that
  differs from the input, stores the exact JSON Patch in ``overrides``, applied last on the way back;
* down (v1alpha2 -> v1alpha1) converts the result back with the full :func:`up`; where that differs, the
  patch goes in ``overrides`` too, applied last by :func:`up`.

So ``down(up(x)) == x`` and ``up(down(y)) == y`` whenever the conversion annotations an object carries are
absent, written by this module, or not of its layout (e.g. not JSON). ``overrides`` stays empty for
objects the CRD schemas and CEL rules accept: there the rules of :mod:`.kinds` are exact."""

from __future__ import annotations

import copy

from rbg_operator.api import keys
from rbg_operator.api.convert.jsonutil import (
    JsonDict,
    annotations_of,
    apply_patch,
    canon,
    json_patch,
    same,
    strip,
    with_annotation,
)
from rbg_operator.api.convert.kinds import Kind
from rbg_operator.api.convert.layout import parse_stash

#: On a v1alpha2 object: what only v1alpha1 says.
V1_FIELDS = keys.ANNOTATION_CONVERSION_V1ALPHA1_FIELDS
#: On a v1alpha1 object: what only v1alpha2 says.
V2_FIELDS = keys.ANNOTATION_CONVERSION_V1ALPHA2_FIELDS


def _own(obj: JsonDict, key: str) -> tuple[JsonDict, JsonDict]:
    """``(obj without annotation key, its facts)`` when the annotation is ours, else ``(obj, {})``."""
    ann = annotations_of(obj)
    facts = parse_stash(ann.get(key)) if isinstance(ann, dict) else None
    if facts is None:
        return copy.deepcopy(obj), {}
    return strip(obj, key), facts


def _stash(obj: JsonDict, key: str, facts: JsonDict) -> JsonDict:
    return with_annotation(obj, key, canon(facts)) if facts else obj


def _overrides(facts: JsonDict) -> list[JsonDict]:
    ops = facts.get("overrides")
    return ops if isinstance(ops, list) else []


def _patched(obj: JsonDict, ops: list[JsonDict]) -> JsonDict:
    out = apply_patch(obj, ops)
    return out if isinstance(out, dict) else obj


def _structural(facts: JsonDict) -> JsonDict:
    return {k: v for k, v in facts.items() if k != "overrides"}


# --------------------------------------------------------------------------------------------
# v1alpha2 -> v1alpha1
# --------------------------------------------------------------------------------------------


def _down_core(y_work: JsonDict, given: JsonDict, kind: Kind) -> tuple[JsonDict, JsonDict]:
    x, facts = kind.down(y_work, given, False)
    if facts:
        x, facts = kind.down(y_work, given, True)
    return x, facts


def down_naive(y: JsonDict, kind: Kind) -> JsonDict:
    """v1alpha2 -> v1alpha1 by the rules, without checking the way back."""
    y_work, given = _own(y, V1_FIELDS)
    x, facts = _down_core(y_work, given, kind)
    return _patched(_stash(x, V2_FIELDS, facts), _overrides(given))


def down(y: JsonDict, kind: Kind, *, checked: bool = True) -> JsonDict:
    """v1alpha2 -> v1alpha1, such that :func:`up` gives ``y`` back exactly (``checked=False``: such that
    :func:`up` does when it trusts the v1alpha2-fields annotation, which is what :func:`up` checks)."""
    x = down_naive(y, kind)
    if same(up(x, kind) if checked else _up_trusting(x, kind), y):
        return x
    y_work, given = _own(y, V1_FIELDS)
    core, facts = kind.down(y_work, given, True)
    probe = _patched(_stash(core, V2_FIELDS, {**facts, "overrides": []}), _overrides(given))
    back = _up_inner(strip(probe, V2_FIELDS), facts, True, kind)
    ops = json_patch(y, back)
    final = {**facts, "overrides": ops} if ops or not facts else facts
    return _patched(_stash(core, V2_FIELDS, final), _overrides(given))


# --------------------------------------------------------------------------------------------
# v1alpha1 -> v1alpha2
# --------------------------------------------------------------------------------------------


def _target(x_work: JsonDict, back: JsonDict, consumed: bool) -> JsonDict:
    """What the way back must give: the input, except for the v1alpha2-fields annotation it consumed
    (which the way back writes anew)."""
    if not consumed:
        return x_work
    ann = annotations_of(back)
    written = ann.get(V2_FIELDS) if isinstance(ann, dict) else None
    target = strip(x_work, V2_FIELDS)
    return with_annotation(target, V2_FIELDS, written) if isinstance(written, str) else target


def _up_inner(x_work: JsonDict, given: JsonDict, consumed: bool, kind: Kind) -> JsonDict:
    given = _structural(given)
    y, facts = kind.up(x_work, given, False)
    if not facts:
        back = down_naive(y, kind)
        if same(back, _target(x_work, back, consumed)):
            return y
    y, facts = kind.up(x_work, given, True)
    back = down_naive(_stash(y, V1_FIELDS, {**facts, "overrides": []}), kind)
    ops = json_patch(_target(x_work, back, consumed), back)
    if ops:
        facts = {**facts, "overrides": ops}
    return _stash(y, V1_FIELDS, facts)


def _up_trusting(x: JsonDict, kind: Kind) -> JsonDict:
    x_work, given = _own(x, V2_FIELDS)
    return _patched(_up_inner(x_work, given, bool(given), kind), _overrides(given))


def up(x: JsonDict, kind: Kind) -> JsonDict:
    """v1alpha1 -> v1alpha2, such that :func:`down` gives ``x`` back exactly.

    A v1alpha2-fields annotation of our layout is trusted only when the way back rebuilds ``x`` from
    the result exactly (it always does for one :func:`down` wrote); otherwise it is an ordinary
    annotation and stays verbatim."""
    y = _up_trusting(x, kind)
    given = _own(x, V2_FIELDS)[1]
    if given and not same(down(y, kind, checked=False), x):
        return _up_inner(copy.deepcopy(x), {}, False, kind)
    return y
