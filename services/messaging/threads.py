"""Cases and threads: where a message sits among the messages of its case.

A message that answers another (`in_reply_to`) joins that message's thread,
one level deeper, and its case: the case reference is inherited when the reply
leaves it empty. A thread never spans two cases.
"""

from __future__ import annotations

from dataclasses import dataclass

from icore.messaging.v1 import message_pb2 as pb


@dataclass(frozen=True)
class Original:
    """The message being answered, as far as threading and deadlines need it."""

    id: str
    sender_country: str
    case_reference: str
    thread_root_id: str
    depth: int
    recipients: frozenset[str]

    def visible_to(self, country: str) -> bool:
        return country == self.sender_country or country in self.recipients


@dataclass(frozen=True)
class ThreadPlace:
    """A new message's case, the first message of its thread and its depth."""

    case_reference: str
    thread_root_id: str
    depth: int


def place(message_id: str, case_reference: str, original: Original | None) -> ThreadPlace:
    """Where message `message_id` goes: its own thread, or one level below `original`."""
    if original is None:
        return ThreadPlace(case_reference, message_id, 0)
    return ThreadPlace(case_reference or original.case_reference, original.thread_root_id, original.depth + 1)


def answers_for(message_type: int, sender: str, original: Original | None) -> bool:
    """True when this message is `sender`'s reply to `original` for the
    deadline: a message of any type but an acknowledgement of receipt, sent in
    reply by one of the original's recipients."""
    return (original is not None and sender in original.recipients
            and message_type != pb.MESSAGE_TYPE_ACKNOWLEDGEMENT_OF_RECEIPT)
