"""Enumerations of the v1alpha1 API, with the exact string values upstream uses."""

from enum import StrEnum


class RestartPolicy(StrEnum):
    """What happens to the rest of the group when a pod of a role restarts."""

    #: Only the failed pod restarts (StatefulSet/Deployment behaviour).
    NONE = "None"
    #: Recreate every pod of the RoleBasedGroup.
    RECREATE_RBG_ON_POD_RESTART = "RecreateRBGOnPodRestart"
    #: Recreate only the role instance (e.g. one LeaderWorkerSet group) the pod belongs to.
    RECREATE_ROLE_INSTANCE_ON_POD_RESTART = "RecreateRoleInstanceOnPodRestart"


class RolloutStrategyType(StrEnum):
    """How replicas of a role are replaced on a template change."""

    ROLLING_UPDATE = "RollingUpdate"


class UpdateStrategyType(StrEnum):
    """How one replica is updated: in place when possible, or by recreating it."""

    #: Always delete and recreate (v1alpha1 name).
    RECREATE = "Recreate"
    #: Same as Recreate (name of later releases).
    RECREATE_POD = "RecreatePod"
    #: Update in place when only images/metadata changed, else recreate (upstream default).
    IN_PLACE_IF_POSSIBLE = "InPlaceIfPossible"
    #: In place only (upstream treats it like InPlaceIfPossible).
    IN_PLACE_ONLY = "InPlaceOnly"


class EngineRuntimeUpdateStrategy(StrEnum):
    """Whether a ClusterEngineRuntimeProfile change rolls the pods that use it."""

    NO_UPDATE = "NoUpdate"
    ROLLING_UPDATE = "RollingUpdate"


class AdapterPhase(StrEnum):
    """Phase of a RoleBasedGroupScalingAdapter."""

    NONE = ""
    NOT_BOUND = "NotBound"
    BOUND = "Bound"


class InstanceReadyPolicy(StrEnum):
    """When an Instance counts as ready."""

    ALL_POD_READY = "AllPodReady"
    NONE = "None"


class InstanceRestartPolicy(StrEnum):
    """What happens to an Instance when one of its pods restarts."""

    NONE = "None"
    RECREATE_INSTANCE_ON_POD_RESTART = "RecreateInstanceOnPodRestart"


class ConditionStatus(StrEnum):
    """Status of a condition."""

    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"
