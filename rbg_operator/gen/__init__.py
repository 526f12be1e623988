"""Build-time generators of crds/, schemas/ and docs/api.md from the API models (rbg_operator.api)."""
