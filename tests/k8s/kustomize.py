"""A small kustomize renderer for the tests: `kubectl kustomize` is not on
these machines, so k8s/ uses only the kustomization fields below and this
module renders them the way kustomize does.

Supported: `resources` (YAML files, or directories holding a
kustomization.yaml), `namespace`, `patches` (a `path` to a strategic merge
patch that names its target by kind and metadata.name), `images` and
`replicas`. Anything else is refused rather than silently ignored, and so is a
patch with a list whose merge rule this module does not know, so that what the
tests check is what `kubectl apply -k` would apply.
"""

from __future__ import annotations

import copy
import importlib
from pathlib import Path
from typing import Any

Object = dict[str, Any]

KUSTOMIZATION_FIELDS = {"apiVersion", "kind", "resources", "namespace", "patches", "images", "replicas"}

#: Kinds without a namespace (the ones k8s/ might use).
CLUSTER_SCOPED = {"Namespace", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding"}

#: Lists that strategic merge patches merge item by item, and the key that
#: identifies an item (the patchMergeKey of the Kubernetes API types).
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
}

#: Lists that strategic merge patches replace whole (no patchStrategy in the API).
REPLACED_LISTS = {"args", "command", "ingress", "egress", "accessModes", "volumeClaimTemplates", "metrics"}

#: Kinds whose pod template `images` and `replicas` apply to.
WORKLOADS = {"Deployment", "StatefulSet", "Job", "DaemonSet", "ReplicaSet"}


class KustomizeError(Exception):
    """A kustomization this renderer cannot render exactly as kustomize would."""


def render(directory: Path) -> list[Object]:
    """Every object the kustomization in `directory` produces, in order."""
    path = directory / "kustomization.yaml"
    kustomization = _yaml().safe_load(path.read_text())
    unknown = set(kustomization) - KUSTOMIZATION_FIELDS
    if unknown:
        raise KustomizeError(f"{path}: unsupported fields {sorted(unknown)}")
    objects: list[Object] = []
    for resource in kustomization.get("resources", []):
        target = (directory / resource).resolve()
        objects += render(target) if target.is_dir() else load(target)
    _check_unique(objects, path)
    for patch in kustomization.get("patches", []):
        if set(patch) != {"path"}:
            raise KustomizeError(f"{path}: only `patches: - path: FILE` is supported, not {patch}")
        for document in load(directory / patch["path"]):
            _apply_patch(objects, document, directory / patch["path"])
    if "namespace" in kustomization:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = kustomization["namespace"]
    for image in kustomization.get("images", []):
        _set_image(objects, image)
    for replicas in kustomization.get("replicas", []):
        _set_replicas(objects, replicas, path)
    return objects


def load(path: Path) -> list[Object]:
    return [doc for doc in _yaml().safe_load_all(path.read_text()) if doc]


def _yaml() -> Any:
    """PyYAML, imported when first needed so that a missing one skips tests."""
    return importlib.import_module("yaml")


def object_id(obj: Object) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


def _check_unique(objects: list[Object], path: Path) -> None:
    seen: set[tuple[str, str]] = set()
    for obj in objects:
        if object_id(obj) in seen:
            raise KustomizeError(f"{path}: {object_id(obj)} defined twice")
        seen.add(object_id(obj))


def _apply_patch(objects: list[Object], patch: Object, path: Path) -> None:
    matches = [obj for obj in objects if object_id(obj) == object_id(patch)]
    if len(matches) != 1:
        raise KustomizeError(f"{path}: patch target {object_id(patch)} matches {len(matches)} objects")
    target = matches[0]
    merged = merge(target, patch)
    target.clear()
    target.update(merged)


def merge(base: Any, patch: Any, field: str = "") -> Any:
    """Strategic merge of `patch` into `base` (a copy is returned)."""
    if isinstance(patch, dict) and isinstance(base, dict):
        result = copy.deepcopy(base)
        for key, value in patch.items():
            if value is None:
                result.pop(key, None)
            elif key in result:
                result[key] = merge(result[key], value, key)
            else:
                result[key] = copy.deepcopy(value)
        return result
    if isinstance(patch, list):
        if field in MERGE_KEYS:
            return _merge_list(base, patch, MERGE_KEYS[field], field)
        if field not in REPLACED_LISTS:
            raise KustomizeError(f"no known strategic merge rule for list field {field!r}")
    return copy.deepcopy(patch)


def _merge_list(base: list[Any], patch: list[Any], key: str, field: str) -> list[Any]:
    result = copy.deepcopy(base)
    for item in patch:
        index = next((i for i, old in enumerate(result) if old.get(key) == item.get(key)), None)
        if index is None:
            result.append(copy.deepcopy(item))
        else:
            result[index] = merge(result[index], item, field)
    return result


def pod_spec(obj: Object) -> Object | None:
    """The pod spec of a workload, or None for other kinds."""
    if obj["kind"] not in WORKLOADS:
        return None
    return obj["spec"]["template"]["spec"]  # type: ignore[no-any-return]


def containers(obj: Object) -> list[Object]:
    spec = pod_spec(obj)
    if spec is None:
        return []
    return [*spec.get("initContainers", []), *spec["containers"]]


def _split_image(image: str) -> str:
    """The image name without tag or digest."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return name[: len(name) - len(last)] + last.split(":", 1)[0]


def _set_image(objects: list[Object], image: Object) -> None:
    for obj in objects:
        for container in containers(obj):
            if _split_image(container["image"]) != image["name"]:
                continue
            name = image.get("newName", image["name"])
            if "digest" in image:
                container["image"] = f"{name}@{image['digest']}"
            elif "newTag" in image:
                container["image"] = f"{name}:{image['newTag']}"
            else:
                container["image"] = name


def _set_replicas(objects: list[Object], replicas: Object, path: Path) -> None:
    matches = [
        obj
        for obj in objects
        if obj["kind"] in {"Deployment", "StatefulSet", "ReplicaSet"} and obj["metadata"]["name"] == replicas["name"]
    ]
    if not matches:
        raise KustomizeError(f"{path}: replicas for unknown workload {replicas['name']!r}")
    for obj in matches:
        obj["spec"]["replicas"] = replicas["count"]
