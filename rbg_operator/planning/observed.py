"""What the planners see of the cluster: small, typed, immutable projections of the objects the operator
watches (built by the kube layer's informers; only the fields some planner reads are kept)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rbg_operator.api.v1alpha1 import ClusterEngineRuntimeProfile


class View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Identity(View):
    """Who an object is, who owns it, and what the operator stamped on it."""

    name: str
    namespace: str
    uid: str
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    owner_uids: tuple[str, ...] = ()
    deleting: bool = False


class WorkloadView(Identity):
    """A StatefulSet, Deployment, LeaderWorkerSet or InstanceSet, and its rollout status."""

    api_version: str
    kind: str
    generation: int = 0
    observed_generation: int = 0
    replicas: int = 0  # spec
    status_replicas: int = 0
    ready_replicas: int = 0
    updated_replicas: int = 0
    available_replicas: int = 0
    current_revision: str = ""
    update_revision: str = ""
    selector: dict[str, str] = Field(default_factory=dict)
    partition: int | None = None  # the rolling-update partition applied now

    @property
    def settled(self) -> bool:
        """The workload controller has seen the latest spec."""
        return self.observed_generation >= self.generation


class ObjectView(Identity):
    """Any other owned child (Service, ConfigMap, adapter, PodGroup, ...): identity and what we applied."""

    api_version: str
    kind: str


class RevisionView(View):
    """A ControllerRevision of a group's spec."""

    name: str
    namespace: str
    uid: str
    revision: int
    labels: dict[str, str] = Field(default_factory=dict)
    data_hash: str = ""
    owner_uids: tuple[str, ...] = ()
    data: dict[str, Any] | None = None  # kept only where a planner rebuilds from it (InstanceSet)


class ContainerView(View):
    """One container's status as the kubelet reports it."""

    name: str
    image: str = ""
    ready: bool = False
    restart_count: int = 0


class PodView(Identity):
    """A pod: identity, template bookkeeping, and the status the planners act on."""

    phase: str = "Pending"
    node_name: str = ""
    images: dict[str, str] = Field(default_factory=dict)  # spec: container name -> image
    containers: tuple[ContainerView, ...] = ()
    conditions: dict[str, tuple[str, str]] = Field(default_factory=dict)  # type -> (status, since)
    gates: tuple[str, ...] = ()  # readiness gate condition types of the spec
    pod_ip: str = ""

    def condition(self, kind: str) -> str:
        """``True``, ``False`` or ``""`` when the condition is absent."""
        return self.conditions.get(kind, ("", ""))[0]

    @property
    def ready(self) -> bool:
        return self.condition("Ready") == "True"


class InstanceView(Identity):
    """An Instance as its InstanceSet sees it."""

    generation: int = 0
    observed_generation: int = 0
    ready: bool = False
    ready_since: str = ""
    current_revision: str = ""  # of its pods, from its status
    update_revision: str = ""  # of its spec, from its status


@dataclass(frozen=True)
class GroupObserved:
    """What the informers hold for one group."""

    workloads: Sequence[WorkloadView] = ()
    objects: Sequence[ObjectView] = ()  # Services, ConfigMaps, ...
    revisions: Sequence[RevisionView] = ()
    profiles: Mapping[str, ClusterEngineRuntimeProfile] = field(default_factory=dict)
    pods: Sequence[PodView] = ()  # the group's failing pods (restart policies)
    absent_apis: frozenset[str] = frozenset()  # apiVersions whose CRDs are not installed


@dataclass(frozen=True)
class Children:
    """The observed children one group owns: its workloads (as a list and by (kind, name)) and its other
    objects by (kind, name)."""

    workloads: Sequence[WorkloadView]
    by_kind_name: Mapping[tuple[str, str], WorkloadView]
    objects: Mapping[tuple[str, str], ObjectView]

    @classmethod
    def of(cls, uid: str, observed: GroupObserved) -> Children:
        mine = [w for w in observed.workloads if uid in w.owner_uids]
        return cls(
            workloads=mine,
            by_kind_name={(w.kind, w.name): w for w in mine},
            objects={(o.kind, o.name): o for o in observed.objects if uid in o.owner_uids},
        )
