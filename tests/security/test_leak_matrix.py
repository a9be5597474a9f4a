"""The leak matrix: records, a link, a template and a message restricted away
from Italy are probed by Italy through every read path of every service and
of the gateway. Italy gets nothing, counts nothing, and finds no path through
them; Germany, which may see them, gets each one, so no probe passes by
finding nothing at all."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import grpc
import numpy as np
import pytest
from google.protobuf import timestamp_pb2

from icore.analytics.v1 import analytics_service_pb2 as an_pb
from icore.analytics.v1 import analytics_service_pb2_grpc as an_grpc
from icore.biometric.v1 import biometric_service_pb2 as bio_pb
from icore.biometric.v1 import biometric_service_pb2_grpc as bio_grpc
from icore.biometric.v1 import template_pb2
from icore.gateway.v1 import gateway_service_pb2 as gw_pb
from icore.gateway.v1 import gateway_service_pb2_grpc as gw_grpc
from icore.messaging.v1 import message_pb2
from icore.messaging.v1 import messaging_service_pb2 as msg_pb
from icore.messaging.v1 import messaging_service_pb2_grpc as msg_grpc
from icore.query.v1 import query_service_pb2 as q_pb
from icore.query.v1 import query_service_pb2_grpc as q_grpc
from icore.uim.v1 import (
    access_pb2,
    biometrics_pb2,
    dates_pb2,
    entity_pb2,
    event_pb2,
    link_pb2,
    location_pb2,
    names_pb2,
    person_pb2,
)
from services.bootstrap.settings import peer_addresses
from services.query.identifiers import entity_id
from tests.support import RunningServer, country

EVERYONE = access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_MEMBERS)
NOT_ITALY = access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_EXCEPT_LISTED, countries=["ITA"])
VISIBLE, HIDDEN, BEYOND = entity_id("FRA", "v"), entity_id("FRA", "h"), entity_id("FRA", "w")
HIDDEN_EVENTS = [entity_id("FRA", f"e{i}") for i in range(6)]
FACE = np.random.default_rng(3).standard_normal(512).astype(np.float32)
FACE /= np.linalg.norm(FACE)
WHEN = datetime(2026, 6, 1, tzinfo=UTC)
ITA, DEU = country("ITA"), country("DEU")


def _person(source: str, name: str, policy: access_pb2.AccessPolicy, document: str = "") -> entity_pb2.Entity:
    person = person_pb2.Person(names=[names_pb2.PersonName(full_name=name)],
                               date_of_birth=dates_pb2.PartialDate(year=1980, month=5, day=17))
    if document:
        person.documents.add(document_type="PASSPORT", number=document, issuing_country="UKR")
    entity = entity_pb2.Entity(person=person, access_policy=policy)
    entity.provenance.source_record_id = source
    return entity


def _event(source: str, minutes: int) -> entity_pb2.Entity:
    start = timestamp_pb2.Timestamp()
    start.FromDatetime(WHEN + timedelta(minutes=minutes))
    event = event_pb2.Event(iccs_code="0501", title="burglary", start_time=start,
                            location=location_pb2.Location(country="FRA", point=location_pb2.GeoPoint(
                                latitude=48.8566 + minutes * 1e-5, longitude=2.3522)))
    entity = entity_pb2.Entity(event=event, access_policy=NOT_ITALY)
    entity.provenance.source_record_id = source
    return entity


def _link(source: str, a: str, b: str, link_type: int = link_pb2.LINK_TYPE_ASSOCIATE) -> link_pb2.Link:
    link = link_pb2.Link(from_entity_id=a, to_entity_id=b, link_type=link_type, access_policy=EVERYONE)
    link.provenance.source_record_id = source
    return link


def _probe() -> biometrics_pb2.BiometricSample:
    return biometrics_pb2.BiometricSample(modality=biometrics_pb2.MODALITY_FACE, vector=FACE.tolist())


def _until(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except grpc.RpcError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningServer]]:
    from services.bootstrap.settings import Settings

    root, peers, running = tmp_path_factory.mktemp("leaks"), peer_addresses({}), {}
    for service in ("query", "biometric", "messaging", "analytics", "gateway"):
        settings = Settings(service=service, data_dir=root / service, peers=dict(peers), plaintext=True,
                            shutdown_grace_s=0.5)
        running[service] = RunningServer(service, settings)
        peers[service] = running[service].address
    _load(running)
    yield running
    for server in reversed(list(running.values())):
        server.stop()


def _load(mesh: dict[str, RunningServer]) -> None:
    query = q_grpc.QueryServiceStub(mesh["query"].channel)
    entities = [_person("v", "Luca Ferri", EVERYONE), _person("h", "Ivan Petrov", NOT_ITALY, "ZZ 999999"),
                _person("w", "Anna Novak", EVERYONE)] + [_event(f"e{i}", i) for i in range(6)]
    reply = query.UpsertEntities(iter([q_pb.UpsertEntitiesRequest(entities=entities)]), metadata=country("FRA"))
    assert reply.created_count == len(entities), reply
    query.UpsertLinks(q_pb.UpsertLinksRequest(links=[_link("l1", VISIBLE, HIDDEN), _link("l2", HIDDEN, BEYOND)]),
                      metadata=country("FRA"))
    template = template_pb2.Template(template_id="t-hidden", subject_id=HIDDEN, sample=_probe(),
                                     watchlists=["red_notices"], access_policy=NOT_ITALY)
    bio_grpc.BiometricServiceStub(mesh["biometric"].channel).Enroll(bio_pb.EnrollRequest(template=template),
                                                                     metadata=country("FRA"))
    analytics = an_grpc.AnalyticsServiceStub(mesh["analytics"].channel)
    _until(lambda: len(analytics.GetNeighbourhood(an_pb.GetNeighbourhoodRequest(entity_id=VISIBLE, depth=2),
                                                  metadata=DEU).nodes) == 3, "analytics to follow the repository")


def _ids(entities) -> set[str]:  # type: ignore[no-untyped-def]
    return {e.id for e in entities}


def test_repository_reads(mesh: dict[str, RunningServer]) -> None:
    query = q_grpc.QueryServiceStub(mesh["query"].channel)
    for who, sees in ((DEU, True), (ITA, False)):
        found = query.Search(q_pb.SearchRequest(name="Ivan Petrov"), metadata=who)
        assert (HIDDEN in {h.entity.id for h in found.hits}) is sees
        by_document = query.Search(q_pb.SearchRequest(document_number="ZZ999999"), metadata=who)
        assert (HIDDEN in {h.entity.id for h in by_document.hits}) is sees
        related = query.GetRelated(q_pb.GetRelatedRequest(entity_id=VISIBLE, depth=2), metadata=who)
        assert (HIDDEN in {r.entity.id for r in related.related}) is sees
        assert (BEYOND in {r.entity.id for r in related.related}) is sees, "reached only through the hidden one"
        assert all(HIDDEN not in (link.from_entity_id, link.to_entity_id) for link in related.links) or sees
        batch = query.BatchGetRelated(q_pb.BatchGetRelatedRequest(entity_ids=[HIDDEN, VISIBLE], depth=2),
                                      metadata=who)
        assert (HIDDEN in {s.entity_id for s in batch.related_sets}) is sees, "a set for it would reveal it"
        reached = {r.entity.id for s in batch.related_sets for r in s.related}
        assert (HIDDEN in reached) is sees and (BEYOND in reached) is sees
        entities = query.BatchGetEntities(q_pb.BatchGetEntitiesRequest(entity_ids=[HIDDEN, VISIBLE]), metadata=who)
        assert [e.id for e in entities.entities] == ([HIDDEN, VISIBLE] if sees else [VISIBLE])
        exported = list(query.ExportEntities(q_pb.ExportEntitiesRequest(), metadata=who, timeout=10))
        assert (HIDDEN in {c.entity.id for c in exported}) is sees
        assert (len({c.entity.id for c in exported} & set(HIDDEN_EVENTS)) == 6) is sees
    query.GetEntity(q_pb.GetEntityRequest(entity_id=HIDDEN), metadata=DEU)
    for call in (lambda: query.GetEntity(q_pb.GetEntityRequest(entity_id=HIDDEN), metadata=ITA),
                 lambda: query.DeleteEntity(q_pb.DeleteEntityRequest(entity_id=HIDDEN), metadata=ITA)):
        with pytest.raises(grpc.RpcError) as raised:
            call()
        assert raised.value.code() == grpc.StatusCode.NOT_FOUND, "must not even reveal that it exists"


def test_biometric_reads(mesh: dict[str, RunningServer]) -> None:
    biometric = bio_grpc.BiometricServiceStub(mesh["biometric"].channel)
    for who, sees in ((DEU, True), (ITA, False)):
        candidates = biometric.Identify(bio_pb.IdentifyRequest(probe=_probe(), top_k=5), metadata=who).candidates
        assert ("t-hidden" in {c.template_id for c in candidates}) is sees
        verified = biometric.Verify(bio_pb.VerifyRequest(probe=_probe(), subject_id=HIDDEN), metadata=who)
        assert verified.match is sees and (verified.best_template_id == "t-hidden") is sees


def test_analytics_reads(mesh: dict[str, RunningServer]) -> None:
    analytics = an_grpc.AnalyticsServiceStub(mesh["analytics"].channel)
    start, end = timestamp_pb2.Timestamp(), timestamp_pb2.Timestamp()
    start.FromDatetime(WHEN - timedelta(days=60))
    end.FromDatetime(WHEN + timedelta(days=1))
    for who, sees in ((DEU, True), (ITA, False)):
        paths = analytics.FindPaths(an_pb.FindPathsRequest(from_entity_id=VISIBLE, to_entity_id=BEYOND, max_hops=4),
                                    metadata=who).paths
        assert bool(paths) is sees, "the only path runs through the hidden person"
        nodes = analytics.GetNeighbourhood(an_pb.GetNeighbourhoodRequest(entity_id=VISIBLE, depth=2),
                                           metadata=who).nodes
        assert (HIDDEN in {n.entity_id for n in nodes}) is sees
        communities = analytics.DetectCommunities(an_pb.DetectCommunitiesRequest(min_size=2), metadata=who)
        assert (HIDDEN in {m for c in communities.communities for m in c.entity_ids}) is sees
        trends = analytics.GetTrends(an_pb.GetTrendsRequest(start_time=start, end_time=end,
                                                            time_bucket=an_pb.TIME_BUCKET_DAY), metadata=who)
        counted = sum(p.event_count for s in trends.series for p in s.points)
        assert counted == (6 if sees else 0)
        hotspots = analytics.GetHotspots(an_pb.GetHotspotsRequest(start_time=start, end_time=end, min_events=3),
                                         metadata=who).hotspots
        assert (sum(h.event_count for h in hotspots) == 6) is sees and (not hotspots) is not sees
    clusters = analytics.ResolveEntities(an_pb.ResolveEntitiesRequest(), metadata=ITA).clusters
    assert HIDDEN not in {e for c in clusters for e in c.entity_ids}


def test_message_cross_check_hits(mesh: dict[str, RunningServer]) -> None:
    messaging = msg_grpc.MessagingServiceStub(mesh["messaging"].channel)
    subject = _person("m1", "Ivan Petrov", EVERYONE, "ZZ 999999")
    subject.id = "subject"
    message = message_pb2.Message(
        recipient_countries=["ITA"], message_type=message_pb2.MESSAGE_TYPE_REQUEST_FOR_INFORMATION,
        priority=message_pb2.PRIORITY_URGENT, subject="Who is this?", language="en", access_policy=EVERYONE,
        content=message_pb2.MessageContent(entities=[subject]))
    sent = messaging.SendMessage(msg_pb.SendMessageRequest(message=message, idempotency_key="leak-1"),
                                 metadata=DEU).message

    def checked(who) -> message_pb2.Message:  # type: ignore[no-untyped-def]
        return messaging.GetMessage(msg_pb.GetMessageRequest(message_id=sent.id), metadata=who).message

    _until(lambda: checked(DEU).cross_check.state == message_pb2.CROSS_CHECK_STATE_COMPLETE, "the cross-check")
    assert HIDDEN in {h.record_id for h in checked(DEU).cross_check.hits}
    assert HIDDEN not in {h.record_id for h in checked(ITA).cross_check.hits}
    private = message_pb2.Message(
        recipient_countries=["FRA"], message_type=message_pb2.MESSAGE_TYPE_ALERT, priority=message_pb2.PRIORITY_URGENT,
        subject="Ivan Petrov", language="en", access_policy=EVERYONE, case_reference="DEU/LEAK/1")
    hidden = messaging.SendMessage(msg_pb.SendMessageRequest(message=private, idempotency_key="leak-2"),
                                   metadata=DEU).message
    with pytest.raises(grpc.RpcError) as raised:
        messaging.GetMessage(msg_pb.GetMessageRequest(message_id=hidden.id), metadata=ITA)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    listed = messaging.ListMessages(msg_pb.ListMessagesRequest(text="Ivan Petrov"), metadata=ITA).messages
    assert hidden.id not in {m.id for m in listed}
    with pytest.raises(grpc.RpcError) as raised:
        messaging.GetCase(msg_pb.GetCaseRequest(case_reference="DEU/LEAK/1"), metadata=ITA)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert len(messaging.GetCase(msg_pb.GetCaseRequest(case_reference="DEU/LEAK/1"), metadata=DEU).entries) == 1
    streamed = messaging.StreamInbox(msg_pb.StreamInboxRequest(), metadata=ITA, timeout=1.5)
    seen = []
    with pytest.raises(grpc.RpcError):
        for item in streamed:
            seen.append(item.message.id)
    assert hidden.id not in seen and sent.id in seen


def test_gateway_reads(mesh: dict[str, RunningServer]) -> None:
    gateway = gw_grpc.GatewayServiceStub(mesh["gateway"].channel)
    for who, sees in ((DEU, True), (ITA, False)):
        found = gateway.UnifiedSearch(gw_pb.UnifiedSearchRequest(name="Ivan Petrov", probe=_probe()),
                                      metadata=who, timeout=10)
        ids = {h.record_id for r in found.results for h in r.hits} | {
            e.id for r in found.results for e in r.linked_entities}
        assert (HIDDEN in ids) is sees and ("t-hidden" in ids) is sees
        check = gateway.FrontlineCheck(gw_pb.FrontlineCheckRequest(probe=_probe(), document_number="ZZ999999"),
                                       metadata=who, timeout=10)
        assert (check.outcome == gw_pb.FRONTLINE_OUTCOME_HIT) is sees
        assert (check.person.id == HIDDEN) is sees


def test_audit_log_records_a_search_and_the_owner_reads_it_back(mesh: dict[str, RunningServer]) -> None:
    from icore.audit.v1 import audit_service_pb2 as audit_pb
    from icore.audit.v1 import audit_service_pb2_grpc as audit_grpc

    q_grpc.QueryServiceStub(mesh["query"].channel).Search(q_pb.SearchRequest(name="Ivan Petrov"), metadata=DEU)
    audit = audit_grpc.AuditServiceStub(mesh["query"].channel)
    events = audit.ListAuditEvents(audit_pb.ListAuditEventsRequest(record_id=HIDDEN), metadata=country("FRA")).events
    searches = [e for e in events if e.method == "/icore.query.v1.QueryService/Search" and e.country == "DEU"]
    assert searches and HIDDEN in searches[0].record_ids and len(searches[0].trace_id) == 32
    assert all(e.country != "ITA" for e in events), "Italy never saw the record, so never touched it"
    others = audit.ListAuditEvents(audit_pb.ListAuditEventsRequest(record_id=HIDDEN), metadata=DEU).events
    assert others == [], "only the data owner reads the audit of its records"
