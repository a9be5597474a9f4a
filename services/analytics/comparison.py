"""Comparing two identity records field by field into agreement levels.

Each field gets a small closed set of levels, from the strongest agreement down to
disagreement, and level 0 when either record lacks the field. The scoring model
(`scoring.py`) turns each level into a log-likelihood weight; this module only says
how alike the values are and why, in words an analyst can check.

Levels, strongest first (0 is always "missing", which weighs nothing):

- name: the best `name_similarity` over every pair of the two records' names (shared
  name matching, with transliteration, token order, typos and initials): exact,
  >= 0.9, >= 0.8, >= 0.65, >= 0.3 (typically one word of two in common: relatives),
  below.
- birth_date: the same full date; the same year and month where one of the two has
  no day; the same year where one has only the year (weaker: at a million records
  many namesakes share a year of birth); at most NEAR_DAYS days apart (a date
  recorded a day late, across midnight or a time zone); one slip apart (a digit, two
  digits swapped, day and month swapped); different.
- sex: same; different.
- nationality (a person's nationalities, an organization's jurisdiction): one shared;
  none shared.
- document (identity documents, registration numbers, compared without spaces and
  punctuation): a number shared; two numbers one slip apart; only different numbers.
- address: same street and house number in the same postcode or town; same postcode or
  town only; different.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from services.analytics.records import Address, BirthDate, IdentityRecord
from services.uim.names import NameScore, name_similarity

FIELDS = ("name", "birth_date", "sex", "nationality", "document", "address")
NAME, BIRTH_DATE, SEX, NATIONALITY, DOCUMENT, ADDRESS = range(len(FIELDS))
MISSING = 0

#: Words for each level of each field, index 0 being "missing".
LEVELS: tuple[tuple[str, ...], ...] = (
    ("missing", "exact", "very similar", "similar", "weakly similar", "partly alike", "different"),
    ("missing", "same date", "same year and month", "same year", "days apart", "one slip apart", "different"),
    ("missing", "same", "different"),
    ("missing", "shared", "none shared"),
    ("missing", "number shared", "one slip apart", "different numbers"),
    ("missing", "same street", "same postcode or town", "different"),
)
NAME_BANDS = (0.99, 0.9, 0.8, 0.65, 0.3)
#: Birth dates at most this many days apart are "days apart" rather than different.
NEAR_DAYS = 3


@dataclass(frozen=True, slots=True)
class Comparison:
    """Agreement levels of one record pair, and the name match that explains its name level."""

    levels: tuple[int, ...]
    name: NameScore


def _name_level(score: float) -> int:
    for level, floor in enumerate(NAME_BANDS, start=1):
        if score >= floor:
            return level
    return len(NAME_BANDS) + 1


def best_name(a: IdentityRecord, b: IdentityRecord) -> NameScore:
    """The best-matching pair of names of the two records."""
    best = NameScore(0.0, "no names")
    for x in a.names:
        for y in b.names:
            score = name_similarity(x, y)
            if score.score > best.score:
                best = score
                if score.score >= 1.0:
                    return best
    return best


def _one_slip(x: str, y: str) -> bool:
    """Equal but for one wrong digit or two adjacent digits swapped."""
    return len(x) == len(y) and OSA.distance(x, y, score_cutoff=1) <= 1


def _birth_level(a: BirthDate | None, b: BirthDate | None) -> int:
    if a is None or b is None:
        return MISSING
    if a.day and b.day:
        if (a.year, a.month, a.day) == (b.year, b.month, b.day):
            return 1
        if _days_apart(a, b) <= NEAR_DAYS:
            return 4
        x, y = f"{a.year:04d}{a.month:02d}{a.day:02d}", f"{b.year:04d}{b.month:02d}{b.day:02d}"
        swapped = a.year == b.year and (a.month, a.day) == (b.day, b.month)
        return 5 if swapped or _one_slip(x, y) else 6
    if a.month and b.month:
        if (a.year, a.month) == (b.year, b.month):
            return 2
        return 5 if _one_slip(f"{a.year:04d}{a.month:02d}", f"{b.year:04d}{b.month:02d}") else 6
    if a.year == b.year:
        return 3
    return 5 if _one_slip(f"{a.year:04d}", f"{b.year:04d}") else 6


def _days_apart(a: BirthDate, b: BirthDate) -> int:
    try:
        return abs((dt.date(a.year, a.month, a.day) - dt.date(b.year, b.month, b.day)).days)
    except ValueError:  # a 31 February from a source
        return 10**6


def _document_level(a: frozenset[str], b: frozenset[str]) -> int:
    if not a or not b:
        return MISSING
    if a & b:
        return 1
    if any(len(x) >= 6 and _one_slip(x, y) for x in a for y in b):
        return 2
    return 3


def _address_level(a: tuple[Address, ...], b: tuple[Address, ...]) -> int:
    if not a or not b:
        return MISSING
    level = 3
    for x in a:
        for y in b:
            place = bool(x.postcode and x.postcode == y.postcode) or bool(x.locality and x.locality == y.locality)
            if place and x.street and x.street == y.street:
                return 1
            if place:
                level = 2
    return level


def compare(a: IdentityRecord, b: IdentityRecord) -> Comparison:
    """Agreement levels of every field of two records (see the module docstring)."""
    name = best_name(a, b)
    sex = MISSING if not a.sex or not b.sex else 1 if a.sex == b.sex else 2
    nationality = MISSING if not a.nationalities or not b.nationalities else \
        1 if a.nationalities & b.nationalities else 2
    levels = (
        _name_level(name.score),
        _birth_level(a.birth_date, b.birth_date),
        sex,
        nationality,
        _document_level(a.documents, b.documents),
        _address_level(a.addresses, b.addresses),
    )
    return Comparison(levels, name)
