"""Fixtures for the k8s/ tests: each overlay rendered once per session by the
small renderer in tests/k8s/kustomize.py (no cluster, no kubectl), plus
look-ups into the rendered objects. PyYAML and kubernetes-validate come with
the `dev` extra; without them these tests skip instead of failing to import.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.k8s.kustomize import Object, containers, pod_spec, render

K8S = Path(__file__).resolve().parents[2] / "k8s"
OVERLAYS = ("dev", "prod")


@dataclass
class Rendered:
    """One overlay's objects, with the look-ups the tests need."""

    overlay: str
    objects: list[Object]

    def get(self, kind: str, name: str) -> Object:
        found = [o for o in self.objects if o["kind"] == kind and o["metadata"]["name"] == name]
        assert len(found) == 1, f"{self.overlay}: {kind}/{name} found {len(found)} times"
        return found[0]

    def of_kind(self, kind: str) -> list[Object]:
        return [o for o in self.objects if o["kind"] == kind]

    def workload(self, service: str) -> Object:
        """The Deployment or StatefulSet that runs `service`'s server."""
        found = [
            o for o in self.objects if o["kind"] in {"Deployment", "StatefulSet"} and o["metadata"]["name"] == service
        ]
        assert len(found) == 1, f"{self.overlay}: no single workload for {service}"
        return found[0]

    def container(self, obj: Object) -> Object:
        """The one container of an icore workload."""
        (only,) = containers(obj)
        return only

    def env(self, container: Object) -> dict[str, Any]:
        """Environment of a container: its ConfigMaps' data, then its own env
        (values, or the valueFrom source), as the kubelet composes them."""
        result: dict[str, Any] = {}
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                result.update(self.get("ConfigMap", source["configMapRef"]["name"])["data"])
        for variable in container.get("env", []):
            result[variable["name"]] = variable.get("value", variable.get("valueFrom"))
        return result

    @property
    def namespace(self) -> str:
        namespaces = {o["metadata"].get("namespace") for o in self.objects if o["kind"] != "Namespace"}
        assert len(namespaces) == 1, namespaces
        return str(namespaces.pop())

    def pod_specs(self) -> list[tuple[Object, Object]]:
        """(workload, pod spec) for every object that runs pods."""
        return [(o, spec) for o in self.objects if (spec := pod_spec(o)) is not None]


@pytest.fixture(scope="session", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> Rendered:
    """Each overlay in turn, rendered."""
    pytest.importorskip("yaml", reason="PyYAML (the dev extra) reads the k8s/ manifests")
    return Rendered(request.param, render(K8S / "overlays" / request.param))


@pytest.fixture(scope="session")
def all_rendered() -> dict[str, Rendered]:
    pytest.importorskip("yaml", reason="PyYAML (the dev extra) reads the k8s/ manifests")
    return {name: Rendered(name, render(K8S / "overlays" / name)) for name in OVERLAYS}
