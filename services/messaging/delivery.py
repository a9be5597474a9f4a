"""Delivery: each recipient's progress with a message, and the position of a
message in a recipient's inbox.

Progress only goes forward (queued, delivered, read, acknowledged), so a late
or repeated acknowledgement never undoes a later one. An inbox position is
(transaction, sequence): on PostgreSQL the id of the transaction that stored
the message, then the message's sequence number; on SQLite, where writers
take turns, the sequence alone. An inbox is read in that order and only up
to the oldest transaction still running, so a message that commits late can
never land behind a cursor a reader has already passed.
"""

from __future__ import annotations

from dataclasses import dataclass

from icore.messaging.v1 import message_pb2 as pb
from services.bootstrap.paging import decode_token, encode_token

#: States a recipient may report; QUEUED is where every delivery starts.
REPORTABLE = (pb.DELIVERY_STATE_DELIVERED, pb.DELIVERY_STATE_READ, pb.DELIVERY_STATE_ACKNOWLEDGED)


def advance(current: int, reported: int) -> int:
    """The state after a recipient reports `reported`: never backwards."""
    return max(current, reported)


@dataclass(frozen=True, order=True)
class InboxPosition:
    """Where a message sits in a recipient's inbox; ordered like the inbox."""

    tx: int
    seq: int

    def cursor(self) -> str:
        """The opaque cursor a client passes back to resume after this message."""
        return encode_token({"t": self.tx, "s": self.seq})

    @classmethod
    def parse(cls, cursor: str) -> InboxPosition | None:
        """The position in a cursor, or None when it is not one of ours."""
        state = decode_token(cursor)
        if state is None:
            return None
        tx, seq = state.get("t"), state.get("s")
        if not (isinstance(tx, int) and isinstance(seq, int)) or tx < 0 or seq < 0:
            return None
        return cls(tx, seq)


START = InboxPosition(-1, -1)
