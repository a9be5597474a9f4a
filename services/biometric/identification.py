"""Exact 1:N search over a gallery view, with the caller's filters applied
before top-k selection.

Two scans, both exact (they return what a float32 inner-product scan of every
visible row returns):

- `scan_float32`: one BLAS matrix product per chunk for a batch of probes,
  chunks shared out among the engine's scan threads.
  Measured on 2 cores at 1M x 512: one probe 70 ms (sgemv is memory-bound),
  16 probes 230 ms, so batches of concurrent probes raise throughput 4-5x.
- `scan_codes`: one probe. faiss scans the gallery's compact copy (codecs.py:
  int8 by default, one chunk per call, chunks spread over the scan threads;
  faiss releases the GIL). That reads a quarter of the bytes: float32 scans
  of 1M x 512 took 70 ms with numpy/BLAS and 165 ms with faiss's flat `knn`
  (one thread for one query); the float16 copy 38 ms. Every row the copy's
  error bound cannot rule out is then rescored in float32, which makes the
  answer exact:

  For a row x with decoded copy x' and a unit probe q, |q.x - q.x'| <= |x - x'|
  <= e, the largest such error among rows that are not exact-only
  (Gallery.code_error), plus float32 rounding of the two sums (`_SLACK`); let
  d = e + slack (int8 adds the probe's own rounding, codecs.py). Exact-only
  rows are scored exactly. Let L be the k-th largest
  of {copy score - d} over the first pass's rows and {exact score} over the
  exact-only rows: k rows score at least L exactly, so every true top-k row
  scores at least L, and a first-pass row of the true top-k has a copy score
  of at least L - d. Rescoring every row over that bound (and over min_score -
  d) therefore finds the true top-k. faiss returns each chunk's best k' rows;
  a chunk whose k'-th row still clears the bound is searched again with a
  larger k', so no such row is missed.

Filters (live flag, access policy for the caller's country, watch lists) are
applied before selection: as a faiss IDSelector per chunk in the compact
scan, and on the rows over the running threshold in the float32 scan. A row
the caller may not see therefore never takes a top-k slot.
"""

from __future__ import annotations

import itertools
import math
from concurrent.futures import Executor
from dataclasses import dataclass

import faiss
import numpy as np
import numpy.typing as npt
import threadpoolctl

from services.biometric.codecs import ProbeCode
from services.biometric.gallery import BoolArray, Chunk, Gallery, Rows, View
from services.biometric.templates import Vector


def one_blas_thread() -> None:
    """numpy's BLAS runs each product on one thread from now on, in the whole
    process (its thread count is global): the engine spreads chunks over its
    own scan threads instead (`scan_float32`)."""
    threadpoolctl.threadpool_limits(limits=1, user_api="blas")


def _slack(dimension: int) -> float:
    """Bound on float32 rounding of two d-term dot products of unit vectors."""
    return 4.0 * dimension * 2.0**-24


@dataclass(frozen=True)
class Probe:
    """One normalised probe with its filters. `country` None sees every row
    (internal use); `watchlist_mask` 0 means no watch-list filter."""

    vector: Vector
    top_k: int
    min_score: float | None = None
    country: str | None = None
    watchlist_mask: int = 0


class TopK:
    """The k best (score, row) pairs seen so far, and the score a newcomer must reach."""

    def __init__(self, k: int, min_score: float | None) -> None:
        self.k = k
        self.scores = np.empty(0, np.float32)
        self.rows = np.empty(0, np.int64)
        self.floor = -math.inf if min_score is None else min_score
        self.threshold = self.floor

    def offer(self, scores: npt.NDArray[np.float32], rows: Rows) -> None:
        keep = scores >= self.threshold
        if not keep.any():
            return
        scores = np.concatenate([self.scores, scores[keep]])
        rows = np.concatenate([self.rows, rows[keep]])
        if scores.shape[0] > self.k:
            best = np.argpartition(scores, scores.shape[0] - self.k)[scores.shape[0] - self.k:]
            scores, rows = scores[best], rows[best]
        self.scores, self.rows = scores, rows
        if scores.shape[0] == self.k:
            self.threshold = max(self.floor, float(scores.min()))

    def ranked(self) -> list[tuple[int, float]]:
        """(row, score) best first; ties broken by row for a stable order."""
        order = np.lexsort((self.rows, -self.scores))
        return [(int(self.rows[i]), float(self.scores[i])) for i in order]


def _offer_chunk(top: TopK, scores: npt.NDArray[np.float32], chunk: Chunk, used: int, base: int,
                 visible: BoolArray | None, watchlist_mask: int) -> None:
    """Offer a chunk's scores, testing the filters only on rows that would enter."""
    if top.threshold == -math.inf:
        idx = np.flatnonzero(chunk.visible(slice(0, used), visible, watchlist_mask))
    else:
        idx = np.flatnonzero(scores >= top.threshold)
        if not idx.shape[0]:
            return
        idx = idx[chunk.visible(idx, visible, watchlist_mask)]
    top.offer(scores[idx], idx + base)


def scan_float32(view: View, probes: list[Probe], visible: list[BoolArray | None],
                 pool: Executor | None = None, threads: int = 1) -> list[TopK]:
    """Exact top-k of each probe with one matrix product per chunk. With a
    pool, `threads` workers take the chunks one at a time as each finishes the
    last, each product on one BLAS thread (`one_blas_thread`): a worker that
    loses its core to the server's other work for a while scans fewer chunks,
    instead of holding the other BLAS thread at the end of every product. 32
    concurrent clients over gRPC at 1.24M x 512: 41.7 and 49.2 queries/s with
    BLAS's two threads per product, 51.4 and 51.6 with this."""
    if not probes:
        return []
    queries = np.stack([p.vector for p in probes])
    parts = list(view.parts())
    following = itertools.count()

    def scan() -> list[TopK]:
        tops = [TopK(p.top_k, p.min_score) for p in probes]
        buffer = np.empty(len(probes) * view.chunk_rows, np.float32)
        product = np.empty(len(probes) * view.chunk_rows, np.float32) if len(probes) > 1 else buffer
        for i in following:
            if i >= len(parts):
                break
            chunk, used, base = parts[i]
            scores = buffer[: len(probes) * used].reshape(len(probes), used)
            if len(probes) == 1:
                np.matmul(chunk.vectors[:used], queries[0], out=scores[0])  # sgemv, not sgemm
            else:
                # rows x probes, then turned round: one BLAS thread computes this
                # shape 30 % faster than probes x rows (40 against 52 ms for 32
                # probes over 65,536 x 512), more than the 2 ms the turn costs.
                rows_by_probe = product[: used * len(probes)].reshape(used, len(probes))
                np.matmul(chunk.vectors[:used], queries.T, out=rows_by_probe)
                np.copyto(scores, rows_by_probe.T)
            for j, probe in enumerate(probes):
                _offer_chunk(tops[j], scores[j], chunk, used, base, visible[j], probe.watchlist_mask)
        return tops

    if pool is None or threads < 2 or len(parts) < 2:
        return scan()
    others = [pool.submit(scan) for _ in range(min(threads, len(parts)) - 1)]
    tops = scan()
    for other in others:
        for top, part in zip(tops, other.result(), strict=True):
            top.offer(part.scores, part.rows)
    return tops


#: The engine spreads a probe's chunks over its own scan threads; an OpenMP
#: team of faiss's on top of that only spins. One probe over 20k int8 rows on
#: the 2 shared cores took 15 ms with faiss's default two OpenMP threads and
#: 1.8 ms with one; in the server (the micro-batcher's thread) 24 ms against
#: 4 ms. The setting is per calling thread in OpenMP, hence at each search.
_ONE_OPENMP_THREAD = 1


@dataclass
class _ChunkHits:
    part: int
    asked: int
    scores: npt.NDArray[np.float32]
    rows: Rows
    complete: bool


def _search_chunk(part: int, view_part: tuple[Chunk, int, int], query: ProbeCode, probe: Probe,
                  visible: BoolArray | None, asked: int) -> _ChunkHits | None:
    chunk, used, base = view_part
    selection = chunk.selection(used, probe.country, visible, probe.watchlist_mask)
    if not selection.any or chunk.index is None:
        return None
    asked = min(asked, used)
    faiss.omp_set_num_threads(_ONE_OPENMP_THREAD)
    distances, labels = chunk.index.search(query.vector[None], asked, params=selection.params)
    found = labels[0] >= 0  # the selection keeps faiss within the view's rows
    complete = int(found.sum()) < asked or asked == used
    scores = (distances[0][found] * np.float32(query.factor)).astype(np.float32)
    return _ChunkHits(part, asked, scores, labels[0][found].astype(np.int64) + base, complete)


def _exact_only(parts: list[tuple[Chunk, int, int]], probe: Probe, visible: BoolArray | None) -> Rows:
    """Visible rows that the compact copy may not stand for."""
    found = [np.flatnonzero(chunk.exact_only[:used] & chunk.visible(slice(0, used), visible, probe.watchlist_mask))
             + base for chunk, used, base in parts if chunk.exceptions]
    return np.concatenate(found).astype(np.int64) if found else np.empty(0, np.int64)


def scan_codes(gallery: Gallery, view: View, probe: Probe, visible: BoolArray | None,
               pool: Executor | None, threads: int) -> TopK:
    """Exact top-k of one probe: faiss scans the compact copy, float32
    rescoring of every row the error bound keeps (see the module docstring)."""
    assert gallery.codec is not None
    parts = list(view.parts())
    query = gallery.codec.query(probe.vector)
    asked = probe.top_k + gallery.codec.extra

    def scan(indices: list[int]) -> list[_ChunkHits]:
        hits = (_search_chunk(i, parts[i], query, probe, visible, asked) for i in indices)
        return [h for h in hits if h is not None]

    if pool is None or threads < 2 or len(parts) < 2:
        found = scan(list(range(len(parts))))
    else:
        groups = [g for g in (list(range(t, len(parts), threads)) for t in range(threads)) if g]
        # The calling thread scans the first group itself: one thread fewer to
        # wake, which on busy cores is a scheduling delay saved per probe.
        others = [pool.submit(scan, group) for group in groups[1:]]
        found = scan(groups[0]) + [h for other in others for h in other.result()]
    top = TopK(probe.top_k, probe.min_score)
    error = gallery.code_error
    margin = error + query.error * (1.0 + error) + _slack(gallery.dimension)
    special = _exact_only(parts, probe, visible)
    special_scores = (gallery.gather(special) @ probe.vector).astype(np.float32)

    def trusted(hits: _ChunkHits) -> npt.NDArray[np.bool_] | slice:
        chunk, _, base = parts[hits.part]
        return ~chunk.exact_only[hits.rows - base] if chunk.exceptions else slice(None)

    # faiss lists each chunk best first: the k best of each hold the k best overall.
    best = [h.scores[trusted(h)][: probe.top_k] for h in found]
    lower = np.concatenate([*best, special_scores + margin]) - margin
    bound = -math.inf
    if lower.shape[0] >= probe.top_k:
        bound = float(np.partition(lower, lower.shape[0] - probe.top_k)[lower.shape[0] - probe.top_k]) - margin
    if probe.min_score is not None:
        bound = max(bound, probe.min_score - margin)
    for i, hits in enumerate(found):
        while not hits.complete and hits.scores.shape[0] and float(hits.scores[-1]) >= bound:
            again = _search_chunk(hits.part, parts[hits.part], query, probe, visible, hits.asked * 4)
            if again is None:
                break
            hits = found[i] = again
    for hits in found:
        chunk, _, base = parts[hits.part]
        rows = hits.rows[: int(np.searchsorted(-hits.scores, -bound, side="right"))]  # scores >= bound
        if chunk.exceptions:
            rows = rows[~chunk.exact_only[rows - base]]
        if rows.shape[0]:
            top.offer((chunk.vectors[rows - base] @ probe.vector).astype(np.float32), rows)
    top.offer(special_scores, special)
    return top
