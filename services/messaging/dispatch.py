"""Dispatch: a validated SendMessage turned into the record that is stored,
with everything the hub adds to what the sender wrote (id, sender, time,
deadline, thread, the recipients of a broadcast, the search keys)."""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass

from icore.messaging.v1 import message_pb2 as pb
from services.messaging import mentions
from services.messaging.deadlines import DeadlinePolicy
from services.messaging.message_rules import broadcast_recipients, fingerprint
from services.messaging.threads import Original, answers_for, place

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_OUTPUT_ONLY = ("id", "sender_country", "create_time", "response_due_time", "recipient_states", "cross_check")


def _clear_output_only(message: pb.Message) -> None:
    for name in _OUTPUT_ONLY:
        message.ClearField(name)
    for attachment in message.attachments:
        if attachment.HasField("document"):
            attachment.document.ClearField("size_bytes")


def new_message_id(now: dt.datetime | None = None) -> str:
    """"msg_" and a ULID: 48 bits of milliseconds then 80 random bits, in
    Crockford base 32, so ids sort by time and never collide in practice."""
    millis = int((now.timestamp() if now else time.time()) * 1000)
    value = (millis << 80) | int.from_bytes(os.urandom(10), "big")
    return "msg_" + "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


@dataclass(frozen=True)
class Dispatch:
    """One message ready to store, and the facts its indexes need."""

    message: pb.Message
    idempotency_key: str
    fingerprint: str
    recipients: tuple[str, ...]
    thread_root_id: str
    depth: int
    #: The message this one answers, when it is a recipient's reply to it.
    answers: str
    terms: frozenset[str]

    @property
    def id(self) -> str:
        return self.message.id

    @property
    def create_time(self) -> dt.datetime:
        moment: dt.datetime = self.message.create_time.ToDatetime(dt.UTC)
        return moment

    @property
    def response_due_time(self) -> dt.datetime | None:
        if not self.message.HasField("response_due_time"):
            return None
        moment: dt.datetime = self.message.response_due_time.ToDatetime(dt.UTC)
        return moment


def compose(
    sent: pb.Message, sender: str, idempotency_key: str, original: Original | None,
    deadlines: DeadlinePolicy, now: dt.datetime,
) -> Dispatch:
    """The stored form of a message the rules accepted."""
    message = pb.Message()
    message.CopyFrom(sent)
    _clear_output_only(message)
    digest = fingerprint(message)
    for attachment in message.attachments:
        if attachment.HasField("document"):
            attachment.document.size_bytes = len(attachment.document.content)
    message.id = new_message_id(now)
    message.sender_country = sender
    message.create_time.FromDatetime(now)
    due = deadlines.due_time(message.message_type, message.priority, now)
    if due is not None:
        message.response_due_time.FromDatetime(due)
    spot = place(message.id, message.case_reference, original)
    message.case_reference = spot.case_reference
    recipients = tuple(broadcast_recipients(sender) if message.broadcast else message.recipient_countries)
    answered = original.id if original is not None and answers_for(message.message_type, sender, original) else ""
    return Dispatch(message=message, idempotency_key=idempotency_key, fingerprint=digest,
                    recipients=recipients, thread_root_id=spot.thread_root_id, depth=spot.depth,
                    answers=answered, terms=frozenset(mentions.index_terms(message)))
