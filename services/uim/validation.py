"""Validation of UIM records against the model's rules and the look-up tables.

Every function appends to a `FieldErrors` with the full path of each bad field
("content.entities[2].person.names"), so that a caller learns every mistake
at once and a service rejects the whole request before writing anything.
"""

from __future__ import annotations

import calendar
import math

import numpy as np
from google.protobuf import timestamp_pb2

from icore.uim.v1 import (
    access_pb2,
    biometrics_pb2,
    dates_pb2,
    entity_pb2,
    event_pb2,
    link_pb2,
    location_pb2,
    organization_pb2,
    person_pb2,
)
from services.bootstrap.errors import FieldErrors
from services.uim.biometrics import sample_vector
from services.uim.codes import code_tables

MAX_NAMES = 50
MAX_TEXT = 300
MAX_DESCRIPTION = 10_000
MAX_POLICY_COUNTRIES = 250


def check_code(errors: FieldErrors, table: str, code: str, path: str, *, required: bool = False) -> None:
    """`code` must be in look-up table `table` (empty is fine unless required)."""
    if not code:
        errors.check(not required, path, "required")
    elif code not in code_tables()[table]:  # the message only when needed: ingest checks millions
        errors.add(path, f"unknown {table.rstrip('s').replace('_', ' ')} code {code!r}")


def check_length(errors: FieldErrors, text: str, limit: int, path: str) -> None:
    if len(text) > limit:
        errors.add(path, f"longer than {limit} characters")


def check_partial_date(errors: FieldErrors, date: dates_pb2.PartialDate, path: str) -> None:
    """Year 1–9999; month 0 (unknown) or 1–12; day 0 or a real day of that month."""
    if not 1 <= date.year <= 9999:
        errors.add(f"{path}.year", "must be 1 to 9999")
        return
    if not 0 <= date.month <= 12:
        errors.add(f"{path}.month", "must be 0 (unknown) or 1 to 12")
        return
    if date.day and not date.month:
        errors.add(f"{path}.day", "a day needs a month")
    elif date.day and not 1 <= date.day <= calendar.monthrange(date.year, date.month)[1]:
        errors.add(f"{path}.day", f"not a day of {date.year}-{date.month:02d}")


#: google.protobuf.Timestamp's valid range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799


def check_timestamp(errors: FieldErrors, timestamp: timestamp_pb2.Timestamp, path: str) -> bool:
    """A Timestamp within years 1–9999 with nanos 0–999,999,999; False when not."""
    ok = _MIN_SECONDS <= timestamp.seconds <= _MAX_SECONDS and 0 <= timestamp.nanos <= 999_999_999
    return errors.check(ok, path, "not a valid timestamp (years 1 to 9999, nanos 0 to 999,999,999)")


def check_access_policy(errors: FieldErrors, policy: access_pb2.AccessPolicy, path: str, *, required: bool) -> None:
    if policy.visibility == access_pb2.VISIBILITY_UNSPECIFIED:
        errors.check(not required, f"{path}.visibility", "required: choose who may see the record")
        return
    listed = policy.visibility in (access_pb2.VISIBILITY_ONLY_LISTED, access_pb2.VISIBILITY_ALL_EXCEPT_LISTED)
    errors.check(not listed or len(policy.countries) > 0, f"{path}.countries", "list at least one country")
    errors.check(len(policy.countries) <= MAX_POLICY_COUNTRIES, f"{path}.countries", "too many countries")
    for i, country in enumerate(policy.countries):
        check_code(errors, "countries", country, f"{path}.countries[{i}]")
    check_length(errors, policy.handling_instructions, 1000, f"{path}.handling_instructions")


def check_location(errors: FieldErrors, location: location_pb2.Location, path: str) -> None:
    check_code(errors, "countries", location.country, f"{path}.country")
    for field, limit in (("name", 200), ("street", 200), ("locality", 100), ("region", 100)):
        check_length(errors, getattr(location, field), limit, f"{path}.{field}")
    if location.HasField("point"):
        point = location.point
        errors.check(math.isfinite(point.latitude) and -90 <= point.latitude <= 90,
                     f"{path}.point.latitude", "must be -90 to 90")
        errors.check(math.isfinite(point.longitude) and -180 <= point.longitude <= 180,
                     f"{path}.point.longitude", "must be -180 to 180")


def check_person(errors: FieldErrors, person: person_pb2.Person, path: str) -> None:
    errors.check(len(person.names) > 0, f"{path}.names", "a person needs at least one name")
    errors.check(len(person.names) <= MAX_NAMES, f"{path}.names", f"at most {MAX_NAMES} names")
    for i, name in enumerate(person.names):
        name_path = f"{path}.names[{i}]"
        if not (name.full_name.strip() or name.given_names.strip() or name.family_name.strip()):
            errors.add(name_path, "a name needs full_name, given_names or family_name")
        check_length(errors, name.full_name, MAX_TEXT, f"{name_path}.full_name")
        check_code(errors, "scripts", name.script, f"{name_path}.script")
        for j, other in enumerate(name.transliterations):
            check_code(errors, "scripts", other.script, f"{name_path}.transliterations[{j}].script")
    if person.HasField("date_of_birth"):
        check_partial_date(errors, person.date_of_birth, f"{path}.date_of_birth")
    if person.HasField("place_of_birth"):
        check_location(errors, person.place_of_birth, f"{path}.place_of_birth")
    for i, nationality in enumerate(person.nationalities):
        check_code(errors, "countries", nationality, f"{path}.nationalities[{i}]", required=True)
    for i, document in enumerate(person.documents):
        doc_path = f"{path}.documents[{i}]"
        check_code(errors, "document_types", document.document_type, f"{doc_path}.document_type", required=True)
        errors.check(bool(document.number.strip()), f"{doc_path}.number", "required")
        check_length(errors, document.number, 50, f"{doc_path}.number")
        check_code(errors, "countries", document.issuing_country, f"{doc_path}.issuing_country")
    for i, address in enumerate(person.addresses):
        check_location(errors, address, f"{path}.addresses[{i}]")


def check_organization(errors: FieldErrors, organization: organization_pb2.Organization, path: str) -> None:
    errors.check(any(n.strip() for n in organization.names), f"{path}.names", "an organization needs a name")
    for i, name in enumerate(organization.names):
        check_length(errors, name, MAX_TEXT, f"{path}.names[{i}]")
    check_code(errors, "countries", organization.jurisdiction, f"{path}.jurisdiction")
    for i, registration in enumerate(organization.registration_numbers):
        check_code(errors, "countries", registration.country, f"{path}.registration_numbers[{i}].country")
    for i, address in enumerate(organization.addresses):
        check_location(errors, address, f"{path}.addresses[{i}]")


def check_event(errors: FieldErrors, event: event_pb2.Event, path: str) -> None:
    check_code(errors, "iccs", event.iccs_code, f"{path}.iccs_code", required=True)
    start_ok = errors.check(event.HasField("start_time"), f"{path}.start_time", "required") and \
        check_timestamp(errors, event.start_time, f"{path}.start_time")
    end_ok = event.HasField("end_time") and check_timestamp(errors, event.end_time, f"{path}.end_time")
    if start_ok and end_ok:  # ToNanoseconds raises on a timestamp out of range
        errors.check(event.end_time.ToNanoseconds() >= event.start_time.ToNanoseconds(),
                     f"{path}.end_time", "before start_time")
    if event.HasField("location"):
        check_location(errors, event.location, f"{path}.location")
    check_length(errors, event.title, 200, f"{path}.title")
    check_length(errors, event.description, MAX_DESCRIPTION, f"{path}.description")
    check_code(errors, "languages", event.language, f"{path}.language")


def check_entity(errors: FieldErrors, entity: entity_pb2.Entity, path: str, *, policy_required: bool = True) -> None:
    """Everything a stored entity must satisfy; `path` prefixes every field."""
    prefix = f"{path}." if path else ""
    kind = entity.WhichOneof("kind")
    if kind is None:
        errors.add(f"{prefix}kind", "set one of person, organization, event or location")
    elif kind == "person":
        check_person(errors, entity.person, f"{prefix}person")
    elif kind == "organization":
        check_organization(errors, entity.organization, f"{prefix}organization")
    elif kind == "event":
        check_event(errors, entity.event, f"{prefix}event")
    else:
        check_location(errors, entity.location, f"{prefix}location")
    check_length(errors, entity.id, 64, f"{prefix}id")
    check_access_policy(errors, entity.access_policy, f"{prefix}access_policy", required=policy_required)
    if entity.provenance.HasField("retention_review_date"):
        check_partial_date(errors, entity.provenance.retention_review_date, f"{prefix}provenance.retention_review_date")
    check_length(errors, entity.provenance.source_record_id, 200, f"{prefix}provenance.source_record_id")


def check_link(
    errors: FieldErrors, link: link_pb2.Link, path: str, *, known_ids: set[str] | None = None,
    policy_required: bool = True,
) -> None:
    """A link needs two different ends, a type and (when given) ends in `known_ids`."""
    prefix = f"{path}." if path else ""
    for end in ("from_entity_id", "to_entity_id"):
        value = getattr(link, end)
        if not value:
            errors.add(f"{prefix}{end}", "required")
        elif known_ids is not None and value not in known_ids:
            errors.add(f"{prefix}{end}", f"no entity {value!r} in this request")
    if link.from_entity_id and link.from_entity_id == link.to_entity_id:
        errors.add(f"{prefix}to_entity_id", "a link needs two different entities")
    errors.check(link.link_type != link_pb2.LINK_TYPE_UNSPECIFIED, f"{prefix}link_type", "required")
    errors.check(link.link_type in link_pb2.LinkType.values(), f"{prefix}link_type", "unknown link type")
    check_length(errors, link.role, 100, f"{prefix}role")
    for end in ("start", "end"):
        if link.validity.HasField(end):
            check_partial_date(errors, getattr(link.validity, end), f"{prefix}validity.{end}")
    check_access_policy(errors, link.access_policy, f"{prefix}access_policy", required=policy_required)


def check_biometric_sample(
    errors: FieldErrors, sample: biometrics_pb2.BiometricSample, path: str, dimensions: dict[int, int]
) -> None:
    """Modality set and configured; vector of that dimension, finite, not all zero."""
    if sample.modality not in dimensions:
        errors.add(f"{path}.modality", "required: a configured modality")
        return
    expected = dimensions[sample.modality]
    vector = sample_vector(sample, errors, path)
    if vector is None:
        pass
    elif vector.shape[0] != expected:
        errors.add(f"{path}.vector", f"has {vector.shape[0]} values; the modality needs {expected}")
    elif not np.isfinite(vector).all():
        errors.add(f"{path}.vector", "contains NaN or infinity")
    elif not vector.any():
        errors.add(f"{path}.vector", "is all zeros")
    errors.check(0.0 <= sample.quality <= 1.0, f"{path}.quality", "must be 0 to 1")
