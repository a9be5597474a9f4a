"""Compact copies of gallery vectors for the first, fast pass of a search,
and the error each copy makes.

A probe's scan is bound by the bytes it reads (about 15 GB/s per core here),
so a compact copy scanned by faiss is faster than the float32 matrix: int8
reads a quarter of the bytes (measured 2x faster than float16 per row in
faiss, whose int8 "direct" decoding is a plain conversion). The copy is only
a filter: identification.py rescores in float32 every row the copy's error
cannot rule out, so the answer stays exact.

For a row x and its decoded copy x', the score error for a unit probe q is at
most |x - x'| (Cauchy-Schwarz); each row's error is computed when it is
encoded. A row whose error exceeds the codec's cap (int8: a component outside
the clipping range, rare for dense unit embeddings) is marked exact-only: the
first pass ignores it and the search always rescores it. faiss's int8 scan
also rounds the probe to integers (it multiplies bytes by bytes, exactly, in
int32): with q' the rounded probe, the score error is at most
|x - x'| + |q - q'| |x'|, and |q - q'| is computed per probe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class ProbeCode:
    """What faiss is handed for a probe: its scores times `factor` are the
    compact copy's scores, and the probe itself was rounded by `error` (norm)."""

    vector: Matrix
    factor: float = 1.0
    error: float = 0.0


class Codec:
    """How rows are encoded for faiss's scalar quantizer, and their errors."""

    name = ""
    qtype: int
    dtype: type[np.generic]
    #: Rows whose error exceeds this are exact-only.
    cap = math.inf
    #: Rows asked of faiss per chunk beyond top_k, so that the error bound
    #: rarely needs a second call.
    extra = 16

    def encode(self, rows: Matrix) -> tuple[npt.NDArray[Any], npt.NDArray[np.float32]]:
        """(codes, per-row error |x - decoded x|)."""
        raise NotImplementedError

    def query(self, probe: Matrix) -> ProbeCode:
        """What to hand faiss for a unit probe."""
        return ProbeCode(probe)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name}


class HalfCodec(Codec):
    """IEEE float16: relative error 2^-11 per component, so no row needs capping."""

    name = "float16"
    qtype = faiss.ScalarQuantizer.QT_fp16
    dtype = np.float16

    def encode(self, rows: Matrix) -> tuple[npt.NDArray[Any], npt.NDArray[np.float32]]:
        half = rows.astype(np.float16)
        return half, np.linalg.norm(rows - half.astype(np.float32), axis=1).astype(np.float32)


class ByteCodec(Codec):
    """int8 with one scale for every component: x' = round(x * scale) / scale.

    Components of a unit vector in d dimensions are about 1/sqrt(d) in size;
    the scale maps +-8/sqrt(d) to +-127, so the typical row error is
    8 / (127 sqrt(12)) = 0.018 whatever d, and only components beyond eight
    times their typical size are clipped (those rows become exact-only).
    faiss stores code + 128 as a byte (QT_8bit_direct_signed) and scores
    bytes against the probe rounded the same way, so it is handed the probe
    scaled to +-127 and rounded, and its integer scores are scaled back.

    The bound is looser than float16's (about 0.03 against 0.001), so about a
    thousand rows of a million get rescored (some 70 per chunk of 65,536);
    faiss is asked for 128 extra rows per chunk so that one pass covers them.
    """

    name = "int8"
    qtype = faiss.ScalarQuantizer.QT_8bit_direct_signed
    dtype = np.uint8
    extra = 128

    def __init__(self, dimension: int, scale: float | None = None) -> None:
        self.scale = float(scale if scale is not None else 127.0 * math.sqrt(dimension) / 8.0)
        self.cap = 1.4 * 8.0 / (127.0 * math.sqrt(12.0))

    def encode(self, rows: Matrix) -> tuple[npt.NDArray[Any], npt.NDArray[np.float32]]:
        steps = np.clip(np.rint(rows * np.float32(self.scale)), -127, 127)
        error = np.linalg.norm(rows - steps / np.float32(self.scale), axis=1).astype(np.float32)
        return (steps + 128).astype(np.uint8), error

    def query(self, probe: Matrix) -> ProbeCode:
        spread = 127.0 / float(np.abs(probe).max())
        rounded = np.clip(np.rint(probe.astype(np.float64) * spread), -127, 127)
        error = float(np.linalg.norm(probe - rounded / spread))
        return ProbeCode(rounded.astype(np.float32), 1.0 / (spread * self.scale), error)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "scale": self.scale}


def codec_from(description: dict[str, Any], dimension: int) -> Codec:
    """The codec a snapshot's manifest describes."""
    if description["name"] == HalfCodec.name:
        return HalfCodec()
    return ByteCodec(dimension, description["scale"])
