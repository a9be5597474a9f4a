"""The demo generator: deterministic, streamed, many scripts and sources, the truth
recorded, the planted patterns where the analytics tests look for them."""

from __future__ import annotations

import datetime as dt
import inspect
import math
from collections import Counter

from icore.uim.v1 import organization_pb2
from services.bootstrap.errors import FieldErrors
from services.demo.generator import (
    BURST_DAYS,
    BURST_EVENTS,
    BURST_START,
    HOTSPOT_CENTER,
    HOTSPOT_EVENTS,
    HOTSPOT_RADIUS_M,
    Truth,
    generate,
    person_records,
    search_query,
)
from services.query.identifiers import entity_id
from services.uim.validation import check_entity, check_link


def _truth(size: int, seed: int = 1) -> tuple[Truth, list]:  # type: ignore[type-arg]
    truth, items = Truth(), []
    for item in generate(size, seed):
        truth.add(item)
        items.append(item)
    return truth, items


def test_the_same_seed_gives_the_same_records_and_another_seed_others() -> None:
    first = [i.entity.SerializeToString() if i.entity else i.link.SerializeToString() for i in generate(500, 7)]
    again = [i.entity.SerializeToString() if i.entity else i.link.SerializeToString() for i in generate(500, 7)]
    other = [i.entity.SerializeToString() if i.entity else i.link.SerializeToString() for i in generate(500, 8)]
    assert first == again and first != other
    assert search_query(7, 3) == search_query(7, 3)
    assert [i.entity for i in person_records(7, 12)] == [i.entity for i in generate(2000, 7) if i.person == 12]


def test_records_are_valid_uim_in_many_scripts_from_many_owners() -> None:
    truth, items = _truth(3000)
    assert truth.person_records == 3000
    scripts = Counter(i.entity.person.names[0].script for i in items if i.entity and i.entity.HasField("person"))
    assert {"Latn", "Cyrl", "Grek", "Arab", "Hans"} <= set(scripts)
    owners = Counter(i.owner for i in items if i.entity)
    assert len(owners) >= 12
    errors = FieldErrors()
    for n, item in enumerate(items):
        if item.entity is not None:
            check_entity(errors, item.entity, f"[{n}]")
            assert item.entity.id == entity_id(item.owner, item.entity.provenance.source_record_id)
        else:
            check_link(errors, item.link, f"[{n}]")
    assert errors.violations == []


def test_the_truth_groups_records_of_one_person_from_different_sources() -> None:
    truth, items = _truth(3000)
    by_id = {i.entity.id: i for i in items if i.entity is not None}
    several = [ids for ids in truth.persons.values() if len(ids) > 1]
    assert len(several) > 0.4 * len(truth.persons)
    written_differently = 0
    for ids in several:
        records = [by_id[i] for i in ids]
        assert len({r.owner for r in records}) > 1  # the home country and police abroad
        names = {n.full_name or f"{n.given_names} {n.family_name}" for r in records for n in r.entity.person.names}
        written_differently += len(names) > 1
    assert written_differently > 0.8 * len(several)
    partial = sum(1 for i in items if i.entity is not None and i.entity.HasField("person")
                  and i.entity.person.date_of_birth.year and not i.entity.person.date_of_birth.day)
    assert partial > 0.1 * truth.person_records


def test_links_point_at_entities_generated_before_them() -> None:
    truth, items = _truth(2000)
    seen: set[str] = set()
    for item in items:
        if item.entity is not None:
            seen.add(item.entity.id)
        else:
            assert item.link.from_entity_id in seen and item.link.to_entity_id in seen
    assert truth.links > 0 and truth.networks
    for members in truth.networks.values():
        kinds = Counter(by.entity.WhichOneof("kind") for by in items if by.entity and by.entity.id in members)
        assert kinds["person"] >= 4 and kinds["organization"] >= 2 and kinds["event"] >= 1
        groups = [by for by in items if by.entity and by.entity.id in members and by.entity.HasField("organization")
                  and by.entity.organization.organization_type == organization_pb2.ORGANIZATION_TYPE_CRIMINAL_GROUP]
        assert len(groups) == 1


def test_the_planted_burst_and_hotspot_are_there() -> None:
    truth, items = _truth(300)
    events = {i.entity.id: i.entity.event for i in items if i.entity is not None and i.entity.HasField("event")}
    assert len(truth.burst) == BURST_EVENTS and len(truth.hotspot) == HOTSPOT_EVENTS
    for event_id in truth.burst:
        event = events[event_id]
        start = event.start_time.ToDatetime(dt.UTC)
        assert event.iccs_code == "0501" and event.location.locality == "Lyon"
        assert BURST_START <= start < BURST_START + dt.timedelta(days=BURST_DAYS)
    for event_id in truth.hotspot:
        point = events[event_id].location.point
        north = (point.latitude - HOTSPOT_CENTER[0]) * 111_000
        east = (point.longitude - HOTSPOT_CENTER[1]) * 111_000 * math.cos(math.radians(HOTSPOT_CENTER[0]))
        assert math.hypot(north, east) <= HOTSPOT_RADIUS_M
    lyon_burglaries = [e for e in events.values() if e.iccs_code == "0501" and e.location.locality == "Lyon"]
    assert len(lyon_burglaries) - BURST_EVENTS < 5  # far above the usual rate


def test_generation_streams_records_one_at_a_time() -> None:
    """A million records are generated as they are consumed, never held together
    (how fast is bench.query's "generating" figure, not a test's)."""
    records = generate(10_000, 3, extras=False)
    assert inspect.isgenerator(records)
    assert sum(1 for _ in records) == 10_000
