"""Response deadlines: when a recipient's reply to a message is due, and
whether it is overdue.

A national bureau answers an immediate request within hours and a routine one
within two weeks; the time allowed depends on the priority and may be set per
message type (an alert may be tighter than a request for information).
Replies and acknowledgements of receipt expect no answer themselves, so they
get no deadline.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from icore.messaging.v1 import message_pb2 as pb

#: The defaults of the issue: immediate within 8 hours, urgent within 3 days,
#: routine within 14 days.
DEFAULT_BY_PRIORITY: Mapping[int, dt.timedelta] = {
    pb.PRIORITY_IMMEDIATE: dt.timedelta(hours=8),
    pb.PRIORITY_URGENT: dt.timedelta(days=3),
    pb.PRIORITY_ROUTINE: dt.timedelta(days=14),
}

#: Message types that answer something and expect no answer of their own.
NO_REPLY_EXPECTED = frozenset({pb.MESSAGE_TYPE_REPLY, pb.MESSAGE_TYPE_ACKNOWLEDGEMENT_OF_RECEIPT})

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")


@dataclass(frozen=True)
class DeadlinePolicy:
    """Time allowed for a reply, by priority, optionally overridden per type."""

    by_priority: Mapping[int, dt.timedelta] = field(default_factory=lambda: dict(DEFAULT_BY_PRIORITY))
    #: (message type, priority) -> time allowed; wins over `by_priority`.
    by_type: Mapping[tuple[int, int], dt.timedelta] = field(default_factory=dict)

    def allowed(self, message_type: int, priority: int) -> dt.timedelta | None:
        """Time a recipient has to reply, or None when no reply is expected."""
        if message_type in NO_REPLY_EXPECTED:
            return None
        return self.by_type.get((message_type, priority), self.by_priority.get(priority))

    def due_time(self, message_type: int, priority: int, sent: dt.datetime) -> dt.datetime | None:
        allowed = self.allowed(message_type, priority)
        return None if allowed is None else sent + allowed

    @classmethod
    def parse(cls, text: str) -> DeadlinePolicy:
        """Read overrides such as "IMMEDIATE=4h,ALERT:IMMEDIATE=1h,ROUTINE=10d".

        Names are the enum values without their prefix; units are ms, s, m, h, d.
        Raises ValueError naming the bad entry, so a misconfigured server fails
        at start instead of setting wrong deadlines.
        """
        by_priority = dict(DEFAULT_BY_PRIORITY)
        by_type: dict[tuple[int, int], dt.timedelta] = {}
        for entry in filter(None, (e.strip() for e in text.split(","))):
            key, _, value = entry.partition("=")
            allowed = parse_duration(value)
            type_name, _, priority_name = key.strip().upper().rpartition(":")
            priority = _enum_value(pb.Priority, "PRIORITY_", priority_name, entry)
            if type_name:
                by_type[(_enum_value(pb.MessageType, "MESSAGE_TYPE_", type_name, entry), priority)] = allowed
            else:
                by_priority[priority] = allowed
        return cls(by_priority, by_type)


def parse_duration(text: str) -> dt.timedelta:
    """"8h" -> 8 hours; "90m", "3d", "500ms", "2.5s" likewise."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"not a duration: {text!r} (use e.g. 500ms, 30s, 90m, 8h, 3d)")
    return dt.timedelta(seconds=float(match[1]) * _UNITS[match[2]])


def _enum_value(enum: object, prefix: str, name: str, entry: str) -> int:
    try:
        value: int = enum.Value(prefix + name)  # type: ignore[attr-defined]
    except ValueError:
        raise ValueError(f"unknown name {name!r} in deadline setting {entry!r}") from None
    if value == 0:
        raise ValueError(f"{prefix}UNSPECIFIED has no deadline ({entry!r})")
    return value


def is_overdue(due: dt.datetime | None, reply_time: dt.datetime | None, now: dt.datetime) -> bool:
    """True when no reply came before the deadline: it is past and none came,
    or the reply came late."""
    if due is None:
        return False
    if reply_time is None:
        return now > due
    return reply_time > due
