"""Waking inbox streams when mail arrives.

A stream does not poll its table in a loop: it waits on its country's
doorbell (`InboxBell`), rung by a send in this process, and on PostgreSQL by
`PostgresDoorbell`, which LISTENs for the NOTIFY that every send issues in
its transaction, so that a message stored through one replica wakes the
streams held by every other. A slow poll (seconds) stays as a safety net, for
a notification lost while the listening connection was being re-opened.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection, Iterable

import psycopg
import structlog

log = structlog.get_logger(__name__)

EVERYONE = "*"


class InboxBell:
    """Per-country wake-ups for the streams of this process."""

    def __init__(self) -> None:
        self._waiting: dict[str, set[asyncio.Event]] = {}

    def subscribe(self, country: str) -> asyncio.Event:
        event = asyncio.Event()
        self._waiting.setdefault(country, set()).add(event)
        return event

    def unsubscribe(self, country: str, event: asyncio.Event) -> None:
        events = self._waiting.get(country)
        if events is not None:
            events.discard(event)
            if not events:
                del self._waiting[country]

    def ring(self, countries: Iterable[str]) -> None:
        """Mail for `countries` ("*": for everyone)."""
        wanted = set(countries)
        everyone = EVERYONE in wanted
        for country, events in self._waiting.items():
            if everyone or country in wanted:
                for event in events:
                    event.set()

    def ring_all(self) -> None:
        self.ring([EVERYONE])


class PostgresDoorbell:
    """LISTENs on the send channel and rings the local bell for each NOTIFY.

    One connection per process, re-opened with a growing pause when lost;
    after every (re)connection every stream is woken, since a notification may
    have been missed meanwhile.
    """

    def __init__(self, conninfo: str, channel: str, bell: InboxBell,
                 local_backends: Collection[int] = frozenset()) -> None:
        self._conninfo, self._channel, self._bell = conninfo, channel, bell
        #: Backends of this process's own sends, which rang the bell already.
        self._local = local_backends
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    async def start(self, timeout: float = 10.0) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="messaging-listen")
        await asyncio.wait_for(self.listening.wait(), timeout)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        pause = 0.1
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True) as connection:
                    await connection.execute(f"LISTEN {self._channel}")
                    self.listening.set()
                    self._bell.ring_all()
                    pause = 0.1
                    async for notice in connection.notifies():
                        if notice.pid not in self._local:
                            self._bell.ring(notice.payload.split(","))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the database may restart; listen again
                log.warning("inbox_listener_lost", error=str(exc), retry_in_s=pause)
            self.listening.clear()
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)
