"""The gateway with all five real servers: one unified search merged by
entity, partial results when a backend is down or slow, cancellation reaching
the backends, one trace across services, and the frontline check."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import grpc
import numpy as np
import pytest
import sqlalchemy as sa
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from icore.analytics.v1 import analytics_service_pb2 as analytics_pb
from icore.analytics.v1 import analytics_service_pb2_grpc as analytics_grpc
from icore.biometric.v1 import biometric_service_pb2 as bio_pb
from icore.biometric.v1 import biometric_service_pb2_grpc as bio_grpc
from icore.biometric.v1 import template_pb2
from icore.gateway.v1 import gateway_service_pb2 as pb
from icore.gateway.v1 import gateway_service_pb2_grpc as pb_grpc
from icore.messaging.v1 import message_pb2, messaging_service_pb2, messaging_service_pb2_grpc
from icore.query.v1 import query_service_pb2 as query_pb
from icore.query.v1 import query_service_pb2_grpc as query_grpc
from icore.uim.v1 import access_pb2, biometrics_pb2, dates_pb2, entity_pb2, link_pb2, names_pb2, person_pb2
from services.bootstrap.database import create_engine
from services.bootstrap.settings import peer_addresses
from services.query.identifiers import entity_id
from tests.query.records import bad_fields
from tests.support import RunningServer, country, fresh_postgres_database

OPEN = access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_MEMBERS)
FACE = biometrics_pb2.MODALITY_FACE
RNG = np.random.default_rng(7)
WANTED_FACE = RNG.standard_normal(512).astype(np.float32)
WANTED_FACE /= np.linalg.norm(WANTED_FACE)
IVAN = entity_id("FRA", "FPR-1")
IVAN_DEU = entity_id("DEU", "INPOL-9")
BROTHER = entity_id("FRA", "FPR-2")

_spans = InMemorySpanExporter()


@pytest.fixture(scope="module", autouse=True)
def span_exporter() -> InMemorySpanExporter:
    """Every span of every in-process server, to check traces."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(_spans))
    return _spans


def _person(source_id: str, name: str, script: str = "Latn") -> entity_pb2.Entity:
    person = person_pb2.Person(names=[names_pb2.PersonName(full_name=name, script=script)],
                               date_of_birth=dates_pb2.PartialDate(year=1979, month=3, day=14),
                               nationalities=["UKR"])
    person.documents.add(document_type="PASSPORT", number="FE 123456", issuing_country="UKR")
    entity = entity_pb2.Entity(person=person, access_policy=OPEN)
    entity.provenance.source_record_id = source_id
    return entity


def _probe(noise: float = 0.02, vector: np.ndarray | None = None) -> biometrics_pb2.BiometricSample:
    base = WANTED_FACE if vector is None else vector
    noisy = base + noise * RNG.standard_normal(512).astype(np.float32)
    return biometrics_pb2.BiometricSample(modality=FACE, vector=(noisy / np.linalg.norm(noisy)).tolist())


def _load(servers: dict[str, RunningServer]) -> None:
    upsert = query_grpc.QueryServiceStub(servers["query"].channel).UpsertEntities
    assert upsert(iter([query_pb.UpsertEntitiesRequest(entities=[_person("FPR-1", "Ivan PETROV")])]),
                  metadata=country("FRA")).created_count == 1
    assert upsert(iter([query_pb.UpsertEntitiesRequest(entities=[_person("INPOL-9", "Иван Петров", "Cyrl")])]),
                  metadata=country("DEU")).created_count == 1
    brother = entity_pb2.Entity(person=person_pb2.Person(names=[names_pb2.PersonName(full_name="Mykola BONDAR")],
                                                         date_of_birth=dates_pb2.PartialDate(year=1983)),
                                access_policy=OPEN)
    brother.provenance.source_record_id = "FPR-2"
    assert upsert(iter([query_pb.UpsertEntitiesRequest(entities=[brother])]),
                  metadata=country("FRA")).created_count == 1
    family = link_pb2.Link(from_entity_id=IVAN, to_entity_id=BROTHER, link_type=link_pb2.LINK_TYPE_FAMILY,
                           access_policy=OPEN)
    family.provenance.source_record_id = "FPR-L1"
    query_grpc.QueryServiceStub(servers["query"].channel).UpsertLinks(
        query_pb.UpsertLinksRequest(links=[family]), metadata=country("FRA"))
    template = template_pb2.Template(template_id="tpl-ivan", subject_id=IVAN, watchlists=["red_notices"],
                                     access_policy=OPEN, sample=_probe(0.0))
    bio_grpc.BiometricServiceStub(servers["biometric"].channel).Enroll(
        bio_pb.EnrollRequest(template=template), metadata=country("FRA"))
    message = message_pb2.Message(
        recipient_countries=["FRA"], message_type=message_pb2.MESSAGE_TYPE_REQUEST_FOR_INFORMATION,
        priority=message_pb2.PRIORITY_URGENT, subject="Ivan Petrov seen in Kehl", language="en",
        access_policy=OPEN)
    messaging_service_pb2_grpc.MessagingServiceStub(servers["messaging"].channel).SendMessage(
        messaging_service_pb2.SendMessageRequest(message=message, idempotency_key="k1"), metadata=country("DEU"))


class Mesh(dict[str, RunningServer]):
    """The running servers by service name, and the databases of the query and messaging services."""

    query_url: str
    messaging_url: str


def _wait_for_analytics(analytics: RunningServer, entity_ids: list[str]) -> None:
    """Analytics follows the repository's change stream; wait until it has caught up
    (ids it has not followed yet are in no cluster, so: until they are one)."""
    stub = analytics_grpc.AnalyticsServiceStub(analytics.channel)
    deadline = time.monotonic() + 30
    while True:
        reply = stub.ResolveEntities(analytics_pb.ResolveEntitiesRequest(entity_ids=entity_ids),
                                     metadata=country("FRA"), timeout=5)
        if any(set(entity_ids) <= set(c.entity_ids) for c in reply.clusters):
            return
        assert time.monotonic() < deadline, "analytics did not catch up with the repository"
        time.sleep(0.2)


@pytest.fixture
def mesh(start_service: Callable[..., RunningServer]) -> Iterator[Mesh]:
    """The five services, the repository and the messages on PostgreSQL (so a test can slow either with a lock)."""
    with fresh_postgres_database() as query_url, fresh_postgres_database() as messaging_url:
        servers, peers = Mesh(), {}
        servers.query_url, servers.messaging_url = query_url, messaging_url
        databases = {"query": query_url, "messaging": messaging_url}
        for service in ("query", "biometric", "messaging", "analytics", "gateway"):
            overrides = {"database_url": databases[service]} if service in databases else {}
            servers[service] = start_service(service, peers=peer_addresses({}) | peers, **overrides)
            peers[service] = servers[service].address
        _load(servers)
        _wait_for_analytics(servers["analytics"], [IVAN, IVAN_DEU])
        yield servers
        for server in reversed(list(servers.values())):
            server.stop()  # before the database is dropped under them


def _search(mesh: Mesh, timeout: float = 5.0, **fields: object) -> pb.UnifiedSearchResponse:
    stub = pb_grpc.GatewayServiceStub(mesh["gateway"].channel)
    return stub.UnifiedSearch(pb.UnifiedSearchRequest(**fields), metadata=country("ITA"), timeout=timeout)


def _states(reply: pb.UnifiedSearchResponse) -> dict[str, str]:
    return {s.backend: pb.BackendState.Name(s.state) for s in reply.backend_statuses}


def test_unified_search_merges_every_backend_by_entity(mesh: Mesh) -> None:
    reply = _search(mesh, name="Ivan Petrov", probe=_probe())
    assert _states(reply) == {b: "BACKEND_STATE_OK" for b in ("query", "messaging", "biometric", "analytics")}
    top = reply.results[0]
    assert {h.backend for h in top.hits} == {"query", "biometric"}
    assert {h.entity.id for h in top.hits if h.backend == "query"} >= {IVAN}
    assert [m.subject for m in top.messages] == [], "ITA is not a party to the DEU→FRA message"
    for_france = pb_grpc.GatewayServiceStub(mesh["gateway"].channel).UnifiedSearch(
        pb.UnifiedSearchRequest(name="Ivan Petrov"), metadata=country("FRA"), timeout=5)
    assert any(m.subject == "Ivan Petrov seen in Kehl" for r in for_france.results for m in r.messages)
    # Without a probe the search is one round of calls; analytics' clusters still group it.
    assert {IVAN, IVAN_DEU} <= {h.entity.id for h in for_france.results[0].hits}, "one person, two records"
    assert _states(for_france)["analytics"] == "BACKEND_STATE_OK"
    stranger = _search(mesh, name="Ivan Petrov", probe=_probe(0.0, RNG.standard_normal(512).astype(np.float32)))
    assert _states(stranger)["biometric"] == "BACKEND_STATE_OK"
    assert not [h for r in stranger.results for h in r.hits if h.backend == "biometric"], \
        "the nearest templates of a stranger are not results"


def test_a_stopped_backend_gives_partial_results_in_time(mesh: Mesh) -> None:
    mesh["messaging"].stop()
    started = time.monotonic()
    reply = _search(mesh, timeout=2.0, name="Ivan Petrov", probe=_probe())
    assert time.monotonic() - started < 2.0
    states = _states(reply)
    assert states["messaging"] == "BACKEND_STATE_UNAVAILABLE"
    assert states["query"] == states["biometric"] == "BACKEND_STATE_OK"
    assert reply.results and IVAN in {h.entity.id for h in reply.results[0].hits}


def test_a_person_only_messages_name_is_a_result_of_their_own(mesh: Mesh) -> None:
    """No record of Dmytro Kovalenko: the bureaus' two messages about him are
    one result, found by his name and by his passport number."""
    subject = _person("MSG-1", "Dmytro KOVALENKO")
    subject.id = "subject-1"
    subject.person.documents[0].number = "FK 771204"
    send = messaging_service_pb2_grpc.MessagingServiceStub(mesh["messaging"].channel).SendMessage
    sent = []
    for key, title, content in (("k-kov-1", "Request on a courier", [subject]),
                                ("k-kov-2", "Dmytro Kovalenko crossed at Medyka", [])):
        message = message_pb2.Message(
            recipient_countries=["ITA"], message_type=message_pb2.MESSAGE_TYPE_REQUEST_FOR_INFORMATION,
            priority=message_pb2.PRIORITY_URGENT, subject=title, language="en", access_policy=OPEN,
            content=message_pb2.MessageContent(entities=content))
        sent.append(send(messaging_service_pb2.SendMessageRequest(message=message, idempotency_key=key),
                         metadata=country("POL")).message.id)
    for criteria, found in (({"name": "Dmytro Kovalenko"}, sent), ({"text": "FK 771204"}, sent[:1])):
        reply = _search(mesh, **criteria)
        assert _states(reply)["messaging"] == "BACKEND_STATE_OK"
        about = next(r for r in reply.results if r.result_id == sent[0])
        assert [m.id for m in about.messages] == found[::-1], "both messages, about one person, newest first"
        assert [(h.backend, h.record_id) for h in about.hits] == [("messaging", i) for i in found]
        assert about.hits[0].entity.person.names[0].full_name == "Dmytro KOVALENKO"
        assert about.score >= 0.85


def _lock_tables(url: str, held: threading.Event, release: threading.Event) -> None:
    """Hold an exclusive lock on every table of a service's database: a real slow backend."""
    engine = create_engine(url)
    with engine.connect() as connection:
        tables = [t for t in sa.inspect(connection).get_table_names() if not t.startswith(("alembic", "audit"))]
        connection.execute(sa.text(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE"))
        held.set()
        release.wait(20)
        connection.rollback()
    engine.dispose()


@contextmanager
def _tables_locked(url: str) -> Iterator[None]:
    """For the block, every table of a service's database held by another connection."""
    held, release = threading.Event(), threading.Event()
    locker = threading.Thread(target=_lock_tables, args=(url, held, release))
    locker.start()
    try:
        assert held.wait(10)
        yield
    finally:
        release.set()
        locker.join()


def test_a_slow_backend_is_deadline_exceeded_and_the_rest_answer(mesh: Mesh) -> None:
    with _tables_locked(mesh.query_url):
        started = time.monotonic()
        reply = _search(mesh, timeout=1.5, name="Ivan Petrov", probe=_probe())
        assert time.monotonic() - started < 1.5
    states = _states(reply)
    assert states["query"] == "BACKEND_STATE_DEADLINE_EXCEEDED"
    assert states["biometric"] == "BACKEND_STATE_OK" and states["messaging"] == "BACKEND_STATE_OK"
    assert reply.results[0].hits[0].backend == "biometric"


def test_a_probe_s_candidates_are_followed_up_while_a_slow_text_call_runs(
        mesh: Mesh, span_exporter: InMemorySpanExporter) -> None:
    """The records, identities and links of Identify's candidates are asked for as
    soon as it answers, not after the slowest text call: here ListMessages, held
    by a lock on the messages until its deadline."""
    with _tables_locked(mesh.messaging_url):
        span_exporter.clear()
        reply = _search(mesh, timeout=2.0, name="Mykola Bondar", probe=_probe())
    states = _states(reply)
    assert states["messaging"] == "BACKEND_STATE_DEADLINE_EXCEEDED"
    assert states["query"] == states["biometric"] == states["analytics"] == "BACKEND_STATE_OK"
    watched = next(r for r in reply.results if any(h.backend == "biometric" for h in r.hits))
    assert IVAN in {h.entity.id for h in watched.hits if h.backend == "biometric"}, "the subject's record came"
    assert BROTHER in {e.id for e in watched.linked_entities}, "and the subject's links"
    root = next(s for s in span_exporter.get_finished_spans()
                if s.name == "/icore.gateway.v1.GatewayService/UnifiedSearch" and s.kind == trace.SpanKind.SERVER)
    calls = {s.name.rsplit("/", 1)[1]: s for s in span_exporter.get_finished_spans()
             if s.kind == trace.SpanKind.CLIENT and s.context.trace_id == root.context.trace_id}
    listing = calls["ListMessages"]
    assert "BatchGetEntities" in calls, "the records and links of the candidates, in one call"
    assert "BatchGetRelated" not in calls
    assert calls["BatchGetEntities"].start_time < listing.end_time


def test_records_found_by_one_fuzzy_word_are_grouped_by_identity_too(mesh: Mesh) -> None:
    """The repository finds Agnes Bonnet's two records for "Mykola Bonel" by one
    fuzzy word. Analytics' clusters of the records most like that description
    are Mykola's, not hers, so grouping by them gave two results for her; the
    identities of the hits themselves give one."""
    upsert = query_grpc.QueryServiceStub(mesh["query"].channel).UpsertEntities
    records = {"FRA": _person("FPR-77", "Agnes BONNET"), "DEU": _person("INPOL-77", "Bonnet Agnes")}
    for owner, record in records.items():
        upsert(iter([query_pb.UpsertEntitiesRequest(entities=[record])]), metadata=country(owner))
    agnes = [entity_id("FRA", "FPR-77"), entity_id("DEU", "INPOL-77")]
    _wait_for_analytics(mesh["analytics"], agnes)
    like = analytics_grpc.AnalyticsServiceStub(mesh["analytics"].channel).ResolveEntities(
        analytics_pb.ResolveEntitiesRequest(like=analytics_pb.IdentityDescription(name="Mykola Bonel")),
        metadata=country("ITA"), timeout=5)
    assert not set(agnes) & {i for c in like.clusters for i in c.entity_ids}, "the case this test is about"
    reply = _search(mesh, name="Mykola Bonel")
    hers = [r for r in reply.results if set(agnes) & {h.entity.id for h in r.hits}]
    assert len(hers) == 1 and {h.entity.id for h in hers[0].hits} == set(agnes), "one person, one result"
    assert _states(reply)["analytics"] == "BACKEND_STATE_OK"


def test_pages_of_grouped_results_reach_every_result_each_with_its_links(mesh: Mesh) -> None:
    """Six Petrenkos, two records of Olena among them (one result), each linked
    to Mykola Bondar. Page by page, two results a page, the search gives what
    one page of 100 gives, in the same order, and results on later pages have
    their linked entities too. (Pages had asked the repository for as many hits
    as results wanted: one identity's two records made a short first page with
    no next page, and only the first page's best five hits had links.)"""
    def petrenko(record_id: str, name: str, born: tuple[int, int, int], passport: str = "") -> entity_pb2.Entity:
        person = person_pb2.Person(names=[names_pb2.PersonName(full_name=name)],
                                   date_of_birth=dates_pb2.PartialDate(year=born[0], month=born[1], day=born[2]))
        if passport:
            person.documents.add(document_type="PASSPORT", number=passport, issuing_country="UKR")
        entity = entity_pb2.Entity(person=person, access_policy=OPEN)
        entity.provenance.source_record_id = record_id
        return entity

    family = [petrenko(f"PT-{i}", f"{given} PETRENKO", (1960 + i, 1 + i, 2 + i))
              for i, given in enumerate(("Oksana", "Olga", "Orest", "Ostap", "Oleh"))]
    olena = [petrenko("PT-9", "Olena PETRENKO", (1985, 5, 5), "PT 777111"),
             petrenko("PT-10", "Олена Петренко", (1985, 5, 5), "PT 777111")]
    query = query_grpc.QueryServiceStub(mesh["query"].channel)
    query.UpsertEntities(iter([query_pb.UpsertEntitiesRequest(entities=family + olena)]), metadata=country("UKR"))
    ids = [entity_id("UKR", e.provenance.source_record_id) for e in family + olena]
    links = [link_pb2.Link(from_entity_id=i, to_entity_id=BROTHER, link_type=link_pb2.LINK_TYPE_ASSOCIATE,
                           access_policy=OPEN) for i in ids]
    for n, made in enumerate(links):
        made.provenance.source_record_id = f"PT-L{n}"
    query.UpsertLinks(query_pb.UpsertLinksRequest(links=links), metadata=country("UKR"))
    _wait_for_analytics(mesh["analytics"], ids[-2:])

    whole = _search(mesh, name="Petrenko", page_size=100)
    assert len(whole.results) == 6 and not whole.next_page_token
    assert all(r.linked_entities for r in whole.results), "every result of a page has its links, not the best five"
    paged, token, pages = [], "", 0
    while pages == 0 or token:
        page = _search(mesh, name="Petrenko", page_size=2, page_token=token)
        assert page.results and len(page.results) <= 2
        assert all(r.linked_entities for r in page.results), f"page {pages + 1} without links"
        paged += [r.result_id for r in page.results]
        token, pages = page.next_page_token, pages + 1
    assert paged == [r.result_id for r in whole.results] and pages >= 3


def test_cancelling_the_search_cancels_the_backend_calls(mesh: Mesh,
                                                          span_exporter: InMemorySpanExporter) -> None:
    with _tables_locked(mesh.query_url):
        span_exporter.clear()
        stub = pb_grpc.GatewayServiceStub(mesh["gateway"].channel)
        call = stub.UnifiedSearch.future(pb.UnifiedSearchRequest(name="Ivan Petrov"), metadata=country("ITA"),
                                         timeout=20)
        time.sleep(0.5)
        call.cancel()
        spans = _wait_for_spans(span_exporter, "/icore.query.v1.QueryService/Search", 10)
    assert call.cancelled()
    client, server = spans[trace.SpanKind.CLIENT], spans[trace.SpanKind.SERVER]
    assert client.attributes.get("rpc.grpc.status_code") == grpc.StatusCode.CANCELLED.value[0]
    # The repository stayed locked for 10 s: a server span that ended sooner was cut short.
    assert (server.end_time - server.start_time) / 1e9 < 5.0


def _wait_for_spans(exporter: InMemorySpanExporter, name: str, timeout: float) -> dict:  # type: ignore[type-arg]
    """The finished CLIENT and SERVER spans of one RPC, waiting for both."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = {s.kind: s for s in exporter.get_finished_spans() if s.name == name}
        if trace.SpanKind.CLIENT in found and trace.SpanKind.SERVER in found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no finished client and server spans of {name}")


def test_one_trace_spans_gateway_and_backends(mesh: Mesh,
                                              span_exporter: InMemorySpanExporter) -> None:
    span_exporter.clear()
    _search(mesh, name="Ivan Petrov", probe=_probe())
    spans = span_exporter.get_finished_spans()
    root = [s for s in spans if s.name == "/icore.gateway.v1.GatewayService/UnifiedSearch"
            and s.kind == trace.SpanKind.SERVER]
    assert len(root) == 1
    trace_id = root[0].context.trace_id
    served = {s.name.split("/")[1] for s in spans if s.kind == trace.SpanKind.SERVER and s.context.trace_id == trace_id}
    assert {"icore.query.v1.QueryService", "icore.biometric.v1.BiometricService",
            "icore.messaging.v1.MessagingService", "icore.analytics.v1.AnalyticsService"} <= served


def test_a_text_search_groups_the_hits_as_soon_as_the_search_answers(
        mesh: Mesh, span_exporter: InMemorySpanExporter) -> None:
    """Without a probe nothing waits but the hits' identities: Search (with the
    linked entities) and ListMessages are in flight at once, then one
    ResolveEntities of the hits, and there is no call for links."""
    span_exporter.clear()
    reply = _search(mesh, name="Ivan Petrov")
    assert {IVAN, IVAN_DEU} <= {h.entity.id for h in reply.results[0].hits}
    assert BROTHER in {e.id for e in reply.results[0].linked_entities}, "linked records come with the search"
    assert [(k.from_entity_id, k.to_entity_id) for k in reply.results[0].links] == [(IVAN, BROTHER)]
    spans = span_exporter.get_finished_spans()
    root = next(s for s in spans if s.name == "/icore.gateway.v1.GatewayService/UnifiedSearch"
                and s.kind == trace.SpanKind.SERVER)
    calls = {s.name.rsplit("/", 1)[1]: s for s in spans
             if s.kind == trace.SpanKind.CLIENT and s.context.trace_id == root.context.trace_id}
    assert sorted(calls) == ["ListMessages", "ResolveEntities", "Search"]
    search, listing, resolving = calls["Search"], calls["ListMessages"], calls["ResolveEntities"]
    assert max(search.start_time, listing.start_time) < min(search.end_time, listing.end_time), "they overlapped"
    assert resolving.start_time >= search.end_time


def test_frontline_check_hits_a_watch_listed_face_and_not_a_stranger(mesh: Mesh) -> None:
    stub = pb_grpc.GatewayServiceStub(mesh["gateway"].channel)
    hit = stub.FrontlineCheck(pb.FrontlineCheckRequest(probe=_probe(), name="Ivan Petrov"),
                              metadata=country("ITA"), timeout=5)
    assert hit.outcome == pb.FRONTLINE_OUTCOME_HIT
    assert hit.person.id == IVAN and list(hit.watchlists) == ["red_notices"]
    assert hit.notice_type == 1 and "detain" in hit.handling_instruction
    packed = _probe()
    packed.packed_vector = np.asarray(packed.vector, "<f4").tobytes()
    packed.ClearField("vector")
    by_packed = stub.FrontlineCheck(pb.FrontlineCheckRequest(probe=packed), metadata=country("ITA"), timeout=5)
    assert by_packed.outcome == pb.FRONTLINE_OUTCOME_HIT and by_packed.person.id == IVAN
    stranger_face = RNG.standard_normal(512).astype(np.float32)
    stranger = stub.FrontlineCheck(pb.FrontlineCheckRequest(probe=_probe(0.0, stranger_face), name="Jan Kowalski"),
                                   metadata=country("ITA"), timeout=5)
    assert stranger.outcome == pb.FRONTLINE_OUTCOME_NO_HIT
    assert not stranger.HasField("person") and stranger.handling_instruction == ""


def test_watch_list_subjects_are_read_in_one_call_and_one_without_a_record_still_answers(
        mesh: Mesh, span_exporter: InMemorySpanExporter) -> None:
    """A subject id on a watch list may be any printable text, here a notice
    number: it has no repository record, and the search and the frontline
    check still answer. The subjects that do have records are read in one
    BatchGetEntities, not one GetEntity each."""
    face = RNG.standard_normal(512).astype(np.float32)
    face /= np.linalg.norm(face)
    enroll = bio_grpc.BiometricServiceStub(mesh["biometric"].channel).Enroll
    for template_id, subject_id, noise in (("tpl-notice", "NOTICE 2026/77", 0.0), ("tpl-brother", BROTHER, 0.01)):
        enroll(bio_pb.EnrollRequest(template=template_pb2.Template(
            template_id=template_id, subject_id=subject_id, watchlists=["red_notices"], access_policy=OPEN,
            sample=_probe(noise, face))), metadata=country("FRA"))
    span_exporter.clear()
    reply = _search(mesh, probe=_probe(0.0, face))
    found = {h.record_id: h for r in reply.results for h in r.hits if h.backend == "biometric"}
    assert set(found) == {"tpl-notice", "tpl-brother"}
    assert found["tpl-brother"].entity.id == BROTHER and not found["tpl-notice"].HasField("entity")
    root = next(s for s in span_exporter.get_finished_spans()
                if s.name == "/icore.gateway.v1.GatewayService/UnifiedSearch" and s.kind == trace.SpanKind.SERVER)
    reads = [s.name.rsplit("/", 1)[1] for s in span_exporter.get_finished_spans()
             if s.kind == trace.SpanKind.CLIENT and s.context.trace_id == root.context.trace_id
             and "QueryService" in s.name]
    assert reads.count("BatchGetEntities") == 1 and "GetEntity" not in reads
    check = pb_grpc.GatewayServiceStub(mesh["gateway"].channel).FrontlineCheck(
        pb.FrontlineCheckRequest(probe=_probe(0.0, face)), metadata=country("ITA"), timeout=5)
    assert check.outcome == pb.FRONTLINE_OUTCOME_HIT and list(check.watchlists) == ["red_notices"]
    assert not check.HasField("person") and "detain" in check.handling_instruction


def test_frontline_check_hits_a_stolen_passport_whoever_carries_it(mesh: Mesh) -> None:
    """An impostor gives the name of someone else: a namesake without documents
    outscores the passport's holder on the name, and the check still hits on the
    stolen passport. The same number issued by another country is another passport."""
    holder = _person("SLTD-1", "Tomasz NOWAK")
    holder.person.documents[0].CopyFrom(person_pb2.IdentityDocument(
        document_type="PASSPORT", number="EP 4417291", issuing_country="POL", reported_invalid=True))
    namesake = entity_pb2.Entity(person=person_pb2.Person(names=[names_pb2.PersonName(full_name="Jan KOWALCZYK")]),
                                 access_policy=OPEN)
    namesake.provenance.source_record_id = "KSIP-3"
    query_grpc.QueryServiceStub(mesh["query"].channel).UpsertEntities(
        iter([query_pb.UpsertEntitiesRequest(entities=[holder, namesake])]), metadata=country("POL"))
    check = pb_grpc.GatewayServiceStub(mesh["gateway"].channel).FrontlineCheck

    def checked(issuer: str) -> pb.FrontlineCheckResponse:
        return check(pb.FrontlineCheckRequest(document_number="EP4417291", document_country=issuer,
                                              name="Jan Kowalczyk"), metadata=country("ITA"), timeout=5)

    stolen = checked("POL")
    assert stolen.outcome == pb.FRONTLINE_OUTCOME_HIT and stolen.person.id == entity_id("POL", "SLTD-1")
    assert "retain it" in stolen.handling_instruction
    other_country = checked("CZE")  # the namesake is still worth a look, not a hit
    assert other_country.outcome == pb.FRONTLINE_OUTCOME_POSSIBLE_MATCH
    assert other_country.person.id == entity_id("POL", "KSIP-3")
    with pytest.raises(grpc.RpcError) as raised:
        checked("XX")
    assert bad_fields(raised.value) == ["document_country"]
