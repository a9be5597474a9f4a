"""Validation of SendMessage: each bad field named, every mistake at once, and
a rejected message leaves no trace. The rules alone first, then over gRPC."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from icore.messaging.v1 import message_pb2 as pb
from icore.messaging.v1 import messaging_service_pb2 as service_pb
from icore.uim.v1 import entity_pb2, person_pb2
from services.bootstrap.errors import FieldErrors
from services.messaging.message_rules import MAX_DOCUMENT_BYTES, check_send
from services.messaging.threads import Original
from tests.messaging.conftest import message, person, send, stub
from tests.support import RunningServer, country


def _fields(request: service_pb.SendMessageRequest, sender: str = "FRA", original: Original | None = None) -> set[str]:
    errors = FieldErrors()
    check_send(request, sender, original, errors)
    return {v.field for v in errors.violations}


def _request(sent: pb.Message, key: str = "k") -> service_pb.SendMessageRequest:
    return service_pb.SendMessageRequest(message=sent, idempotency_key=key)


def test_a_valid_message_passes() -> None:
    assert _fields(_request(message(entities=[person("p1", "Ivan Petrov")]))) == set()


def test_recipients_must_be_known_distinct_countries_and_not_the_sender() -> None:
    assert _fields(_request(message(to=[]))) == {"message.recipient_countries"}
    assert _fields(_request(message(to=["DEU", "XXX", "fra", "DEU", "FRA"]))) == {
        "message.recipient_countries[1]", "message.recipient_countries[2]", "message.recipient_countries[3]",
        "message.recipient_countries[4]"}
    assert _fields(_request(message(to=["DEU"], broadcast=True))) == {"message.recipient_countries"}
    assert _fields(_request(message(to=[], broadcast=True))) == set()


def test_type_priority_language_subject_and_key_are_required() -> None:
    bare = pb.Message(recipient_countries=["DEU"])
    assert _fields(_request(bare, key="")) == {
        "idempotency_key", "message.message_type", "message.priority", "message.subject", "message.language"}
    assert _fields(_request(message(language="xx"))) == {"message.language"}
    assert _fields(_request(message(message_type=pb.MESSAGE_TYPE_NOTICE_REQUEST))) == {"message.notice_type"}
    assert _fields(_request(message(message_type=pb.MESSAGE_TYPE_DIFFUSION))) == {"message.diffusion_type"}


def test_content_follows_the_uim_rules() -> None:
    nameless = entity_pb2.Entity(id="p1")
    nameless.person.sex = person_pb2.SEX_MALE
    event = entity_pb2.Entity(id="e1")
    event.event.iccs_code = "99999"
    event.event.start_time.GetCurrentTime()
    holder = person("p2", "Anna Nowak", documents=[dict(document_type="LIBRARY_CARD", number="123")])
    unnamed = person("", "Jan Kowalski")
    twice = person("p2", "Jan Kowalski")
    sent = message(entities=[nameless, event, holder, unnamed, twice])
    link = sent.content.links.add(from_entity_id="p1", to_entity_id="nobody", link_type=1)
    assert link.link_type
    assert _fields(_request(sent)) == {
        "message.content.entities[0].person.names",
        "message.content.entities[1].event.iccs_code",
        "message.content.entities[2].person.documents[0].document_type",
        "message.content.entities[3].id",
        "message.content.entities[4].id",
        "message.content.links[0].to_entity_id",
    }


def test_attachments_have_a_size_limit_and_a_kind() -> None:
    sent = message(entities=[person("p1", "Ivan Petrov")])
    sent.attachments.add().document.CopyFrom(pb.DocumentAttachment(
        file_name="scan.pdf", media_type="application/pdf", content=b"x" * (MAX_DOCUMENT_BYTES + 1)))
    sent.attachments.add().document.CopyFrom(pb.DocumentAttachment(file_name="a", media_type="pdf", content=b"x"))
    sent.attachments.add()
    face = sent.attachments.add().biometric
    face.subject_entity_id = "nobody"
    face.sample.modality = 1
    face.sample.vector.extend([0.0] * 8)
    fine = sent.attachments.add().biometric
    fine.subject_entity_id = "p1"
    fine.sample.modality = 1
    fine.sample.vector.extend([0.1] * 8)
    assert _fields(_request(sent)) == {
        "message.attachments[0].document.content",
        "message.attachments[1].document.media_type",
        "message.attachments[2].kind",
        "message.attachments[3].biometric.subject_entity_id",
        "message.attachments[3].biometric.sample.vector",
    }


def test_a_reply_needs_an_original_the_sender_may_see_in_the_same_case() -> None:
    original = Original("msg_1", "DEU", "DEU/1", "msg_1", 0, frozenset({"FRA"}))
    reply = message(to=["DEU"], message_type=pb.MESSAGE_TYPE_REPLY)
    assert _fields(_request(reply)) == {"message.in_reply_to"}
    reply.in_reply_to = "msg_1"
    assert _fields(_request(reply), original=original) == set()
    assert _fields(_request(reply), original=None) == {"message.in_reply_to"}
    reply.case_reference = "FRA/9"
    assert _fields(_request(reply), original=original) == {"message.case_reference"}


def _violations(error: grpc.RpcError) -> set[str]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    return {v.field for v in bad_request.field_violations}


def test_bad_fields_are_named_over_grpc_and_nothing_is_stored(messaging: RunningServer) -> None:
    hidden = send(messaging, "DEU", message(to=["ITA"]))  # France may not see this one
    nameless = entity_pb2.Entity(id="p1")
    nameless.person.sex = person_pb2.SEX_MALE
    event = entity_pb2.Entity(id="e1")
    event.event.iccs_code = "99999"
    event.event.start_time.GetCurrentTime()
    holder = person("p2", "Anna Nowak", documents=[dict(document_type="LIBRARY_CARD", number="123")])
    bad = message(to=["DEU", "XXX"], entities=[nameless, event, holder], message_type=pb.MESSAGE_TYPE_REPLY,
                  in_reply_to=hidden.message.id)
    bad.attachments.add().document.CopyFrom(pb.DocumentAttachment(
        file_name="scan.pdf", media_type="application/pdf", content=b"x" * (MAX_DOCUMENT_BYTES + 1)))

    with pytest.raises(grpc.RpcError) as raised:
        send(messaging, "FRA", bad)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _violations(raised.value) == {
        "message.recipient_countries[1]",
        "message.content.entities[0].person.names",
        "message.content.entities[1].event.iccs_code",
        "message.content.entities[2].person.documents[0].document_type",
        "message.attachments[0].document.content",
        "message.in_reply_to",
    }
    with pytest.raises(grpc.RpcError) as raised:
        send(messaging, "FRA", message(to=[]))
    assert _violations(raised.value) == {"message.recipient_countries"}

    outbox = stub(messaging).ListMessages(service_pb.ListMessagesRequest(), metadata=country("FRA"))
    assert list(outbox.messages) == [], "a rejected message was stored"
    inbox = stub(messaging).ListMessages(service_pb.ListMessagesRequest(), metadata=country("DEU"))
    assert [m.id for m in inbox.messages] == [hidden.message.id]
