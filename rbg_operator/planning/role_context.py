"""What every child of one role is built from: the group, the role, the replicas and partition the
workload gets now, the role's revision hash and its pod selector."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rbg_operator.api import keys
from rbg_operator.api.meta import ObjectMeta
from rbg_operator.api.v1alpha2 import RoleBasedGroup, RoleSpec

from . import names


@dataclass(frozen=True)
class RoleContext:
    """What every child of one role is built from."""

    rbg: RoleBasedGroup
    role: RoleSpec
    replicas: int  # what the workload gets now (coordination may hold it below the spec)
    role_hash: str
    selector: Mapping[str, str]
    partition: int | None = None  # a coordinated rollout's partition (the larger of it and the role's wins)
    hold: bool = False  # a coordinated Deployment has reached its target: paused

    def effective_partition(self, user: int | None) -> int | None:
        if self.partition is None:
            return user
        return max(self.partition, user or 0)

    @property
    def namespace(self) -> str:
        return self.rbg.metadata.namespace or ""

    @property
    def group(self) -> str:
        return self.rbg.metadata.name or ""

    def owner(self) -> dict[str, Any]:
        return names.owner_reference(
            self.rbg.api_version, self.rbg.kind, self.group, self.rbg.metadata.uid or ""
        )

    def meta(self, name: str, *, workload: bool = False) -> ObjectMeta:
        labels = names.role_labels(self.namespace, self.group, self.role.name)
        annotations: dict[str, str] = {}
        if workload:
            labels = {
                **(self.role.labels or {}),
                **labels,
                keys.LABEL_ROLE_REVISION_V1_FMT.format(role=self.role.name): self.role_hash,
                keys.LABEL_ROLE_REVISION_V2_FMT.format(role=self.role.name): self.role_hash,
            }
            annotations = {
                **{
                    k: v
                    for k, v in (self.role.annotations or {}).items()
                    if k not in keys.SYSTEM_ROLE_ANNOTATIONS
                },
                keys.ANNOTATION_ROLE_SIZE_V1: str(self.role.replicas),
                keys.ANNOTATION_ROLE_SIZE_V2: str(self.role.replicas),
            }
        return ObjectMeta.model_validate(
            {
                "name": name,
                "namespace": self.namespace,
                "labels": labels,
                "annotations": annotations or None,
                "ownerReferences": [self.owner()],
            }
        )

    def workload_meta(self) -> ObjectMeta:
        """The metadata of the role's workload ``<rbg>-<role>``."""
        return self.meta(names.workload_name(self.group, self.role.name), workload=True)
