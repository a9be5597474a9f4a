"""Small UIM records for the query tests, and helpers to call the real service."""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from icore.query.v1 import query_service_pb2 as pb
from icore.query.v1 import query_service_pb2_grpc as pb_grpc
from icore.uim.v1 import access_pb2, dates_pb2, entity_pb2, event_pb2, link_pb2, location_pb2, names_pb2, person_pb2
from services.query.identifiers import entity_id
from tests.support import country

ALL = access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_MEMBERS)


def only(*countries: str) -> access_pb2.AccessPolicy:
    return access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ONLY_LISTED, countries=list(countries))


def partial_date(parts: tuple[int, ...]) -> dates_pb2.PartialDate:
    """(year,), (year, month) or (year, month, day)."""
    return dates_pb2.PartialDate(**dict(zip(("year", "month", "day"), parts, strict=False)))


def person(record_id: str, name: str, birth: tuple[int, ...] = (), *, nationalities: Sequence[str] = (),
           documents: Sequence[str] = (), policy: access_pb2.AccessPolicy = ALL, script: str = "",
           transliteration: str = "") -> entity_pb2.Entity:
    """A person record; `birth` is (year,), (year, month) or (year, month, day)."""
    record = person_pb2.Person(names=[names_pb2.PersonName(full_name=name, script=script)],
                               nationalities=list(nationalities))
    if transliteration:
        record.names[0].transliterations.add(text=transliteration, script="Latn")
    if birth:
        record.date_of_birth.CopyFrom(partial_date(birth))
    for number in documents:
        record.documents.add(document_type="PASSPORT", number=number)
    entity = entity_pb2.Entity(access_policy=policy, person=record)
    entity.provenance.source_record_id = record_id
    entity.provenance.source_system = "TEST"
    return entity


def event(record_id: str, iccs: str, seconds: int, where: str, country_code: str,
          policy: access_pb2.AccessPolicy = ALL) -> entity_pb2.Entity:
    entity = entity_pb2.Entity(access_policy=policy, event=event_pb2.Event(
        iccs_code=iccs, title=f"Offence in {where}",
        location=location_pb2.Location(locality=where, country=country_code)))
    entity.event.start_time.seconds = seconds
    entity.provenance.source_record_id = record_id
    return entity


def link(record_id: str, source: str, target: str, kind: int = link_pb2.LINK_TYPE_ASSOCIATE,
         policy: access_pb2.AccessPolicy = ALL) -> link_pb2.Link:
    made = link_pb2.Link(from_entity_id=source, to_entity_id=target, link_type=kind, access_policy=policy)
    made.provenance.source_record_id = record_id
    return made


def stub(channel: grpc.Channel) -> pb_grpc.QueryServiceStub:
    return pb_grpc.QueryServiceStub(channel)


def upsert(channel: grpc.Channel, owner: str, *entities: entity_pb2.Entity) -> pb.UpsertEntitiesResponse:
    requests = [pb.UpsertEntitiesRequest(entities=list(entities))]
    return stub(channel).UpsertEntities(iter(requests), metadata=country(owner), timeout=30)


def stored_id(owner: str, record_id: str) -> str:
    return entity_id(owner, record_id)


def search(channel: grpc.Channel, caller: str = "FRA", **fields: object) -> list[pb.SearchHit]:
    birth = fields.pop("birth", None)
    request = pb.SearchRequest(**fields)  # type: ignore[arg-type]
    if birth:
        request.date_of_birth.CopyFrom(partial_date(birth))  # type: ignore[arg-type]
    return list(stub(channel).Search(request, metadata=country(caller), timeout=30).hits)


def bad_fields(error: grpc.RpcError) -> list[str]:
    """The fields a google.rpc.BadRequest detail names."""
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error  # type: ignore[attr-defined]
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    fields = []
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            fields += [v.field for v in bad.field_violations]
    return fields
