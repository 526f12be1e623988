"""The API layer: pydantic models of the RoleBasedGroup CRDs, defaults, validation, CRD schemas.
No I/O and no imports from the rest of rbg_operator.

- :mod:`rbg_operator.api.keys`: every label, annotation, env var, finalizer and condition type.
- :mod:`rbg_operator.api.core`: the Kubernetes core types we read (ObjectMeta, PodTemplateSpec, ...).
- :mod:`rbg_operator.api.v1alpha1`: RoleBasedGroup, RoleBasedGroupSet, RoleBasedGroupScalingAdapter,
  InstanceSet, Instance, ClusterEngineRuntimeProfile (``Model.from_dict(obj)`` / ``model.to_dict()``).
- :mod:`rbg_operator.api.validation`: semantic checks for the validating webhook.
- :mod:`rbg_operator.gen` (outside this package) generates ``crds/``, ``schemas/`` and ``docs/api.md``.
"""
