"""Strategic merge patch of pod templates: core/v1 merge keys and directives."""

from __future__ import annotations

import pytest

from rbg_operator.planning.smp import PatchError, merge_pod_template

BASE = {
    "metadata": {"labels": {"app": "sglang"}, "finalizers": ["a"]},
    "spec": {
        "containers": [
            {
                "name": "engine",
                "image": "sglang:v1",
                "args": ["--tp", "8"],
                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                "ports": [{"containerPort": 8000, "name": "http"}],
            },
            {"name": "sidecar", "image": "proxy:v1"},
        ],
        "volumes": [{"name": "model", "emptyDir": {}}],
        "tolerations": [{"key": "gpu", "operator": "Exists"}],
        "nodeSelector": {"pool": "h100"},
    },
}

CASES = [
    ("empty patch is the base", {}, BASE),
    (
        "container merged by name, others kept",
        {"spec": {"containers": [{"name": "engine", "image": "sglang:v2"}]}},
        {
            **BASE,
            "spec": {
                **BASE["spec"],
                "containers": [
                    {**BASE["spec"]["containers"][0], "image": "sglang:v2"},
                    BASE["spec"]["containers"][1],
                ],
            },
        },
    ),
    (
        "new container appended",
        {"spec": {"containers": [{"name": "metrics", "image": "m:v1"}]}},
        {
            **BASE,
            "spec": {
                **BASE["spec"],
                "containers": [*BASE["spec"]["containers"], {"name": "metrics", "image": "m:v1"}],
            },
        },
    ),
    (
        "env merged by name inside a container",
        {
            "spec": {
                "containers": [
                    {"name": "engine", "env": [{"name": "B", "value": "9"}, {"name": "C", "value": "3"}]}
                ]
            }
        },
        {
            **BASE,
            "spec": {
                **BASE["spec"],
                "containers": [
                    {
                        **BASE["spec"]["containers"][0],
                        "env": [
                            {"name": "A", "value": "1"},
                            {"name": "B", "value": "9"},
                            {"name": "C", "value": "3"},
                        ],
                    },
                    BASE["spec"]["containers"][1],
                ],
            },
        },
    ),
    (
        "args (no merge key) are replaced",
        {"spec": {"containers": [{"name": "engine", "args": ["--tp", "4"]}]}},
        {
            **BASE,
            "spec": {
                **BASE["spec"],
                "containers": [
                    {**BASE["spec"]["containers"][0], "args": ["--tp", "4"]},
                    BASE["spec"]["containers"][1],
                ],
            },
        },
    ),
    (
        "$patch delete removes a container",
        {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}},
        {**BASE, "spec": {**BASE["spec"], "containers": [BASE["spec"]["containers"][0]]}},
    ),
    (
        "null deletes a key",
        {"spec": {"nodeSelector": None}},
        {**BASE, "spec": {k: v for k, v in BASE["spec"].items() if k != "nodeSelector"}},
    ),
    (
        "tolerations (atomic) replaced",
        {"spec": {"tolerations": [{"key": "x", "operator": "Exists"}]}},
        {**BASE, "spec": {**BASE["spec"], "tolerations": [{"key": "x", "operator": "Exists"}]}},
    ),
    (
        "$patch replace on a map",
        {"spec": {"nodeSelector": {"$patch": "replace", "zone": "a"}}},
        {**BASE, "spec": {**BASE["spec"], "nodeSelector": {"zone": "a"}}},
    ),
    (
        "$patch replace on a list",
        {"spec": {"volumes": [{"$patch": "replace"}, {"name": "cache", "emptyDir": {}}]}},
        {**BASE, "spec": {**BASE["spec"], "volumes": [{"name": "cache", "emptyDir": {}}]}},
    ),
    (
        "finalizers union",
        {"metadata": {"finalizers": ["b", "a"]}},
        {**BASE, "metadata": {**BASE["metadata"], "finalizers": ["a", "b"]}},
    ),
    (
        "$deleteFromPrimitiveList",
        {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}},
        {**BASE, "metadata": {**BASE["metadata"], "finalizers": []}},
    ),
    (
        "labels merged",
        {"metadata": {"labels": {"tier": "prefill"}}},
        {**BASE, "metadata": {**BASE["metadata"], "labels": {"app": "sglang", "tier": "prefill"}}},
    ),
]


@pytest.mark.parametrize(("patch", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_merge(patch: dict, expected: dict) -> None:
    assert merge_pod_template(BASE, patch) == expected


def test_inputs_are_not_modified() -> None:
    import copy

    base, patch = copy.deepcopy(BASE), {"spec": {"containers": [{"name": "engine", "image": "x"}]}}
    merge_pod_template(base, patch)
    assert base == BASE and patch == {"spec": {"containers": [{"name": "engine", "image": "x"}]}}


@pytest.mark.parametrize(
    "patch",
    [[1], {"spec": {"containers": [{"image": "no-name"}]}}, {"spec": {"nodeSelector": {"$patch": "bogus"}}}],
    ids=["not-an-object", "missing-merge-key", "unknown-directive"],
)
def test_invalid_patches(patch: object) -> None:
    with pytest.raises(PatchError):
        merge_pod_template(BASE, patch)
