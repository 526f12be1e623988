"""Kubernetes meta/v1 and small core/v1 types the operator reads: object metadata, selectors,
conditions and service ports. Unknown fields pass through (see :class:`KubePassThrough`)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from rbg_operator.api.base import (
    Int32,
    Int64,
    IntOrString,
    KubePassThrough,
    Timestamp,
)


class OwnerReference(KubePassThrough):
    """A reference to the owner of an object; garbage collection deletes dependents with it."""

    api_version: str = Field(description="API version of the owner.")
    kind: str = Field(description="Kind of the owner.")
    name: str = Field(description="Name of the owner.")
    uid: str = Field(description="UID of the owner.")
    controller: bool | None = Field(default=None, description="True if the owner is the managing controller.")
    block_owner_deletion: bool | None = Field(
        default=None, description="If true, the owner cannot be deleted before this reference is removed."
    )


class ObjectMeta(KubePassThrough):
    """Standard object metadata (the subset the operator reads; other fields pass through)."""

    name: str | None = Field(default=None, description="Name, unique within the namespace.")
    generate_name: str | None = Field(default=None, description="Prefix for a server-generated name.")
    namespace: str | None = Field(default=None, description="Namespace of the object.")
    uid: str | None = Field(default=None, description="Server-assigned unique identifier.")
    resource_version: str | None = Field(
        default=None, description="Opaque version for optimistic concurrency."
    )
    generation: Int64 | None = Field(default=None, description="Sequence number of the desired state.")
    creation_timestamp: Timestamp | None = Field(default=None, description="When the object was created.")
    deletion_timestamp: Timestamp | None = Field(default=None, description="When deletion was requested.")
    labels: dict[str, str] | None = Field(default=None, description="Labels (selectable key/value pairs).")
    annotations: dict[str, str] | None = Field(default=None, description="Annotations (free-form metadata).")
    owner_references: list[OwnerReference] | None = Field(
        default=None, description="Objects this object depends on."
    )
    finalizers: list[str] | None = Field(default=None, description="Finalizers that block deletion.")


class LabelSelectorRequirement(KubePassThrough):
    """One set-based label requirement (``key operator values``)."""

    key: str = Field(description="The label key the requirement applies to.")
    operator: str = Field(description="One of In, NotIn, Exists, DoesNotExist.")
    values: list[str] | None = Field(default=None, description="Values for In and NotIn.")


class LabelSelector(KubePassThrough):
    """A label query; all requirements are ANDed."""

    match_labels: dict[str, str] | None = Field(default=None, description="Equality-based requirements.")
    match_expressions: list[LabelSelectorRequirement] | None = Field(
        default=None, description="Set-based requirements."
    )


class Condition(KubePassThrough):
    """A ``metav1.Condition``: one aspect of the observed state (kstatus compatible)."""

    type: str = Field(description="Type of the condition in CamelCase, e.g. Ready.")
    status: str = Field(description="True, False or Unknown.")
    observed_generation: Int64 | None = Field(
        default=None, description="The .metadata.generation the condition was computed from."
    )
    last_transition_time: Timestamp | None = Field(default=None, description="Last time the status changed.")
    reason: str | None = Field(default=None, description="Machine-readable CamelCase reason.")
    message: str | None = Field(default=None, description="Human-readable details.")


class ServicePort(KubePassThrough):
    """A port of the role's headless Service (``core/v1 ServicePort``)."""

    crd_preserve_unknown: ClassVar[bool] = False

    name: str | None = Field(default=None, description="Name of the port; required when there are several.")
    protocol: str | None = Field(default=None, description="TCP (default), UDP or SCTP.")
    app_protocol: str | None = Field(default=None, description="Application protocol of the port.")
    port: Int32 = Field(description="The port the Service exposes.")
    target_port: Annotated[int | str, IntOrString()] | None = Field(
        default=None, description="Pod port number or name; defaults to port."
    )
    node_port: Int32 | None = Field(default=None, description="Node port (NodePort/LoadBalancer only).")


class ObjectFieldSelector(KubePassThrough):
    """Selects a field of the pod (downward API)."""

    api_version: str | None = Field(default=None, description="Schema version of fieldPath; defaults to v1.")
    field_path: str = Field(description="Path of the field, e.g. metadata.labels['x'].")


#: A free-form JSON object kept as-is (RawExtension-like payloads).
RawObject = dict[str, Any]
