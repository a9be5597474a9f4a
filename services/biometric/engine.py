"""The in-memory biometric engine: one gallery per modality, enrolment,
deletion, 1:N identification, 1:1 verification and statistics.

Pure Python (numpy and faiss, no grpc, no database): `core.BiometricCore`
adds the record of truth and snapshots around it. Every method is
thread-safe; writes are serialised by one lock, searches run beside them (see
gallery.py for the rules that make that safe).
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import structlog

from services.biometric.config import BiometricConfig, Modality
from services.biometric.gallery import Gallery
from services.biometric.identification import Probe, TopK, one_blas_thread, scan_codes, scan_float32
from services.biometric.policies import PolicyTable
from services.biometric.templates import Candidate, Template, Vector, Verification, normalise_vector
from services.biometric.watchlist import WatchlistBits
from services.bootstrap.errors import FieldErrors, InvalidFieldError
from services.uim.access import Policy

if TYPE_CHECKING:
    from services.biometric.snapshot import Saved

log = structlog.get_logger(__name__)

MAX_TOP_K = 1000


@dataclass(frozen=True)
class IdentifyQuery:
    """Identify's question: the probe, how many candidates, and the filters.
    `country` is the caller (None: no access filter, for internal use);
    an empty `watchlists` means every list."""

    probe: Sequence[float] | Vector
    modality: Modality
    top_k: int = 10
    min_score: float | None = None
    watchlists: Collection[str] = ()
    country: str | None = None


@dataclass(frozen=True)
class ModalityStats:
    modality: Modality
    dimension: int
    template_count: int
    index_kind: str
    memory_bytes: int
    verify_threshold: float


@dataclass(frozen=True)
class Stats:
    modalities: list[ModalityStats]
    watchlists: dict[str, int] = field(default_factory=dict)


class BiometricEngine:
    """Galleries of every configured modality, searched exactly."""

    def __init__(self, config: BiometricConfig, *, policies: PolicyTable | None = None,
                 watchlists: WatchlistBits | None = None) -> None:
        self.config = config
        self.policies = policies or PolicyTable()
        self.watchlists = watchlists or WatchlistBits()
        self.galleries = {m: Gallery(m, c.dimension, c.index_kind, config.chunk_rows)
                          for m, c in config.modalities.items()}
        self.dimensions = {m: c.dimension for m, c in config.modalities.items()}
        #: Highest change sequence number applied (see storage.py); snapshots record it.
        self.applied_seq = 0
        #: The snapshot this engine was loaded from or last wrote (snapshot.py
        #: links its unchanged chunks instead of writing them again).
        self.last_snapshot: Saved | None = None
        self._write = threading.Lock()
        self._pool = ThreadPoolExecutor(config.scan_threads, thread_name_prefix="biometric-scan")
        if config.scan_threads > 1:
            one_blas_thread()
        self._compactor: threading.Thread | None = None

    def close(self) -> None:
        if self._compactor is not None:
            self._compactor.join()
        self._pool.shutdown(wait=True)

    # -- writes ---------------------------------------------------------------

    def find(self, template_id: str) -> tuple[Gallery, int] | None:
        """Where a template is. Rows move only under the write lock (compaction,
        replacement): call with it held, or read through `get`/`owner_of`."""
        for gallery in self.galleries.values():
            row = gallery.row_of.get(template_id)
            if row is not None:
                return gallery, row
        return None

    def owner_of(self, template_id: str) -> str | None:
        """The data owner of an enrolled template, or None."""
        return self.owners_of([template_id]).get(template_id)

    def owners_of(self, template_ids: Collection[str]) -> dict[str, str]:
        """The data owner of each of `template_ids` that is enrolled: one
        shared lock per gallery for a whole batch (bulk enrolment asks this
        of every template; one `get` each was a third of its time)."""
        owners = {}
        for gallery in self.galleries.values():
            with gallery.lock.shared():  # compaction moves rows under the exclusive lock
                for template_id in template_ids:
                    row = gallery.row_of.get(template_id)
                    if row is not None:
                        chunk, offset = gallery.locate(row)
                        owners[template_id] = self.policies.entry(int(chunk.policy[offset]))[1]
        return owners

    def get(self, template_id: str) -> Template | None:
        """An enrolled template, vector included."""
        for gallery in self.galleries.values():
            with gallery.lock.shared():  # compaction moves rows under the exclusive lock
                row = gallery.row_of.get(template_id)
                if row is None:
                    continue
                chunk, offset = gallery.locate(row)
                policy, owner = self.policies.entry(int(chunk.policy[offset]))
                return Template(template_id, gallery.subjects[row], gallery.modality, chunk.vectors[offset].copy(),
                                frozenset(self.watchlists.decode(int(chunk.watchlists[offset]))), owner, policy,
                                float(chunk.quality[offset]))
        return None

    def enroll(self, templates: Sequence[Template], *, seq: int | None = None) -> list[bool]:
        """Add validated templates (see templates.validate_template); a template
        id already enrolled is replaced. Returns, per template, whether it was
        new. Readers see each replacement atomically: the old row retires and
        the new one appears under the gallery's exclusive lock."""
        latest: dict[str, int] = {t.template_id: i for i, t in enumerate(templates)}
        with self._write:
            where = {template_id: self.find(template_id) for template_id in latest}
            created = [where[t.template_id] is None for t in templates]
            mask_of = {names: self.watchlists.assign(sorted(names)) for names in {t.watchlists for t in templates}}
            masks = [mask_of[t.watchlists] for t in templates]
            by_modality: dict[Modality, list[int]] = {}
            for i, t in enumerate(templates):
                if latest[t.template_id] == i:
                    by_modality.setdefault(t.modality, []).append(i)
            replaced = [found for found in where.values() if found is not None]
            with ExitStack() as stack:
                if replaced:
                    for gallery in self.galleries.values():
                        stack.enter_context(gallery.lock.exclusive())
                for gallery, row in replaced:
                    gallery.tombstone([row])
                for modality, indices in by_modality.items():
                    chosen = [templates[i] for i in indices]
                    self.galleries[modality].append(
                        [t.template_id for t in chosen], [t.subject_id for t in chosen],
                        np.stack([t.vector for t in chosen]).astype(np.float32, copy=False),
                        np.array([self.policies.id_of(t.policy, t.data_owner) for t in chosen], np.int32),
                        np.array([masks[i] for i in indices], np.uint64),
                        np.array([t.quality for t in chosen], np.float32))
            if seq is not None:
                self.applied_seq = max(self.applied_seq, seq)
        if replaced:
            self._maybe_compact()
        return created

    def remove(self, template_ids: Collection[str], *, seq: int | None = None) -> list[str]:
        """Delete templates (absent ids are skipped); returns the ids removed."""
        removed = []
        with self._write:
            for template_id in template_ids:
                found = self.find(template_id)
                if found is not None:
                    found[0].tombstone([found[1]])
                    removed.append(template_id)
            if seq is not None:
                self.applied_seq = max(self.applied_seq, seq)
        if removed:
            self._maybe_compact()
        return removed

    def subject_templates(self, subject_id: str) -> list[tuple[str, Policy, str]]:
        """(template id, policy, data owner) of each template of a subject."""
        found = []
        for gallery in self.galleries.values():
            with gallery.lock.shared():
                for row in gallery.subject_rows(subject_id):
                    chunk, offset = gallery.locate(row)
                    policy, owner = self.policies.entry(int(chunk.policy[offset]))
                    found.append((gallery.ids[row], policy, owner))
        return found

    def compact(self) -> int:
        """Compact every gallery now, slice by slice; returns rows moved."""
        moved = 0
        for gallery in self.galleries.values():
            while True:
                with self._write:
                    step = gallery.compact()
                moved += step
                if not step:
                    break
        return moved

    def _maybe_compact(self) -> None:
        config = self.config
        due = any(g.deleted >= max(config.compact_min, config.compact_ratio * g.count) for g in self.galleries.values())
        if due and (self._compactor is None or not self._compactor.is_alive()):
            self._compactor = threading.Thread(target=self.compact, name="biometric-compact", daemon=True)
            self._compactor.start()

    # -- reads ----------------------------------------------------------------

    def _probe(self, query: IdentifyQuery) -> Probe | None:
        """Validate a query; None when its watch-list filter names no known list."""
        errors = FieldErrors()
        if query.modality not in self.galleries:
            raise InvalidFieldError("probe.modality", "required: a configured modality")
        vector = normalise_vector(query.probe, self.dimensions[query.modality], "probe.vector")
        errors.check(1 <= query.top_k <= MAX_TOP_K, "top_k", f"must be 1 to {MAX_TOP_K}")
        if query.min_score is not None:
            errors.check(math.isfinite(query.min_score) and -1.0 <= query.min_score <= 1.0, "min_score",
                         "must be -1 to 1")
        errors.raise_if_any()
        mask = self.watchlists.filter_mask(query.watchlists)
        if query.watchlists and not mask:
            return None
        return Probe(vector, query.top_k, query.min_score, query.country, mask)

    def identify(self, query: IdentifyQuery) -> list[Candidate]:
        """1:N: the caller-visible candidates most similar to the probe, best first."""
        result = self.identify_many([query])[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def identify_many(self, queries: Sequence[IdentifyQuery]) -> list[list[Candidate] | BaseException]:
        """Several probes at once: those of one modality share one scan when
        there are at least `batch_min` of them. A bad query fails alone."""
        results: list[list[Candidate] | BaseException] = [[] for _ in queries]
        groups: dict[Modality, list[tuple[int, Probe]]] = {}
        for i, query in enumerate(queries):
            try:
                probe = self._probe(query)
            except Exception as exc:  # noqa: BLE001 - handed back to that query's caller
                results[i] = exc
                continue
            if probe is not None:
                groups.setdefault(query.modality, []).append((i, probe))
        for modality, group in groups.items():
            gallery = self.galleries[modality]
            for start in range(0, len(group), self.config.max_batch):
                batch = group[start:start + self.config.max_batch]
                for (i, _), candidates in zip(batch, self._search(gallery, [p for _, p in batch]), strict=True):
                    results[i] = candidates
        return results

    def _search(self, gallery: Gallery, probes: list[Probe]) -> list[list[Candidate]]:
        with gallery.lock.shared():
            view = gallery.view()
            # After the view: every row in it has a policy id the tables cover.
            visible = [None if p.country is None else self.policies.visible(p.country) for p in probes]
            tops: list[TopK]
            if gallery.codec is not None and len(probes) < self.config.batch_min:
                tops = [scan_codes(gallery, view, p, v, self._pool, self.config.scan_threads)
                        for p, v in zip(probes, visible, strict=True)]
            else:
                tops = scan_float32(view, probes, visible, self._pool, self.config.scan_threads)
            return [self._candidates(gallery, top) for top in tops]

    def _candidates(self, gallery: Gallery, top: TopK) -> list[Candidate]:
        found = []
        for row, score in top.ranked():
            chunk, offset = gallery.locate(row)
            owner = self.policies.entry(int(chunk.policy[offset]))[1]
            found.append(Candidate(gallery.ids[row], gallery.subjects[row], min(1.0, max(-1.0, score)),
                                   self.watchlists.decode(int(chunk.watchlists[offset])), owner))
        return found

    def verify(self, probe: Sequence[float] | Vector, subject_id: str, modality: Modality,
               country: str | None) -> Verification:
        """1:1: the best score of the probe over the subject's templates that the
        caller may see, and whether it reaches the modality's threshold."""
        if modality not in self.galleries:
            raise InvalidFieldError("probe.modality", "required: a configured modality")
        vector = normalise_vector(probe, self.dimensions[modality], "probe.vector")
        threshold = self.config.modality(modality).verify_threshold
        gallery = self.galleries[modality]
        with gallery.lock.shared():
            count = gallery.count
            rows = np.array([r for r in gallery.subject_rows(subject_id) if r < count], np.int64)
            if rows.shape[0]:
                keep = gallery.gather(rows, "alive")
                if country is not None:
                    keep &= self.policies.visible(country)[gallery.gather(rows, "policy")]
                rows = rows[keep]
            if not rows.shape[0]:
                return Verification(False, 0.0, "", threshold)
            scores: npt.NDArray[np.float32] = gallery.gather(rows) @ vector
            best = int(np.argmax(scores))
            score = min(1.0, max(-1.0, float(scores[best])))
            return Verification(score >= threshold, score, gallery.ids[int(rows[best])], threshold)

    def stats(self) -> Stats:
        """Counts per modality and watch list, index kind and memory."""
        modalities = []
        watchlists: Counter[str] = Counter()
        for modality, gallery in self.galleries.items():
            config = self.config.modality(modality)
            modalities.append(ModalityStats(modality, gallery.dimension, gallery.live, gallery.kind.value,
                                            gallery.nbytes, config.verify_threshold))
            for mask, count in list(gallery.mask_counts.items()):
                for name in self.watchlists.decode(mask):
                    watchlists[name] += count
        return Stats(modalities, {name: n for name, n in sorted(watchlists.items()) if n})
