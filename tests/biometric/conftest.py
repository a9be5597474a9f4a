"""Fixtures for the biometric engine tests.

Galleries are small (a few thousand vectors of 64 dimensions) and chunks tiny
(256 rows), so that every search crosses chunk boundaries and every test
runs in well under a second. `config` is parametrised over both index kinds
where a test asks for `any_kind_config`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.biometric.config import BiometricConfig, IndexKind, Modality, ModalityConfig
from services.biometric.engine import BiometricEngine

FACE_DIM = 64
FINGER_DIM = 32


def make_config(kind: IndexKind = IndexKind.EXACT, **overrides: object) -> BiometricConfig:
    modalities = {
        Modality.FACE: ModalityConfig(FACE_DIM, 0.5, kind),
        Modality.FINGERPRINT: ModalityConfig(FINGER_DIM, 0.6, kind),
    }
    settings: dict[str, object] = {"modalities": modalities, "chunk_rows": 256, "scan_threads": 2,
                                   "batch_min": 4, "snapshot_every": 0}
    settings.update(overrides)
    return BiometricConfig(**settings)  # type: ignore[arg-type]


@pytest.fixture
def config() -> BiometricConfig:
    return make_config()


@pytest.fixture(params=list(IndexKind))
def any_kind_config(request: pytest.FixtureRequest) -> BiometricConfig:
    return make_config(request.param)


@pytest.fixture
def engine(config: BiometricConfig) -> Iterator[BiometricEngine]:
    engine = BiometricEngine(config)
    yield engine
    engine.close()
