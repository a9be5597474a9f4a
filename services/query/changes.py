"""The change feed followers read through ExportEntities: opaque cursors over the
change log's sequence numbers, and a wake-up for followers when a write commits.

A follower waiting for news is woken by a write in this process at once, and
polls every `POLL_INTERVAL_S` for writes by other replicas of the service.
"""

from __future__ import annotations

import asyncio

from services.bootstrap.paging import decode_token, encode_token

POLL_INTERVAL_S = 1.0
#: Sequence numbers are 64-bit in the database.
MAX_SEQ = 2**63 - 1


def encode_cursor(seq: int) -> str:
    return encode_token({"seq": seq})


def decode_cursor(cursor: str) -> int | None:
    """The sequence number in a cursor; 0 for an empty one; None when not ours."""
    if not cursor:
        return 0
    state = decode_token(cursor)
    seq = state.get("seq") if state is not None else None
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < MAX_SEQ:
        return None
    return seq


class ChangeSignal:
    """Wakes every waiting follower when a change has been committed."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def current(self) -> asyncio.Event:
        """The event to wait on: take it before reading, so no change is missed."""
        return self._event

    def notify(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    @staticmethod
    async def wait(event: asyncio.Event, timeout_s: float = POLL_INTERVAL_S) -> None:
        try:
            await asyncio.wait_for(event.wait(), timeout_s)
        except TimeoutError:
            pass
