"""MessagingService over a real channel on SQLite and PostgreSQL: delivery,
idempotency, acknowledgements, cases, cursors, access, deadlines and lists."""

from __future__ import annotations

import time
from typing import Any

import grpc
import pytest

from icore.messaging.v1 import message_pb2 as pb
from icore.messaging.v1 import messaging_service_pb2 as service_pb
from tests.messaging.conftest import message, person, rpc_error, send, stub, take
from tests.support import RunningServer, country


def test_recipient_stream_gets_the_message_and_a_third_country_does_not(messaging: RunningServer) -> None:
    first = send(messaging, "FRA", message(to=["DEU"], subject="For Germany"))
    second = send(messaging, "FRA", message(to=["ITA"], subject="For Italy"))

    german = take(messaging, "DEU", 1)
    italian = take(messaging, "ITA", 1)

    assert [i.message.id for i in german] == [first.message.id]
    assert german[0].message.sender_country == "FRA"
    assert [i.message.id for i in italian] == [second.message.id], "Italy's stream carried Germany's message"
    own = german[0].message.recipient_states
    assert [(s.country, s.delivery_state) for s in own] == [("DEU", pb.DELIVERY_STATE_DELIVERED)]


def test_the_sender_country_comes_from_the_caller_not_the_request(messaging: RunningServer) -> None:
    sent = send(messaging, "FRA", message(sender_country="USA"))
    assert sent.message.sender_country == "FRA"
    assert sent.message.id.startswith("msg_") and len(sent.message.id) == 30


def test_resending_with_the_same_idempotency_key_stores_one_message(messaging: RunningServer) -> None:
    first = send(messaging, "FRA", message(), key="case-42-rfi")
    again = send(messaging, "FRA", message(), key="case-42-rfi")
    other_sender = send(messaging, "ESP", message(), key="case-42-rfi")

    assert first.created and not again.created
    assert again.message.id == first.message.id
    assert other_sender.created, "idempotency keys are per sender"
    outbox = stub(messaging).ListMessages(service_pb.ListMessagesRequest(mailbox=service_pb.MAILBOX_OUTBOX),
                                          metadata=country("FRA"))
    assert [m.id for m in outbox.messages] == [first.message.id]
    assert len(take(messaging, "DEU", 2)) == 2  # FRA's one message and ESP's

    error = rpc_error(lambda: send(messaging, "FRA", message(subject="Something else"), key="case-42-rfi"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "idempotency_key" in error.details()


def test_concurrent_resends_of_one_key_store_one_message(messaging: RunningServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda _: send(messaging, "FRA", message(), key="retry-storm"), range(24)))
    assert len({a.message.id for a in answers}) == 1
    assert sum(a.created for a in answers) == 1
    outbox = stub(messaging).ListMessages(service_pb.ListMessagesRequest(mailbox=service_pb.MAILBOX_OUTBOX),
                                          metadata=country("FRA"))
    assert len(outbox.messages) == 1


def test_acknowledgement_states_flow_back_to_the_sender(messaging: RunningServer) -> None:
    sent = send(messaging, "FRA", message(to=["DEU", "ITA"]))
    message_id = sent.message.id
    assert {s.delivery_state for s in sent.message.recipient_states} == {pb.DELIVERY_STATE_QUEUED}

    take(messaging, "DEU", 1)  # streamed: delivered
    ack = stub(messaging).AcknowledgeMessage(
        service_pb.AcknowledgeMessageRequest(message_id=message_id, delivery_state=pb.DELIVERY_STATE_READ),
        metadata=country("ITA"))
    assert ack.recipient_state.delivery_state == pb.DELIVERY_STATE_READ
    stub(messaging).AcknowledgeMessage(
        service_pb.AcknowledgeMessageRequest(message_id=message_id, delivery_state=pb.DELIVERY_STATE_ACKNOWLEDGED),
        metadata=country("ITA"))
    back = stub(messaging).AcknowledgeMessage(  # a late DELIVERED never undoes ACKNOWLEDGED
        service_pb.AcknowledgeMessageRequest(message_id=message_id, delivery_state=pb.DELIVERY_STATE_DELIVERED),
        metadata=country("ITA"))
    assert back.recipient_state.delivery_state == pb.DELIVERY_STATE_ACKNOWLEDGED

    expected = {"DEU": pb.DELIVERY_STATE_DELIVERED, "ITA": pb.DELIVERY_STATE_ACKNOWLEDGED}
    give_up = time.monotonic() + 5  # the stream records DELIVERED as it hands the message over
    while True:
        seen_by_sender = stub(messaging).GetMessage(service_pb.GetMessageRequest(message_id=message_id),
                                                    metadata=country("FRA")).message
        states = {s.country: s.delivery_state for s in seen_by_sender.recipient_states}
        if states == expected or time.monotonic() > give_up:
            break
        time.sleep(0.02)
    assert states == expected
    seen_by_germany = stub(messaging).GetMessage(service_pb.GetMessageRequest(message_id=message_id),
                                                 metadata=country("DEU")).message
    assert [s.country for s in seen_by_germany.recipient_states] == ["DEU"], "a recipient sees only its own state"

    for who in ("ESP", "FRA"):  # not a recipient: a third country, or the sender itself
        with pytest.raises(grpc.RpcError) as raised:
            stub(messaging).AcknowledgeMessage(
                service_pb.AcknowledgeMessageRequest(message_id=message_id, delivery_state=pb.DELIVERY_STATE_READ),
                metadata=country(who))
        assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    error = rpc_error(lambda: stub(messaging).AcknowledgeMessage(
        service_pb.AcknowledgeMessageRequest(message_id=message_id, delivery_state=pb.DELIVERY_STATE_QUEUED),
        metadata=country("DEU")))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_a_case_lists_its_threads_in_order(messaging: RunningServer) -> None:
    request = send(messaging, "FRA", message(to=["DEU", "ITA"], case_reference="FRA/2026/000042"))
    reply = send(messaging, "DEU", message(to=["FRA"], message_type=pb.MESSAGE_TYPE_REPLY,
                                           in_reply_to=request.message.id, subject="Re: request"))
    follow_up = send(messaging, "FRA", message(to=["DEU"], message_type=pb.MESSAGE_TYPE_REPLY,
                                               in_reply_to=reply.message.id, subject="Re: Re: request"))
    other_thread = send(messaging, "FRA", message(to=["ITA"], case_reference="FRA/2026/000042",
                                                  message_type=pb.MESSAGE_TYPE_ALERT, priority=pb.PRIORITY_URGENT))
    send(messaging, "FRA", message(to=["DEU"], case_reference="FRA/2026/000099"))

    assert reply.message.case_reference == "FRA/2026/000042", "a reply inherits the case"
    case = stub(messaging).GetCase(service_pb.GetCaseRequest(case_reference="FRA/2026/000042"),
                                   metadata=country("FRA"))
    assert [(e.message.id, e.thread_root_id, e.depth) for e in case.entries] == [
        (request.message.id, request.message.id, 0),
        (reply.message.id, request.message.id, 1),
        (follow_up.message.id, request.message.id, 2),
        (other_thread.message.id, other_thread.message.id, 0),
    ]
    italy = stub(messaging).GetCase(service_pb.GetCaseRequest(case_reference="FRA/2026/000042"),
                                    metadata=country("ITA"))
    assert [e.message.id for e in italy.entries] == [request.message.id, other_thread.message.id]

    paged = stub(messaging).GetCase(service_pb.GetCaseRequest(case_reference="FRA/2026/000042", page_size=3),
                                    metadata=country("FRA"))
    rest = stub(messaging).GetCase(service_pb.GetCaseRequest(case_reference="FRA/2026/000042", page_size=3,
                                                             page_token=paged.next_page_token),
                                   metadata=country("FRA"))
    assert [e.message.id for e in [*paged.entries, *rest.entries]] == [e.message.id for e in case.entries]
    assert rest.next_page_token == ""

    error = rpc_error(lambda: stub(messaging).GetCase(service_pb.GetCaseRequest(case_reference="FRA/2026/000042"),
                                                      metadata=country("USA")))
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_a_reconnecting_stream_resumes_after_its_cursor_and_loses_nothing(messaging: RunningServer) -> None:
    first_ids = [send(messaging, sender, message(to=["DEU"], subject=f"first {i}")).message.id
                 for i, sender in enumerate(["FRA", "ITA", "FRA", "ESP", "FRA"])]
    seen = take(messaging, "DEU", 3)
    assert [i.message.id for i in seen] == first_ids[:3]
    # The client drops here; more arrives while it is away.
    later_ids = [send(messaging, "ITA", message(to=["DEU"], subject=f"later {i}")).message.id for i in range(4)]

    resumed = take(messaging, "DEU", 6, cursor=seen[-1].cursor)
    assert [i.message.id for i in resumed] == first_ids[3:] + later_ids
    assert take(messaging, "DEU", 9)[-1].message.id == later_ids[-1], "from the start again: the whole inbox"

    error = rpc_error(lambda: take(messaging, "DEU", 1, cursor="not-a-cursor"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_a_stream_receives_messages_sent_while_it_waits(messaging: RunningServer) -> None:
    import threading

    received: list[service_pb.StreamInboxResponse] = []
    reader = threading.Thread(target=lambda: received.extend(take(messaging, "POL", 3)))
    reader.start()
    time.sleep(0.3)  # the stream is open and idle
    sent = [send(messaging, "FRA", message(to=["POL"], subject=f"live {i}")).message.id for i in range(3)]
    reader.join(10)
    assert [i.message.id for i in received] == sent


def test_only_the_sender_and_the_recipients_know_a_message_exists(messaging: RunningServer) -> None:
    sent = send(messaging, "FRA", message(to=["DEU"], case_reference="FRA/2026/7"))
    for outsider in ("ITA", "USA"):
        with pytest.raises(grpc.RpcError) as raised:
            stub(messaging).GetMessage(service_pb.GetMessageRequest(message_id=sent.message.id),
                                       metadata=country(outsider))
        assert raised.value.code() == grpc.StatusCode.NOT_FOUND
        listed = stub(messaging).ListMessages(service_pb.ListMessagesRequest(), metadata=country(outsider))
        assert list(listed.messages) == []
    missing = rpc_error(lambda: stub(messaging).GetMessage(service_pb.GetMessageRequest(message_id="msg_nope"),
                                                           metadata=country("FRA")))
    assert missing.code() == grpc.StatusCode.NOT_FOUND
    assert stub(messaging).GetMessage(service_pb.GetMessageRequest(message_id=sent.message.id),
                                      metadata=country("DEU")).message.subject == sent.message.subject
    anonymous = rpc_error(lambda: stub(messaging).GetMessage(service_pb.GetMessageRequest(message_id=sent.message.id)))
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED


def test_broadcast_reaches_every_member_country_but_the_sender(messaging: RunningServer) -> None:
    sent = send(messaging, "FRA", message(to=[], broadcast=True, message_type=pb.MESSAGE_TYPE_ALERT))
    countries = {s.country for s in sent.message.recipient_states}
    assert {"DEU", "USA", "JPN", "BRA"} <= countries and "FRA" not in countries
    assert take(messaging, "JPN", 1)[0].message.id == sent.message.id


def test_lists_filter_by_mailbox_case_type_priority_and_page(messaging: RunningServer) -> None:
    a = send(messaging, "FRA", message(to=["DEU"], case_reference="C1"))
    b = send(messaging, "DEU", message(to=["FRA"], case_reference="C1", priority=pb.PRIORITY_URGENT))
    c = send(messaging, "FRA", message(to=["ITA"], message_type=pb.MESSAGE_TYPE_ALERT))

    def ids(**request: Any) -> list[str]:
        listed = stub(messaging).ListMessages(service_pb.ListMessagesRequest(**request), metadata=country("FRA"))
        return [m.id for m in listed.messages]

    assert ids() == [c.message.id, b.message.id, a.message.id], "newest first"
    assert ids(mailbox=service_pb.MAILBOX_INBOX) == [b.message.id]
    assert ids(mailbox=service_pb.MAILBOX_OUTBOX) == [c.message.id, a.message.id]
    assert ids(case_reference="C1") == [b.message.id, a.message.id]
    assert ids(message_type=pb.MESSAGE_TYPE_ALERT) == [c.message.id]
    assert ids(priority=pb.PRIORITY_URGENT) == [b.message.id]
    assert ids(start_time=b.message.create_time) == [c.message.id, b.message.id]
    assert ids(end_time=b.message.create_time) == [a.message.id]

    pages, token = [], ""
    while True:
        page = stub(messaging).ListMessages(service_pb.ListMessagesRequest(page_size=2, page_token=token),
                                            metadata=country("FRA"))
        pages.append([m.id for m in page.messages])
        token = page.next_page_token
        if not token:
            break
    assert pages == [[c.message.id, b.message.id], [a.message.id]]

    for bad in (dict(page_size=-1), dict(page_token="garbage"), dict(mailbox=99), dict(text="x" * 201)):
        with pytest.raises(grpc.RpcError) as raised:
            stub(messaging).ListMessages(service_pb.ListMessagesRequest(**bad), metadata=country("FRA"))
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT, bad


def test_text_filter_finds_names_in_any_script_and_document_numbers(messaging: RunningServer) -> None:
    by_content = send(messaging, "FRA", message(to=["DEU"], entities=[
        person("p1", "Юрий Щербаков", documents=[dict(document_type="PASSPORT", number="72 4411 983")])]))
    by_body = send(messaging, "ITA", message(to=["DEU"], body="The courier Mohammed al-Rashid crossed at Chiasso."))
    send(messaging, "ESP", message(to=["DEU"], body="Nothing about anyone in particular."))

    def found(text: str) -> list[str]:
        listed = stub(messaging).ListMessages(service_pb.ListMessagesRequest(text=text), metadata=country("DEU"))
        return [m.id for m in listed.messages]

    assert found("Yuri Shcherbakov") == [by_content.message.id]
    assert found("Yuriy Scherbakow") == [by_content.message.id]
    assert found("724411983") == [by_content.message.id]
    assert found("محمد الرشيد") == [by_body.message.id]
    assert found("Muhammad Al Rashid") == [by_body.message.id]
    assert found("Ivan Petrov") == []
    listed = stub(messaging).ListMessages(service_pb.ListMessagesRequest(text="Yuri Shcherbakov"),
                                          metadata=country("POL"))
    assert list(listed.messages) == [], "the filter never widens what a country may see"


def test_a_text_search_shows_each_found_message_as_a_listing_does(messaging: RunningServer) -> None:
    """Found by text, a message carries its recipients' states and its cross-check
    (read for the found messages only, after the text has been scored)."""
    sent = send(messaging, "FRA", message(to=["DEU", "ITA"], entities=[person("p1", "Yuri Shcherbakov")]))
    send(messaging, "FRA", message(to=["DEU"], body="Nothing about anyone in particular."))
    stub(messaging).AcknowledgeMessage(
        service_pb.AcknowledgeMessageRequest(message_id=sent.message.id, delivery_state=pb.DELIVERY_STATE_READ),
        metadata=country("ITA"))

    def listed(**filters: str) -> dict[str, pb.Message]:
        found = stub(messaging).ListMessages(service_pb.ListMessagesRequest(**filters), metadata=country("FRA"))
        return {m.id: m for m in found.messages}

    by_text, everything = listed(text="Yuri Shcherbakov"), listed()
    assert list(by_text) == [sent.message.id]
    found = by_text[sent.message.id]
    assert {s.country: s.delivery_state for s in found.recipient_states} == {
        "DEU": pb.DELIVERY_STATE_QUEUED, "ITA": pb.DELIVERY_STATE_READ}
    assert found == everything[sent.message.id]


@pytest.fixture
def short_deadlines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICORE_MESSAGING_DEADLINES", "IMMEDIATE=300ms")


def test_overdue_replies_are_listed_for_who_owes_them_and_who_waits(short_deadlines: None,
                                                                    messaging: RunningServer) -> None:
    urgent = send(messaging, "FRA", message(to=["DEU", "ITA"], priority=pb.PRIORITY_IMMEDIATE))
    routine = send(messaging, "FRA", message(to=["DEU"], priority=pb.PRIORITY_ROUTINE))
    due = urgent.message.response_due_time.ToNanoseconds() - urgent.message.create_time.ToNanoseconds()
    assert due == 300_000_000
    routine_due = routine.message.response_due_time.ToSeconds() - routine.message.create_time.ToSeconds()
    assert routine_due == 14 * 86400
    send(messaging, "ITA", message(to=["FRA"], message_type=pb.MESSAGE_TYPE_REPLY, in_reply_to=urgent.message.id))
    time.sleep(0.4)

    def overdue(who: str, mailbox: service_pb.Mailbox) -> list[str]:
        listed = stub(messaging).ListMessages(service_pb.ListMessagesRequest(overdue_only=True, mailbox=mailbox),
                                              metadata=country(who))
        return [m.id for m in listed.messages]

    assert overdue("DEU", service_pb.MAILBOX_INBOX) == [urgent.message.id], "Germany owes France a reply"
    assert overdue("ITA", service_pb.MAILBOX_INBOX) == [], "Italy replied in time"
    assert overdue("FRA", service_pb.MAILBOX_OUTBOX) == [urgent.message.id]
    states = stub(messaging).GetMessage(service_pb.GetMessageRequest(message_id=urgent.message.id),
                                        metadata=country("FRA")).message.recipient_states
    assert {s.country: (s.overdue, bool(s.reply_message_id)) for s in states} == {
        "DEU": (True, False), "ITA": (False, True)}


def test_lists_leave_document_bytes_out_and_stop_a_page_at_4_mib(messaging: RunningServer) -> None:
    big = 3 * 1024 * 1024
    sent_ids = []
    for i in range(3):
        sent = message(to=["DEU"], case_reference="DOCS", subject=f"scan {i}")
        sent.attachments.add().document.CopyFrom(pb.DocumentAttachment(
            file_name=f"scan{i}.pdf", media_type="application/pdf", content=bytes([i]) * big))
        sent_ids.append(send(messaging, "FRA", sent).message.id)
        assert len(sent.attachments[0].document.content) == big

    listed = stub(messaging).ListMessages(service_pb.ListMessagesRequest(), metadata=country("DEU"))
    documents = [m.attachments[0].document for m in listed.messages]
    assert [d.size_bytes for d in documents] == [big] * 3 and not any(d.content for d in documents)
    whole = stub(messaging).GetMessage(service_pb.GetMessageRequest(message_id=sent_ids[0]), metadata=country("DEU"))
    assert whole.message.attachments[0].document.content == bytes([0]) * big
    assert take(messaging, "DEU", 1)[0].message.attachments[0].document.content == bytes([0]) * big

    long_body = "x" * 100_000
    for i in range(60):  # 60 messages of 100,000 characters: more than 4 MiB
        send(messaging, "ITA", message(to=["DEU"], case_reference="LONG", body=long_body, subject=f"long {i}"))
    first = stub(messaging).ListMessages(service_pb.ListMessagesRequest(case_reference="LONG", page_size=500),
                                         metadata=country("DEU"))
    assert 0 < len(first.messages) < 60 and first.next_page_token
    rest = stub(messaging).ListMessages(service_pb.ListMessagesRequest(case_reference="LONG", page_size=500,
                                                                       page_token=first.next_page_token),
                                        metadata=country("DEU"))
    assert len(first.messages) + len(rest.messages) == 60 and not rest.next_page_token
    case = stub(messaging).GetCase(service_pb.GetCaseRequest(case_reference="LONG", page_size=500),
                                   metadata=country("DEU"))
    assert 0 < len(case.entries) < 60 and case.next_page_token
