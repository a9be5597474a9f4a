"""Search: candidates from indexed keys, then scoring, ranking and paging.

A search never scans every row. It computes the search keys of its criteria
(services.query.indexing), turns its typo keys into the stored words sharing
them (the repository keeps typo keys once per word, not per record), looks up
how many rows each key has (sampled statistics), and asks, in one SQL
statement, for the visible entities sharing the most weight with the selective
keys: keys are taken rarest first while their rows
stay within a budget, each weighted by its kind's prior and its rarity (IDF), and
within one word of the query only its best key counts. So a common first name
costs little, while a rare surname, a full date of birth or a document number
finds the record among millions. The best candidates are then scored
(services.query.scoring).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from dataclasses import dataclass

from icore.uim.v1 import entity_pb2
from services.query.criteria import Criteria
from services.query.indexing import date_keys, key_hash
from services.query.scoring import Scored, score
from services.query.storage import Candidate, Repository
from services.uim.names import index_keys, key_weight, prepare
from services.uim.names.keys import is_typo_key, token_keys

#: Key rows one search may aggregate; rarer keys first.
ROW_BUDGET = 40_000
#: Candidates scored per search (more when the caller pages far). Scoring is most
#: of a search's time once the candidates are ranked by their keys' weight: at 1M
#: persons on PostgreSQL 50 instead of 100 halved p50 and cost recall@10 0.002
#: (bench/query/README.md).
CANDIDATES = 50
#: For estimating the rows a search by year of birth reads (see `_read_share`):
#: the years a store's people are born across, and the share of key rows of
#: entities without a year (records without a date, other kinds of entity).
BIRTH_YEARS_SPANNED = 60
UNKNOWN_YEAR_SHARE = 0.15
#: Prior weight of attribute keys against name keys (1.0 for a plain name word).
ATTRIBUTE_PRIORS = {"b": 1.2, "y": 0.15, "n": 0.1}


@dataclass(frozen=True)
class Hit:
    entity: entity_pb2.Entity
    scored: Scored
    pk: int


def query_keys(criteria: Criteria) -> dict[str, tuple[float, int]]:
    """Each search key of the criteria with its prior weight and its group: one group
    per word of each name (joined words form their own), one per attribute."""
    keys: dict[str, tuple[float, int]] = {}
    group = 0
    for name in criteria.names:
        prepared = prepare(name)
        every = index_keys(prepared)
        for token in prepared.tokens:
            mine = token_keys(token) & every
            if mine:
                for key in mine:
                    keys.setdefault(key, (key_weight(key), group))
                group += 1
        for key in every:
            if key not in keys:
                keys[key] = (key_weight(key), group)
                group += 1
    # Years of birth and nationalities are found by the key rows they hold when
    # nothing else is asked; beside a name, the years are read by the year filter
    # (`birth_years`) and a nationality by scoring, and their keys (each year or
    # nationality is held by tens of thousands) would only cost rows.
    names_given = bool(keys)
    if criteria.date_of_birth is not None:
        birth = criteria.date_of_birth
        if not names_given:
            for year in range(birth.year - criteria.tolerance_years, birth.year + criteria.tolerance_years + 1):
                keys[f"y:{year}"] = (ATTRIBUTE_PRIORS["y"], group)
        for key in date_keys(birth):
            if key.startswith("b:"):
                keys[key] = (ATTRIBUTE_PRIORS["b"], group)
        group += 1
    if criteria.nationality and not names_given:
        keys[f"n:{criteria.nationality}"] = (ATTRIBUTE_PRIORS["n"], group)
    return keys


def birth_years(criteria: Criteria) -> list[int]:
    """The years of birth whose key rows a search reads, 0 (unknown) among them; empty
    for all. A year either side of the tolerance catches dates a day apart across
    New Year and years mistyped by one; a record further off could not rank."""
    if criteria.date_of_birth is None:
        return []
    margin = criteria.tolerance_years + 1
    year = criteria.date_of_birth.year
    return [0, *range(max(1, year - margin), min(9999, year + margin) + 1)]


def _read_share(years: list[int]) -> float:
    """About which share of a key's rows a search reads: the years it reads out of
    the span people in the store are born in, plus the rows of unknown years."""
    return 1.0 if not years else min(1.0, (len(years) - 1) / BIRTH_YEARS_SPANNED + UNKNOWN_YEAR_SHARE)


def stored_hashes(priors: dict[str, tuple[float, int]],
                  words_by_typo: dict[int, list[int]]) -> dict[str, tuple[int, ...]]:
    """The stored key hashes that each query key reads: its own hash, or for a typo
    key those of the stored words sharing it (`words_by_typo`, by typo key hash),
    since the repository keeps typo keys per word and the words as plain keys
    (services.query.indexing)."""
    return {key: tuple(words_by_typo.get(key_hash(key), ())) if is_typo_key(key) else (key_hash(key),)
            for key in priors}


def choose_keys(priors: dict[str, tuple[float, int]], counts: dict[int, int], total: int,
                share: float = 1.0, stored: dict[str, tuple[int, ...]] | None = None) -> list[tuple[int, int, int]]:
    """(hash, integer weight, group) of the stored keys worth aggregating: query keys
    rarest first while the rows read (`share` of each key's rows) stay within the
    budget, at least the rarest one, each weighted prior x IDF. A query key reads the
    `stored` hashes (by default its own), and its rows are theirs together: a typo
    key weighs what it did when records stored it."""
    stored = stored if stored is not None else {key: (key_hash(key),) for key in priors}
    rows_of = {key: sum(counts.get(h, 0) for h in stored[key]) for key in priors if stored[key]}
    best: dict[tuple[int, int], int] = {}  # (hash, group) -> weight: within a group only the best counts
    rows = 0.0
    for key in sorted(rows_of, key=lambda k: (rows_of[k], k)):
        count = rows_of[key]
        if best and rows + count * share > ROW_BUDGET:
            continue
        rows += count * share
        prior, group = priors[key]
        idf = math.log((total + 1) / (count + 1)) + 1.0
        weight = max(1, round(100 * prior * idf))
        for h in stored[key]:
            best[h, group] = max(weight, best.get((h, group), 0))
    return [(h, weight, group) for (h, group), weight in best.items()]


class Searcher:
    """Runs searches against a repository for one caller country at a time."""

    def __init__(self, repository: Repository) -> None:
        self.repository = repository

    def search(self, criteria: Criteria, country: str) -> tuple[list[Hit], int]:
        """Hits of the requested page, best first, and how many were found in all."""
        page = criteria.page
        wanted = page.offset + page.size
        kinds = list(criteria.kinds)
        if criteria.event_filters:
            kinds = [k for k in kinds if k == entity_pb2.ENTITY_KIND_EVENT] if kinds else [entity_pb2.ENTITY_KIND_EVENT]
            if not kinds:
                return [], 0
        limit = max(CANDIDATES, wanted + CANDIDATES // 2)
        found: dict[int, Candidate] = {}
        priors = query_keys(criteria)
        if priors:
            statistics = self.repository.key_statistics([key_hash(k) for k in priors if not is_typo_key(k)],
                                                        [key_hash(k) for k in priors if is_typo_key(k)])
            stored = stored_hashes(priors, statistics.words_by_typo)
            years = birth_years(criteria)
            weights = choose_keys(priors, statistics.counts, statistics.total, _read_share(years), stored)
            year = criteria.date_of_birth.year if criteria.date_of_birth is not None else -1
            year_weight = round(100 * ATTRIBUTE_PRIORS["y"] * (math.log(BIRTH_YEARS_SPANNED) + 1.0))
            found.update((c.pk, c) for c in self.repository.candidates(weights, kinds, country, limit, years, year,
                                                                       year_weight if years else 0))
        more: list[int] = []
        if criteria.documents:
            more += self.repository.by_document(list(criteria.documents), kinds, country, limit)
        if not priors and not criteria.documents and criteria.event_filters:
            more += self.repository.events(country, criteria.event_country, criteria.start, criteria.end, wanted + 1)
        found.update((c.pk, c) for c in self.repository.load([pk for pk in more if pk not in found], country))
        hits = []
        # The scores to beat: a candidate that cannot enter the best `wanted + 1` is
        # not scored in full (it could not be shown, and one more hit is enough to
        # know that another page follows). Candidates come best keys first.
        best: list[float] = []
        names: dict[str, tuple[float, str]] = {}
        for candidate in found.values():
            if criteria.event_filters and not _in_event_range(criteria, candidate.event_country, candidate.event_time):
                continue
            entity = entity_pb2.Entity.FromString(candidate.body)
            scored = score(entity, criteria, best[0] if len(best) > wanted else 0.0, names)
            if scored is not None:
                hits.append(Hit(entity, scored, candidate.pk))
                heapq.heappush(best, scored.score)
                if len(best) > wanted + 1:
                    heapq.heappop(best)
        hits.sort(key=lambda hit: (-hit.scored.score, hit.entity.id))
        return hits[page.offset:wanted], len(hits)


def _in_event_range(criteria: Criteria, event_country: str | None, event_time: dt.datetime | None) -> bool:
    if criteria.event_country and event_country != criteria.event_country:
        return False
    if event_time is None:
        return False
    if criteria.start is not None and event_time < criteria.start:
        return False
    return criteria.end is None or event_time < criteria.end
