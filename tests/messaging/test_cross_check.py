"""The cross-check on arrival: what is looked up, how hits are kept per reader,
and that a backend which is down or not built yet leaves the check pending
and retried, never blocking delivery.

The domain tests use a small in-process `Backends`; the RPC tests run the
messaging server against a gRPC server that offers no service (UNIMPLEMENTED,
as the backends answered before their issues landed), against nothing at all
(UNAVAILABLE), against a stand-in QueryService/BiometricService on a real
port that can be started late, and against the real QueryService.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent import futures

import grpc
import pytest

from icore.biometric.v1 import biometric_service_pb2 as biometric_pb
from icore.biometric.v1 import biometric_service_pb2_grpc as biometric_grpc
from icore.biometric.v1 import template_pb2 as template_pb
from icore.messaging.v1 import message_pb2 as pb
from icore.messaging.v1 import messaging_service_pb2 as service_pb
from icore.query.v1 import query_service_pb2 as query_pb
from icore.query.v1 import query_service_pb2_grpc as query_grpc
from icore.uim.v1 import access_pb2, biometrics_pb2, entity_pb2
from services.messaging.cross_check import BackendRejected, BackendUnavailable, check_message, hits_for, probes
from tests.messaging.conftest import message, person, send, stub, take, unused_address
from tests.support import RunningServer, country


def _face(values: float = 0.5) -> pb.Attachment:
    attachment = pb.Attachment()
    attachment.biometric.subject_entity_id = "p1"
    attachment.biometric.sample.modality = biometrics_pb2.MODALITY_FACE
    attachment.biometric.sample.vector.extend([values] * 8)
    return attachment


def _subject() -> pb.Message:
    petrov = person("p1", "Ivan Petrov", documents=[dict(document_type="PASSPORT", number="AB 123456")])
    petrov.person.date_of_birth.year = 1980
    acme = entity_pb2.Entity(id="o1")
    acme.organization.names.append("Acme Logistics")
    sent = message(to=["DEU", "ITA"], entities=[petrov, acme])
    sent.id, sent.sender_country = "msg_1", "FRA"
    sent.attachments.append(_face())
    return sent


def _entity(entity_id: str, owner: str, visibility: int, countries: tuple[str, ...] = ()) -> entity_pb2.Entity:
    entity = person(entity_id, "Ivan Petrov")
    entity.provenance.data_owner = owner
    entity.access_policy.visibility = visibility  # type: ignore[assignment]
    entity.access_policy.countries.extend(countries)
    return entity


# Ivan Petrov in the repository: one record for all members, one that Italy shares only with France.
OPEN = _entity("ent_open", "ITA", access_pb2.VISIBILITY_ALL_MEMBERS)
RESTRICTED = _entity("ent_restricted", "ITA", access_pb2.VISIBILITY_ONLY_LISTED, ("FRA",))


def _search_answer(country_code: str, request: query_pb.SearchRequest) -> query_pb.SearchResponse:
    """What a repository holding OPEN and RESTRICTED answers `country_code`."""
    if request.name != "Ivan Petrov":
        return query_pb.SearchResponse()
    hits = [query_pb.SearchHit(entity=OPEN, score=0.97, explanations=[
        query_pb.MatchExplanation(criterion="name", score=0.97, detail="exact")])]
    if country_code in ("FRA", "ITA"):
        hits.append(query_pb.SearchHit(entity=RESTRICTED, score=0.9))
    return query_pb.SearchResponse(hits=hits)


class Repository:
    """An in-process stand-in for the backends (the Backends protocol)."""

    def __init__(self, biometric_down: bool = False) -> None:
        self.biometric_down = biometric_down
        self.calls: list[tuple[str, str]] = []

    async def search(self, country_code: str, request: query_pb.SearchRequest) -> query_pb.SearchResponse:
        self.calls.append(("search", country_code))
        if request.document_number == "bad":
            raise BackendRejected("query: INVALID_ARGUMENT")
        return _search_answer(country_code, request)

    async def identify(self, country_code: str, request: biometric_pb.IdentifyRequest) -> biometric_pb.IdentifyResponse:
        self.calls.append(("identify", country_code))
        if self.biometric_down:
            raise BackendUnavailable("biometric: UNAVAILABLE")
        return biometric_pb.IdentifyResponse(candidates=[
            template_pb.Candidate(template_id="tpl_1", subject_id="subj_1", score=0.93, watchlists=["red_notices"],
                                   data_owner="ESP"),
            template_pb.Candidate(template_id="tpl_2", subject_id="subj_2", score=0.2)])

    async def verify_thresholds(self, country_code: str) -> dict[int, float]:
        if self.biometric_down:
            raise BackendUnavailable("biometric: UNAVAILABLE")
        return {1: 0.8}


def test_probes_cover_persons_documents_organizations_and_templates() -> None:
    found = probes(_subject())
    kinds = [(p.entity_id, "search" if p.search else "identify") for p in found]
    assert kinds == [("p1", "search"), ("p1", "search"), ("o1", "search"), ("p1", "identify")]
    by_name, by_document, by_organization = (p.search for p in found[:3])
    assert by_name is not None and by_name.name == "Ivan Petrov" and by_name.date_of_birth.year == 1980
    assert by_document is not None and by_document.document_number == "AB 123456"
    assert by_organization is not None and list(by_organization.entity_kinds) == [
        entity_pb2.ENTITY_KIND_ORGANIZATION]


def test_each_reader_gets_only_the_hits_it_may_see() -> None:
    outcome = asyncio.run(check_message(_subject(), ["FRA", "DEU", "ITA"], Repository()))
    assert outcome.complete
    assert {(h.backend, h.record_id) for h in hits_for(outcome.hits, "FRA")} == {
        ("query", "ent_open"), ("query", "ent_restricted"), ("biometric", "tpl_1")}
    assert {(h.backend, h.record_id) for h in hits_for(outcome.hits, "DEU")} == {
        ("query", "ent_open"), ("biometric", "tpl_1")}
    assert hits_for(outcome.hits, "USA") == [], "not a reader of the message"
    face = next(h for h in hits_for(outcome.hits, "DEU") if h.backend == "biometric")
    assert list(face.watchlists) == ["red_notices"] and face.message_entity_id == "p1"
    assert "name: exact" in next(h for h in hits_for(outcome.hits, "DEU") if h.record_id == "ent_open").explanation


def test_a_backend_that_is_down_leaves_the_check_incomplete_but_keeps_what_was_found() -> None:
    outcome = asyncio.run(check_message(_subject(), ["FRA", "DEU"], Repository(biometric_down=True)))
    assert not outcome.complete and "UNAVAILABLE" in outcome.error
    assert {h.record_id for h in hits_for(outcome.hits, "FRA")} == {"ent_open", "ent_restricted"}


def test_a_probe_the_backend_refuses_counts_as_checked() -> None:
    sent = message(entities=[person("p1", "Nobody Known", documents=[dict(document_type="PASSPORT", number="bad")])])
    outcome = asyncio.run(check_message(sent, ["FRA"], Repository()))
    assert outcome.complete and outcome.hits == []


# -- over gRPC ----------------------------------------------------------------------------


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICORE_MESSAGING_CROSS_CHECK_RETRY_S", "0.1")
    monkeypatch.setenv("ICORE_MESSAGING_CROSS_CHECK_MAX_RETRY_S", "0.2")
    monkeypatch.setenv("ICORE_MESSAGING_CROSS_CHECK_TIMEOUT_S", "2")


def _check(server: RunningServer, message_id: str, reader: str) -> pb.CrossCheck:
    found: service_pb.GetMessageResponse = stub(server).GetMessage(
        service_pb.GetMessageRequest(message_id=message_id), metadata=country(reader))
    return found.message.cross_check


def _wait_for(condition: Callable[[], bool], timeout: float = 10) -> bool:
    give_up = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > give_up:
            return False
        time.sleep(0.05)
    return True


def test_a_message_without_anything_to_check_completes_at_once(
        fast_retries: None, start_service: Callable[..., RunningServer]) -> None:
    dead = unused_address()
    messaging = start_service("messaging", peers={"query": dead, "biometric": dead})
    sent = send(messaging, "FRA", message())
    assert _wait_for(lambda: _check(messaging, sent.message.id, "FRA").state == pb.CROSS_CHECK_STATE_COMPLETE)


def test_the_check_stays_pending_and_is_retried_while_backends_are_unimplemented(
        fast_retries: None, start_service: Callable[..., RunningServer], bare_server: str) -> None:
    messaging = start_service("messaging", peers={"query": bare_server, "biometric": bare_server})
    sent = send(messaging, "FRA", _with_face(message(entities=[person("p1", "Ivan Petrov")])))
    assert sent.message.cross_check.state == pb.CROSS_CHECK_STATE_PENDING

    assert _wait_for(lambda: _check(messaging, sent.message.id, "FRA").HasField("update_time"))
    first = _check(messaging, sent.message.id, "FRA").update_time.ToNanoseconds()
    assert _wait_for(lambda: _check(messaging, sent.message.id, "FRA").update_time.ToNanoseconds() > first), \
        "the check was not retried"
    assert _check(messaging, sent.message.id, "FRA").state == pb.CROSS_CHECK_STATE_PENDING
    assert [i.message.id for i in _take_one(messaging, "DEU")] == [sent.message.id], "delivery waited for the check"


@pytest.fixture
def bare_server() -> Iterator[str]:
    """A real gRPC server offering no service: every call answers UNIMPLEMENTED,
    as the query and biometric services did before their issues landed."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(0)


def _with_face(sent: pb.Message) -> pb.Message:
    sent.attachments.append(_face())
    return sent


def _take_one(server: RunningServer, reader: str) -> list[service_pb.StreamInboxResponse]:
    return take(server, reader, 1)


class StandInQuery(query_grpc.QueryServiceServicer):
    def Search(self, request: query_pb.SearchRequest, context: grpc.ServicerContext) -> query_pb.SearchResponse:
        metadata = dict(context.invocation_metadata())
        assert metadata.get("x-icore-service") == "messaging", "the cross-check must say who relays"
        return _search_answer(metadata["x-icore-on-behalf-of"], request)


class StandInBiometric(biometric_grpc.BiometricServiceServicer):
    def GetStats(self, request: biometric_pb.GetStatsRequest,
                 context: grpc.ServicerContext) -> biometric_pb.GetStatsResponse:
        face = biometric_pb.ModalityStats(modality=biometrics_pb2.MODALITY_FACE, verify_threshold=0.8)
        return biometric_pb.GetStatsResponse(modalities=[face])

    def Identify(self, request: biometric_pb.IdentifyRequest,
                 context: grpc.ServicerContext) -> biometric_pb.IdentifyResponse:
        return biometric_pb.IdentifyResponse(candidates=[template_pb.Candidate(
            template_id="tpl_1", subject_id="subj_1", score=0.95, watchlists=["red_notices"], data_owner="ESP")])


@pytest.fixture
def stand_in_address() -> Iterator[tuple[str, Callable[[], None]]]:
    """An address and a function that starts the stand-in backends on it."""
    address = unused_address()
    servers: list[grpc.Server] = []

    def start() -> None:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        query_grpc.add_QueryServiceServicer_to_server(StandInQuery(), server)
        biometric_grpc.add_BiometricServiceServicer_to_server(StandInBiometric(), server)
        server.add_insecure_port(address)
        server.start()
        servers.append(server)

    yield address, start
    for server in servers:
        server.stop(0)


def test_a_pending_check_completes_when_the_backends_come_up_and_hits_are_filtered_per_reader(
        fast_retries: None, start_service: Callable[..., RunningServer],
        stand_in_address: tuple[str, Callable[[], None]]) -> None:
    address, start_backends = stand_in_address
    messaging = start_service("messaging", peers={"query": address, "biometric": address})
    sent = send(messaging, "FRA", _with_face(message(to=["DEU"], entities=[person("p1", "Ivan Petrov")])))
    assert _wait_for(lambda: _check(messaging, sent.message.id, "FRA").HasField("update_time"))
    assert _check(messaging, sent.message.id, "FRA").state == pb.CROSS_CHECK_STATE_PENDING

    start_backends()
    assert _wait_for(lambda: _check(messaging, sent.message.id, "FRA").state == pb.CROSS_CHECK_STATE_COMPLETE)
    france = {(h.backend, h.record_id) for h in _check(messaging, sent.message.id, "FRA").hits}
    germany = {(h.backend, h.record_id) for h in _check(messaging, sent.message.id, "DEU").hits}
    assert france == {("query", "ent_open"), ("query", "ent_restricted"), ("biometric", "tpl_1")}
    assert germany == {("query", "ent_open"), ("biometric", "tpl_1")}, "Germany saw Italy's restricted record"
    streamed = _take_one(messaging, "DEU")[0].message.cross_check
    assert {h.record_id for h in streamed.hits} == {"ent_open", "tpl_1"}


def _repository_person(source_id: str, visibility: int, countries: tuple[str, ...] = ()) -> entity_pb2.Entity:
    entity = person("", "Ivan Petrov")
    entity.person.date_of_birth.year = 1980
    entity.provenance.source_record_id = source_id
    entity.access_policy.visibility = visibility  # type: ignore[assignment]
    entity.access_policy.countries.extend(countries)
    return entity


def test_hits_from_the_real_query_service_are_filtered_per_reader(
        fast_retries: None, start_service: Callable[..., RunningServer]) -> None:
    query = start_service("query")
    upsert = query_grpc.QueryServiceStub(query.channel).UpsertEntities(iter([query_pb.UpsertEntitiesRequest(entities=[
        _repository_person("ita-open", access_pb2.VISIBILITY_ALL_MEMBERS),
        _repository_person("ita-for-france", access_pb2.VISIBILITY_ONLY_LISTED, ("FRA",)),
        _repository_person("ita-own", access_pb2.VISIBILITY_ONLY_LISTED, ("ESP",)),
    ])]), metadata=country("ITA"))
    assert upsert.created_count == 3
    messaging = start_service("messaging", peers={"query": query.address, "biometric": unused_address()})
    petrov = person("p1", "Ivan Petrov")
    petrov.person.date_of_birth.year = 1980
    sent = send(messaging, "FRA", message(to=["DEU"], entities=[petrov]))

    assert _wait_for(lambda: _check(messaging, sent.message.id, "FRA").state == pb.CROSS_CHECK_STATE_COMPLETE)
    france = _check(messaging, sent.message.id, "FRA").hits
    germany = _check(messaging, sent.message.id, "DEU").hits
    assert len(france) == 2 and len(germany) == 1, (france, germany)
    assert {h.message_entity_id for h in france} == {"p1"} and all(h.backend == "query" for h in france)
    assert germany[0].record_id in {h.record_id for h in france}
    assert all(h.score >= 0.7 and h.explanation for h in france)


def _face_template(template_id: str, vector: list[float], visibility: int,
                   countries: tuple[str, ...] = ()) -> template_pb.Template:
    template = template_pb.Template(template_id=template_id, subject_id=f"subject-{template_id}",
                                    watchlists=["red_notices"])
    template.sample.modality = biometrics_pb2.MODALITY_FACE
    template.sample.vector.extend(vector)
    template.sample.quality = 0.9
    template.access_policy.visibility = visibility  # type: ignore[assignment]
    template.access_policy.countries.extend(countries)
    return template


def test_biometric_hits_from_the_real_biometric_service_are_filtered_per_reader(
        fast_retries: None, start_service: Callable[..., RunningServer]) -> None:
    biometric = start_service("biometric")
    enroll = biometric_grpc.BiometricServiceStub(biometric.channel).Enroll
    face = [1.0 if i % 7 == 0 else 0.1 for i in range(512)]
    try:
        enroll(biometric_pb.EnrollRequest(template=_face_template("tpl-open", face, access_pb2.VISIBILITY_ALL_MEMBERS)),
               metadata=country("ESP"))
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.UNIMPLEMENTED:
            pytest.skip("the biometric service is not built yet (issue 5)")
        raise
    enroll(biometric_pb.EnrollRequest(template=_face_template("tpl-for-france", face,
                                                              access_pb2.VISIBILITY_ONLY_LISTED, ("FRA",))),
           metadata=country("ESP"))
    messaging = start_service("messaging", peers={"query": unused_address(), "biometric": biometric.address})
    sent = message(to=["DEU"], entities=[person("p1", "Unknown Man")])
    attachment = sent.attachments.add()
    attachment.biometric.subject_entity_id = "p1"
    attachment.biometric.sample.modality = biometrics_pb2.MODALITY_FACE
    attachment.biometric.sample.vector.extend(v + 0.01 for v in face)
    attachment.biometric.sample.quality = 0.8
    message_id = send(messaging, "FRA", sent).message.id

    def biometric_hits(reader: str) -> set[str]:
        return {h.record_id for h in _check(messaging, message_id, reader).hits if h.backend == "biometric"}

    # The query service is unreachable here, so the check stays pending; the
    # biometric hits are kept from the first attempt on.
    assert _wait_for(lambda: biometric_hits("FRA") == {"tpl-open", "tpl-for-france"})
    assert biometric_hits("DEU") == {"tpl-open"}
    hit = next(h for h in _check(messaging, message_id, "DEU").hits if h.backend == "biometric")
    assert list(hit.watchlists) == ["red_notices"] and hit.message_entity_id == "p1" and hit.score > 0.9
