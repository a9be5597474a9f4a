"""Search: candidates from indexed keys, then scoring, ranking and paging.

A search never scans every row. It computes the search keys of its criteria
(services.query.indexing), looks up how many rows each key has (sampled
statistics), and aggregates, in one SQL statement, the visible entities sharing the
most weight of the selective keys: keys are taken rarest first while their rows
stay within a budget, each weighted by its kind's prior and its rarity (IDF), so a
common first name costs nothing while a rare surname, a full date of birth or a
document number finds the record among millions. The best candidates are then
loaded and scored (services.query.scoring).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from icore.uim.v1 import entity_pb2
from services.query.criteria import Criteria
from services.query.indexing import date_keys, key_hash
from services.query.scoring import Scored, score
from services.query.storage import Repository
from services.uim.names import index_keys, key_weight

#: Key rows one search may aggregate; rarer keys first.
ROW_BUDGET = 40_000
#: Candidates scored per search (more when the caller pages far).
CANDIDATES = 200
#: Prior weight of attribute keys against name keys (1.0 for a plain name token).
ATTRIBUTE_PRIORS = {"b": 1.2, "y": 0.15, "n": 0.1}


@dataclass(frozen=True)
class Hit:
    entity: entity_pb2.Entity
    scored: Scored


def query_keys(criteria: Criteria) -> dict[str, float]:
    """Each search key of the criteria with its prior weight."""
    keys: dict[str, float] = {}
    for name in criteria.names:
        for key in index_keys(name):
            keys[key] = key_weight(key)
    if criteria.date_of_birth is not None:
        birth = criteria.date_of_birth
        for year in range(birth.year - criteria.tolerance_years, birth.year + criteria.tolerance_years + 1):
            keys[f"y:{year}"] = ATTRIBUTE_PRIORS["y"]
        for key in date_keys(birth):
            if key.startswith("b:"):
                keys[key] = ATTRIBUTE_PRIORS["b"]
    if criteria.nationality:
        keys[f"n:{criteria.nationality}"] = ATTRIBUTE_PRIORS["n"]
    return keys


def choose_keys(priors: dict[str, float], counts: dict[int, int], total: int) -> dict[int, int]:
    """Integer weights of the keys worth aggregating: rarest first within the row
    budget (at least the rarest one), each weighted prior x IDF."""
    ranked = sorted(priors, key=lambda k: (counts.get(key_hash(k), 0), k))
    chosen: dict[int, int] = {}
    rows = 0
    for key in ranked:
        count = counts.get(key_hash(key), 0)
        if chosen and rows + count > ROW_BUDGET:
            continue
        rows += count
        idf = math.log((total + 1) / (count + 1)) + 1.0
        chosen[key_hash(key)] = max(1, round(100 * priors[key] * idf))
    return chosen


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
        pks: list[int] = []
        priors = query_keys(criteria)
        if priors:
            counts, total = self.repository.key_statistics([key_hash(k) for k in priors])
            weights = choose_keys(priors, counts, total)
            pks += [pk for pk, _ in self.repository.candidates(weights, kinds, country, limit)]
        if criteria.documents:
            pks += self.repository.by_document(list(criteria.documents), kinds, country, limit)
        if not priors and not criteria.documents and criteria.event_filters:
            pks += self.repository.events(country, criteria.event_country, criteria.start, criteria.end, wanted + 1)
        loaded = self.repository.load(list(dict.fromkeys(pks)), country)
        hits = []
        for body, _kind, event_country, event_time in loaded.values():
            if criteria.event_filters and not _in_event_range(criteria, event_country, event_time):
                continue
            entity = entity_pb2.Entity.FromString(body)
            scored = score(entity, criteria)
            if scored is not None:
                hits.append(Hit(entity, scored))
        hits.sort(key=lambda hit: (-hit.scored.score, hit.entity.id))
        return hits[page.offset:wanted], len(hits)


def _in_event_range(criteria: Criteria, event_country: str | None, event_time: object) -> bool:
    if criteria.event_country and event_country != criteria.event_country:
        return False
    if event_time is None:
        return False
    if criteria.start is not None and event_time < criteria.start:  # type: ignore[operator]
        return False
    return criteria.end is None or event_time < criteria.end  # type: ignore[operator]
