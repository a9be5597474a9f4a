"""Small builders of UIM entities and links for analytics tests: only the fields a
test cares about, everything else valid and visible to all member countries."""

from __future__ import annotations

import datetime as dt

from icore.uim.v1 import (
    access_pb2,
    dates_pb2,
    entity_pb2,
    event_pb2,
    link_pb2,
    location_pb2,
    names_pb2,
    organization_pb2,
    person_pb2,
    provenance_pb2,
)

ALL = access_pb2.VISIBILITY_ALL_MEMBERS
ONLY = access_pb2.VISIBILITY_ONLY_LISTED
EXCEPT = access_pb2.VISIBILITY_ALL_EXCEPT_LISTED


def _policy(visibility: int, countries: tuple[str, ...]) -> access_pb2.AccessPolicy:
    return access_pb2.AccessPolicy(visibility=visibility, countries=countries,
                                   handling_code=access_pb2.HANDLING_CODE_H1)


def _provenance(owner: str, record_id: str) -> provenance_pb2.Provenance:
    return provenance_pb2.Provenance(data_owner=owner, source_system=f"{owner}-TEST", source_record_id=record_id)


def person(entity_id: str, name: str, *, owner: str = "FRA", visibility: int = ALL, countries: tuple[str, ...] = (),
           born: tuple[int, int, int] | None = None, nationality: str = "", passport: str = "") -> entity_pb2.Entity:
    record = person_pb2.Person(names=[names_pb2.PersonName(full_name=name)])
    if born:
        record.date_of_birth.CopyFrom(dates_pb2.PartialDate(year=born[0], month=born[1], day=born[2]))
    if nationality:
        record.nationalities.append(nationality)
    if passport:
        record.documents.append(person_pb2.IdentityDocument(document_type="PASSPORT", number=passport))
    return entity_pb2.Entity(id=entity_id, provenance=_provenance(owner, entity_id),
                             access_policy=_policy(visibility, countries), person=record)


def organization(entity_id: str, name: str, *, owner: str = "FRA", visibility: int = ALL,
                 countries: tuple[str, ...] = ()) -> entity_pb2.Entity:
    return entity_pb2.Entity(id=entity_id, provenance=_provenance(owner, entity_id),
                             access_policy=_policy(visibility, countries),
                             organization=organization_pb2.Organization(names=[name], jurisdiction=owner))


def event(entity_id: str, iccs: str, when: dt.datetime, *, country: str = "FRA",
          point: tuple[float, float] | None = None, owner: str = "FRA", visibility: int = ALL,
          countries: tuple[str, ...] = ()) -> entity_pb2.Entity:
    record = event_pb2.Event(iccs_code=iccs, title=f"{iccs} in {country}",
                             location=location_pb2.Location(country=country))
    record.start_time.FromDatetime(when)
    if point:
        record.location.point.CopyFrom(location_pb2.GeoPoint(latitude=point[0], longitude=point[1]))
    return entity_pb2.Entity(id=entity_id, provenance=_provenance(owner, entity_id),
                             access_policy=_policy(visibility, countries), event=record)


def location(entity_id: str, name: str, *, owner: str = "FRA") -> entity_pb2.Entity:
    return entity_pb2.Entity(id=entity_id, provenance=_provenance(owner, entity_id), access_policy=_policy(ALL, ()),
                             location=location_pb2.Location(name=name, country=owner))


def link(link_id: str, source: str, target: str, link_type: int = link_pb2.LINK_TYPE_ASSOCIATE, *,
         owner: str = "FRA", visibility: int = ALL, countries: tuple[str, ...] = (), role: str = "") -> link_pb2.Link:
    return link_pb2.Link(id=link_id, from_entity_id=source, to_entity_id=target, link_type=link_type, role=role,
                         provenance=_provenance(owner, link_id), access_policy=_policy(visibility, countries))
