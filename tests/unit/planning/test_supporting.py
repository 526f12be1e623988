"""A role's supporting objects: the discovery document (/etc/rbg/config.yaml in every pod)."""

from __future__ import annotations

import yaml

from rbg_operator.planning.supporting import discovery_config
from tests.unit.planning.test_rbg_plan import rbg, role


def _with_port(name: str, replicas: int) -> dict[str, object]:
    out = role(name, replicas)
    out["servicePorts"] = [{"name": "http", "port": 30000}]
    return out


def test_discovery_document_has_no_yaml_aliases() -> None:
    """Instances of a role share its ports: each entry spells them out (no ``&id001`` / ``*id001``,
    which grep-based launch scripts cannot read), and the document parses to the same value."""
    group = rbg([_with_port("prefill", 3), _with_port("decode", 2)])
    text = discovery_config(group, {"prefill": 3, "decode": 2})
    assert "&id" not in text and "*id" not in text
    assert text.count("http: 30000") == 5
    doc = yaml.safe_load(text)
    assert [i["ports"] for i in doc["roles"]["prefill"]["instances"]] == [{"http": 30000}] * 3
    assert doc["roles"]["decode"]["instances"][1] == {
        "address": "g-decode-1.s-g-decode",
        "ports": {"http": 30000},
    }
