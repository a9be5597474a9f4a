"""A synthetic repository graph of a given number of links, shaped like police data:
most entities have a few links, a few have thousands.

- A quarter as many entities as links: 70% persons, 10% organizations, 15% events,
  5% places. How often an entity is picked as a link's end follows a Zipf law, so
  busy places, large companies and a few very connected persons become hubs.
- Links: half between persons (associates, family, contact), a fifth persons in
  events (suspect, victim, witness), the rest persons and companies at places and
  persons in organizations.
- 3% of persons are recorded a second time by another country (same name, birth
  date and passport), and half of their links are the second record's: the
  resolved identity is part of many shortest paths.
- 10% of entities and 5% of links are visible only to some countries.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

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

COUNTRIES = ("FRA", "DEU", "ITA", "ESP", "NLD", "POL", "BEL", "AUT", "GRC", "SWE")
_SYLLABLES = ("ka", "lo", "mi", "ra", "to", "ne", "shi", "vo", "ber", "dan", "el", "for", "gu", "hal", "is", "jor",
              "kel", "lun", "mar", "nor", "ol", "pet", "qui", "ros", "sal", "tur", "ul", "vik", "wen", "yar", "zel")
_PERSON_LINKS = (link_pb2.LINK_TYPE_ASSOCIATE, link_pb2.LINK_TYPE_FAMILY, link_pb2.LINK_TYPE_COMMUNICATES_WITH)
_EVENT_LINKS = (link_pb2.LINK_TYPE_SUSPECT_IN, link_pb2.LINK_TYPE_VICTIM_OF, link_pb2.LINK_TYPE_WITNESS_OF)
_ORG_LINKS = (link_pb2.LINK_TYPE_MEMBER_OF, link_pb2.LINK_TYPE_EMPLOYEE_OF, link_pb2.LINK_TYPE_DIRECTOR_OF)


@dataclass
class Shape:
    """Entity numbers by kind (persons first), and each person's twin record, if any."""

    persons: int
    organizations: int
    events: int
    places: int
    twins: dict[int, int]

    @property
    def total(self) -> int:
        return self.persons + self.organizations + self.events + self.places + len(self.twins)


def entity_id(number: int) -> str:
    return f"ent_bench{number:017d}"


def _name(rng: random.Random) -> str:
    def word() -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return f"{word()} {word()} {word().upper()}"


def _policy(rng: random.Random, owner: str, share_restricted: float) -> access_pb2.AccessPolicy:
    if rng.random() >= share_restricted:
        return access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_MEMBERS)
    others = [c for c in COUNTRIES if c != owner]
    if rng.random() < 0.7:
        return access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ONLY_LISTED, countries=rng.sample(others, 2))
    return access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_EXCEPT_LISTED, countries=rng.sample(others, 1))


def shape(links: int, seed: int = 7) -> Shape:
    entities = max(100, links // 4)
    rng = random.Random(seed)
    persons = int(entities * 0.7)
    twins = {p: entities + n for n, p in enumerate(sorted(rng.sample(range(persons), int(persons * 0.03))))}
    return Shape(persons, int(entities * 0.1), int(entities * 0.15), entities - persons - int(entities * 0.25), twins)


def entities(graph: Shape, seed: int = 7) -> Iterator[entity_pb2.Entity]:
    rng = random.Random(seed + 1)
    start = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    twin_of = {twin: person for person, twin in graph.twins.items()}
    people: dict[int, tuple[str, tuple[int, int, int], str]] = {}
    for number in range(graph.total):
        owner = rng.choice(COUNTRIES)
        entity = entity_pb2.Entity(id=entity_id(number), access_policy=_policy(rng, owner, 0.1),
                                   provenance=provenance_pb2.Provenance(data_owner=owner,
                                                                        source_record_id=f"bench-{number}"))
        base = graph.persons + graph.organizations + graph.events + graph.places
        if number < graph.persons or number >= base:  # a person, or a person's second record
            original = twin_of.get(number, number)
            if original not in people:
                people[original] = (_name(rng), (rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28)),
                                    f"{rng.choice(COUNTRIES)[:2]}{rng.randrange(10**7):07d}")
            name, born, passport = people[original]
            entity.person.CopyFrom(person_pb2.Person(
                names=[names_pb2.PersonName(full_name=name)],
                date_of_birth=dates_pb2.PartialDate(year=born[0], month=born[1], day=born[2]),
                documents=[person_pb2.IdentityDocument(document_type="PASSPORT", number=passport)]))
        elif number < graph.persons + graph.organizations:
            entity.organization.CopyFrom(organization_pb2.Organization(names=[_name(rng) + " Ltd"],
                                                                       jurisdiction=owner))
        elif number < graph.persons + graph.organizations + graph.events:
            event = event_pb2.Event(iccs_code="0501", title=f"Burglary {number}",
                                    location=location_pb2.Location(country=owner))
            event.start_time.FromDatetime(start + dt.timedelta(minutes=rng.randrange(2 * 365 * 1440)))
            entity.event.CopyFrom(event)
        else:
            entity.location.CopyFrom(location_pb2.Location(name=f"Place {number}", country=owner))
        yield entity


def _zipf(rng: np.random.Generator, count: int, size: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, count + 1) ** exponent
    picked = rng.choice(count, size=size, p=weights / weights.sum())
    return np.asarray(rng.permutation(count)[picked], np.int64)  # hubs anywhere, not the first numbers


def links(graph: Shape, count: int, seed: int = 7) -> Iterator[link_pb2.Link]:
    rng = np.random.default_rng(seed)
    person_person = count // 2
    person_event = count // 5
    at_place = count * 3 // 20
    in_org = count - person_person - person_event - at_place
    organizations = graph.persons
    events = organizations + graph.organizations
    places = events + graph.events
    ends = [
        (_zipf(rng, graph.persons, person_person, 0.8), _zipf(rng, graph.persons, person_person, 0.8), _PERSON_LINKS),
        (_zipf(rng, graph.persons, person_event, 0.6), events + _zipf(rng, graph.events, person_event, 0.6),
         _EVENT_LINKS),
        (_zipf(rng, graph.persons + graph.organizations, at_place, 0.6),
         places + _zipf(rng, graph.places, at_place, 1.0), (link_pb2.LINK_TYPE_RESIDES_AT,)),
        (_zipf(rng, graph.persons, in_org, 0.6), organizations + _zipf(rng, graph.organizations, in_org, 1.0),
         _ORG_LINKS),
    ]
    policy_rng = random.Random(seed + 2)
    number = 0
    for sources, targets, kinds in ends:
        choice = rng.integers(0, len(kinds), len(sources))
        twin_side = rng.random(len(sources)) < 0.5
        for source, target, kind, twin in zip(sources.tolist(), targets.tolist(), choice.tolist(), twin_side.tolist(),
                                              strict=True):
            if twin and source in graph.twins:
                source = graph.twins[source]
            if source == target:
                continue
            owner = policy_rng.choice(COUNTRIES)
            yield link_pb2.Link(id=f"lnk_bench{number:017d}", from_entity_id=entity_id(source),
                                to_entity_id=entity_id(target), link_type=kinds[kind],
                                provenance=provenance_pb2.Provenance(data_owner=owner,
                                                                     source_record_id=f"bench-link-{number}"),
                                access_policy=_policy(policy_rng, owner, 0.05))
            number += 1
