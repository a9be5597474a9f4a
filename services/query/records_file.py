"""Files of UIM records for `icore load`: JSON lines of `icore.uim.v1.Entity` in
protobuf JSON, or CSV with one record per row. Reading never stops at a bad line:
each one becomes a `LineError` with its line number, and the rest is read.

CSV columns (header names, any order, case-insensitive; a missing column is an
empty value; several values in one cell are separated by ";"):

- every record: kind (person, organization, location or event; default person),
  source_record_id, source_system, visibility (ALL_MEMBERS, ONLY_LISTED or
  ALL_EXCEPT_LISTED), policy_countries, handling_code (H0 to H3);
- persons: full_name, given_names, family_name, script, sex (M, F or X),
  date_of_birth (YYYY, YYYY-MM or YYYY-MM-DD), nationalities, document_type
  (default PASSPORT), document_number, document_issuing_country, place_of_birth;
- organizations: name (or names), jurisdiction, registration_number;
- events: iccs_code, title, start_time and end_time (ISO 8601), description, language;
- locations, and the place of events and organizations: name, street,
  house_number, postal_code, locality, region, country, latitude, longitude.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from google.protobuf import json_format

from icore.uim.v1 import access_pb2, dates_pb2, entity_pb2, location_pb2, names_pb2, person_pb2

FORMATS = ("jsonl", "csv")
KNOWN_COLUMNS = frozenset({
    "kind", "source_record_id", "source_system", "visibility", "policy_countries", "handling_code",
    "full_name", "given_names", "family_name", "script", "sex", "date_of_birth", "nationalities",
    "document_type", "document_number", "document_issuing_country", "place_of_birth",
    "name", "names", "jurisdiction", "registration_number",
    "iccs_code", "title", "start_time", "end_time", "description", "language",
    "street", "house_number", "postal_code", "locality", "region", "country", "latitude", "longitude",
})  # fmt: skip
_SEX = {"m": person_pb2.SEX_MALE, "male": person_pb2.SEX_MALE, "f": person_pb2.SEX_FEMALE,
        "female": person_pb2.SEX_FEMALE, "x": person_pb2.SEX_OTHER, "other": person_pb2.SEX_OTHER}
_VISIBILITY = {"ALL_MEMBERS": access_pb2.VISIBILITY_ALL_MEMBERS, "ONLY_LISTED": access_pb2.VISIBILITY_ONLY_LISTED,
               "ALL_EXCEPT_LISTED": access_pb2.VISIBILITY_ALL_EXCEPT_LISTED}
_HANDLING = {"H0": access_pb2.HANDLING_CODE_H0, "H1": access_pb2.HANDLING_CODE_H1,
             "H2": access_pb2.HANDLING_CODE_H2, "H3": access_pb2.HANDLING_CODE_H3}


@dataclass(frozen=True)
class Record:
    """A record read from a file and the line it starts on."""

    line: int
    entity: entity_pb2.Entity


@dataclass(frozen=True)
class LineError:
    """A line that could not be read, or that the repository rejected."""

    line: int
    field: str
    description: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field + ': ' if self.field else ''}{self.description}"


def detect_format(path: Path, given: str = "") -> str:
    if given:
        return given
    return "csv" if path.suffix.lower() in (".csv", ".tsv") else "jsonl"


def read_records(stream: io.TextIOBase, fmt: str) -> Iterator[Record | LineError]:
    """Records and unreadable lines of a file, in file order."""
    if fmt == "csv":
        yield from _read_csv(stream)
    else:
        yield from _read_jsonl(stream)


def _read_jsonl(stream: io.TextIOBase) -> Iterator[Record | LineError]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        entity = entity_pb2.Entity()
        try:
            json_format.Parse(line, entity)
        except (json_format.ParseError, json.JSONDecodeError, ValueError, RecursionError) as error:
            yield LineError(number, "", f"not an icore.uim.v1.Entity in protobuf JSON: {str(error)[:300]}")
            continue
        yield Record(number, entity)


def _read_csv(stream: io.TextIOBase) -> Iterator[Record | LineError]:
    reader = csv.DictReader(stream)
    if reader.fieldnames is None:
        return
    columns = {name: name.strip().lower() for name in reader.fieldnames}
    unknown = sorted(c for c in columns.values() if c not in KNOWN_COLUMNS)
    if unknown:
        yield LineError(1, "", f"unknown columns ignored: {', '.join(unknown)}")
    start = reader.line_num + 1
    for row in reader:
        values = {columns[k]: (v or "").strip() for k, v in row.items() if k is not None and k in columns}
        if None in row:
            yield LineError(start, "", "more cells than columns")
            start = reader.line_num + 1
            continue
        try:
            yield Record(start, _entity(values))
        except ValueError as error:
            field, _, description = str(error).partition(": ")
            yield LineError(start, field, description)
        start = reader.line_num + 1


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _date(value: str, field: str) -> dates_pb2.PartialDate:
    parts = value.split("-")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"{field}: not a date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
    numbers = [int(p) for p in parts] + [0, 0]
    return dates_pb2.PartialDate(year=numbers[0], month=numbers[1], day=numbers[2])


def _time(value: str, field: str, target: object) -> None:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{field}: not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    target.FromDatetime(moment)  # type: ignore[attr-defined]


def _location(values: dict[str, str], name: str = "") -> location_pb2.Location | None:
    location = location_pb2.Location(name=name, street=values.get("street", ""),
                                     house_number=values.get("house_number", ""),
                                     postal_code=values.get("postal_code", ""), locality=values.get("locality", ""),
                                     region=values.get("region", ""), country=values.get("country", ""))
    latitude, longitude = values.get("latitude", ""), values.get("longitude", "")
    if latitude or longitude:
        try:
            location.point.latitude, location.point.longitude = float(latitude), float(longitude)
        except ValueError:
            raise ValueError(f"latitude: not a pair of coordinates: {latitude!r}, {longitude!r}") from None
    return location if location.ByteSize() else None


def _entity(values: dict[str, str]) -> entity_pb2.Entity:
    """One CSV row as an entity; ValueError("field: why") for a value that is not
    even of the right form (the repository checks the rest)."""
    entity = entity_pb2.Entity()
    entity.provenance.source_record_id = values.get("source_record_id", "")
    entity.provenance.source_system = values.get("source_system", "")
    visibility = values.get("visibility", "").upper().removeprefix("VISIBILITY_")
    if visibility:
        if visibility not in _VISIBILITY:
            raise ValueError(f"visibility: one of {', '.join(_VISIBILITY)}, not {visibility!r}")
        entity.access_policy.visibility = _VISIBILITY[visibility]
    entity.access_policy.countries.extend(_split(values.get("policy_countries", "")))
    handling = values.get("handling_code", "").upper()
    if handling:
        if handling not in _HANDLING:
            raise ValueError(f"handling_code: one of H0 to H3, not {handling!r}")
        entity.access_policy.handling_code = _HANDLING[handling]
    kind = (values.get("kind") or "person").lower()
    if kind == "person":
        person = entity.person
        name = names_pb2.PersonName(full_name=values.get("full_name", ""), given_names=values.get("given_names", ""),
                                    family_name=values.get("family_name", ""), script=values.get("script", ""))
        if name.full_name or name.given_names or name.family_name:
            person.names.append(name)
        sex = values.get("sex", "").lower()
        if sex:
            if sex not in _SEX:
                raise ValueError(f"sex: M, F or X, not {sex!r}")
            person.sex = _SEX[sex]
        if values.get("date_of_birth"):
            person.date_of_birth.CopyFrom(_date(values["date_of_birth"], "date_of_birth"))
        person.nationalities.extend(_split(values.get("nationalities", "")))
        if values.get("document_number"):
            person.documents.add(document_type=values.get("document_type") or "PASSPORT",
                                 number=values["document_number"],
                                 issuing_country=values.get("document_issuing_country", ""))
        if values.get("place_of_birth"):
            person.place_of_birth.locality = values["place_of_birth"]
    elif kind == "organization":
        organization = entity.organization
        organization.names.extend(_split(values.get("names", "")) or ([values["name"]] if values.get("name") else []))
        organization.jurisdiction = values.get("jurisdiction", "")
        if values.get("registration_number"):
            organization.registration_numbers.add(number=values["registration_number"],
                                                  country=values.get("jurisdiction", ""))
        address = _location(values)
        if address is not None:
            organization.addresses.append(address)
    elif kind == "event":
        event = entity.event
        event.iccs_code, event.title = values.get("iccs_code", ""), values.get("title", "")
        event.description, event.language = values.get("description", ""), values.get("language", "")
        if values.get("start_time"):
            _time(values["start_time"], "start_time", event.start_time)
        if values.get("end_time"):
            _time(values["end_time"], "end_time", event.end_time)
        place = _location(values, values.get("name", ""))
        if place is not None:
            event.location.CopyFrom(place)
    elif kind == "location":
        entity.location.CopyFrom(_location(values, values.get("name", "")) or location_pb2.Location())
    else:
        raise ValueError(f"kind: person, organization, location or event, not {kind!r}")
    return entity
