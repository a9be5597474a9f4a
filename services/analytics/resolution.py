"""Entity resolution: which person and organization records are the same real-world
identity, kept up to date as records arrive and re-run on demand over the whole store.

The pipeline is the classic one, each step in its own module:

1. `records`: a UIM entity becomes a normalised `IdentityRecord`;
2. `blocking`: records sharing a blocking key become candidate pairs;
3. `comparison`: each candidate pair gets agreement levels per field;
4. `scoring`: a Fellegi–Sunter model turns levels into a match probability, with m and
   u re-estimated by EM whenever the whole store is resolved;
5. `clustering`: matched pairs form components, split by average linkage so that one
   bad pair does not chain two people together.

`Resolver.add` does 2–5 for new or changed records only: their candidates among all
records, their comparisons, and a re-clustering of the components they touch.
`Resolver.resolve_all` redoes everything, re-estimating the model first. Neither knows
who may see what: `visible_groups` restricts a cluster to a caller's view.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import structlog

from services.analytics.blocking import BlockIndex, block_keys, decode
from services.analytics.clustering import LINK_VETO, average_linkage, components, piece_of, split_oversized
from services.analytics.comparison import Comparison, compare
from services.analytics.records import IdentityRecord
from services.analytics.scoring import TF_CLIP, TF_LEVELS, MatchModel, NameFrequencies, estimate

log = structlog.get_logger(__name__)

#: Records indexed at once by a whole-store run or a restore.
BLOCK_CHUNK = 20_000


@dataclass(frozen=True, slots=True)
class PairMatch:
    """Two records judged the same, with the probability and the reasons."""

    entity_id_a: str
    entity_id_b: str
    probability: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ResolutionStats:
    """What one resolution run did, for logs and the benchmark."""

    records: int
    candidate_pairs: int
    matched_pairs: int
    clusters: int
    seconds: float


def cluster_id(entity_ids: Iterable[str]) -> str:
    """An id that stays the same while the members do: a digest of their sorted ids."""
    digest = hashlib.blake2b("\n".join(sorted(entity_ids)).encode(), digest_size=12).hexdigest()
    return f"idc_{digest}"


class Resolver:
    """Identity records, their blocking index, matched pairs and clusters, in memory."""

    def __init__(self, model: MatchModel | None = None, caps: dict[str, int] | None = None) -> None:
        self.model = model or MatchModel.default()
        self._caps = caps
        self._reset()

    def _reset(self) -> None:
        self._records: list[IdentityRecord | None] = []
        self._row_of: dict[str, int] = {}
        self._index = BlockIndex(self._caps)
        self._matches: dict[int, dict[int, float]] = {}
        self._cluster_of: dict[int, int] = {}
        self._clusters: dict[int, list[int]] = {}
        self._frequencies = NameFrequencies()
        #: Ids of the records in a cluster of two or more, for searches that ask per node.
        self.clustered_ids: set[str] = set()

    # -- reading -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._row_of

    def record(self, entity_id: str) -> IdentityRecord | None:
        row = self._row_of.get(entity_id)
        return None if row is None else self._records[row]

    def members(self, entity_id: str) -> list[str]:
        """Ids of every record in the identity of `entity_id` (itself included)."""
        row = self._row_of.get(entity_id)
        if row is None:
            return []
        key = self._cluster_of.get(row)
        if key is None:
            return [entity_id]
        return [self._id(r) for r in self._clusters[key]]

    def identities(self) -> list[list[str]]:
        """Every cluster of two or more records."""
        return [[self._id(r) for r in rows] for rows in self._clusters.values() if len(rows) > 1]

    def clustered_like(self, record: IdentityRecord, limit: int) -> list[str]:
        """Up to `limit` records in clusters of two or more that share the most
        blocking keys with `record` (a description, not added): the records a
        search for it would find, for grouping that search's hits by identity
        without waiting for them. Not a match decision: nothing is compared."""
        rows = self._index.rows_sharing(block_keys(record))
        if not len(rows):
            return []
        found, shared = np.unique(rows, return_counts=True)
        clustered = np.fromiter((r in self._cluster_of for r in found.tolist()), bool, len(found))
        found, shared = found[clustered], shared[clustered]
        best = found[np.argsort(-shared, kind="stable")[:limit]]
        return [self._id(row) for row in best.tolist()]

    def matched(self, entity_id: str) -> dict[str, float]:
        """Records matched to `entity_id` in its own cluster, with the pair probability."""
        row = self._row_of.get(entity_id)
        if row is None:
            return {}
        key = self._cluster_of.get(row)
        return {self._id(other): p for other, p in self._matches.get(row, {}).items()
                if self._cluster_of.get(other) == key}

    def explain(self, entity_id_a: str, entity_id_b: str) -> PairMatch:
        """Compare two records now and say why they do or do not match."""
        a, b = self.record(entity_id_a), self.record(entity_id_b)
        if a is None or b is None:
            raise KeyError(entity_id_a if a is None else entity_id_b)
        comparison = compare(a, b)
        adjustment = self._adjustment(a, b)
        weight = self.model.weight(comparison.levels, adjustment)
        return PairMatch(entity_id_a, entity_id_b, self.model.probability(weight),
                         tuple(self.model.reasons(comparison, adjustment)))

    def _adjustment(self, a: IdentityRecord, b: IdentityRecord) -> float:
        frequencies = self._frequencies
        return frequencies.adjustment(frequencies.frequency(a.names), frequencies.frequency(b.names))

    def _id(self, row: int) -> str:
        record = self._records[row]
        assert record is not None
        return record.entity_id

    # -- changing ------------------------------------------------------------------

    def remove(self, entity_ids: Iterable[str]) -> set[str]:
        """Forget records; returns the ids whose identity may have changed."""
        touched: set[int] = set()
        for entity_id in entity_ids:
            row = self._row_of.pop(entity_id, None)
            if row is None:
                continue
            touched |= self._detach(row)
        return {self._id(r) for r in self._recluster(touched)}

    def _detach(self, row: int) -> set[int]:
        key = self._cluster_of.pop(row, None)
        touched = set(self._clusters.pop(key, [])) if key is not None else set()
        for other in self._matches.pop(row, {}):
            self._matches.get(other, {}).pop(row, None)
            touched.add(other)
        for other in touched:
            if self._cluster_of.get(other) == key:
                del self._cluster_of[other]
                self.clustered_ids.discard(self._id(other))
        if key is not None:
            self.clustered_ids.discard(self._id(row))
        record = self._records[row]
        if record is not None:
            self._frequencies.remove(record.names)
        self._records[row] = None
        touched.discard(row)
        return touched

    def add(self, records: Sequence[IdentityRecord]) -> set[str]:
        """Resolve new or changed records against every record; returns the ids whose
        identity may have changed."""
        touched: set[int] = set()
        rows: list[int] = []
        latest = {record.entity_id: record for record in records}
        for record in latest.values():
            old = self._row_of.get(record.entity_id)
            if old is not None:
                touched |= self._detach(old)
            row = len(self._records)
            self._records.append(record)
            self._row_of[record.entity_id] = row
            self._frequencies.add(record.names)
            rows.append(row)
        if not rows:
            return set()
        pairs = self._index.add(rows, [block_keys(self._records[r]) for r in rows])  # type: ignore[arg-type]
        a, b = self._live_pairs(pairs)
        for i, j, p in zip(a.tolist(), b.tolist(), self._probabilities(a, b, self._levels(a, b)).tolist(), strict=True):
            if p >= self.model.threshold:
                self._matches.setdefault(i, {})[j] = p
                self._matches.setdefault(j, {})[i] = p
        touched.update(rows)
        return {self._id(r) for r in self._recluster(touched)}

    def _block(self, rows: Sequence[int]) -> np.ndarray:
        """Index many records in chunks, so that only one chunk's keys are in memory
        at a time (a million records have some 150 million keys); returns the pairs."""
        found = [np.zeros(0, np.int64)]
        for start in range(0, len(rows), BLOCK_CHUNK):
            chunk = rows[start : start + BLOCK_CHUNK]
            found.append(self._index.add(chunk, [block_keys(self._records[r]) for r in chunk]))  # type: ignore[arg-type]
        return np.unique(np.concatenate(found))

    def _live_pairs(self, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = decode(pairs)
        alive = np.fromiter((r is not None for r in self._records), bool, len(self._records))
        keep = alive[a] & alive[b]
        return a[keep], b[keep]

    def _levels(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        records = self._records
        levels = np.zeros((len(a), 6), np.int8)
        for n, (i, j) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
            levels[n] = compare(records[i], records[j]).levels  # type: ignore[arg-type,unused-ignore]
        return levels

    def _probabilities(self, a: np.ndarray, b: np.ndarray, levels: np.ndarray) -> np.ndarray:
        """Match probabilities of the pairs (a[k], b[k]) with the given levels."""
        table = self.model.weight_table()
        weights = table[np.arange(levels.shape[1])[None, :], levels.astype(np.int64)].sum(axis=1)
        rows = np.unique(np.concatenate([a, b]))
        frequency = np.ones(len(self._records), np.int64)
        for row in rows.tolist():
            record = self._records[row]
            assert record is not None
            frequency[row] = self._frequencies.frequency(record.names)
        adjust = np.clip(np.log2(self._frequencies.typical / np.maximum(frequency[a], frequency[b])),
                         -TF_CLIP, TF_CLIP)
        weights = weights + np.where(np.isin(levels[:, 0], TF_LEVELS), adjust, 0.0)
        exponent = np.minimum(-(weights + self.model.prior_weight), 1000.0)
        return np.asarray(1.0 / (1.0 + np.exp2(exponent)), float)

    def _compare_rows(self, i: int, j: int) -> float:
        a, b = self._records[i], self._records[j]
        assert a is not None and b is not None
        comparison: Comparison = compare(a, b)
        return self.model.probability(self.model.weight(comparison.levels, self._adjustment(a, b)))

    def _recluster(self, rows: Iterable[int], *, whole: bool = False) -> set[int]:
        """Re-cluster the pieces of the match graph around `rows` (see `clustering`);
        returns every live row whose cluster may have changed. `whole` (every matched
        row at once) splits whole components; otherwise each piece is found from its
        rows, so that a batch of arrivals costs what its pieces hold."""
        live = [r for r in rows if self._records[r] is not None]
        if whole:
            pieces = [piece for part in components(live, self._matches)
                      for piece in split_oversized(part, self._matches)]
        else:
            pieces = self._pieces_around(live)
        changed = {row for piece in pieces for row in piece}
        for row in changed:
            key = self._cluster_of.pop(row, None)
            if key is not None:
                self._clusters.pop(key, None)
                self.clustered_ids.discard(self._id(row))
        for piece in pieces:
            for cluster in average_linkage(piece, lambda i, j: self._matches.get(i, {}).get(j),
                                           self._compare_rows, self.model.threshold, LINK_VETO):
                if len(cluster) > 1:
                    self._keep_cluster(cluster)
        return changed

    def _pieces_around(self, rows: list[int]) -> list[list[int]]:
        """The pieces of `rows`, and of every row that shares a cluster with a row of
        them (that cluster is redone, so all of its rows must be placed again)."""
        placed: set[int] = set()
        pieces: list[list[int]] = []
        pending = list(rows)
        while pending:
            row = pending.pop()
            if row in placed:
                continue
            piece = piece_of(row, self._matches)
            pieces.append(piece)
            placed.update(piece)
            for member in piece:
                key = self._cluster_of.get(member)
                if key is not None:
                    pending += [r for r in self._clusters.get(key, ()) if r not in placed]
        return pieces

    def _keep_cluster(self, cluster: list[int]) -> None:
        key = min(cluster)
        self._clusters[key] = cluster
        for row in cluster:
            self._cluster_of[row] = key
            self.clustered_ids.add(self._id(row))

    def resolve_all(self, records: Sequence[IdentityRecord] | None = None, *,
                    reestimate: bool = True) -> ResolutionStats:
        """Resolve every record from scratch (the given ones, or those held), first
        re-estimating the model by EM over all candidate pairs."""
        started = time.perf_counter()
        current = list(records) if records is not None else [r for r in self._records if r is not None]
        self._reset()
        self._records = list(current)
        self._row_of = {r.entity_id: row for row, r in enumerate(current)}
        if len(self._row_of) != len(current):  # the same id twice: keep the last
            self._records = [r if self._row_of[r.entity_id] == row else None for row, r in enumerate(current)]
        rows = [row for row, r in enumerate(self._records) if r is not None]
        for row in rows:
            self._frequencies.add(self._records[row].names)  # type: ignore[union-attr]
        pairs = self._block(rows)
        a, b = self._live_pairs(pairs)
        levels = self._levels(a, b)
        if reestimate:
            self.model = estimate(levels, self.model)
        probabilities = self._probabilities(a, b, levels)
        matched = probabilities >= self.model.threshold
        for i, j, p in zip(a[matched].tolist(), b[matched].tolist(), probabilities[matched].tolist(), strict=True):
            self._matches.setdefault(i, {})[j] = p
            self._matches.setdefault(j, {})[i] = p
        self._recluster(self._matches.keys(), whole=True)
        stats = ResolutionStats(len(rows), len(a), int(matched.sum()), len(self._clusters),
                                time.perf_counter() - started)
        log.info("resolved_all", records=stats.records, candidate_pairs=stats.candidate_pairs,
                 matched_pairs=stats.matched_pairs, clusters=stats.clusters, seconds=round(stats.seconds, 2))
        return stats

    # -- persistence ---------------------------------------------------------------

    def rows_for(self, entity_ids: Iterable[str]) -> tuple[list[tuple[str, str, float]], list[tuple[str, str]]]:
        """Matched pairs and cluster memberships of some records, for storage."""
        pairs: list[tuple[str, str, float]] = []
        members: list[tuple[str, str]] = []
        for entity_id in entity_ids:
            row = self._row_of.get(entity_id)
            if row is None:
                continue
            pairs += [(entity_id, self._id(other), p) for other, p in self._matches.get(row, {}).items()]
            key = self._cluster_of.get(row)
            if key is not None:
                members.append((entity_id, self._id(key)))
        return pairs, members

    def snapshot(self) -> tuple[list[tuple[str, str, float]], list[tuple[str, str]]]:
        """Matched pairs and cluster memberships by entity id, for storage."""
        pairs = [(self._id(i), self._id(j), p)
                 for i, others in self._matches.items() for j, p in others.items() if i < j]
        members = [(self._id(r), self._id(key)) for key, rows in self._clusters.items() for r in rows]
        return pairs, members

    def restore(self, records: Sequence[IdentityRecord], pairs: Iterable[tuple[str, str, float]],
                members: Iterable[tuple[str, str]]) -> None:
        """Load records, matched pairs and clusters saved by `snapshot`, without comparing."""
        self._reset()
        self._records = list(records)
        self._row_of = {r.entity_id: row for row, r in enumerate(self._records) if r is not None}
        rows = list(self._row_of.values())
        for row in rows:
            self._frequencies.add(self._records[row].names)  # type: ignore[union-attr]
        self._block(rows)
        for a, b, p in pairs:
            i, j = self._row_of.get(a), self._row_of.get(b)
            if i is not None and j is not None:
                self._matches.setdefault(i, {})[j] = p
                self._matches.setdefault(j, {})[i] = p
        for entity_id, key_id in members:
            member, key = self._row_of.get(entity_id), self._row_of.get(key_id)
            if member is not None and key is not None:
                self._cluster_of[member] = key
                self._clusters.setdefault(key, []).append(member)
                self.clustered_ids.add(entity_id)


def visible_groups(members: Sequence[str], matched: Callable[[str], dict[str, float]],
                   visible: Callable[[str], bool]) -> list[list[str]]:
    """A cluster as a caller may see it: its visible records, grouped by the matched
    pairs between visible records only, so that no group exists only through a record
    the caller may not see."""
    shown = [m for m in members if visible(m)]
    shown_set = set(shown)
    edges = {m: [o for o in matched(m) if o in shown_set] for m in shown}
    index = {m: n for n, m in enumerate(shown)}
    groups = components(list(range(len(shown))), {index[m]: [index[o] for o in os] for m, os in edges.items()})
    return [[shown[n] for n in group] for group in groups]
