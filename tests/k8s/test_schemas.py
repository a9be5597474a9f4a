"""Every object of every overlay is valid for the Kubernetes API, checked
offline against the OpenAPI schemas that kubernetes-validate ships, in strict
mode (an unknown or misspelt field fails). Two versions: the oldest this
deployment supports (1.34: native gRPC probes, the pod-index label that
numbers the biometric shards, the preStop sleep action) and the newest
shipped, so that neither a new field nor a removed one slips through."""

from __future__ import annotations

import pytest

from tests.k8s.conftest import Rendered

kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="kubernetes-validate is in the dev extra")

KUBERNETES_VERSIONS = ("1.34", "1.37")


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_is_valid_kubernetes(rendered: Rendered, version: str) -> None:
    errors = []
    for obj in rendered.objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(part) for part in error.path)
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {where}: {error.message}")
    assert errors == []
