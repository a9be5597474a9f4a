"""Scoring and criteria without a server: dates as precise as known, free text split
into what it holds, person criteria on other kinds of entity."""

from __future__ import annotations

import pytest

from icore.query.v1 import query_service_pb2 as pb
from icore.uim.v1 import entity_pb2, organization_pb2
from services.bootstrap.errors import FieldErrors
from services.query.criteria import parse_search
from services.query.scoring import compare_dates, score
from tests.query.records import partial_date, person


@pytest.mark.parametrize(("query", "record", "tolerance", "expected"), [
    ((1980, 5, 12), (1980, 5, 12), 0, 1.0),
    ((1980, 5, 12), (1980, 12, 5), 0, 0.8),  # day and month swapped
    ((1979, 12, 31), (1980, 1, 1), 0, 0.85),  # one day apart, across a year
    ((1980, 5, 12), (1980, 5), 0, 0.9),
    ((1980, 5, 12), (1980,), 0, 0.8),
    ((1980,), (1980, 5, 12), 0, 0.8),
    ((1980, 5, 12), (1980, 6, 12), 0, 0.45),
    ((1980, 5, 12), (1982, 5, 12), 3, 0.6),
    ((1980, 5, 12), (1985, 5, 12), 3, 0.0),
])
def test_dates_agree_at_the_precision_both_know(query: tuple[int, ...], record: tuple[int, ...], tolerance: int,
                                                expected: float) -> None:
    assert compare_dates(partial_date(query), partial_date(record), tolerance)[0] == pytest.approx(expected)


def _criteria(**fields: object) -> object:
    request = pb.SearchRequest(**fields)  # type: ignore[arg-type]
    errors = FieldErrors()
    criteria = parse_search(request, errors)
    assert errors.violations == []
    return criteria


def test_free_text_holds_names_a_date_and_document_numbers() -> None:
    criteria = _criteria(text="PETROV Ivan 12.05.1980 AB-1234567")
    assert criteria.names == ("PETROV Ivan",)  # type: ignore[attr-defined]
    assert criteria.date_of_birth == partial_date((1980, 5, 12))  # type: ignore[attr-defined]
    assert criteria.documents == ("AB1234567",)  # type: ignore[attr-defined]
    assert not criteria.document_required  # type: ignore[attr-defined]


def test_a_document_number_written_in_groups_is_read_as_one() -> None:
    """As printed in a passport ("XP 5320800"): the series letters are not a name
    word, and four digits completing a number are not a year of birth."""
    grouped = _criteria(text="Tsvetkov XP 5320800")
    assert grouped.names == ("Tsvetkov",) and grouped.documents[0] == "XP5320800"  # type: ignore[attr-defined]
    split = _criteria(text="Rossi ya 123 4567")
    assert "YA1234567" in split.documents and split.date_of_birth is None  # type: ignore[attr-defined]
    after = _criteria(text="FE 123456 1980 Wang Li")
    assert after.documents[0] == "FE123456" and after.date_of_birth == partial_date((1980,))  # type: ignore[attr-defined]
    assert after.names == ("Wang Li",)  # type: ignore[attr-defined]
    year = _criteria(text="Wang Li 1985")  # a short name before a year keeps its place
    assert year.names == ("Wang Li",) and year.documents == ()  # type: ignore[attr-defined]


def test_a_record_without_a_date_of_birth_is_neither_confirmed_nor_contradicted() -> None:
    criteria = _criteria(name="Anna Schmidt", date_of_birth=partial_date((1970, 1, 1)))
    exact = score(person("1", "Anna Schmidt", (1970, 1, 1)), criteria)  # type: ignore[arg-type]
    unknown = score(person("2", "Anna Schmidt"), criteria)  # type: ignore[arg-type]
    wrong = score(person("3", "Anna Schmidt", (1990, 1, 1)), criteria)  # type: ignore[arg-type]
    assert exact is not None and unknown is not None and wrong is not None
    assert exact.score > unknown.score > wrong.score
    assert [e.criterion for e in exact.explanations] == ["name", "date_of_birth"]
    assert sum(e.score for e in exact.explanations) == pytest.approx(exact.score, abs=1e-3)


def test_person_criteria_count_against_other_kinds_and_unrelated_names_do_not_match() -> None:
    company = entity_pb2.Entity(organization=organization_pb2.Organization(names=["Anna Schmidt GmbH"]))
    scored = score(company, _criteria(name="Anna Schmidt", nationality="DEU"))  # type: ignore[arg-type]
    assert scored is not None and ("nationality", "not a person") in [(e.criterion, e.detail)
                                                                       for e in scored.explanations]
    assert score(person("4", "Jan de Vries"), _criteria(name="Anna Schmidt")) is None  # type: ignore[arg-type]
