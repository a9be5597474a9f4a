"""Response deadlines from type and priority, their configuration, and overdue."""

from __future__ import annotations

import datetime as dt

import pytest

from icore.messaging.v1 import message_pb2 as pb
from services.messaging.deadlines import DeadlinePolicy, is_overdue, parse_duration

SENT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_default_deadlines_follow_the_priority() -> None:
    policy = DeadlinePolicy()
    rfi = pb.MESSAGE_TYPE_REQUEST_FOR_INFORMATION
    assert policy.due_time(rfi, pb.PRIORITY_IMMEDIATE, SENT) == SENT + dt.timedelta(hours=8)
    assert policy.due_time(rfi, pb.PRIORITY_URGENT, SENT) == SENT + dt.timedelta(days=3)
    assert policy.due_time(rfi, pb.PRIORITY_ROUTINE, SENT) == SENT + dt.timedelta(days=14)


def test_replies_and_acknowledgements_expect_no_answer() -> None:
    policy = DeadlinePolicy()
    assert policy.due_time(pb.MESSAGE_TYPE_REPLY, pb.PRIORITY_IMMEDIATE, SENT) is None
    assert policy.due_time(pb.MESSAGE_TYPE_ACKNOWLEDGEMENT_OF_RECEIPT, pb.PRIORITY_URGENT, SENT) is None


def test_deadlines_are_configurable_per_priority_and_per_type() -> None:
    policy = DeadlinePolicy.parse("IMMEDIATE=4h, ALERT:IMMEDIATE=30m, routine=10d")
    assert policy.allowed(pb.MESSAGE_TYPE_DIFFUSION, pb.PRIORITY_IMMEDIATE) == dt.timedelta(hours=4)
    assert policy.allowed(pb.MESSAGE_TYPE_ALERT, pb.PRIORITY_IMMEDIATE) == dt.timedelta(minutes=30)
    assert policy.allowed(pb.MESSAGE_TYPE_ALERT, pb.PRIORITY_ROUTINE) == dt.timedelta(days=10)
    assert policy.allowed(pb.MESSAGE_TYPE_ALERT, pb.PRIORITY_URGENT) == dt.timedelta(days=3)


@pytest.mark.parametrize("setting", ["SOON=1h", "IMMEDIATE=fast", "UNSPECIFIED=1h", "NOTE:URGENT=1d", "URGENT"])
def test_a_bad_deadline_setting_fails_loudly(setting: str) -> None:
    with pytest.raises(ValueError):
        DeadlinePolicy.parse(setting)


def test_durations() -> None:
    assert parse_duration("500ms") == dt.timedelta(milliseconds=500)
    assert parse_duration("2.5s") == dt.timedelta(seconds=2.5)
    assert parse_duration("90m") == dt.timedelta(minutes=90)


def test_overdue_means_no_reply_before_the_deadline() -> None:
    due = SENT + dt.timedelta(hours=8)
    assert not is_overdue(due, None, due)
    assert is_overdue(due, None, due + dt.timedelta(seconds=1))
    assert not is_overdue(due, due - dt.timedelta(hours=1), due + dt.timedelta(days=1))
    assert is_overdue(due, due + dt.timedelta(hours=1), due + dt.timedelta(days=1)), "a late reply stays late"
    assert not is_overdue(None, None, due + dt.timedelta(days=365))
