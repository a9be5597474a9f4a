"""Biometric engine settings: the modalities with their vector dimension, verify
threshold and index kind, read once from ICORE_BIOMETRIC_* variables into a
frozen dataclass; tests build their own."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Modality(StrEnum):
    """Which feature extractor produced a template; each has its own gallery."""

    FACE = "face"
    FINGERPRINT = "fingerprint"
    IRIS = "iris"


class IndexKind(StrEnum):
    """How a modality's gallery is searched. Every kind is exact: it returns
    what a full float32 inner-product scan returns.

    EXACT keeps an int8 copy of every vector beside the float32 one and scans
    that copy with faiss (a quarter of the bytes; the scan is bound by memory
    reads), then rescores in float32 every row the copy's error bound cannot
    rule out (see identification.py and codecs.py). EXACT_FP16 does the same
    with a float16 copy (tighter bound, twice the bytes). EXACT_FP32 scans the
    float32 matrix only: the least memory, the slowest probe.
    """

    EXACT = "exact-inner-product"
    EXACT_FP16 = "exact-inner-product-fp16"
    EXACT_FP32 = "exact-inner-product-fp32"


@dataclass(frozen=True)
class ModalityConfig:
    """One modality: vector length, Verify's match threshold (cosine), index kind."""

    dimension: int
    verify_threshold: float
    index_kind: IndexKind = IndexKind.EXACT


#: Face embeddings are 512-d (ArcFace-like); fingerprint and iris extractors
#: vary, so their dimensions are settings. Thresholds are cosine similarities;
#: unrelated 512-d vectors score about 0 +- 0.044, so 0.4 is nine deviations out.
DEFAULT_MODALITIES: Mapping[Modality, ModalityConfig] = {
    Modality.FACE: ModalityConfig(512, 0.40),
    Modality.FINGERPRINT: ModalityConfig(256, 0.45),
    Modality.IRIS: ModalityConfig(256, 0.45),
}


@dataclass(frozen=True)
class BiometricConfig:
    """Everything the engine needs; `from_env` documents each variable."""

    modalities: Mapping[Modality, ModalityConfig] = field(default_factory=lambda: dict(DEFAULT_MODALITIES))
    #: ICORE_BIOMETRIC_CHUNK_ROWS: rows per preallocated gallery chunk. Growth
    #: allocates one chunk and never copies the gallery.
    chunk_rows: int = 65536
    #: ICORE_BIOMETRIC_SCAN_THREADS: threads scanning chunks of one query.
    scan_threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    #: ICORE_BIOMETRIC_MAX_BATCH: most concurrent probes scanned together.
    max_batch: int = 32
    #: ICORE_BIOMETRIC_BATCH_MIN: from this many probes of one modality on, a
    #: batch is one float32 matrix-matrix product instead of one compact scan
    #: per probe. Measured per probe at 1.24M x 512 on the quiet 2 cores, int8
    #: scans against the products (rows x probes, chunks shared by the scan
    #: threads): 8 probes 20.9 vs 33.8 ms, 16 probes 21.0 vs 19.5 ms, 32 probes
    #: 21.1 vs 15.8 ms (the benchmark's crossover lines).
    batch_min: int = 16
    #: ICORE_BIOMETRIC_SNAPSHOT_DIR: where gallery snapshots go; empty: none.
    snapshot_dir: Path | None = None
    #: ICORE_BIOMETRIC_SNAPSHOT_EVERY: changes after which a new snapshot is
    #: written in the background; 0 disables the automatic snapshot.
    snapshot_every: int = 200_000
    #: ICORE_BIOMETRIC_COMPACT_RATIO: fraction of deleted rows that triggers a
    #: background compaction, once at least `compact_min` rows are deleted.
    compact_ratio: float = 0.05
    compact_min: int = 1024

    def modality(self, modality: Modality) -> ModalityConfig:
        return self.modalities[modality]


def shard_of(template_id: str, count: int) -> int:
    """The shard that holds a template: a stable hash of its id, the same in
    every process and release (Python's `hash()` is salted per process)."""
    return int.from_bytes(hashlib.sha256(template_id.encode()).digest()[:8], "big") % count


@dataclass(frozen=True)
class Shard:
    """Which part of the templates one server indexes: those whose id hashes
    to `index` of `count` (ICORE_BIOMETRIC_SHARD_INDEX and _COUNT). The
    default, shard 0 of 1, holds everything."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ValueError(f"no shard {self.index} of {self.count}")

    def holds(self, template_id: str) -> bool:
        return self.count == 1 or shard_of(template_id, self.count) == self.index

    def __str__(self) -> str:
        return f"shard {self.index} of {self.count}"


#: One shard holding every template: the service before it was sharded.
WHOLE = Shard()


def from_env(env: Mapping[str, str] | None = None, data_dir: Path | None = None) -> BiometricConfig:
    """ICORE_BIOMETRIC_<MODALITY>_DIM, _THRESHOLD and _INDEX per modality, and the
    engine-wide variables documented on BiometricConfig. The snapshot directory
    defaults to <data_dir>/biometric-snapshots when a data directory is given."""
    env = os.environ if env is None else env
    modalities = {}
    for modality, default in DEFAULT_MODALITIES.items():
        prefix = f"ICORE_BIOMETRIC_{modality.name}"
        modalities[modality] = ModalityConfig(
            dimension=int(env.get(f"{prefix}_DIM", default.dimension)),
            verify_threshold=float(env.get(f"{prefix}_THRESHOLD", default.verify_threshold)),
            index_kind=IndexKind(env.get(f"{prefix}_INDEX", default.index_kind)),
        )
    snapshot_dir = env.get("ICORE_BIOMETRIC_SNAPSHOT_DIR", "")
    defaults = BiometricConfig()
    return BiometricConfig(
        modalities=modalities,
        chunk_rows=int(env.get("ICORE_BIOMETRIC_CHUNK_ROWS", defaults.chunk_rows)),
        scan_threads=int(env.get("ICORE_BIOMETRIC_SCAN_THREADS", defaults.scan_threads)),
        max_batch=int(env.get("ICORE_BIOMETRIC_MAX_BATCH", defaults.max_batch)),
        batch_min=int(env.get("ICORE_BIOMETRIC_BATCH_MIN", defaults.batch_min)),
        snapshot_dir=Path(snapshot_dir) if snapshot_dir else (data_dir / "biometric-snapshots" if data_dir else None),
        snapshot_every=int(env.get("ICORE_BIOMETRIC_SNAPSHOT_EVERY", defaults.snapshot_every)),
        compact_ratio=float(env.get("ICORE_BIOMETRIC_COMPACT_RATIO", defaults.compact_ratio)),
    )
