"""Several messaging replicas on one PostgreSQL: a message sent through one
reaches a stream held on another, pushed by LISTEN/NOTIFY (the safety-net
poll is set far too slow to explain it), in order per sender, and an inbox
position is never passed while an older transaction is still committing."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from icore.messaging.v1 import messaging_service_pb2 as service_pb
from services.bootstrap.database import create_engine, migrate
from services.messaging.deadlines import DeadlinePolicy
from services.messaging.delivery import START
from services.messaging.dispatch import compose
from services.messaging.storage import _SEND_POSTGRES, InboxBatch, MessageStore, send_parameters, send_row
from tests.messaging.conftest import message, send, take, unused_address
from tests.support import RunningServer, fresh_postgres_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def replicas(postgres_url: str, start_service: Callable[..., RunningServer],
             monkeypatch: pytest.MonkeyPatch) -> tuple[RunningServer, RunningServer]:
    monkeypatch.setenv("ICORE_MESSAGING_POLL_S", "60")
    dead = unused_address()
    peers = {"query": dead, "biometric": dead}
    return (start_service("messaging", database_url=postgres_url, peers=peers),
            start_service("messaging", database_url=postgres_url, peers=peers))


def test_a_message_sent_through_one_replica_reaches_a_stream_on_another(
        replicas: tuple[RunningServer, RunningServer]) -> None:
    sending, streaming = replicas
    received: list[tuple[service_pb.StreamInboxResponse, float]] = []

    def listen() -> None:
        for item in take(streaming, "DEU", 3, timeout=15):
            received.append((item, time.monotonic()))

    reader = threading.Thread(target=listen)
    reader.start()
    time.sleep(0.5)  # the stream on the second replica is open and idle
    sent_at, ids = [], []
    for i in range(3):
        sent_at.append(time.monotonic())
        ids.append(send(sending, "FRA", message(to=["DEU"], subject=f"across {i}")).message.id)
        time.sleep(0.2)
    reader.join(15)

    assert [item.message.id for item, _ in received] == ids
    delays = [arrived - sent for (_, arrived), sent in zip(received, sent_at, strict=True)]
    assert max(delays) < 1.0, f"delivery took {max(delays):.2f}s: not pushed by NOTIFY"


def test_concurrent_senders_through_both_replicas_arrive_complete_and_in_order_per_sender(
        replicas: tuple[RunningServer, RunningServer]) -> None:
    def sender(country_code: str, server: RunningServer) -> None:
        for i in range(15):
            send(server, country_code, message(to=["DEU"], subject=f"{country_code} {i}"))

    threads = [threading.Thread(target=sender, args=(c, replicas[n % 2]))
               for n, c in enumerate(["FRA", "ITA", "ESP", "POL"])]
    for thread in threads:
        thread.start()
    streamed = take(replicas[1], "DEU", 60, timeout=20)
    for thread in threads:
        thread.join(10)

    assert len({i.message.id for i in streamed}) == 60
    for country_code in ("FRA", "ITA", "ESP", "POL"):
        subjects = [i.message.subject for i in streamed if i.message.sender_country == country_code]
        assert subjects == [f"{country_code} {i}" for i in range(15)]


def _when_settled(store: MessageStore) -> InboxBatch:
    """The inbox once no older transaction holds it back; on a PostgreSQL that
    other tests share, one of theirs may still be open for a moment."""
    give_up = time.monotonic() + 10
    while (batch := store.inbox_after("DEU", START, 10)).held_back and time.monotonic() < give_up:
        time.sleep(0.01)
    return batch


def test_an_inbox_is_not_read_past_a_transaction_that_has_not_committed_yet(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    migrate(engine, "messaging")
    store = MessageStore(engine)
    now = dt.datetime.now(dt.UTC)
    slow = compose(message(to=["DEU"], subject="slow"), "FRA", "slow", None, DeadlinePolicy(), now)
    fast = compose(message(to=["DEU"], subject="fast"), "ITA", "fast", None, DeadlinePolicy(), now)
    try:
        raw = engine.raw_connection()
        try:
            driver = raw.driver_connection
            assert driver is not None
            with driver.cursor() as cursor:
                cursor.execute(_SEND_POSTGRES, send_parameters([send_row(slow, "FRA")]))  # stored, not committed yet
            store.send(fast, "ITA")  # a later transaction commits first

            held = store.inbox_after("DEU", START, 10)
            assert held.items == [] and held.held_back, "read past a transaction still running"
            raw.commit()
        finally:
            raw.close()

        after = _when_settled(store)
        assert [s.message().subject for s in after.items] == ["slow", "fast"] and not after.held_back
        cursor = after.items[0].position
        assert cursor is not None
        assert [s.message().subject for s in store.inbox_after("DEU", cursor, 10).items] == ["fast"]
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM recipients")).scalar() == 2
    finally:
        store.close()


def test_a_transaction_open_in_another_database_does_not_hold_the_inbox_back(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    migrate(engine, "messaging")
    store = MessageStore(engine)
    elsewhere = sa.create_engine(sa.engine.make_url(postgres_url).set(database="postgres"))
    now = dt.datetime.now(dt.UTC)
    try:
        with elsewhere.connect() as other:
            other.execute(sa.text("SELECT pg_current_xact_id()"))  # holds a transaction id, open
            store.send(compose(message(to=["DEU"], subject="on time"), "FRA", "k", None, DeadlinePolicy(), now), "FRA")
            batch = store.inbox_after("DEU", START, 10)
            assert [s.message().subject for s in batch.items] == ["on time"] and not batch.held_back
            other.rollback()
    finally:
        store.close()
        elsewhere.dispose()
