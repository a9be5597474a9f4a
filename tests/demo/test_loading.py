"""`load_if_empty` stores the demo set through the real QueryService, once,
sends its case messages through the real MessagingService and enrols its
watch-listed faces through the real BiometricService."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from google.protobuf import json_format

from icore.gateway.v1 import gateway_service_pb2 as gateway_pb
from icore.gateway.v1 import gateway_service_pb2_grpc as gateway_grpc
from icore.messaging.v1 import message_pb2 as message_pb
from icore.messaging.v1 import messaging_service_pb2 as messaging_pb
from icore.messaging.v1 import messaging_service_pb2_grpc as messaging_grpc
from icore.query.v1 import query_service_pb2 as pb
from icore.query.v1 import query_service_pb2_grpc as pb_grpc
from icore.uim.v1 import access_pb2
from services.bootstrap.certificates import DEMO_COUNTRIES, make_development_pki
from services.demo import load_if_empty, wait_until_cross_checked, watchlists
from services.demo.generator import DEFAULT_SEED, Truth, generate
from services.demo.messages import demo_cases, display_name
from services.mesh import client_channel
from tests.messaging.conftest import unused_address
from tests.support import RunningServer, country


def test_demo_data_loads_into_an_empty_store_once(start_service: Callable[..., RunningServer]) -> None:
    server = start_service("query")
    summary = load_if_empty({"query": server.channel}, 300)
    truth = Truth()
    for item in generate(300, DEFAULT_SEED):
        truth.add(item)
    assert summary.startswith(f"{truth.entities} entities") and f"{truth.links} links" in summary
    assert "already holds data" in load_if_empty({"query": server.channel}, 300)

    stub = pb_grpc.QueryServiceStub(server.channel)
    member = truth.networks[0][-1]  # a network member: the owner sees its links
    owner = truth.policies[member][1]
    related = stub.GetRelated(pb.GetRelatedRequest(entity_id=member), metadata=country(owner))
    assert set(r.entity.id for r in related.related) & set(truth.networks[0])
    burst = stub.GetEntity(pb.GetEntityRequest(entity_id=truth.burst[0]), metadata=country("ESP")).entity
    assert burst.provenance.data_owner == "FRA" and burst.event.iccs_code == "0501"


def test_under_tls_the_certificate_country_owns_the_demo_and_links_follow_the_ids(
        start_service: Callable[..., RunningServer], tmp_path: Path) -> None:
    pki = make_development_pki(tmp_path / "pki", ("DEU",))
    server = start_service("query", plaintext=False, tls_dir=pki)
    with client_channel(f"127.0.0.1:{server.port}", pki, "country-DEU") as channel:
        summary = load_if_empty({"query": channel}, 120)
        changes = list(pb_grpc.QueryServiceStub(channel).ExportEntities(pb.ExportEntitiesRequest(), timeout=30))
    truth = Truth()
    for item in generate(120, DEFAULT_SEED):
        truth.add(item)
    assert f"{truth.links} links" in summary
    owners = {c.entity.provenance.data_owner for c in changes if c.HasField("entity")}
    assert owners == {"DEU"}
    assert sum(1 for c in changes if c.HasField("link")) == truth.links


def test_the_demo_sends_case_messages_about_its_people_threaded_by_case(
        start_service: Callable[..., RunningServer]) -> None:
    query = start_service("query")
    dead = unused_address()
    messaging = start_service("messaging", peers={"query": query.address, "biometric": dead})
    summary = load_if_empty({"query": query.channel, "messaging": messaging.channel}, 200)
    assert wait_until_cross_checked({"messaging": messaging.channel}, timeout_s=60), "icore up's banner waits for this"

    persons = [(item.owner, item.entity) for item in generate(200, DEFAULT_SEED)
               if item.entity is not None and item.entity.HasField("person")]
    cases = demo_cases(sorted(persons, key=lambda p: p[0]), DEFAULT_SEED)
    replies = [c for c in cases if c.reply is not None]
    assert len(cases) >= 15 and 0 < len(replies) < len(cases)
    assert f"; {len(cases) + len(replies)} case messages sent" in summary

    case = replies[0]
    asked = case.request.recipient_countries[0]
    stub = messaging_grpc.MessagingServiceStub(messaging.channel)
    inbox = stub.ListMessages(messaging_pb.ListMessagesRequest(mailbox=messaging_pb.MAILBOX_INBOX, page_size=100,
                                                               case_reference=case.request.case_reference),
                              metadata=country(asked))
    assert [m.sender_country for m in inbox.messages] == [case.sender]
    assert inbox.messages[0].content.entities[0].person.names, "the person travels as structured content"
    thread = stub.GetCase(messaging_pb.GetCaseRequest(case_reference=case.request.case_reference),
                          metadata=country(case.sender))
    assert [(e.message.message_type, e.depth) for e in thread.entries] == [
        (case.request.message_type, 0), (message_pb.MESSAGE_TYPE_REPLY, 1)]
    assert thread.entries[1].thread_root_id == thread.entries[0].message.id
    name = display_name(case.request.content.entities[0])
    found = stub.ListMessages(messaging_pb.ListMessagesRequest(text=name, page_size=50), metadata=country(asked))
    assert case.request.case_reference in {m.case_reference for m in found.messages}, "found by the person's name"
    outsider = next(c for c in DEMO_COUNTRIES if c not in (case.sender, *case.request.recipient_countries))
    hidden = stub.ListMessages(messaging_pb.ListMessagesRequest(case_reference=case.request.case_reference),
                               metadata=country(outsider))
    assert not hidden.messages, "a country outside the case sees none of it"


def test_the_demo_puts_faces_on_watch_lists_and_reports_passports_stolen(
        start_service: Callable[..., RunningServer]) -> None:
    """What `icore up` tells a user to try: `icore probe ENTITY_ID` with the id
    it names is a HIT on a watch list, and a stolen demo passport is a HIT."""
    query, biometric = start_service("query"), start_service("biometric")
    dead = unused_address()
    gateway = start_service("gateway", peers={"query": query.address, "biometric": biometric.address,
                                              "messaging": dead, "analytics": dead})
    summary = load_if_empty({"query": query.channel, "biometric": biometric.channel}, 300)
    faces = int(summary.split("; ")[-1].split(" faces on watch lists")[0])
    named = summary.rsplit("icore probe ", 1)[1].rstrip(")")
    persons = [item.entity for item in generate(300, DEFAULT_SEED)
               if item.entity is not None and item.entity.HasField("person")]
    listed = {e.id: watchlists.watchlist_of(e) for e in persons if watchlists.watchlist_of(e)}
    assert faces == len(listed) >= 5 and listed[named] == "red_notices"

    printed = subprocess.run([sys.executable, "-m", "services.cli", "probe", named], capture_output=True, text=True,
                             check=True, timeout=60).stdout
    request = json_format.Parse(printed, gateway_pb.FrontlineCheckRequest())
    check = gateway_grpc.GatewayServiceStub(gateway.channel).FrontlineCheck
    hit = check(request, metadata=country("ITA"), timeout=10)
    assert hit.outcome == gateway_pb.FRONTLINE_OUTCOME_HIT and hit.person.id == named
    assert list(hit.watchlists) == ["red_notices"] and 0.8 < hit.biometric_score < 0.95, "a new photograph"
    other_document = check(gateway_pb.FrontlineCheckRequest(probe=request.probe, document_number="ZZ0000001"),
                     metadata=country("ITA"), timeout=10)
    assert other_document.outcome == gateway_pb.FRONTLINE_OUTCOME_HIT, "the face alone decides"

    for person in persons:
        watchlists.report_stolen(person)
    stolen = next(d for p in persons for d in p.person.documents
                  if d.reported_invalid and p.access_policy.visibility == access_pb2.VISIBILITY_ALL_MEMBERS)
    document = check(gateway_pb.FrontlineCheckRequest(document_number=stolen.number,
                                                      document_country=stolen.issuing_country),
                     metadata=country("ITA"), timeout=10)
    assert document.outcome == gateway_pb.FRONTLINE_OUTCOME_HIT and "retain it" in document.handling_instruction
