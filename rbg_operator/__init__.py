"""rbg-operator: a RoleBasedGroup operator on kopf."""
