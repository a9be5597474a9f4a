"""How well one entity matches search criteria: a score from 0 to 1 and, per
criterion, its contribution and what matched how.

Criteria weigh differently: the name most, then a document number (one exact
match nearly identifies a person), the date of birth, and the nationality. A field
the record does not have counts half, at a neutral 0.5: a record without a date of
birth is neither confirmed nor contradicted by one. Person criteria on another
kind of entity count as mismatches.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from icore.uim.v1 import dates_pb2, entity_pb2
from services.query.criteria import Criteria
from services.query.indexing import document_rows, entity_names
from services.uim.names import name_similarity, prepare

WEIGHTS = {"name": 0.5, "document_number": 0.30, "date_of_birth": 0.35, "nationality": 0.08}
UNKNOWN_SCORE = 0.5
UNKNOWN_WEIGHT = 0.5
#: Below this name score a hit needs a matching document to be kept.
MIN_NAME_SCORE = 0.35
#: Hits scoring less are not returned.
MIN_SCORE = 0.3


@dataclass(frozen=True)
class Explanation:
    criterion: str
    score: float
    detail: str


@dataclass(frozen=True)
class Scored:
    score: float
    explanations: tuple[Explanation, ...]


def compare_dates(query: dates_pb2.PartialDate, record: dates_pb2.PartialDate,
                  tolerance: int) -> tuple[float, str]:
    """Agreement of two partial dates of birth, at the precision both have."""
    years = abs(query.year - record.year)
    if query.day and record.day:
        days = abs(dt.date(query.year, query.month, query.day).toordinal()
                   - dt.date(record.year, record.month, record.day).toordinal())
        if days == 0:
            return 1.0, "same date"
        if years == 0 and query.month == record.day and query.day == record.month:
            return 0.8, "day and month swapped"
        if days == 1:
            return 0.85, "one day apart"
    if years == 0:
        if query.month and record.month:
            if query.month != record.month:
                return 0.45, f"same year, month {record.month} not {query.month}"
            if query.day and record.day:
                return 0.6, f"same year and month, day {record.day} not {query.day}"
            return 0.9, "same year and month; day not known to both"
        return 0.8, "same year; month not known to both"
    if years <= tolerance:
        return max(0.3, 0.7 - 0.1 * (years - 1)), f"{years} year{'s' if years > 1 else ''} apart, within tolerance"
    return 0.0, f"born {record.year}, not {query.year}"


def _names(entity: entity_pb2.Entity, criteria: Criteria, memo: dict[str, tuple[float, str]]) -> tuple[float, str]:
    """The best similarity of any query name to any of the entity's names. `memo`
    holds the names already compared in this search: namesakes are common among
    candidates, and each distinct name is compared once."""
    best = (0.0, "no name")
    for name in entity_names(entity):
        result = memo.get(name)
        if result is None:
            result = (0.0, "")
            for query in criteria.names:
                similarity = name_similarity(prepare(query), prepare(name))
                if similarity.score > result[0] or not result[1]:
                    result = (similarity.score, f"'{name}': {similarity.explanation}")
            memo[name] = result
        if result[0] > best[0] or best[1] == "no name":
            best = result
    return best


def _documents(entity: entity_pb2.Entity, criteria: Criteria) -> tuple[float, str] | None:
    rows = document_rows(entity)
    if not rows:
        return None
    issuer = criteria.document_country
    held = [number for number, _, country in rows if not issuer or not country or country == issuer]
    for number in criteria.documents:
        if number in held:
            return 1.0, f"document {number} matches"
    for number in criteria.documents:
        for other in held:
            if min(len(number), len(other)) >= 6 and OSA.distance(number, other, score_cutoff=1) <= 1:
                return 0.7, f"document {other} differs from {number} in one character"
    return 0.0, f"no document issued by {issuer} matches" if issuer else "no document matches"


def score(entity: entity_pb2.Entity, criteria: Criteria, floor: float = 0.0,
          memo: dict[str, tuple[float, str]] | None = None) -> Scored | None:
    """The entity's score and explanations, or None when it does not match at all or
    cannot reach `floor` (a search passes the score it must beat to enter its page;
    the cheap criteria are compared first, so the name is not compared in vain)."""
    person = entity.person if entity.WhichOneof("kind") == "person" else None
    parts: list[tuple[str, float, float, str]] = []  # criterion, weight, score, detail

    def add(criterion: str, result: tuple[float, str] | None, applies: bool = True) -> None:
        weight = WEIGHTS[criterion]
        if not applies:
            parts.append((criterion, weight, 0.0, "not a person"))
        elif result is None:
            parts.append((criterion, weight * UNKNOWN_WEIGHT, UNKNOWN_SCORE, "not recorded"))
        else:
            parts.append((criterion, weight, result[0], result[1]))

    document = _documents(entity, criteria) if criteria.documents else None
    if criteria.documents:
        if document is None and not criteria.document_required:
            pass  # number-like words of free text are only a bonus
        else:
            add("document_number", document, applies=person is not None or document is not None)
    if criteria.date_of_birth is not None:
        recorded = person.date_of_birth if person is not None and person.HasField("date_of_birth") else None
        add("date_of_birth",
            compare_dates(criteria.date_of_birth, recorded, criteria.tolerance_years) if recorded else None,
            applies=person is not None)
    if criteria.nationality:
        nationalities = list(person.nationalities) if person is not None else []
        found = None
        if nationalities:
            found = (1.0, f"{criteria.nationality} recorded") if criteria.nationality in nationalities else \
                (0.0, f"recorded as {', '.join(nationalities)}")
        add("nationality", found, applies=person is not None)
    document_match = document is not None and document[0] >= 1.0
    if criteria.names:
        weight = WEIGHTS["name"]
        bound = (weight + sum(w * v for _, w, v, _ in parts)) / (weight + sum(w for _, w, _, _ in parts))
        if bound < max(floor, MIN_SCORE) and not document_match:
            return None
        name = _names(entity, criteria, {} if memo is None else memo)
        if name[0] < MIN_NAME_SCORE and not document_match:
            return None
        parts.insert(0, ("name", weight, name[0], name[1]))
    if not parts:
        return Scored(1.0, ())
    total_weight = sum(weight for _, weight, _, _ in parts)
    total = sum(weight * value for _, weight, value, _ in parts) / total_weight
    if total < MIN_SCORE and not document_match:
        return None
    explanations = tuple(Explanation(criterion, round(weight * value / total_weight, 4), detail)
                         for criterion, weight, value, detail in parts)
    return Scored(round(total, 4), explanations)
