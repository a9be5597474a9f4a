"""Delivery progress only moves forward; inbox cursors round-trip and refuse forgeries."""

from __future__ import annotations

from icore.messaging.v1 import message_pb2 as pb
from services.bootstrap.paging import encode_token
from services.messaging.delivery import InboxPosition, advance


def test_progress_never_goes_back() -> None:
    assert advance(pb.DELIVERY_STATE_QUEUED, pb.DELIVERY_STATE_READ) == pb.DELIVERY_STATE_READ
    assert advance(pb.DELIVERY_STATE_ACKNOWLEDGED, pb.DELIVERY_STATE_DELIVERED) == pb.DELIVERY_STATE_ACKNOWLEDGED


def test_cursors_round_trip_in_inbox_order() -> None:
    first, second, third = InboxPosition(7, 900), InboxPosition(8, 12), InboxPosition(8, 13)
    assert first < second < third, "a later transaction comes later whatever its sequence"
    assert InboxPosition.parse(second.cursor()) == second


def test_a_cursor_that_is_not_ours_is_refused() -> None:
    for cursor in ("", "garbage", encode_token({"t": "1", "s": 2}), encode_token({"t": -5, "s": 2}),
                   encode_token({"o": 3})):
        assert InboxPosition.parse(cursor) is None
