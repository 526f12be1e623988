"""The applied-hash convention: every manifest carries the hash of itself, so a reconcile compares one
annotation with the cached object and writes nothing when they match."""

from __future__ import annotations

from typing import Protocol, TypeVar

from rbg_operator.api import keys
from rbg_operator.api.children import Manifest

from . import names

M = TypeVar("M", bound=Manifest)


class Annotated(Protocol):
    @property
    def annotations(self) -> dict[str, str]: ...


def with_hash(manifest: M) -> M:
    h = names.content_hash(manifest.to_dict())
    manifest.metadata.annotations = {**(manifest.metadata.annotations or {}), keys.ANNOTATION_APPLIED_HASH: h}
    return manifest


def needs_apply(manifest: Manifest, observed: Annotated | None) -> bool:
    if observed is None:
        return True
    return observed.annotations.get(keys.ANNOTATION_APPLIED_HASH) != (
        manifest.metadata.annotations or {}
    ).get(keys.ANNOTATION_APPLIED_HASH)
