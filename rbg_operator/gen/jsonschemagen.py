"""JSON Schemas of the CRDs for offline validation (kubeconform, editors, CI), one file per kind and served
version (a kind served as v1alpha2 and v1alpha1 has two) in kubeconform's layout
``<group>/<kind lowercase>_<version>.json``::

    python -m rbg_operator.gen.jsonschemagen schemas                  # from the API models (as crdgen)
    python -m rbg_operator.gen.jsonschemagen --crds crds schemas      # from CRD YAML files instead
    python -m rbg_operator.gen.jsonschemagen --check schemas          # exit 1 if a file is missing or differs

    kubeconform -schema-location default \\
        -schema-location 'schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json' manifests/

The conversion follows openapi2jsonschema (the converter kubeconform ships), with the Kubernetes
extensions made exact instead of ignored:

- ``apiVersion`` and ``kind`` are pinned with ``enum`` (a schema is picked by kind and version, so a
  manifest of another version cannot pass by accident);
- every object with ``properties`` refuses other fields (``additionalProperties: false``, the root
  included: the API server rejects unknown fields under strict field validation, kubectl's default),
  except where ``x-kubernetes-preserve-unknown-fields`` keeps them (pod templates, patches);
- ``x-kubernetes-int-or-string`` becomes ``anyOf: [integer, string]``, ``nullable`` a ``null`` type,
  ``x-kubernetes-list-type: set`` ``uniqueItems``, an embedded resource gets its apiVersion/kind/metadata,
  OpenAPI 3.0's boolean ``exclusiveMinimum``/``exclusiveMaximum`` the numeric form;
- what JSON Schema cannot say is dropped: CEL rules (``x-kubernetes-validations``), list-map keys
  (duplicate names) and the webhook's checks need the API server (``kubectl apply --dry-run=server``).

Output is deterministic (sorted keys, two-space indent, trailing newline).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from rbg_operator.gen.crdgen import build_crds

JSON = dict[str, Any]
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf")
_EMBEDDED = {
    "apiVersion": {"type": "string"},
    "kind": {"type": "string"},
    "metadata": {"type": "object"},
}


def convert(node: Mapping[str, Any]) -> JSON:
    """One OpenAPI v3 (structural CRD) schema node, and everything under it, as JSON Schema."""
    out: JSON = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: convert(sub) for name, sub in value.items()}
        elif key == "items":
            out[key] = [convert(s) for s in value] if isinstance(value, list) else convert(value)
        elif key in ("additionalProperties", "not") and isinstance(value, Mapping):
            out[key] = convert(value)
        elif key in _SCHEMA_LISTS:
            out[key] = [convert(s) for s in value]
        elif key == "nullable" or key.startswith("x-kubernetes-"):
            continue
        else:
            out[key] = value
    preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
    if node.get("x-kubernetes-embedded-resource") is True and "properties" in out and not preserve:
        for name, schema in _EMBEDDED.items():
            out["properties"].setdefault(name, dict(schema))
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    if node.get("x-kubernetes-int-or-string") is True and not any(k in out for k in _SCHEMA_LISTS):
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("x-kubernetes-list-type") == "set":
        out["uniqueItems"] = True
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(bound), bool):  # OpenAPI 3.0 / draft 4: a flag on minimum/maximum
            flag = out.pop(bound)
            if flag and limit in out:
                out[bound] = out.pop(limit)
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def version_schema(crd: Mapping[str, Any], version: Mapping[str, Any]) -> JSON:
    """The JSON Schema of one served version of a CRD, ``apiVersion`` and ``kind`` pinned."""
    group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
    schema = convert(version["schema"]["openAPIV3Schema"])
    props = schema.setdefault("properties", {})
    props["apiVersion"] = {**props.get("apiVersion", {}), "type": "string"}
    props["apiVersion"]["enum"] = [f"{group}/{version['name']}"]
    props["kind"] = {**props.get("kind", {}), "type": "string", "enum": [kind]}
    schema["required"] = sorted({"apiVersion", "kind", *schema.get("required", [])})
    schema.setdefault("additionalProperties", False)
    return schema


def file_path(crd: Mapping[str, Any], version: str) -> str:
    """``<group>/<kind lowercase>_<version>.json``: kubeconform's
    ``{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json``."""
    return f"{crd['spec']['group']}/{crd['spec']['names']['kind'].lower()}_{version}.json"


def render(schema: JSON) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate(crds: Iterable[Mapping[str, Any]] | None = None) -> dict[str, str]:
    """Relative path -> JSON text for every served version of ``crds`` (default: the project's CRDs, built
    from the models exactly as ``crdgen`` writes them)."""
    out: dict[str, str] = {}
    for crd in crds if crds is not None else build_crds():
        for version in crd["spec"]["versions"]:
            if version.get("served", True) and "openAPIV3Schema" in (version.get("schema") or {}):
                out[file_path(crd, version["name"])] = render(version_schema(crd, version))
    return dict(sorted(out.items()))


def load_crds(directory: Path) -> list[JSON]:
    """Every CustomResourceDefinition in the YAML files of ``directory``."""
    crds = []
    for path in sorted(directory.glob("*.y*ml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                crds.append(doc)
    return crds


def stale_files(outdir: Path, files: Mapping[str, str]) -> list[str]:
    """Generated files missing or different in ``outdir``, and schema files there that nothing generates."""
    stale = [n for n, text in files.items() if _read(outdir / n) != text]
    groups = {n.split("/", 1)[0] for n in files}
    extra = [
        str(p.relative_to(outdir))
        for g in sorted(groups)
        for p in sorted((outdir / g).glob("*.json"))
        if str(p.relative_to(outdir)) not in files
    ]
    return sorted(stale + extra)


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m rbg_operator.gen.jsonschemagen",
        description="Write JSON Schemas of the CRDs in kubeconform's layout.",
    )
    parser.add_argument("outdir", type=Path, help="directory of the schemas (e.g. schemas)")
    parser.add_argument("--crds", type=Path, help="convert the CRD YAML files of this directory instead")
    parser.add_argument("--check", action="store_true", help="fail if the files are not up to date")
    args = parser.parse_args(argv)
    files = generate(load_crds(args.crds) if args.crds else None)
    stale = stale_files(args.outdir, files)
    if args.check:
        for name in stale:
            print(f"out of date: {args.outdir / name} (run python -m rbg_operator.gen.jsonschemagen)")
        return 1 if stale else 0
    for name in stale:
        path = args.outdir / name
        if name in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(files[name], encoding="utf-8")
        else:
            path.unlink()  # a kind or version that is gone
    return 0


if __name__ == "__main__":
    sys.exit(main())
