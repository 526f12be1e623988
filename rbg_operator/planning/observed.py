"""What the planners see of the cluster: small, typed, immutable projections of the objects the operator
watches (built by the kube layer's informers; only the fields some planner reads are kept)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ContainerView(View):
    name: str
    image: str = ""  # status image (what runs)
    ready: bool = False
    restart_count: int = 0
    started: bool = False
    terminated_reason: str = ""


class PodView(View):
    """A pod as the planners need it."""

    name: str
    namespace: str
    uid: str
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    owner_uid: str = ""
    node_name: str = ""
    pod_ip: str = ""
    phase: str = "Pending"
    conditions: dict[str, str] = Field(default_factory=dict)  # type -> "True"/"False"/"Unknown"
    ready_since: str = ""  # lastTransitionTime of Ready when True
    readiness_gates: tuple[str, ...] = ()
    spec_images: dict[str, str] = Field(default_factory=dict)  # container -> spec image
    containers: tuple[ContainerView, ...] = ()
    init_restarts: int = 0
    created: str = ""
    deleting: bool = False
    resource_version: str = ""

    @property
    def ready(self) -> bool:
        return self.conditions.get("Ready") == "True" and not self.deleting

    @property
    def scheduled(self) -> bool:
        return bool(self.node_name)

    @property
    def restarts(self) -> int:
        return self.init_restarts + sum(c.restart_count for c in self.containers)


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
