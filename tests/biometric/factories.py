"""Small synthetic galleries: seeded random unit vectors (unrelated vectors of
d dimensions score about 0 +- 1/sqrt(d)), mates made by adding noise."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from services.biometric.config import Modality
from services.biometric.templates import Template
from services.uim.access import ALL_EXCEPT_LISTED, ALL_MEMBERS, ONLY_LISTED, Policy

EVERYONE = Policy(ALL_MEMBERS, frozenset())
ONLY_DEU = Policy(ONLY_LISTED, frozenset({"DEU"}))
NOT_ITA = Policy(ALL_EXCEPT_LISTED, frozenset({"ITA"}))


def unit_vectors(rng: np.random.Generator, n: int, dimension: int) -> npt.NDArray[np.float32]:
    x = rng.standard_normal((n, dimension)).astype(np.float32)
    unit: npt.NDArray[np.float32] = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    return unit


def noisy(rng: np.random.Generator, vector: npt.NDArray[np.float32], noise: float) -> npt.NDArray[np.float32]:
    """A mate: the vector plus Gaussian noise of `noise` per unit length, renormalised."""
    scale = noise / float(np.sqrt(vector.shape[0]))
    x = vector + scale * rng.standard_normal(vector.shape[0], dtype=np.float32)
    mate: npt.NDArray[np.float32] = (x / np.linalg.norm(x)).astype(np.float32)
    return mate


def template(i: int | str, vector: npt.NDArray[np.float32], *, subject: str | None = None,
             modality: Modality = Modality.FACE, watchlists: Iterable[str] = ("red_notices",),
             owner: str = "FRA", policy: Policy = EVERYONE, quality: float = 0.9) -> Template:
    return Template(f"t{i}", subject or f"s{i}", modality, vector, frozenset(watchlists), owner, policy, quality)


def brute_force(vectors: npt.NDArray[np.float32], probe: npt.NDArray[np.float32], keep: npt.NDArray[np.bool_],
                k: int, min_score: float | None = None) -> list[tuple[int, float]]:
    """(index, score) of the exact top-k among rows where `keep`: the reference."""
    scores = vectors.astype(np.float64) @ probe.astype(np.float64)
    scores[~keep] = -np.inf
    if min_score is not None:
        scores[scores < min_score] = -np.inf
    order = np.argsort(-scores, kind="stable")[:k]
    return [(int(i), float(scores[i])) for i in order if np.isfinite(scores[i])]
