"""QueryService over a real channel, on SQLite and PostgreSQL: upserts, reads,
links, the change feed, search and validation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest

from icore.audit.v1 import audit_service_pb2 as audit_pb
from icore.audit.v1 import audit_service_pb2_grpc as audit_grpc
from icore.query.v1 import query_service_pb2 as pb
from icore.uim.v1 import entity_pb2, link_pb2
from services.bootstrap.certificates import make_development_pki
from services.bootstrap.paging import encode_token
from services.mesh import client_channel
from tests.query.records import (
    bad_fields,
    event,
    link,
    only,
    person,
    search,
    stored_id,
    stub,
    upsert,
)
from tests.support import RunningServer, country


@pytest.fixture
def query(database_url: str, start_service: Callable[..., RunningServer]) -> grpc.Channel:
    """The server is stopped (and its audit log flushed) before its database is dropped."""
    return start_service("query", database_url=database_url).channel


def _export(channel: grpc.Channel, caller: str, cursor: str = "") -> list[pb.ExportEntitiesResponse]:
    return list(stub(channel).ExportEntities(pb.ExportEntitiesRequest(cursor=cursor), metadata=country(caller),
                                             timeout=30))


def test_a_stream_of_many_messages_stores_each_and_a_repeated_record_last_as_sent(query: grpc.Channel) -> None:
    """Messages that wait while another is written are written together; a record
    sent again later in the stream still counts as an update and ends as sent last."""
    messages = [pb.UpsertEntitiesRequest(entities=[person(f"S-{i}-{j}", f"Anna Nowak {i} {j}") for j in range(50)])
                for i in range(12)]
    messages.append(pb.UpsertEntitiesRequest(entities=[person("S-0-0", "Anna Kowalska")]))
    response = stub(query).UpsertEntities(iter(messages), metadata=country("POL"), timeout=60)
    assert (response.created_count, response.updated_count, response.rejected_count) == (600, 1, 0)
    stored = stub(query).GetEntity(pb.GetEntityRequest(entity_id=stored_id("POL", "S-0-0")),
                                   metadata=country("POL")).entity
    assert stored.person.names[0].full_name == "Anna Kowalska"
    assert stub(query).GetEntity(pb.GetEntityRequest(entity_id=stored_id("POL", "S-11-49")),
                                 metadata=country("POL")).entity.provenance.source_record_id == "S-11-49"


def test_upsert_is_idempotent_on_source_record_id_and_owner(query: grpc.Channel) -> None:
    first = person("FPR-1", "Jean Dupont", (1970, 1, 2))
    first.provenance.data_owner = "DEU"  # ignored: the caller owns what it stores
    second = person("FPR-2", "Marie Curie", (1967, 11, 7))
    assert upsert(query, "FRA", first, second).created_count == 2
    again = upsert(query, "FRA", first, second)
    assert (again.created_count, again.updated_count) == (0, 2)
    changed = person("FPR-1", "Jean-Pierre Dupont", (1970, 1, 2))
    assert upsert(query, "FRA", changed).updated_count == 1
    stored = stub(query).GetEntity(pb.GetEntityRequest(entity_id=stored_id("FRA", "FPR-1")),
                                   metadata=country("FRA")).entity
    assert stored.person.names[0].full_name == "Jean-Pierre Dupont"
    assert stored.provenance.data_owner == "FRA"
    assert stored.provenance.create_time.seconds > 0
    assert upsert(query, "DEU", person("FPR-1", "Jean Dupont")).created_count == 1  # another owner's record
    entity_changes = [c.entity.id for c in _export(query, "FRA") if c.HasField("entity")]
    # The unchanged reload added no change; the update did.
    assert sorted(entity_changes) == sorted([stored_id("FRA", "FPR-1"), stored_id("FRA", "FPR-2"),
                                             stored_id("FRA", "FPR-1"), stored_id("DEU", "FPR-1")])


def test_upsert_rejects_bad_records_by_field_and_stores_the_rest(query: grpc.Channel) -> None:
    no_name = person("R-2", "x")
    del no_name.person.names[:]
    no_policy = person("R-5", "Anna Nowak")
    no_policy.ClearField("access_policy")
    response = upsert(query, "POL", person("R-1", "Jan Kowalski"), no_name,
                      person("R-3", "Piotr Nowak", nationalities=["XXX"]), person("", "Ewa Zielinska"), no_policy)
    assert (response.created_count, response.rejected_count) == (1, 4)
    assert [(r.index, r.field) for r in response.rejected] == [
        (1, "person.names"), (2, "person.nationalities[0]"), (3, "provenance.source_record_id"),
        (4, "access_policy.visibility")]
    assert response.rejected[0].source_record_id == "R-2"


def test_search_crosses_scripts_both_ways(query: grpc.Channel) -> None:
    upsert(query, "RUS", person("R-1", "Иван Петров", (1980, 5, 12), script="Cyrl"),
           person("R-2", "Иван Петренко", (1980, 5, 12), script="Cyrl"))
    upsert(query, "DEU", person("D-1", "Dmitri Sokolov", (1975, 2, 3)), person("D-2", "Dmitri Sobolev", (1975, 2, 3)),
           person("D-3", "Wang Xiaoming", (1990, 8, 8)), person("D-4", "Giorgos Papadopoulos", (1966, 1, 1)),
           person("D-5", "Mohammed Al-Rashid", (1985, 4, 4)))
    cases = [("Ivan Petrov", (1980, 5, 12), stored_id("RUS", "R-1")),
             ("Дмитрий Соколов", (1975, 2, 3), stored_id("DEU", "D-1")),
             ("王小明", (1990, 8, 8), stored_id("DEU", "D-3")),
             ("Γιώργος Παπαδόπουλος", (1966, 1, 1), stored_id("DEU", "D-4")),
             ("محمد الرشيد", (1985, 4, 4), stored_id("DEU", "D-5"))]
    for name, birth, expected in cases:
        hits = search(query, name=name, birth=birth)
        assert hits and hits[0].entity.id == expected, name
        assert any("transliterated" in e.detail for e in hits[0].explanations), hits[0].explanations


def test_search_finds_the_person_despite_order_typos_diacritics_and_partial_dates(query: grpc.Channel) -> None:
    upsert(query, "ESP",
           person("E-1", "José García López", (1975, 3, 2), nationalities=["ESP"]),
           person("E-2", "José García Lorenzo", (1975, 3, 2)),
           person("E-3", "María García López", (1975, 3, 2)),
           person("E-4", "José García López", (1990, 6, 1)),
           person("E-5", "Heinrich Müller", (1961,)),
           person("E-6", "Heinrich Müller", (1958, 7, 14)))
    target = stored_id("ESP", "E-1")
    for name, birth in [("LÓPEZ GARCÍA José", (1975, 3, 2)), ("Jose Garcia Lopez", (1975, 3, 2)),
                        ("José Garsia López", (1975, 3, 2)), ("José García López", (1975,)),
                        ("Garcia-Lopez, Jose", (1975, 3))]:
        hits = search(query, name=name, birth=birth)
        assert hits[0].entity.id == target, (name, [h.entity.person.names[0].full_name for h in hits])
    hits = search(query, name="Heinrich Mueller", birth=(1961, 7, 14))
    assert hits[0].entity.id == stored_id("ESP", "E-5")  # the record knows only the year
    detail = {e.criterion: e.detail for e in hits[0].explanations}
    assert "month not known" in detail["date_of_birth"]


def test_a_document_number_with_spaces_finds_the_person(query: grpc.Channel) -> None:
    upsert(query, "ITA", person("I-1", "Mario Rossi", (1950, 1, 1), documents=["YA1234567"]),
           person("I-2", "Mario Rossi", (1950, 1, 1), documents=["YA7654321"]))
    for fields in ({"document_number": "ya 123 4567"}, {"text": "Rossi YA-123-4567"}, {"text": "Rossi YA 1234567"}):
        hits = search(query, **fields)  # type: ignore[arg-type]
        assert hits[0].entity.id == stored_id("ITA", "I-1"), fields
        assert hits[0].explanations[-1].criterion == "document_number" or any(
            e.criterion == "document_number" and e.score > 0 for e in hits[0].explanations)
    people, organizations = ([entity_pb2.ENTITY_KIND_PERSON], [entity_pb2.ENTITY_KIND_ORGANIZATION])
    assert [h.entity.id for h in search(query, document_number="YA7654321", entity_kinds=people)][:1] == \
        [stored_id("ITA", "I-2")]
    assert search(query, document_number="YA7654321", entity_kinds=organizations) == []


def test_a_document_of_another_issuing_country_does_not_match(query: grpc.Channel) -> None:
    """A passport number is unique only within its issuing country."""
    russian = person("D-1", "Oleg Sokolov", documents=["XP5320800"])
    russian.person.documents[0].issuing_country = "RUS"
    upsert(query, "GBR", russian, person("D-2", "Pavel Orlov", documents=["XP 5320800"]))  # issuer not recorded
    holder, unknown_issuer = stored_id("GBR", "D-1"), stored_id("GBR", "D-2")
    assert {h.entity.id for h in search(query, document_number="XP 5320800")} == {holder, unknown_issuer}
    assert {h.entity.id for h in search(query, document_number="XP5320800", document_country="RUS")} == \
        {holder, unknown_issuer}
    assert [h.entity.id for h in search(query, document_number="XP5320800", document_country="UKR")] == \
        [unknown_issuer]
    named = search(query, name="Oleg Sokolov", document_number="XP5320800", document_country="UKR")
    assert named[0].entity.id == holder
    assert {e.criterion: e.detail for e in named[0].explanations}["document_number"] == \
        "no document issued by UKR matches"
    with pytest.raises(grpc.RpcError) as raised:
        search(query, document_number="XP5320800", document_country="XX")
    assert bad_fields(raised.value) == ["document_country"]


def test_text_finds_events_by_place_and_filters_by_country_and_time(query: grpc.Channel) -> None:
    upsert(query, "FRA", event("V-1", "0501", 1_700_000_000, "Lyon", "FRA"),
           event("V-2", "0501", 1_600_000_000, "Lyon", "FRA"), event("V-3", "0502", 1_700_000_000, "Paris", "FRA"))
    upsert(query, "DEU", event("V-4", "0501", 1_700_000_000, "Berlin", "DEU"))
    assert {h.entity.id for h in search(query, text="Lyon")} == {stored_id("FRA", "V-1"), stored_id("FRA", "V-2")}
    request = pb.SearchRequest(event_country="FRA")
    request.start_time.seconds = 1_650_000_000
    hits = stub(query).Search(request, metadata=country("ESP")).hits
    assert {h.entity.id for h in hits} == {stored_id("FRA", "V-1"), stored_id("FRA", "V-3")}


def test_a_name_alone_finds_persons_and_organizations_not_places(query: grpc.Channel) -> None:
    """"Łódź" sounds like the surname "Lotiz": a person's name must not bring the
    city's events and locations (they scored 0.68 for "Miguel Lotiz Penez",
    above a person sharing only the given name); free text still finds them."""
    upsert(query, "POL", event("P-1", "0501", 1_700_000_000, "Łódź", "POL"),
           person("P-2", "Miguel Lótiz Péñez"), person("P-3", "Miguel Andrade"))
    city, wanted, namesake = (stored_id("POL", r) for r in ("P-1", "P-2", "P-3"))
    by_name = [h.entity.id for h in search(query, name="Miguel Lotiz Penez")]
    assert by_name[0] == wanted and namesake in by_name and city not in by_name
    assert city in {h.entity.id for h in search(query, text="Miguel Lotiz Penez")}
    events = [entity_pb2.ENTITY_KIND_EVENT]
    assert [h.entity.id for h in search(query, name="Lotiz", entity_kinds=events)] == [city]


def test_bad_search_criteria_are_rejected_field_by_field(query: grpc.Channel) -> None:
    request = pb.SearchRequest(name="x" * 301, date_of_birth_tolerance_years=11, nationality="XYZ",
                               entity_kinds=[99], page_size=-1, page_token="garbage!")
    request.date_of_birth.year, request.date_of_birth.month = 1980, 13
    request.start_time.seconds, request.end_time.seconds = 2_000, 1_000
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).Search(request, metadata=country("FRA"))
    assert set(bad_fields(raised.value)) == {"name", "date_of_birth.month", "date_of_birth_tolerance_years",
                                             "nationality", "entity_kinds[0]", "end_time", "page_size",
                                             "page_token"}
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).Search(pb.SearchRequest(text="  ,; "), metadata=country("FRA"))
    assert bad_fields(raised.value) == ["text"]
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).Search(pb.SearchRequest(name="Anna"))  # no caller country
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_search_and_get_entity_never_show_hidden_records(query: grpc.Channel) -> None:
    secret = person("S-1", "Lukas Schneider", (1988, 8, 8), policy=only("DEU"))
    upsert(query, "FRA", secret, person("S-2", "Lukas Schneider", (1988, 8, 9)))
    hidden = stored_id("FRA", "S-1")
    assert hidden in {h.entity.id for h in search(query, "DEU", name="Lukas Schneider")}
    assert hidden in {h.entity.id for h in search(query, "FRA", name="Lukas Schneider")}
    response = stub(query).Search(pb.SearchRequest(name="Lukas Schneider", page_size=1), metadata=country("ESP"))
    assert [h.entity.id for h in response.hits] == [stored_id("FRA", "S-2")]
    assert response.next_page_token == ""  # the hidden record is not counted either
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).GetEntity(pb.GetEntityRequest(entity_id=hidden), metadata=country("ESP"))
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert stub(query).GetEntity(pb.GetEntityRequest(entity_id=hidden), metadata=country("DEU")).entity.id == hidden


def test_only_the_data_owner_deletes_and_links_go_with_the_entity(query: grpc.Channel) -> None:
    restricted = person("X-1", "Paolo Conte", (1960, 1, 1), policy=only("DEU"))
    upsert(query, "ITA", restricted, person("X-2", "Lucia Conte", (1962, 2, 2)))
    target, other = stored_id("ITA", "X-1"), stored_id("ITA", "X-2")
    stub(query).UpsertLinks(pb.UpsertLinksRequest(links=[link("L-1", target, other, link_pb2.LINK_TYPE_FAMILY)]),
                            metadata=country("ITA"))
    for caller, code in (("DEU", grpc.StatusCode.PERMISSION_DENIED), ("ESP", grpc.StatusCode.NOT_FOUND)):
        with pytest.raises(grpc.RpcError) as raised:
            stub(query).DeleteEntity(pb.DeleteEntityRequest(entity_id=target), metadata=country(caller))
        assert raised.value.code() == code
    deleted = stub(query).DeleteEntity(pb.DeleteEntityRequest(entity_id=target), metadata=country("ITA"))
    assert deleted.deleted_link_count == 1
    related = stub(query).GetRelated(pb.GetRelatedRequest(entity_id=other), metadata=country("ITA"))
    assert list(related.related) == [] and list(related.links) == []
    changes = _export(query, "ITA")
    assert changes[-1].deleted_entity_id == target and changes[-2].deleted_link_id
    assert all(c.deleted_entity_id != target for c in _export(query, "ESP"))  # ESP never saw it


def test_get_related_follows_links_to_a_depth_and_never_through_hidden_entities(query: grpc.Channel) -> None:
    hidden = person("G-H", "Hidden Middleman", policy=only("DEU"))
    upsert(query, "NLD", person("G-A", "Jan de Vries"), hidden, person("G-C", "Piet Bakker"),
           person("G-D", "Kees Visser"), person("G-E", "Sanne Smit"))
    a, h, c, d, e = (stored_id("NLD", f"G-{x}") for x in "AHCDE")
    secret_link = link("L-AE", a, e, policy=only("DEU"))
    stub(query).UpsertLinks(pb.UpsertLinksRequest(links=[
        link("L-AH", a, h), link("L-HC", h, c), link("L-AD", a, d, link_pb2.LINK_TYPE_FAMILY), secret_link]),
        metadata=country("NLD"))

    def reached(caller: str, depth: int, **fields: object) -> dict[str, int]:
        reply = stub(query).GetRelated(pb.GetRelatedRequest(entity_id=a, depth=depth, **fields),  # type: ignore[arg-type]
                                       metadata=country(caller))
        shown = {r.entity.id for r in reply.related} | {a}
        assert all(lk.from_entity_id in shown and lk.to_entity_id in shown for lk in reply.links)
        return {r.entity.id: r.distance for r in reply.related}

    assert reached("DEU", 2) == {h: 1, d: 1, e: 1, c: 2}
    assert reached("ESP", 3) == {d: 1}  # not H, not C behind it, not E behind a hidden link
    assert reached("DEU", 1, link_types=[link_pb2.LINK_TYPE_FAMILY]) == {d: 1}
    first = stub(query).GetRelated(pb.GetRelatedRequest(entity_id=a, depth=2, page_size=2), metadata=country("DEU"))
    rest = stub(query).GetRelated(pb.GetRelatedRequest(entity_id=a, depth=2, page_size=2,
                                                       page_token=first.next_page_token), metadata=country("DEU"))
    assert [r.distance for r in first.related] == [1, 1] and [r.distance for r in rest.related] == [1, 2]
    assert rest.next_page_token == ""
    assert any(lk.from_entity_id == h and lk.to_entity_id == c for lk in rest.links)  # C's path comes with it
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).GetRelated(pb.GetRelatedRequest(entity_id=a, depth=4, link_types=[0]), metadata=country("DEU"))
    assert set(bad_fields(raised.value)) == {"depth", "link_types[0]"}
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).GetRelated(pb.GetRelatedRequest(entity_id=h), metadata=country("ESP"))
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


def test_batch_get_entities_answers_what_the_caller_may_see_in_request_order(query: grpc.Channel) -> None:
    hidden = person("G-H", "Hidden Witness", policy=only("DEU"))
    upsert(query, "NLD", person("G-A", "Daan de Vries"), hidden, person("G-C", "Sem Smit"))
    a, h, c = (stored_id("NLD", f"G-{x}") for x in "AHC")
    for caller, visible in (("DEU", [c, h, a]), ("ESP", [c, a])):
        reply = stub(query).BatchGetEntities(pb.BatchGetEntitiesRequest(
            entity_ids=[c, h, "ent_nosuchentity", a, c]), metadata=country(caller))
        assert [e.id for e in reply.entities] == visible  # once each, the hidden one as if it did not exist
        assert [e.person.names[0].full_name for e in reply.entities][0] == "Sem Smit"
        alone = stub(query).GetEntity(pb.GetEntityRequest(entity_id=a), metadata=country(caller)).entity
        assert reply.entities[-1] == alone
    audit = audit_grpc.AuditServiceStub(query)
    events = audit.ListAuditEvents(audit_pb.ListAuditEventsRequest(record_id=h), metadata=country("NLD")).events
    assert [e.country for e in events if e.method.endswith("/BatchGetEntities")] == ["DEU"], "ESP never saw it"
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).BatchGetEntities(pb.BatchGetEntitiesRequest(entity_ids=["bad id!", a, ""] + [a] * 98),
                                     metadata=country("DEU"))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(bad_fields(raised.value)) == {"entity_ids", "entity_ids[0]", "entity_ids[2]"}
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).BatchGetEntities(pb.BatchGetEntitiesRequest(), metadata=country("DEU"))
    assert set(bad_fields(raised.value)) == {"entity_ids"}


def test_batch_get_related_answers_each_entity_as_get_related_does(query: grpc.Channel) -> None:
    hidden = person("B-H", "Hidden Courier", policy=only("DEU"))
    upsert(query, "NLD", person("B-A", "Joris Mulder"), hidden, person("B-C", "Femke de Boer"),
           person("B-D", "Bram Jansen"), person("B-E", "Lotte Peters"))
    a, h, c, d, e = (stored_id("NLD", f"B-{x}") for x in "AHCDE")
    stub(query).UpsertLinks(pb.UpsertLinksRequest(links=[
        link("M-AH", a, h), link("M-HC", h, c), link("M-AD", a, d, link_pb2.LINK_TYPE_FAMILY), link("M-DE", d, e),
        link("M-CE", c, e)]), metadata=country("NLD"))
    for caller in ("DEU", "ESP"):
        for depth in (1, 2):
            batch = stub(query).BatchGetRelated(pb.BatchGetRelatedRequest(
                entity_ids=[c, a, h, "ent_nosuchentity", a, e], depth=depth, max_related_per_entity=3),
                metadata=country(caller))
            visible = [c, a, h, e] if caller == "DEU" else [c, a, e]
            assert [s.entity_id for s in batch.related_sets] == visible  # request order, once, hidden left out
            for related_set in batch.related_sets:
                alone = stub(query).GetRelated(pb.GetRelatedRequest(
                    entity_id=related_set.entity_id, depth=depth, page_size=3), metadata=country(caller))
                assert [(r.entity.id, r.distance) for r in related_set.related] == \
                    [(r.entity.id, r.distance) for r in alone.related]
                assert [lk.id for lk in related_set.links] == [lk.id for lk in alone.links]
                assert related_set.total_size > 3 or not alone.next_page_token
    esp = stub(query).BatchGetRelated(pb.BatchGetRelatedRequest(entity_ids=[a], depth=3), metadata=country("ESP"))
    assert {r.entity.id for r in esp.related_sets[0].related} == {d, e, c}  # C only through E, never through H
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).BatchGetRelated(pb.BatchGetRelatedRequest(entity_ids=["bad id!"] + [a] * 50, depth=4,
                                                              max_related_per_entity=101, link_types=[0]),
                                    metadata=country("DEU"))
    assert set(bad_fields(raised.value)) == {"entity_ids", "entity_ids[0]", "depth", "max_related_per_entity",
                                             "link_types[0]"}
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).BatchGetRelated(pb.BatchGetRelatedRequest(), metadata=country("DEU"))
    assert set(bad_fields(raised.value)) == {"entity_ids"}


def _linked_family(query: grpc.Channel, prefix: str, surname: str, other: str) -> tuple[str, str, str, str]:
    """Ids of A and B (named `surname`), H (the same, hidden from all but DEU) and
    C (`other`), with the links A-C, A-H and B-C."""
    upsert(query, "NLD", person(f"{prefix}-A", f"Willem {surname}"), person(f"{prefix}-B", f"Willemijn {surname}"),
           person(f"{prefix}-H", f"Hidden {surname}", policy=only("DEU")), person(f"{prefix}-C", other))
    a, b, h, c = (stored_id("NLD", f"{prefix}-{x}") for x in "ABHC")
    stub(query).UpsertLinks(pb.UpsertLinksRequest(links=[
        link(f"{prefix}-AC", a, c), link(f"{prefix}-AH", a, h), link(f"{prefix}-BC", b, c)]), metadata=country("NLD"))
    return a, b, h, c


def test_search_gives_the_linked_entities_of_its_best_hits_as_batch_get_related_does(query: grpc.Channel) -> None:
    a, b, h, c = _linked_family(query, "S", "Visser", "Sanne Bakker")
    for caller in ("DEU", "ESP"):
        found = stub(query).Search(pb.SearchRequest(name="Visser", linked_hit_count=2, max_linked_per_hit=5),
                                   metadata=country(caller))
        assert len(found.hits) >= 2 + (caller == "DEU")
        for hit in found.hits[:2]:
            alone = stub(query).BatchGetRelated(pb.BatchGetRelatedRequest(
                entity_ids=[hit.entity.id], max_related_per_entity=5), metadata=country(caller)).related_sets[0]
            assert hit.linked.entity_id == hit.entity.id
            assert [(r.entity.id, r.distance) for r in hit.linked.related] == \
                [(r.entity.id, r.distance) for r in alone.related]
            assert [lk.id for lk in hit.linked.links] == [lk.id for lk in alone.links]
        assert all(not hit.HasField("linked") for hit in found.hits[2:])
        linked_to_a = {r.entity.id for hit in found.hits if hit.entity.id == a for r in hit.linked.related}
        assert linked_to_a == ({c, h} if caller == "DEU" else {c})  # never the hidden one
    plain = stub(query).Search(pb.SearchRequest(name="Visser"), metadata=country("DEU"))
    assert not any(hit.HasField("linked") for hit in plain.hits)
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).Search(pb.SearchRequest(name="Visser", linked_hit_count=21, max_linked_per_hit=-1),
                           metadata=country("DEU"))
    assert set(bad_fields(raised.value)) == {"linked_hit_count", "max_linked_per_hit"}


def test_batch_get_entities_gives_the_linked_entities_of_its_first_entities(query: grpc.Channel) -> None:
    a, b, h, c = _linked_family(query, "L", "Dekker", "Milan Vos")
    for caller in ("DEU", "ESP"):
        reply = stub(query).BatchGetEntities(pb.BatchGetEntitiesRequest(
            entity_ids=[h, a, b, c], linked_entity_count=2, max_linked_per_entity=5), metadata=country(caller))
        shown = [e.id for e in reply.entities]
        assert shown == ([h, a, b, c] if caller == "DEU" else [a, b, c])
        assert [s.entity_id for s in reply.linked_sets] == shown[:2]  # the first two the caller may see
        for linked in reply.linked_sets:
            alone = stub(query).BatchGetRelated(pb.BatchGetRelatedRequest(
                entity_ids=[linked.entity_id], max_related_per_entity=5), metadata=country(caller)).related_sets[0]
            assert [(r.entity.id, r.distance) for r in linked.related] == \
                [(r.entity.id, r.distance) for r in alone.related]
            assert [lk.id for lk in linked.links] == [lk.id for lk in alone.links]
        linked_to_a = {r.entity.id for s in reply.linked_sets if s.entity_id == a for r in s.related}
        assert linked_to_a == ({c, h} if caller == "DEU" else {c})  # never the hidden one
    plain = stub(query).BatchGetEntities(pb.BatchGetEntitiesRequest(entity_ids=[a, b]), metadata=country("DEU"))
    assert len(plain.entities) == 2 and not plain.linked_sets
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).BatchGetEntities(pb.BatchGetEntitiesRequest(entity_ids=[a], linked_entity_count=21,
                                                                max_linked_per_entity=101), metadata=country("DEU"))
    assert set(bad_fields(raised.value)) == {"linked_entity_count", "max_linked_per_entity"}

def test_upsert_links_needs_visible_ends_and_writes_nothing_otherwise(query: grpc.Channel) -> None:
    hidden = person("U-2", "Hidden Person", policy=only("DEU"))
    upsert(query, "POL", person("U-1", "Adam Nowak"), hidden)
    mine = stored_id("POL", "U-1")
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).UpsertLinks(pb.UpsertLinksRequest(links=[
            link("L-1", mine, stored_id("POL", "U-1")), link("L-2", mine, "ent_nothing"),
            link("L-3", mine, stored_id("POL", "U-2"))]), metadata=country("ESP"))
    assert bad_fields(raised.value) == ["links[0].to_entity_id", "links[1].to_entity_id",
                                        "links[2].to_entity_id"]
    assert not any(c.HasField("link") for c in _export(query, "POL"))
    made = stub(query).UpsertLinks(pb.UpsertLinksRequest(links=[link("L-1", mine, stored_id("POL", "U-2"))]),
                                   metadata=country("POL"))
    assert made.created_count == 1 and made.links[0].id.startswith("lnk_")
    again = stub(query).UpsertLinks(pb.UpsertLinksRequest(links=[link("L-1", mine, stored_id("POL", "U-2"))]),
                                    metadata=country("POL"))
    assert (again.created_count, again.updated_count, again.links[0].id) == (0, 1, made.links[0].id)


def test_export_follows_from_a_cursor_and_reports_what_became_hidden(query: grpc.Channel) -> None:
    upsert(query, "GRC", person("E-1", "Nikos Pappas"), person("E-2", "Eleni Pappa"))
    changes = _export(query, "ESP")
    assert len(changes) == 2
    assert [c.entity.provenance.source_record_id for c in _export(query, "ESP", changes[0].cursor)] == ["E-2"]
    with pytest.raises(grpc.RpcError) as raised:
        _export(query, "ESP", "not-a-cursor")
    assert bad_fields(raised.value) == ["cursor"]

    received: list[pb.ExportEntitiesResponse] = []
    arrived = threading.Event()
    stream = stub(query).ExportEntities(pb.ExportEntitiesRequest(cursor=changes[-1].cursor, follow=True),
                                        metadata=country("ESP"), timeout=30)

    def follow() -> None:
        for reply in stream:
            received.append(reply)
            if len(received) == 2:
                arrived.set()
                return

    reader = threading.Thread(target=follow)
    reader.start()
    hide = person("E-1", "Nikos Pappas", policy=only("DEU"))
    upsert(query, "GRC", person("E-3", "Kostas Pappas"))
    upsert(query, "GRC", hide)  # ESP saw E-1; now it is told the record is gone for it
    assert arrived.wait(15)
    stream.cancel()
    reader.join(5)
    assert received[0].entity.provenance.source_record_id == "E-3"
    assert received[1].deleted_entity_id == stored_id("GRC", "E-1")
    deu = _export(query, "DEU")
    assert [c.entity.provenance.source_record_id for c in deu if c.HasField("entity")][-1] == "E-1"


def test_every_read_needs_a_caller_and_bad_ids_are_named(query: grpc.Channel) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).GetEntity(pb.GetEntityRequest())
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).GetEntity(pb.GetEntityRequest(), metadata=country("FRA"))
    assert bad_fields(raised.value) == ["entity_id"]
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).DeleteEntity(pb.DeleteEntityRequest(entity_id="x" * 65), metadata=country("FRA"))
    assert bad_fields(raised.value) == ["entity_id"]
    with pytest.raises(grpc.RpcError) as raised:
        stub(query).UpsertEntities(iter([pb.UpsertEntitiesRequest(entities=[entity_pb2.Entity()] * 1001)]),
                                   metadata=country("FRA"))
    assert bad_fields(raised.value) == ["entities"]


def test_values_a_database_cannot_hold_are_rejected_by_field(query: grpc.Channel) -> None:
    control = person("bad\x00id", "Ana Lima")
    system = person("S-1", "Rui Costa")
    system.provenance.source_system = "x" * 101
    late = event("V-9", "0501", 0, "Porto", "PRT")
    late.event.start_time.seconds = 10**15
    response = upsert(query, "PRT", control, system, late)
    assert [(r.index, r.field) for r in response.rejected] == [
        (0, "provenance.source_record_id"), (1, "provenance.source_system"), (2, "event.start_time")]
    for call, request in ((stub(query).GetEntity, pb.GetEntityRequest(entity_id="ent_\x00")),
                          (stub(query).GetRelated, pb.GetRelatedRequest(entity_id="ent x")),
                          (stub(query).UpsertLinks, pb.UpsertLinksRequest(links=[link("L", "ent_a", "ent_\x00b")]))):
        with pytest.raises(grpc.RpcError) as raised:
            call(request, metadata=country("PRT"))
        assert bad_fields(raised.value)
    with pytest.raises(grpc.RpcError) as raised:
        _export(query, "PRT", encode_token({"seq": 10**22}))
    assert bad_fields(raised.value) == ["cursor"]


def test_many_hidden_namesakes_do_not_crowd_out_the_one_the_caller_may_see(
        query: grpc.Channel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("services.query.search.CANDIDATES", 2)  # the server runs in this process
    hidden = [person(f"H-{i}", "Ola Nordmann", (1970, 1, 1), policy=only("DEU")) for i in range(6)]
    upsert(query, "NOR", *hidden, person("V-1", "Ola Nordmann", (1970, 1, 1)))
    response = stub(query).Search(pb.SearchRequest(name="Ola Nordmann", page_size=1), metadata=country("ESP"))
    assert [h.entity.id for h in response.hits] == [stored_id("NOR", "V-1")]
    assert response.next_page_token == ""


def test_the_analytics_service_follows_every_change_with_its_policy(query: grpc.Channel) -> None:
    upsert(query, "FIN", person("F-1", "Matti Virtanen", policy=only("SWE")), person("F-2", "Liisa Virtanen"))
    stub(query).DeleteEntity(pb.DeleteEntityRequest(entity_id=stored_id("FIN", "F-2")), metadata=country("FIN"))
    itself = (("x-icore-service", "analytics"),)
    changes = list(stub(query).ExportEntities(pb.ExportEntitiesRequest(), metadata=itself, timeout=30))
    assert [c.entity.provenance.source_record_id for c in changes if c.HasField("entity")] == ["F-1"]
    assert changes[0].entity.access_policy.countries == ["SWE"]  # the follower enforces it
    assert changes[-1].deleted_entity_id == stored_id("FIN", "F-2")
    for metadata in ((("x-icore-service", "gateway"),), ()):
        with pytest.raises(grpc.RpcError) as raised:
            list(stub(query).ExportEntities(pb.ExportEntitiesRequest(), metadata=metadata, timeout=30))
        assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
    relayed = (("x-icore-service", "analytics"), ("x-icore-on-behalf-of", "ESP"))  # for a country: filtered
    assert not any(c.HasField("entity") for c in stub(query).ExportEntities(
        pb.ExportEntitiesRequest(), metadata=relayed, timeout=30))


def test_under_tls_the_follower_is_known_by_its_certificate(start_service: Callable[..., RunningServer],
                                                           tmp_path: Path) -> None:
    pki = make_development_pki(tmp_path / "pki", ("EST",))
    server = start_service("query", plaintext=False, tls_dir=pki)
    address = f"127.0.0.1:{server.port}"
    with client_channel(address, pki, "country-EST") as channel:
        upsert(channel, "EST", person("E-1", "Kalev Tamm", policy=only("LVA")))
    with client_channel(address, pki, "analytics") as channel:
        changes = list(stub(channel).ExportEntities(pb.ExportEntitiesRequest(), timeout=30))
    assert [c.entity.provenance.data_owner for c in changes] == ["EST"]
    with client_channel(address, pki, "gateway") as channel, pytest.raises(grpc.RpcError) as raised:
        list(stub(channel).ExportEntities(pb.ExportEntitiesRequest(), timeout=30))
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
