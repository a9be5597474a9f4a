"""One modality's gallery: the enrolled vectors as preallocated chunks of a
float32 matrix (plus their compact copy for the fast scan), an id map, and
per-row policy id, watch-list bits, quality and a live flag.

Why chunks: a single matrix that grows must be copied (2 GB at 1M x 512) and
stalls enrolment and search while it is; fixed chunks of `chunk_rows` rows
are allocated once and never move, so an enrolment costs only its own rows.

Concurrency, in one place:
- Writers (append, tombstone, compaction) are serialised by the engine's write
  lock; the gallery itself never takes it.
- Rows are append-only: a row is fully written before `count` is raised, and
  a search reads `count` once, so it never sees a half-added vector.
- A delete clears the row's live flag (a tombstone): searches filter on it
  before top-k selection, so a deleted row never takes a slot.
- Only compaction (swap-with-last, in the background) and replacing a template
  move or retire rows in place; they take `lock` exclusively, searches hold it
  shared for their whole scan.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from services.biometric.codecs import ByteCodec, Codec, HalfCodec
from services.biometric.config import IndexKind, Modality
from services.biometric.huge_pages import zeroed_huge_pages

Rows = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Chunk versions are unique across chunks and galleries of the process, so a
#: chunk freed by compaction and allocated again never repeats an old version
#: (snapshot.py reuses a chunk's files when its version is unchanged).
_versions = itertools.count(1)


class RWLock:
    """Many readers or one writer; a waiting writer blocks new readers so that
    a stream of searches cannot starve compaction."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


@dataclass(frozen=True)
class Selection:
    """Which rows of a chunk one filter lets through, as faiss wants it.

    `params` is None when every row passes; `keep` holds the bitmap and the
    selector object that faiss points to, so they live as long as the params.
    """

    any: bool
    params: faiss.SearchParameters | None
    keep: tuple[object, ...] = ()


def _selected(selector: faiss.IDSelector, *keep: object) -> Selection:
    params = faiss.SearchParameters()
    params.sel = selector
    return Selection(True, params, (selector, *keep))


class Chunk:
    """`rows` preallocated gallery rows. Arrays are never reallocated."""

    def __init__(self, rows: int, dimension: int, codec: Codec | None) -> None:
        self.rows = rows
        # np.zeros maps fresh zero pages: memory is committed as rows fill.
        self.vectors = np.zeros((rows, dimension), np.float32)
        self.policy = np.zeros(rows, np.int32)
        self.watchlists = np.zeros(rows, np.uint64)
        self.quality = np.zeros(rows, np.float32)
        self.alive = np.zeros(rows, np.bool_)
        #: Rows the compact copy may not stand for (codecs.py); always rescored.
        self.exact_only = np.zeros(rows, np.bool_)
        self.exceptions = 0
        self.used = 0
        self.version = next(_versions)
        self.selections: dict[tuple[int, int, str | None, int], Selection] = {}
        self.index: faiss.IndexScalarQuantizer | None = None
        self.codes: npt.NDArray[Any] | None = None
        if codec is not None:
            # The codes live inside a faiss index whose storage is sized once;
            # we write them through a numpy view and set ntotal, so faiss never
            # reallocates (its add() would grow a std::vector).
            index = faiss.IndexScalarQuantizer(dimension, codec.qtype, faiss.METRIC_INNER_PRODUCT)
            size = rows * index.code_size
            index.codes.resize(size)
            zeroed_huge_pages(int(index.codes.data()), size)  # faiss zero-filled it
            self.codes = faiss.rev_swig_ptr(index.codes.data(), size).view(codec.dtype).reshape(rows, dimension)
            self.index = index

    def prefault(self) -> None:
        """Touch every page of the vector matrix now, in one pass. Faulting the
        pages in as rows arrive cost 2.4 ms per 1,000 rows of 512 dimensions on
        the 2-core VM (a bulk load's largest single cost in the gallery); the
        whole 128 MB chunk at once, 12 ms."""
        self.vectors.reshape(-1)[:: max(1, 4096 // self.vectors.itemsize)] = 0

    @property
    def nbytes(self) -> int:
        arrays = (self.vectors, self.policy, self.watchlists, self.quality, self.alive, self.exact_only)
        return sum(a.nbytes for a in arrays) + (self.codes.nbytes if self.codes is not None else 0)

    def count_exceptions(self) -> None:
        self.exceptions = int(np.count_nonzero(self.exact_only[: self.used]))

    def changed(self, used: int | None = None) -> None:
        """Publish `used` rows to faiss and forget cached selections."""
        if used is not None:
            self.used = used
            if self.index is not None:
                self.index.ntotal = used
        self.version = next(_versions)
        self.selections = {}

    def visible(self, idx: npt.NDArray[np.int64] | slice, policy_visible: BoolArray | None,
                watchlist_mask: int) -> BoolArray:
        """Which of rows `idx` are live, visible to the caller and on a wanted list."""
        mask = self.alive[idx].copy()
        if policy_visible is not None:
            mask &= policy_visible[self.policy[idx]]
        if watchlist_mask:
            mask &= (self.watchlists[idx] & np.uint64(watchlist_mask)) != 0
        return mask

    def selection(self, used: int, country: str | None, policy_visible: BoolArray | None,
                  watchlist_mask: int) -> Selection:
        """The faiss selector for the first `used` rows under one filter, cached
        per (rows, version, country, lists): full chunks rarely change."""
        key = (used, self.version, country, watchlist_mask)
        found = self.selections.get(key)
        if found is not None:
            return found
        mask = self.visible(slice(0, used), policy_visible, watchlist_mask)
        if not mask.any():
            found = Selection(False, None)
        elif mask.all() and used == self.rows:
            found = Selection(True, None)  # a full chunk cannot grow under the search
        elif mask.all():
            # Rows appended after the view must not take faiss's k slots.
            found = _selected(faiss.IDSelectorRange(0, used))
        else:
            bitmap = np.packbits(mask, bitorder="little")
            found = _selected(faiss.IDSelectorBitmap(bitmap.size, faiss.swig_ptr(bitmap)), bitmap)
        selections = self.selections
        if len(selections) > 256:
            selections = self.selections = {}
        selections[key] = found
        return found


@dataclass(frozen=True)
class Encoded:
    """Compact copies computed earlier (a snapshot): codes, exact-only flags,
    and the largest error among the rows that are not exact-only."""

    codes: npt.NDArray[Any]
    exact_only: BoolArray
    error: float


@dataclass(frozen=True)
class View:
    """What one search sees: the first `count` rows of `chunks`."""

    count: int
    chunks: list[Chunk]
    chunk_rows: int

    def parts(self) -> Iterator[tuple[Chunk, int, int]]:
        """(chunk, rows used in it, global row of its first row)."""
        for i, chunk in enumerate(self.chunks):
            base = i * self.chunk_rows
            used = min(self.chunk_rows, self.count - base)
            if used <= 0:
                return
            yield chunk, used, base


class Gallery:
    """The templates of one modality, addressed by row."""

    def __init__(self, modality: Modality, dimension: int, kind: IndexKind, chunk_rows: int) -> None:
        self.modality = modality
        self.dimension = dimension
        self.kind = kind
        self.chunk_rows = chunk_rows
        self.lock = RWLock()
        #: Held by compaction and by a snapshot being written: rows do not move meanwhile.
        self.layout_lock = threading.Lock()
        self.chunks: list[Chunk] = []
        self.count = 0
        self.deleted = 0
        self.ids: list[str] = []
        self.subjects: list[str] = []
        self.row_of: dict[str, int] = {}
        #: A subject's rows: one row as an int (most subjects have one template
        #: per modality), several as a list. A million lists were a million
        #: objects for the garbage collector to walk: 139 ms per full collection.
        self._subject_rows: dict[str, int | list[int]] = {}
        self.mask_counts: Counter[int] = Counter()
        self.codec: Codec | None = {IndexKind.EXACT: ByteCodec(dimension), IndexKind.EXACT_FP16: HalfCodec(),
                                    IndexKind.EXACT_FP32: None}[kind]
        #: Largest |x - decoded x| over rows that are not exact-only: the bound
        #: on how far the compact copy's score is from the float32 one.
        self.code_error = 0.0

    @property
    def live(self) -> int:
        return self.count - self.deleted

    @property
    def nbytes(self) -> int:
        return sum(chunk.nbytes for chunk in self.chunks)

    def view(self) -> View:
        """Call under `lock.shared()`. `count` is read before the chunk list, so
        every published row lies in a listed chunk."""
        count = self.count
        return View(count, self.chunks[:], self.chunk_rows)

    def locate(self, row: int) -> tuple[Chunk, int]:
        return self.chunks[row // self.chunk_rows], row % self.chunk_rows

    def gather(self, rows: Rows, column: str = "vectors") -> npt.NDArray[Any]:
        """One column ("vectors", "codes", "policy", ...) of `rows`, in that order."""
        first = getattr(self.chunks[0], column) if self.chunks else np.empty((0, self.dimension), np.float32)
        out = np.empty((rows.shape[0], *first.shape[1:]), first.dtype)
        chunk_of = rows // self.chunk_rows
        for c in np.unique(chunk_of):
            where = np.flatnonzero(chunk_of == c)
            out[where] = getattr(self.chunks[c], column)[rows[where] % self.chunk_rows]
        return out

    def _scatter(self, rows: Rows, column: str, values: npt.NDArray[Any]) -> None:
        chunk_of = rows // self.chunk_rows
        for c in np.unique(chunk_of):
            where = np.flatnonzero(chunk_of == c)
            getattr(self.chunks[c], column)[rows[where] % self.chunk_rows] = values[where]

    def append(self, ids: list[str], subjects: list[str], vectors: npt.NDArray[np.float32],
               policy: npt.NDArray[np.int32], watchlists: npt.NDArray[np.uint64],
               quality: npt.NDArray[np.float32], encoded: Encoded | None = None,
               alive: BoolArray | None = None) -> None:
        """Add rows at the end. Caller holds the engine's write lock and has
        removed any template these ids replace. `encoded` carries the compact
        copies when a snapshot has them (else they are computed here); `alive`
        marks the rows a snapshot holds as deleted (they keep their places, so
        the snapshot's chunks stay valid, but join no id map)."""
        start = self.count
        done = 0
        total = len(ids)
        while done < total:
            row = start + done
            c, offset = divmod(row, self.chunk_rows)
            if c == len(self.chunks):
                chunk = Chunk(self.chunk_rows, self.dimension, self.codec)
                if self.chunks:  # a gallery past one chunk is a big one; a small one keeps lazy pages
                    chunk.prefault()
                self.chunks.append(chunk)
            chunk = self.chunks[c]
            take = min(total - done, self.chunk_rows - offset)
            end = offset + take
            part = vectors[done:done + take]
            chunk.vectors[offset:end] = part
            if chunk.codes is not None and self.codec is not None:
                if encoded is not None:
                    codes, exact_only, error = (encoded.codes[done:done + take],
                                                encoded.exact_only[done:done + take], encoded.error)
                else:
                    codes, errors = self.codec.encode(part)
                    exact_only = errors > self.codec.cap
                    error = float(errors[~exact_only].max()) if not exact_only.all() else 0.0
                chunk.codes[offset:end] = codes
                chunk.exact_only[offset:end] = exact_only
                self.code_error = max(self.code_error, error)
            chunk.policy[offset:end] = policy[done:done + take]
            chunk.watchlists[offset:end] = watchlists[done:done + take]
            chunk.quality[offset:end] = quality[done:done + take]
            chunk.alive[offset:end] = True if alive is None else alive[done:done + take]
            chunk.changed(end)
            chunk.count_exceptions()
            done += take
        self.ids.extend(ids)
        self.subjects.extend(subjects)
        live = range(total) if alive is None else np.flatnonzero(alive).tolist()
        for i in live:
            self.row_of[ids[i]] = start + i
            self._add_subject_row(subjects[i], start + i)
        self.mask_counts.update(watchlists[live].tolist() if alive is not None else watchlists.tolist())
        self.deleted += total - len(live)
        self.count = start + total  # publish last

    def subject_rows(self, subject_id: str) -> list[int]:
        """The rows of a subject's live templates (a copy)."""
        found = self._subject_rows.get(subject_id)
        return [] if found is None else [found] if isinstance(found, int) else list(found)

    def _add_subject_row(self, subject_id: str, row: int) -> None:
        found = self._subject_rows.get(subject_id)
        if found is None:
            self._subject_rows[subject_id] = row
        elif isinstance(found, int):
            self._subject_rows[subject_id] = [found, row]
        else:
            found.append(row)

    def _move_subject_row(self, subject_id: str, row: int, to: int | None) -> None:
        """Move one of a subject's rows to `to`, or forget it (None)."""
        found = self._subject_rows.get(subject_id)
        if isinstance(found, int):
            if found == row:
                if to is None:
                    del self._subject_rows[subject_id]
                else:
                    self._subject_rows[subject_id] = to
        elif found is not None and row in found:
            if to is not None:
                found[found.index(row)] = to
            else:
                found.remove(row)
                if len(found) == 1:
                    self._subject_rows[subject_id] = found[0]

    def tombstone(self, rows: list[int]) -> None:
        """Mark rows deleted. Caller holds the engine's write lock."""
        for row in rows:
            chunk, offset = self.locate(row)
            if not chunk.alive[offset]:
                continue
            chunk.alive[offset] = False
            chunk.changed()
            self.deleted += 1
            template_id, subject_id = self.ids[row], self.subjects[row]
            if self.row_of.get(template_id) == row:
                del self.row_of[template_id]
            self._move_subject_row(subject_id, row, None)
            self.mask_counts[int(chunk.watchlists[offset])] -= 1

    def compact(self, max_moves: int = 4096) -> int:
        """One slice of compaction: move up to `max_moves` of the last live rows
        into the first holes and shrink `count`. Caller holds the engine's
        write lock; searches wait for the slice only. Returns rows moved; 0 also
        when a snapshot is being written (compaction then waits for a later delete)."""
        if not self.layout_lock.acquire(blocking=False):
            return 0
        try:
            with self.lock.exclusive():
                target = self.live
                holes = self._rows(lambda c, used: ~c.alive[:used], first=True, limit=max_moves, below=target)
                sources = self._rows(lambda c, used: c.alive[:used], first=False, limit=len(holes), below=None)
                sources = sources[sources >= target][: len(holes)]
                holes = holes[: len(sources)]
                if len(holes):
                    self._move(sources, holes)
                self._trim()
                return int(len(holes))
        finally:
            self.layout_lock.release()

    def _rows(self, pick: Callable[[Chunk, int], BoolArray], *, first: bool, limit: int,
              below: int | None) -> Rows:
        """Up to `limit` rows chosen by `pick(chunk, used)`, lowest first (or highest first)."""
        found: list[Rows] = []
        total = 0
        parts = list(self.view().parts())
        for chunk, used, base in parts if first else reversed(parts):
            rows = np.flatnonzero(pick(chunk, used)) + base
            if below is not None:
                rows = rows[rows < below]
            if not first:
                rows = rows[::-1]
            found.append(rows[: limit - total])
            total += min(len(rows), limit - total)
            if total >= limit:
                break
        return np.concatenate(found).astype(np.int64) if found else np.empty(0, np.int64)

    def _move(self, sources: Rows, holes: Rows) -> None:
        columns = ["vectors", "policy", "watchlists", "quality", "exact_only"]
        if self.codec is not None:
            columns.append("codes")
        for column in columns:
            self._scatter(holes, column, self.gather(sources, column))
        self._scatter(holes, "alive", np.ones(len(holes), np.bool_))
        self._scatter(sources, "alive", np.zeros(len(sources), np.bool_))
        for s, h in zip(sources.tolist(), holes.tolist(), strict=True):
            template_id, subject_id = self.ids[s], self.subjects[s]
            self.ids[h], self.subjects[h] = template_id, subject_id
            self.row_of[template_id] = h
            self._move_subject_row(subject_id, s, h)
        for c in np.unique(np.concatenate([sources, holes]) // self.chunk_rows).tolist():
            self.chunks[c].changed()
            self.chunks[c].count_exceptions()

    def _trim(self) -> None:
        """Drop trailing deleted rows from `count` and free emptied chunks."""
        count = self.count
        while count > 0:
            chunk, offset = self.locate(count - 1)
            live = np.flatnonzero(chunk.alive[: offset + 1])
            new = (count - 1 - offset) + (int(live[-1]) + 1 if len(live) else 0)
            if len(live):
                count = new
                break
            count = new
        dropped = self.count - count
        if not dropped:
            return
        self.deleted -= dropped
        self.count = count
        del self.ids[count:]
        del self.subjects[count:]
        keep = -(-count // self.chunk_rows)
        del self.chunks[keep:]
        if keep:
            self.chunks[-1].changed(count - (keep - 1) * self.chunk_rows)
            self.chunks[-1].count_exceptions()
