"""Search criteria: the request checked field by field and read into one plain
object, free text split into what it contains (names, document numbers, a date)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from google.protobuf import timestamp_pb2

from icore.query.v1 import query_service_pb2 as pb
from icore.uim.v1 import dates_pb2, entity_pb2
from services.bootstrap.errors import FieldErrors
from services.bootstrap.paging import PageRequest
from services.uim.names import is_document_series, normalise_document_number
from services.uim.validation import check_code, check_partial_date
from services.uim.written_dates import written_date

MAX_TEXT, MAX_NAME, MAX_DOCUMENT, MAX_TOLERANCE = 500, 300, 50, 10
DEFAULT_PAGE, MAX_PAGE = 20, 100
#: A search ranks at most this many hits; no token points beyond.
MAX_OFFSET = 10_000
#: Words of free text that look like document numbers: letters and digits, with a digit.
MIN_DOCUMENT_LENGTH = 5
#: A number written in groups is taken as complete from this many characters.
COMPLETE_NUMBER_LENGTH = 7
#: What a `name` without free text looks at, unless `entity_kinds` says otherwise:
#: the kinds of record a name belongs to. Events and locations carry place names
#: ("Łódź" sounds like the surname "Lotiz"), which free text may ask for.
NAMED_KINDS = (entity_pb2.ENTITY_KIND_PERSON, entity_pb2.ENTITY_KIND_ORGANIZATION)

_SECONDS_MIN = int(dt.datetime(1, 1, 1, tzinfo=dt.UTC).timestamp())
_SECONDS_MAX = int(dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC).timestamp())


@dataclass(frozen=True)
class Criteria:
    """What to look for; empty fields are not criteria."""

    #: Names to match, in any script (the `name` field and the names in `text`).
    names: tuple[str, ...]
    date_of_birth: dates_pb2.PartialDate | None
    tolerance_years: int
    nationality: str
    #: Normalised document numbers (the field and number-like words of `text`).
    documents: tuple[str, ...]
    #: True when a document number was asked for explicitly, not guessed from text.
    document_required: bool
    #: The country that issued the documents asked for; "" for any.
    document_country: str
    kinds: tuple[int, ...]
    event_country: str
    start: dt.datetime | None
    end: dt.datetime | None
    page: PageRequest

    @property
    def event_filters(self) -> bool:
        return bool(self.event_country or self.start or self.end)

    @property
    def person_criteria(self) -> bool:
        return bool(self.date_of_birth or self.nationality or self.documents)


def _text_parts(text: str) -> tuple[str, list[str], dates_pb2.PartialDate | None]:
    """Split free text into (name words, document numbers, a date of birth).

    A number written in groups ("XP 5320800", "YA 123 4567") is read as one; its
    first groups joined, and each group of MIN_DOCUMENT_LENGTH or more, are
    numbers too (where one number ends and the next begins is a guess). A group
    of four digits after a number still too short to be one is part of it, not
    a year of birth.
    """
    words: list[str] = []
    numbers: list[str] = []
    date = None
    run: list[str] = []  # the groups of the number being read

    def end_run() -> None:
        joined = ["".join(run[:k]) for k in range(2, len(run) + 1)]
        numbers.extend(n for n in [*joined, *run] if len(n) >= MIN_DOCUMENT_LENGTH and any(c.isdigit() for c in n))
        run.clear()

    plain_words = [word.strip(",;") for word in text.split()]
    for i, plain in enumerate(plain_words):
        number = normalise_document_number(plain)
        has_digit = any(c.isdigit() for c in number)
        continues = has_digit and bool(run) and len("".join(run)) < COMPLETE_NUMBER_LENGTH
        written = None if continues or date is not None else written_date(plain)
        if written is not None:
            end_run()
            date = written
        elif has_digit:
            run.append(number)
        else:
            end_run()
            if is_document_series(plain, plain_words[i + 1] if i + 1 < len(plain_words) else ""):
                run.append(number)
            elif any(c.isalpha() for c in plain):
                words.append(plain)
    end_run()
    return " ".join(words), list(dict.fromkeys(numbers)), date


def _time(stamp: timestamp_pb2.Timestamp, field: str, errors: FieldErrors) -> dt.datetime | None:
    if not (_SECONDS_MIN <= stamp.seconds <= _SECONDS_MAX and 0 <= stamp.nanos < 1_000_000_000):
        errors.add(field, "not a valid time between years 1 and 9999")
        return None
    return stamp.ToDatetime(dt.UTC)


def parse_search(request: pb.SearchRequest, errors: FieldErrors) -> Criteria:
    """Check every field of a SearchRequest (all mistakes at once) and read it."""
    errors.check(len(request.text) <= MAX_TEXT, "text", f"longer than {MAX_TEXT} characters")
    errors.check(len(request.name) <= MAX_NAME, "name", f"longer than {MAX_NAME} characters")
    errors.check(len(request.document_number) <= MAX_DOCUMENT, "document_number",
                 f"longer than {MAX_DOCUMENT} characters")
    text_name, text_numbers, text_date = _text_parts(request.text[:MAX_TEXT])
    document = normalise_document_number(request.document_number[:MAX_DOCUMENT])
    if request.document_number.strip():
        errors.check(bool(document), "document_number", "has no letters or digits")
    birth = None
    if request.HasField("date_of_birth"):
        before = len(errors.violations)
        check_partial_date(errors, request.date_of_birth, "date_of_birth")
        birth = request.date_of_birth if len(errors.violations) == before else None
    elif text_date is not None:
        birth = text_date
    errors.check(0 <= request.date_of_birth_tolerance_years <= MAX_TOLERANCE, "date_of_birth_tolerance_years",
                 f"must be 0 to {MAX_TOLERANCE}")
    check_code(errors, "countries", request.nationality, "nationality")
    check_code(errors, "countries", request.event_country, "event_country")
    check_code(errors, "countries", request.document_country, "document_country")
    for i, kind in enumerate(request.entity_kinds):
        errors.check(kind in entity_pb2.EntityKind.values(), f"entity_kinds[{i}]", "unknown entity kind")
    start = _time(request.start_time, "start_time", errors) if request.HasField("start_time") else None
    end = _time(request.end_time, "end_time", errors) if request.HasField("end_time") else None
    if start is not None and end is not None:
        errors.check(end > start, "end_time", "must be after start_time")
    page = PageRequest.parse(request.page_size, request.page_token, default=DEFAULT_PAGE, maximum=MAX_PAGE,
                             errors=errors)
    errors.check(page.offset <= MAX_OFFSET, "page_token", "not a token from a previous response")
    names = tuple(dict.fromkeys(n for n in (request.name.strip(), text_name.strip()) if n))
    documents = tuple(dict.fromkeys(([document] if document else []) + text_numbers))
    kinds = tuple(sorted({k for k in request.entity_kinds if k != entity_pb2.ENTITY_KIND_UNSPECIFIED}))
    event_filters = bool(request.event_country or start or end)
    if not kinds and request.name.strip() and not text_name and not event_filters:
        kinds = NAMED_KINDS
    criteria = Criteria(
        names=names, date_of_birth=birth, tolerance_years=request.date_of_birth_tolerance_years,
        nationality=request.nationality, documents=documents, document_required=bool(document),
        document_country=request.document_country, kinds=kinds,
        event_country=request.event_country, start=start, end=end, page=page)
    has_criterion = criteria.names or criteria.person_criteria or criteria.event_filters
    if not has_criterion:
        errors.add("text", "give at least one criterion: text, name, date_of_birth, nationality, "
                           "document_number, event_country, start_time or end_time")
    return criteria
