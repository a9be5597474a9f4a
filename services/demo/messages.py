"""Case messages for the demo: national bureaus asking each other about the demo's
people, so that `icore up` shows inboxes, threads and cross-check results, and the
gateway's unified search has messages to attach.

One case for every `CASE_EVERY`-th person record: the record's data owner sends a
request for information (or, one case in five, an alert) about that person to one
or two other member countries, with the person as structured content and the name,
and often the travel document number, in the text. The first recipient answers
every other case with a reply in the same thread. Everything is deterministic from
the generator's seed; idempotency keys make a second load store nothing new.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import grpc

from icore.messaging.v1 import message_pb2 as pb
from icore.messaging.v1 import messaging_service_pb2 as service_pb
from icore.messaging.v1 import messaging_service_pb2_grpc as service_grpc
from icore.uim.v1 import access_pb2, entity_pb2
from services.demo.generator import COUNTRIES
from services.uim.names import written_name

#: A channel to MessagingService acting for a country, with the call metadata that says so.
Sending = Callable[[str], tuple[grpc.Channel, tuple[tuple[str, str], ...]]]

#: One case per this many person records.
CASE_EVERY = 10


@dataclass(frozen=True)
class DemoCase:
    """A request and, when the recipient answers, its reply (`in_reply_to` is set on sending)."""

    sender: str
    key: str
    request: pb.Message
    reply: pb.Message | None


def display_name(entity: entity_pb2.Entity) -> str:
    return written_name(entity.person.names[0])


def demo_cases(persons: Iterable[tuple[str, entity_pb2.Entity]], seed: int) -> list[DemoCase]:
    """The cases about every `CASE_EVERY`-th of `persons` ((data owner, record) pairs)."""
    cases = []
    for number, (owner, entity) in enumerate(persons):
        if number % CASE_EVERY or not entity.person.names:
            continue
        rng = random.Random(f"{seed}:case:{number}")
        recipients = rng.sample([c for c in COUNTRIES if c != owner], rng.choice((1, 1, 2)))
        case_reference = f"DEMO/{owner}/{number // CASE_EVERY:05d}"
        request = _request(entity, recipients, case_reference, rng)
        reply = _reply(entity, recipients[0], owner, case_reference, rng) if rng.random() < 0.5 else None
        cases.append(DemoCase(owner, f"demo-{seed}-{number}", request, reply))
    return cases


def _request(entity: entity_pb2.Entity, recipients: list[str], case_reference: str,
             rng: random.Random) -> pb.Message:
    name = display_name(entity)
    alert = rng.random() < 0.2
    documents = [d.number for d in entity.person.documents if d.number]
    body = (f"{name} is wanted for questioning in an investigation into organised fraud. "
            if alert else f"Our investigation concerns {name}. Please send known addresses, associates and "
            "any criminal record you hold. ")
    if documents and rng.random() < 0.6:
        body += f"The subject travelled on document {documents[0]}."
    subject = f"{'Alert' if alert else 'Request for information'}: {name}"
    about = entity_pb2.Entity()
    about.CopyFrom(entity)
    about.ClearField("access_policy")  # the message's policy governs its content
    return pb.Message(
        recipient_countries=recipients,
        message_type=pb.MESSAGE_TYPE_ALERT if alert else pb.MESSAGE_TYPE_REQUEST_FOR_INFORMATION,
        priority=rng.choice((pb.PRIORITY_ROUTINE, pb.PRIORITY_ROUTINE, pb.PRIORITY_URGENT, pb.PRIORITY_IMMEDIATE)),
        case_reference=case_reference, subject=subject[:200], body=body, language="en",
        content=pb.MessageContent(entities=[about]),
        access_policy=access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ONLY_LISTED,
                                              countries=recipients))


def _reply(entity: entity_pb2.Entity, sender: str, asker: str, case_reference: str,
           rng: random.Random) -> pb.Message:
    name = display_name(entity)
    found = rng.random() < 0.5
    body = (f"{name} is known to us: one conviction for fraud, last address on file attached to our record."
            if found else f"No record of {name} in our national systems.")
    return pb.Message(
        recipient_countries=[asker], message_type=pb.MESSAGE_TYPE_REPLY, priority=pb.PRIORITY_ROUTINE,
        case_reference=case_reference, subject=f"Reply: {name}"[:200], body=body, language="en",
        access_policy=access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ONLY_LISTED, countries=[asker]))


def send_cases(cases: Iterable[DemoCase], messaging: Sending, acting_as: str = "") -> int:
    """Send each case's request as its sender and the reply as its first recipient;
    returns how many messages were sent. With `acting_as` (a certificate that
    overrides the sender) every request goes as that country, to its other
    recipients, and no reply is sent (nobody else can answer)."""
    sent = 0
    for case in cases:
        sender = acting_as or case.sender
        request = pb.Message()
        request.CopyFrom(case.request)
        recipients = [c for c in request.recipient_countries if c != sender]
        if not recipients:
            continue
        del request.recipient_countries[:]
        request.recipient_countries.extend(recipients)
        del request.access_policy.countries[:]
        request.access_policy.countries.extend(recipients)
        stored = _send(messaging, sender, request, case.key)
        sent += 1
        if case.reply is not None and not acting_as:
            reply = pb.Message()
            reply.CopyFrom(case.reply)
            reply.in_reply_to = stored.id
            _send(messaging, recipients[0], reply, f"{case.key}-reply")
            sent += 1
    return sent


def _send(messaging: Sending, sender: str, message: pb.Message, key: str) -> pb.Message:
    channel, metadata = messaging(sender)
    response = service_grpc.MessagingServiceStub(channel).SendMessage(
        service_pb.SendMessageRequest(message=message, idempotency_key=key), metadata=metadata, timeout=30)
    return response.message
