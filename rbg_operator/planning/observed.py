"""What the planners see of the cluster: small, typed, immutable projections of the objects the operator
watches (built by the kube layer's informers; only the fields some planner reads are kept)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WorkloadView(View):
    """A StatefulSet, Deployment, LeaderWorkerSet or InstanceSet, and its rollout status."""

    api_version: str
    kind: str
    name: str
    namespace: str
    uid: str
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    owner_uids: tuple[str, ...] = ()
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
    deleting: bool = False

    @property
    def settled(self) -> bool:
        """The workload controller has seen the latest spec."""
        return self.observed_generation >= self.generation


class ObjectView(View):
    """Any other owned child (Service, ConfigMap, adapter, PodGroup, ...): identity and what we applied."""

    api_version: str
    kind: str
    name: str
    namespace: str
    uid: str
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    owner_uids: tuple[str, ...] = ()
    deleting: bool = False


class RevisionView(View):
    """A ControllerRevision of a group's spec."""

    name: str
    namespace: str
    uid: str
    revision: int
    labels: dict[str, str] = Field(default_factory=dict)
    data_hash: str = ""
