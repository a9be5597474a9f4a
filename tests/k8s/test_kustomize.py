"""The test renderer merges patches the way kustomize does, and refuses what
it does not know rather than rendering something kustomize would not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.k8s.kustomize import KustomizeError, merge, render


def test_lists_with_a_merge_key_merge_item_by_item() -> None:
    base = {"containers": [{"name": "a", "image": "x", "env": [{"name": "A", "value": "1"}]}]}
    patch = {"containers": [{"name": "a", "env": [{"name": "B", "value": "2"}, {"name": "A", "value": "3"}]}]}

    merged = merge(base, patch)

    assert merged == {
        "containers": [{"name": "a", "image": "x", "env": [{"name": "A", "value": "3"}, {"name": "B", "value": "2"}]}]
    }
    assert base["containers"][0]["env"] == [{"name": "A", "value": "1"}]


def test_null_deletes_a_field_and_plain_lists_are_replaced() -> None:
    merged = merge({"a": 1, "b": 2, "args": ["x", "y"]}, {"a": None, "args": ["z"]})

    assert merged == {"b": 2, "args": ["z"]}


def test_a_list_without_a_known_rule_is_refused() -> None:
    with pytest.raises(KustomizeError, match="tolerations"):
        merge({"tolerations": []}, {"tolerations": [{"key": "k"}]})


def _write(directory: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (directory / name).write_text(text)


def test_unsupported_kustomization_fields_are_refused(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    _write(tmp_path, {"kustomization.yaml": "resources: []\ncommonLabels: {a: b}\n"})

    with pytest.raises(KustomizeError, match="commonLabels"):
        render(tmp_path)


def test_overlay_patches_namespace_images_and_replicas(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    base, overlay = tmp_path / "base", tmp_path / "overlay"
    base.mkdir()
    overlay.mkdir()
    _write(
        base,
        {
            "kustomization.yaml": "namespace: ns\nresources: [app.yaml]\n",
            "app.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  replicas: 1\n"
            "  template:\n    spec:\n      containers: [{name: app, image: 'icore'}]\n"
            "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ns}\n",
        },
    )
    _write(
        overlay,
        {
            "kustomization.yaml": "resources: [../base]\npatches: [{path: p.yaml}]\n"
            "images: [{name: icore, newName: reg/icore, newTag: '1.0'}]\n"
            "replicas: [{name: app, count: 3}]\n",
            "p.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\n"
            "spec:\n  template:\n    spec:\n      containers: [{name: app, args: [serve]}]\n",
        },
    )

    deployment, namespace = render(overlay)

    assert deployment["metadata"]["namespace"] == "ns"
    assert "namespace" not in namespace["metadata"]
    assert deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["template"]["spec"]["containers"] == [
        {"name": "app", "image": "reg/icore:1.0", "args": ["serve"]}
    ]
