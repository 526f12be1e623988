"""Every label, annotation, env var name, finalizer and condition type the project uses.

This is the ONE place for such strings; other modules import them from here.

Two generations exist upstream (sgl-project/rbg) and the operator writes BOTH on every child
object and pod, so that selectors, routers and launch scripts written for either keep working:

* ``V1``: the keys of RBG v0.6 (``api/workloads/v1alpha1/constant.go``, ``pkg/discovery/env_builder.go``),
  prefix ``rolebasedgroup.workloads.x-k8s.io/``;
* ``V2``: the keys of later releases (``api/workloads/constants/*.go``), prefix ``rbg.workloads.x-k8s.io/``.

Where upstream keeps a value in a label whose key embeds a role name, a ``*_FMT`` constant is a
``str.format`` template with a ``{role}`` field.
"""

from typing import Final

# ============================================================================================
# API group, versions, kinds
# ============================================================================================

GROUP: Final = "workloads.x-k8s.io"
V1ALPHA1: Final = "v1alpha1"
API_VERSION_V1ALPHA1: Final = "workloads.x-k8s.io/v1alpha1"
V1ALPHA2: Final = "v1alpha2"
#: The hub and storage version.
API_VERSION_V1ALPHA2: Final = "workloads.x-k8s.io/v1alpha2"

KIND_ROLE_BASED_GROUP: Final = "RoleBasedGroup"
KIND_ROLE_BASED_GROUP_SET: Final = "RoleBasedGroupSet"
KIND_SCALING_ADAPTER: Final = "RoleBasedGroupScalingAdapter"
KIND_INSTANCE_SET: Final = "InstanceSet"
KIND_INSTANCE: Final = "Instance"
KIND_ENGINE_RUNTIME_PROFILE: Final = "ClusterEngineRuntimeProfile"
KIND_ROLE_INSTANCE_SET: Final = "RoleInstanceSet"
KIND_ROLE_INSTANCE: Final = "RoleInstance"
KIND_COORDINATED_POLICY: Final = "CoordinatedPolicy"

#: ``<apiVersion>/<kind>`` strings of the workloads a role can run on (upstream ``*WorkloadType``).
WORKLOAD_STATEFULSET: Final = "apps/v1/StatefulSet"
WORKLOAD_DEPLOYMENT: Final = "apps/v1/Deployment"
WORKLOAD_LEADERWORKERSET: Final = "leaderworkerset.x-k8s.io/v1/LeaderWorkerSet"
WORKLOAD_INSTANCESET: Final = "workloads.x-k8s.io/v1alpha1/InstanceSet"
#: The v1alpha2 default workload (a role without the role-workload-type annotation).
WORKLOAD_ROLEINSTANCESET: Final = "workloads.x-k8s.io/v1alpha2/RoleInstanceSet"

#: Our field manager for server-side apply and the controller name upstream uses in events.
FIELD_MANAGER: Final = "rbg-operator"
UPSTREAM_CONTROLLER_NAME_V1: Final = "rolebasedgroup-controller"
UPSTREAM_CONTROLLER_NAME_V2: Final = "rbg-controller"

# ============================================================================================
# Label / annotation prefixes
# ============================================================================================

PREFIX_V1: Final = "rolebasedgroup.workloads.x-k8s.io/"
PREFIX_V2: Final = "rbg.workloads.x-k8s.io/"
PREFIX_GROUPSET_V1: Final = "rolebasedgroupset.workloads.x-k8s.io/"
PREFIX_COMPONENT_V1: Final = "component.rolebasedgroup.workloads.x-k8s.io/"
PREFIX_ROLE_V1: Final = "role.rolebasedgroup.workloads.x-k8s.io/"
PREFIX_INSTANCE_PATTERN_V1: Final = "instance.rolebasedgroup.workloads.x-k8s.io/"
PREFIX_INSTANCESET: Final = "instanceset.workloads.x-k8s.io/"
PREFIX_INSTANCE: Final = "instance.workloads.x-k8s.io/"
PREFIX_LIFECYCLE: Final = "lifecycle.workloads.x-k8s.io/"

# ============================================================================================
# Labels: group set level
# ============================================================================================

#: Name of the owning RoleBasedGroupSet.
LABEL_GROUPSET_NAME_V1: Final = "rolebasedgroupset.workloads.x-k8s.io/name"
LABEL_GROUPSET_NAME_V2: Final = "rbg.workloads.x-k8s.io/groupset-name"
#: Index of the RoleBasedGroup within its set.
LABEL_GROUPSET_INDEX_V1: Final = "rolebasedgroupset.workloads.x-k8s.io/rbg-index"
LABEL_GROUPSET_INDEX_V2: Final = "rbg.workloads.x-k8s.io/groupset-index"
#: Revision hash of the set's template (V2 only).
LABEL_GROUPSET_REVISION_V2: Final = "rbg.workloads.x-k8s.io/groupset-revision"

# ============================================================================================
# Labels: group level
# ============================================================================================

#: Name of the owning RoleBasedGroup (a selector label; never change its value).
LABEL_GROUP_NAME_V1: Final = "rolebasedgroup.workloads.x-k8s.io/name"
LABEL_GROUP_NAME_V2: Final = "rbg.workloads.x-k8s.io/group-name"
#: sha1 of ``<namespace>/<name>``: match label of exclusive-topology affinity.
LABEL_GROUP_UNIQUE_KEY_V1: Final = "rolebasedgroup.workloads.x-k8s.io/group-unique-key"
LABEL_GROUP_UID_V2: Final = "rbg.workloads.x-k8s.io/group-uid"
LABEL_GROUP_UNIQUE_HASH_V2: Final = "rbg.workloads.x-k8s.io/group-unique-hash"
#: The real metadata.uid of the owning RoleBasedGroup (V2 only).
LABEL_GROUP_OWNER_UID_V2: Final = "rbg.workloads.x-k8s.io/rbg-owner-uid"
#: Revision hash of all role templates of the group (on its ControllerRevision).
LABEL_GROUP_REVISION_V1: Final = "rolebasedgroup.workloads.x-k8s.io/controller-revision-hash"
LABEL_GROUP_REVISION_V2: Final = "rbg.workloads.x-k8s.io/group-revision"

# ============================================================================================
# Labels: role level
# ============================================================================================

#: Name of the role (a selector label; never change its value).
LABEL_ROLE_NAME_V1: Final = "rolebasedgroup.workloads.x-k8s.io/role"
LABEL_ROLE_NAME_V2: Final = "rbg.workloads.x-k8s.io/role-name"
#: Revision hash of one role's template; format with ``role=``.
LABEL_ROLE_REVISION_V1_FMT: Final = "rolebasedgroup.workloads.x-k8s.io/role-revision-hash-{role}"
LABEL_ROLE_REVISION_V2_FMT: Final = "rbg.workloads.x-k8s.io/role-revision-{role}"
#: Where the role's pod template came from: ``PodTemplate``, ``LeaderWorkerSet`` or ``Components``.
LABEL_ROLE_TEMPLATE_TYPE_V1: Final = "role.rolebasedgroup.workloads.x-k8s.io/template-type"
LABEL_ROLE_TEMPLATE_TYPE_V2: Final = "rbg.workloads.x-k8s.io/role-type"
ROLE_TEMPLATE_TYPE_POD_TEMPLATE: Final = "PodTemplate"
ROLE_TEMPLATE_TYPE_LEADER_WORKER_SET: Final = "LeaderWorkerSet"
ROLE_TEMPLATE_TYPE_COMPONENTS: Final = "Components"

# ============================================================================================
# Labels: instance (InstanceSet / Instance) level
# ============================================================================================

#: UID of the owning InstanceSet; the default InstanceSet selector.
LABEL_INSTANCESET_OWNER_UID: Final = "instanceset.workloads.x-k8s.io/owner-uid"
LABEL_ROLE_INSTANCE_OWNER_V2: Final = "rbg.workloads.x-k8s.io/role-instance-owner"
#: Unique id of an Instance, shared by its pods.
LABEL_INSTANCESET_INSTANCE_ID: Final = "instanceset.workloads.x-k8s.io/instance-id"
LABEL_ROLE_INSTANCE_ID_V2: Final = "rbg.workloads.x-k8s.io/role-instance-id"
#: Name of the Instance, shared by its pods.
LABEL_INSTANCESET_INSTANCE_NAME: Final = "instanceset.workloads.x-k8s.io/instance-name"
LABEL_INSTANCE_NAME: Final = "instance.workloads.x-k8s.io/instance-name"
LABEL_ROLE_INSTANCE_NAME_V2: Final = "rbg.workloads.x-k8s.io/role-instance-name"
#: Ordinal of the Instance in its role (ordered/stateful pattern, V2 only).
LABEL_ROLE_INSTANCE_INDEX_V2: Final = "rbg.workloads.x-k8s.io/role-instance-index"
#: Marks an Instance for deletion on the next scale-in.
LABEL_INSTANCESET_SPECIFIED_DELETE: Final = "instanceset.workloads.x-k8s.io/specified-delete"
LABEL_ROLE_INSTANCE_DELETE_V2: Final = "rbg.workloads.x-k8s.io/role-instance-delete"

# ============================================================================================
# Labels: component level (pods of an Instance, leader/worker of a LeaderWorkerSet)
# ============================================================================================

#: Component name (``leader``, ``worker``, or a custom component name).
LABEL_COMPONENT_NAME_V1: Final = "component.rolebasedgroup.workloads.x-k8s.io/name"
LABEL_INSTANCESET_COMPONENT_NAME: Final = "instanceset.workloads.x-k8s.io/instance-component-name"
LABEL_INSTANCE_COMPONENT_NAME: Final = "instance.workloads.x-k8s.io/component-name"
LABEL_COMPONENT_NAME_V2: Final = "rbg.workloads.x-k8s.io/component-name"
#: Component id within its Instance.
LABEL_INSTANCESET_COMPONENT_ID: Final = "instanceset.workloads.x-k8s.io/instance-component-id"
LABEL_INSTANCE_COMPONENT_ID: Final = "instance.workloads.x-k8s.io/component-id"
LABEL_COMPONENT_ID_V2: Final = "rbg.workloads.x-k8s.io/component-id"
#: Component index: leader ``0``, worker ``component-id + 1`` (LeaderWorkerSet emulation).
LABEL_COMPONENT_INDEX_V1: Final = "component.rolebasedgroup.workloads.x-k8s.io/index"
LABEL_COMPONENT_INDEX_V2: Final = "rbg.workloads.x-k8s.io/component-index"
#: Number of pods of the component.
LABEL_COMPONENT_SIZE_V1: Final = "component.rolebasedgroup.workloads.x-k8s.io/size"
LABEL_COMPONENT_SIZE_V2: Final = "rbg.workloads.x-k8s.io/component-size"
COMPONENT_LEADER: Final = "leader"
COMPONENT_WORKER: Final = "worker"

# ============================================================================================
# Labels set by Kubernetes and other projects that the operator reads or writes
# ============================================================================================

LABEL_POD_INDEX: Final = "apps.kubernetes.io/pod-index"
LABEL_STATEFULSET_POD_NAME: Final = "statefulset.kubernetes.io/pod-name"
LABEL_CONTROLLER_REVISION_HASH: Final = "controller-revision-hash"
LABEL_LWS_NAME: Final = "leaderworkerset.sigs.k8s.io/name"
LABEL_LWS_GROUP_INDEX: Final = "leaderworkerset.sigs.k8s.io/group-index"
LABEL_LWS_WORKER_INDEX: Final = "leaderworkerset.sigs.k8s.io/worker-index"
#: Gang scheduling: scheduler-plugins pod label (the form RBG v0.6 writes) and newer form.
LABEL_POD_GROUP_SCHEDULER_PLUGINS: Final = "pod-group.scheduling.sigs.k8s.io/name"
LABEL_POD_GROUP_SCHEDULER_PLUGINS_NEW: Final = "scheduling.x-k8s.io/pod-group"
#: Gang scheduling: Volcano pod annotation naming the PodGroup.
ANNOTATION_VOLCANO_GROUP_NAME: Final = "scheduling.k8s.io/group-name"

# ============================================================================================
# Annotations
# ============================================================================================

#: Topology domain key (e.g. ``kubernetes.io/hostname``) for 1:1 exclusive placement of a group.
ANNOTATION_EXCLUSIVE_TOPOLOGY_V1: Final = "rolebasedgroup.workloads.x-k8s.io/exclusive-topology"
ANNOTATION_EXCLUSIVE_TOPOLOGY_V2: Final = "rbg.workloads.x-k8s.io/group-exclusive-topology"
#: ``"true"`` on a role's pod template skips exclusive-topology affinity for that role.
ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V1: Final = (
    "rolebasedgroup.workloads.x-k8s.io/disable-exclusive-topology"
)
ANNOTATION_DISABLE_EXCLUSIVE_TOPOLOGY_V2: Final = "rbg.workloads.x-k8s.io/role-disable-exclusive"
#: Replica count of the role, stamped on its workload and pods.
ANNOTATION_ROLE_SIZE_V1: Final = "rolebasedgroup.workloads.x-k8s.io/role-size"
ANNOTATION_ROLE_SIZE_V2: Final = "rbg.workloads.x-k8s.io/role-size"
#: Instance organisation pattern of an InstanceSet role (see ``INSTANCE_PATTERN_*``).
ANNOTATION_INSTANCE_PATTERN_V1: Final = "instance.rolebasedgroup.workloads.x-k8s.io/pattern"
ANNOTATION_ROLE_INSTANCE_PATTERN_V2: Final = "rbg.workloads.x-k8s.io/role-instance-pattern"
INSTANCE_PATTERN_STATEFUL: Final = "Stateful"
INSTANCE_PATTERN_STATELESS: Final = "Stateless"
#: ``apiVersion/kind`` of a role's workload, recorded by the v1alpha1 -> v1alpha2 conversion.
ANNOTATION_ROLE_WORKLOAD_TYPE_V2: Final = "rbg.workloads.x-k8s.io/role-workload-type"

#: Role annotations the control plane manages: never copied to the role's workloads or pods.
SYSTEM_ROLE_ANNOTATIONS: Final = frozenset({ANNOTATION_ROLE_WORKLOAD_TYPE_V2})

# Conversion between v1alpha1 and v1alpha2. The first two are upstream's: a v1alpha1 podGroupPolicy and
# coordination kept as JSON on the v1alpha2 object. The other two are ours and make the round trip
# lossless in both directions: what one version cannot express is kept as JSON in an annotation of the
# other and restored (and the annotation removed) on the way back.
PREFIX_CONVERSION: Final = "conversion.workloads.x-k8s.io/"
ANNOTATION_CONVERSION_POD_GROUP_POLICY: Final = "conversion.workloads.x-k8s.io/v1alpha1-pod-group-policy"
ANNOTATION_CONVERSION_COORDINATION: Final = "conversion.workloads.x-k8s.io/v1alpha1-coordination"
#: On a v1alpha2 object: v1alpha1 fields with no v1alpha2 home (and which annotations conversion added).
ANNOTATION_CONVERSION_V1ALPHA1_FIELDS: Final = "conversion.workloads.x-k8s.io/v1alpha1-fields"
#: On a v1alpha1 object: v1alpha2 fields with no v1alpha1 home.
ANNOTATION_CONVERSION_V1ALPHA2_FIELDS: Final = "conversion.workloads.x-k8s.io/v1alpha2-fields"
#: Gang scheduling switches of later releases (they replace ``spec.podGroupPolicy``).
ANNOTATION_GANG_SCHEDULING_V2: Final = "rbg.workloads.x-k8s.io/group-gang-scheduling"
ANNOTATION_GANG_SCHEDULING_TIMEOUT_V2: Final = "rbg.workloads.x-k8s.io/group-gang-scheduling-timeout"
ANNOTATION_GANG_VOLCANO_PRIORITY_V2: Final = "rbg.workloads.x-k8s.io/group-gang-scheduling-volcano-priority"
ANNOTATION_GANG_VOLCANO_QUEUE_V2: Final = "rbg.workloads.x-k8s.io/group-gang-scheduling-volcano-queue"
#: Instance lifecycle hooks state and its timestamp.
ANNOTATION_LIFECYCLE_STATE_V1: Final = "lifecycle.workloads.x-k8s.io/state"
ANNOTATION_LIFECYCLE_STATE_V2: Final = "rbg.workloads.x-k8s.io/role-instance-lifecycle-state"
ANNOTATION_LIFECYCLE_TIMESTAMP_V1: Final = "lifecycle.workloads.x-k8s.io/timestamp"
ANNOTATION_LIFECYCLE_TIMESTAMP_V2: Final = "rbg.workloads.x-k8s.io/role-instance-lifecycle-timestamp"
#: In-place update bookkeeping on pods.
ANNOTATION_INPLACE_UPDATE_STATE_V1: Final = "workloads.x-k8s.io/inplace-update-state"
ANNOTATION_INPLACE_UPDATE_STATE_V2: Final = "rbg.workloads.x-k8s.io/inplace-update-state"
ANNOTATION_INPLACE_UPDATE_GRACE_V1: Final = "workloads.x-k8s.io/inplace-update-grace"
ANNOTATION_INPLACE_UPDATE_GRACE_V2: Final = "rbg.workloads.x-k8s.io/inplace-update-grace"
#: Per-component opt-out of the role's restart policy: ``Inherit`` (default) or ``Ignore``.
ANNOTATION_RESTART_TRIGGER_POLICY_V2: Final = "rbg.workloads.x-k8s.io/restart-trigger-policy"

# Project-owned annotations (not upstream).
#: RFC 3339 time the operator took a pod out of service before deleting it (graceful drain).
ANNOTATION_DRAIN_STARTED_AT: Final = "rbg.workloads.x-k8s.io/drain-started-at"

# ============================================================================================
# Environment variables injected into every container of a role's pods
# ============================================================================================

#: Name of the RoleBasedGroup.
ENV_GROUP_NAME_V1: Final = "GROUP_NAME"
ENV_GROUP_NAME_V2: Final = "RBG_GROUP_NAME"
#: Name of the role.
ENV_ROLE_NAME_V1: Final = "ROLE_NAME"
ENV_ROLE_NAME_V2: Final = "RBG_ROLE_NAME"
#: Ordinal of the pod in the role (StatefulSet and LeaderWorkerSet roles): downward API on
#: ``LABEL_POD_INDEX`` (``LABEL_ROLE_INSTANCE_INDEX_V2`` for instance-based roles in V2).
ENV_ROLE_INDEX_V1: Final = "ROLE_INDEX"
ENV_ROLE_INDEX_V2: Final = "RBG_ROLE_INDEX"
#: Instance-based roles: Instance name, component name and component id (downward API).
ENV_INSTANCE_NAME_V1: Final = "INSTANCE_NAME"
ENV_ROLE_INSTANCE_NAME_V2: Final = "RBG_ROLE_INSTANCE_NAME"
ENV_COMPONENT_NAME_V1: Final = "COMPONENT_NAME"
ENV_COMPONENT_NAME_V2: Final = "RBG_COMPONENT_NAME"
ENV_COMPONENT_INDEX_V1: Final = "COMPONENT_INDEX"
ENV_COMPONENT_INDEX_V2: Final = "RBG_COMPONENT_INDEX"
#: Leader/worker roles: DNS address of the leader, index of this pod, number of pods per group.
#: V1 names are the ones LeaderWorkerSet itself injects (RBG v0.6 injects the same names when it
#: emulates leader/worker on an InstanceSet).
ENV_LEADER_ADDRESS_V1: Final = "LWS_LEADER_ADDRESS"
ENV_WORKER_INDEX_V1: Final = "LWS_WORKER_INDEX"
ENV_GROUP_SIZE_V1: Final = "LWS_GROUP_SIZE"
ENV_LEADER_ADDRESS_V2: Final = "RBG_LWP_LEADER_ADDRESS"
ENV_WORKER_INDEX_V2: Final = "RBG_LWP_WORKER_INDEX"
ENV_GROUP_SIZE_V2: Final = "RBG_LWP_GROUP_SIZE"
#: Short-lived names of an intermediate upstream release; accepted on read, not injected.
ENV_LEADER_ADDRESS_V2_INTERIM: Final = "RBG_LEADER_ADDRESS"
ENV_WORKER_INDEX_V2_INTERIM: Final = "RBG_INDEX"
ENV_GROUP_SIZE_V2_INTERIM: Final = "RBG_SIZE"
#: Prefix of all V2 system variables; upstream ignores them when diffing pod specs.
ENV_PREFIX_V2: Final = "RBG_"
#: V1 variable names the operator injects (used to tell system env from user env).
ENV_NAMES_V1: Final = (
    ENV_GROUP_NAME_V1,
    ENV_ROLE_NAME_V1,
    ENV_ROLE_INDEX_V1,
    ENV_INSTANCE_NAME_V1,
    ENV_COMPONENT_NAME_V1,
    ENV_COMPONENT_INDEX_V1,
    ENV_LEADER_ADDRESS_V1,
    ENV_WORKER_INDEX_V1,
    ENV_GROUP_SIZE_V1,
)

# ============================================================================================
# Finalizers, readiness gates, pod condition types
# ============================================================================================

#: Project-owned: blocks pod deletion until the pod is drained (graceful removal).
FINALIZER_DRAIN: Final = "rbg.workloads.x-k8s.io/drain"
#: Upstream (later releases): protects a topology CoordinatedPolicy while its group exists.
FINALIZER_COORDINATED_POLICY_TOPOLOGY: Final = "workloads.x-k8s.io/topology-policy-protection"
#: Project-owned readiness gate: False takes the pod out of Service endpoints before removal.
READINESS_GATE_IN_SERVICE: Final = "rbg.workloads.x-k8s.io/in-service"
#: Upstream pod condition written by several writers; True only when all agree.
POD_CONDITION_INSTANCE_POD_READY: Final = "InstancePodReady"

# ============================================================================================
# Condition types
# ============================================================================================

#: RoleBasedGroup (and RoleBasedGroupSet ``Ready``).
CONDITION_READY: Final = "Ready"
CONDITION_PROGRESSING: Final = "Progressing"
CONDITION_ROLLING_UPDATE_IN_PROGRESS: Final = "RollingUpdateInProgress"
CONDITION_RESTART_IN_PROGRESS: Final = "RestartInProgress"
CONDITION_FAILED: Final = "Failed"
#: kstatus "abnormal-true" conditions (read by Flux, kstatus-based tools): True while the group is
#: being brought to its desired state, resp. while it cannot get there without a spec change.
CONDITION_RECONCILING: Final = "Reconciling"
CONDITION_STALLED: Final = "Stalled"
#: InstanceSet.
CONDITION_FAILED_SCALE: Final = "FailedScale"
CONDITION_FAILED_UPDATE: Final = "FailedUpdate"
#: Instance.
CONDITION_INSTANCE_READY: Final = "InstanceReady"
CONDITION_INSTANCE_IN_PLACE_UPDATE_READY: Final = "InstanceInPlaceUpdateReady"
CONDITION_INSTANCE_CUSTOM_READY: Final = "InstanceCustomReady"
CONDITION_INSTANCE_ALL_PODS_READY: Final = "InstanceAllPodsReady"
#: RoleInstance (v1alpha2); FailedScale and FailedUpdate as for InstanceSet.
CONDITION_ROLE_INSTANCE_READY: Final = "RoleInstanceReady"
CONDITION_ROLE_INSTANCE_IN_PLACE_UPDATE_READY: Final = "RoleInstanceInPlaceUpdateReady"
CONDITION_ROLE_INSTANCE_CUSTOM_READY: Final = "RoleInstanceCustomReady"
CONDITION_ROLE_INSTANCE_ALL_PODS_READY: Final = "RoleInstanceAllPodsReady"
#: True while a RoleInstance is being recreated by its restart policy (no further recreation meanwhile).
CONDITION_RESTARTING: Final = "Restarting"
#: RoleInstanceSet: an A->B->A rollback is replacing stale base RoleInstances and keeps its surge until
#: every replacement is ready (rollout state kept in the object, not in the controller's memory).
CONDITION_EARLY_ROLLBACK_REPLACEMENT: Final = "EarlyRollbackReplacement"

# ============================================================================================
# Operator bookkeeping (ours, not upstream's)
# ============================================================================================

#: Hash of the manifest the operator last applied to a child; equal hash -> no write at all.
ANNOTATION_APPLIED_HASH: Final = "rbg.workloads.x-k8s.io/applied-hash"
#: Hash of a role's effective pod template, on its pods: a changed template rolls exactly that role.
LABEL_POD_TEMPLATE_HASH: Final = "rbg.workloads.x-k8s.io/pod-template-hash"
#: On every RoleBasedGroup: lets the operator tear the group down in reverse dependency order.
FINALIZER_TEARDOWN: Final = "rbg.workloads.x-k8s.io/ordered-teardown"

# ============================================================================================
# InstanceSet / Instance bookkeeping (ours)
# ============================================================================================

#: Pod condition (and readiness gate) the operator sets False while it updates a pod in place.
POD_CONDITION_IN_PLACE_UPDATE_READY: Final = "InPlaceUpdateReady"
#: On an Instance: how its pods take a new template (``UpdateStrategyType`` values).
ANNOTATION_INSTANCE_UPDATE_TYPE: Final = "rbg.workloads.x-k8s.io/instance-update-type"
#: On a pod: hash of its template without images and metadata (equal hash: an in-place update suffices).
ANNOTATION_IN_PLACE_BASE_HASH: Final = "rbg.workloads.x-k8s.io/in-place-base-hash"
#: On a pod: container restart counts that an in-place update caused (not counted as failures).
ANNOTATION_RESTART_BASELINE: Final = "rbg.workloads.x-k8s.io/restart-baseline"
#: On a pod: the Instance epoch it belongs to; a whole-Instance recreation moves to the next epoch.
LABEL_INSTANCE_EPOCH: Final = "rbg.workloads.x-k8s.io/instance-epoch"
#: On ControllerRevisions of an InstanceSet: the set's name.
LABEL_INSTANCESET_NAME: Final = "instanceset.workloads.x-k8s.io/name"

# ============================================================================================
# Graceful drain (ours). Settings are annotations on the role (``role.annotations``) or the group;
# the operator copies them onto the pod template, so every pod carries its own drain settings.
# ============================================================================================

#: Drain timeout (seconds, or a duration such as ``90s``/``5m``); setting any drain key enables drain.
ANNOTATION_DRAIN_TIMEOUT: Final = "rbg.workloads.x-k8s.io/drain-timeout"
#: HTTP drain probe: path and port on the pod (drained when it answers 200) ...
ANNOTATION_DRAIN_PROBE_PATH: Final = "rbg.workloads.x-k8s.io/drain-probe-path"
ANNOTATION_DRAIN_PROBE_PORT: Final = "rbg.workloads.x-k8s.io/drain-probe-port"
#: ... or a full URL with ``$(POD_IP)``, ``$(POD_NAME)`` and ``$(POD_NAMESPACE)`` substituted.
ANNOTATION_DRAIN_PROBE_URL: Final = "rbg.workloads.x-k8s.io/drain-probe-url"
#: On pods of drain-enabled roles (server-side selector of the drain webhook and watch).
LABEL_DRAIN_ENABLED: Final = "rbg.workloads.x-k8s.io/drain"
#: On a pod being drained (routers that watch pods can stop sending to it).
LABEL_DRAINING: Final = "rbg.workloads.x-k8s.io/draining"
#: When the drain ended, and why (``reported``, ``probe``, ``timeout``).
ANNOTATION_DRAINED_AT: Final = "rbg.workloads.x-k8s.io/drained-at"
ANNOTATION_DRAINED_BY: Final = "rbg.workloads.x-k8s.io/drained-by"
#: Pod condition an engine (or its sidecar) sets True when it has no requests in flight.
POD_CONDITION_DRAINED: Final = "rbg.workloads.x-k8s.io/drained"
#: Drain keys copied from the role or group onto pods.
DRAIN_ANNOTATIONS: Final = (
    ANNOTATION_DRAIN_TIMEOUT,
    ANNOTATION_DRAIN_PROBE_PATH,
    ANNOTATION_DRAIN_PROBE_PORT,
    ANNOTATION_DRAIN_PROBE_URL,
)

#: A PodDisruptionBudget per role (role or group annotation): at most this many (or %) pods of the role
#: evicted at once by voluntary disruptions such as node drains ...
ANNOTATION_PDB_MAX_UNAVAILABLE: Final = "rbg.workloads.x-k8s.io/pdb-max-unavailable"
#: ... or at least this many (or %) kept available.
ANNOTATION_PDB_MIN_AVAILABLE: Final = "rbg.workloads.x-k8s.io/pdb-min-available"

# ============================================================================================
# Placement (ours): packing, spreading and GPU selection by annotation
# ============================================================================================

#: On the group: pack its pods (or the roles listed in ``ANNOTATION_PACK_ROLES``) into one domain of
#: this topology key (e.g. ``topology.rbg.workloads.x-k8s.io/nvlink-domain``).
ANNOTATION_PACK_TOPOLOGY: Final = "rbg.workloads.x-k8s.io/group-pack-topology"
#: ``required`` (default: pods wait for room in the domain) or ``preferred`` (best effort).
ANNOTATION_PACK_MODE: Final = "rbg.workloads.x-k8s.io/group-pack-mode"
#: Comma-separated roles to pack (default: every role).
ANNOTATION_PACK_ROLES: Final = "rbg.workloads.x-k8s.io/group-pack-roles"
#: On a role: spread its pods across domains of this topology key (max skew 1) ...
ANNOTATION_SPREAD_TOPOLOGY: Final = "rbg.workloads.x-k8s.io/role-spread-topology"
#: ... ``preferred`` (default, ScheduleAnyway) or ``required`` (DoNotSchedule).
ANNOTATION_SPREAD_MODE: Final = "rbg.workloads.x-k8s.io/role-spread-mode"
#: On a role: the GPU product its pods need (a node selector on ``nvidia.com/gpu.product``).
ANNOTATION_GPU_PRODUCT: Final = "rbg.workloads.x-k8s.io/gpu-product"
LABEL_NODE_GPU_PRODUCT: Final = "nvidia.com/gpu.product"
#: On the group: the scheduler that runs the gang (pods get this ``schedulerName``).
ANNOTATION_SCHEDULER_NAME: Final = "rbg.workloads.x-k8s.io/scheduler-name"
VOLCANO_SCHEDULER: Final = "volcano"
#: On a RoleBasedGroupSet: how many member groups may be updating (not Ready) at once during a template
#: rollout (default 1: one group at a time).
ANNOTATION_GROUPSET_MAX_UNAVAILABLE: Final = "rbg.workloads.x-k8s.io/groupset-max-unavailable"
