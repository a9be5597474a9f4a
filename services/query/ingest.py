"""What an upsert does before it writes: check each record, make it the stored
record (owner from the caller, id from owner and source record id, times left to
storage) and index it. A bad record is rejected alone, with its field named; the
others of the batch are stored."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf import timestamp_pb2

from icore.uim.v1 import entity_pb2, link_pb2
from services.bootstrap.errors import FieldErrors, FieldViolation
from services.query.identifiers import entity_id, is_record_id, link_id
from services.query.indexing import IndexedEntity, content_hash, index_entity
from services.uim.validation import check_entity, check_link

MAX_BATCH = 1000
_SECONDS_MIN, _SECONDS_MAX = -62135596800, 253402300799  # years 1 to 9999, as Timestamp allows


@dataclass(frozen=True)
class Rejection:
    index: int
    source_record_id: str
    violation: FieldViolation
    more: int


def check_source_record_id(errors: FieldErrors, record_id: str, path: str) -> None:
    if errors.check(bool(record_id.strip()), path, "required: the source system's id of the record"):
        errors.check(len(record_id) <= 200, path, "longer than 200 characters")
        errors.check(record_id.isprintable(), path, "contains control characters")


def check_id(errors: FieldErrors, value: str, path: str) -> bool:
    """An id the repository could have given (required)."""
    if not value:
        errors.add(path, "required")
        return False
    return errors.check(is_record_id(value), path, "not an id: letters, digits, '_' and '-', at most 64")


def _check_time(errors: FieldErrors, stamp: timestamp_pb2.Timestamp, path: str) -> None:
    errors.check(_SECONDS_MIN <= stamp.seconds <= _SECONDS_MAX and 0 <= stamp.nanos < 1_000_000_000, path,
                 "not a valid time between years 1 and 9999")


def check_storable(errors: FieldErrors, entity: entity_pb2.Entity) -> None:
    """What the repository needs beyond the shared UIM rules, to store a record as
    it is: bounded, printable keys and times a calendar can hold."""
    check_source_record_id(errors, entity.provenance.source_record_id, "provenance.source_record_id")
    system = entity.provenance.source_system
    errors.check(len(system) <= 100 and system.isprintable(), "provenance.source_system",
                 "at most 100 printable characters")
    if entity.HasField("event"):
        for field in ("start_time", "end_time"):
            if entity.event.HasField(field):
                _check_time(errors, getattr(entity.event, field), f"event.{field}")
    if entity.HasField("organization"):
        for i, registration in enumerate(entity.organization.registration_numbers):
            errors.check(len(registration.number) <= 50, f"organization.registration_numbers[{i}].number",
                         "longer than 50 characters")


def stored_entity(entity: entity_pb2.Entity, owner: str) -> entity_pb2.Entity:
    """The entity as the repository keeps it: owned by the caller, with its stable id."""
    stored = entity_pb2.Entity()
    stored.CopyFrom(entity)
    stored.provenance.data_owner = owner
    stored.provenance.ClearField("create_time")
    stored.provenance.ClearField("update_time")
    stored.id = entity_id(owner, entity.provenance.source_record_id)
    return stored


def prepare_entities(batch: list[entity_pb2.Entity], owner: str,
                     first_index: int) -> tuple[list[IndexedEntity], list[Rejection]]:
    """Check and index a batch; `first_index` is the stream position of its first entity."""
    accepted, rejected = [], []
    for offset, entity in enumerate(batch):
        errors = FieldErrors()
        check_entity(errors, entity, "")
        check_storable(errors, entity)
        if errors:
            rejected.append(Rejection(first_index + offset, entity.provenance.source_record_id[:200],
                                      errors.violations[0], len(errors.violations) - 1))
            continue
        stored = stored_entity(entity, owner)
        accepted.append(index_entity(stored, stored.id))
    return accepted, rejected


def stored_link(link: link_pb2.Link, owner: str) -> tuple[link_pb2.Link, int]:
    """The link as the repository keeps it, and the hash of its content."""
    stored = link_pb2.Link()
    stored.CopyFrom(link)
    stored.provenance.data_owner = owner
    stored.provenance.ClearField("create_time")
    stored.provenance.ClearField("update_time")
    stored.id = link_id(owner, link.provenance.source_record_id)
    return stored, content_hash(stored.SerializeToString(deterministic=True))


def check_links(links: list[link_pb2.Link], errors: FieldErrors) -> None:
    errors.check(len(links) <= MAX_BATCH, "links", f"at most {MAX_BATCH} links per request")
    errors.check(len(links) > 0, "links", "required: at least one link")
    for i, link in enumerate(links[:MAX_BATCH]):
        path = f"links[{i}]"
        check_link(errors, link, path)
        check_source_record_id(errors, link.provenance.source_record_id, f"{path}.provenance.source_record_id")
        for end in ("from_entity_id", "to_entity_id"):
            if getattr(link, end):
                check_id(errors, getattr(link, end), f"{path}.{end}")
