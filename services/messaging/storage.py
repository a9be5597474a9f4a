"""Storage of case messages: the tables and every query the service runs.

- `messages`: one row per message, its proto as sent (`payload`) plus the
  columns that lists, cases and the idempotency check filter on.
- `recipients`: one row per (message, recipient country): the recipient's
  progress, its reply, and the message's inbox position, so that an inbox
  stream and an inbox list are each one index range.
- `cross_checks`: the state and hits of each message's cross-check.
- `message_terms`: the keys the `text` filter finds a message by.

A send is one transaction: nothing is acknowledged before it commits. On
PostgreSQL the transaction also NOTIFYs the recipients' countries, so that a
stream held by another replica wakes at once. Inbox positions are
(transaction id, sequence) on PostgreSQL and read only below the oldest
running transaction (see services.messaging.delivery); SQLite has one writer
at a time, so the sequence alone orders an inbox.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from icore.messaging.v1 import message_pb2 as pb
from icore.messaging.v1 import messaging_service_pb2 as service_pb
from services.bootstrap.database import WalCheckpointer, autocommit_engine, one_of
from services.messaging.cross_check import DueCheck, Hit, Outcome
from services.messaging.delivery import InboxPosition
from services.messaging.dispatch import Dispatch
from services.messaging.threads import Original

T = TypeVar("T")

#: The channel replicas LISTEN on; the payload is the recipient countries,
#: comma-separated, or "*" when there are too many to list.
NOTIFY_CHANNEL = "icore_messaging_inbox"
_NOTIFY_LIMIT = 7000

metadata = sa.MetaData()
_ID = sa.String(32)
_Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

messages = sa.Table(
    "messages", metadata,
    sa.Column("seq", _Seq, primary_key=True, autoincrement=True),
    sa.Column("id", _ID, nullable=False, unique=True),
    sa.Column("tx_id", sa.BigInteger, nullable=False),
    sa.Column("sender_country", sa.String(3), nullable=False),
    sa.Column("idempotency_key", sa.String(128), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("message_type", sa.SmallInteger, nullable=False),
    sa.Column("priority", sa.SmallInteger, nullable=False),
    sa.Column("case_reference", sa.String(100), nullable=False),
    sa.Column("thread_root_id", _ID, nullable=False),
    sa.Column("depth", sa.Integer, nullable=False),
    sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("response_due_time", sa.DateTime(timezone=True)),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    sa.UniqueConstraint("sender_country", "idempotency_key", name="uq_messages_sender_key"),
)
recipients = sa.Table(
    "recipients", metadata,
    sa.Column("message_id", _ID, sa.ForeignKey("messages.id"), primary_key=True),
    sa.Column("country", sa.String(3), primary_key=True),
    sa.Column("tx_id", sa.BigInteger, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("response_due_time", sa.DateTime(timezone=True)),
    sa.Column("state", sa.SmallInteger, nullable=False),
    sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reply_message_id", _ID),
    sa.Column("reply_time", sa.DateTime(timezone=True)),
)
cross_checks = sa.Table(
    "cross_checks", metadata,
    sa.Column("message_id", _ID, sa.ForeignKey("messages.id"), primary_key=True),
    sa.Column("state", sa.SmallInteger, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_time", sa.DateTime(timezone=True)),
    sa.Column("update_time", sa.DateTime(timezone=True)),
    sa.Column("hits", sa.Text, nullable=False),
    sa.Column("last_error", sa.Text, nullable=False),
)
message_terms = sa.Table(
    "message_terms", metadata,
    sa.Column("term", sa.String(64), primary_key=True),
    sa.Column("message_id", _ID, sa.ForeignKey("messages.id"), primary_key=True),
)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; every time here is UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Delivery:
    """One recipient's row: its progress and its reply."""

    country: str
    state: int
    update_time: dt.datetime
    response_due_time: dt.datetime | None
    reply_message_id: str | None
    reply_time: dt.datetime | None


@dataclass(frozen=True)
class CheckRow:
    state: int
    update_time: dt.datetime | None
    hits: list[Hit]


@dataclass
class StoredMessage:
    """A message as stored, with what a reader's view is built from."""

    payload: bytes
    seq: int
    create_time: dt.datetime
    deliveries: list[Delivery] = field(default_factory=list)
    check: CheckRow | None = None
    position: InboxPosition | None = None
    message_id: str = ""
    sender_country: str = ""

    def message(self) -> pb.Message:
        message = pb.Message()
        message.ParseFromString(self.payload)
        return message


@dataclass(frozen=True)
class SendResult:
    """The stored message, and whether this call stored it."""

    message_id: str
    created: bool
    fingerprint: str


@dataclass(frozen=True)
class ListFilter:
    """What ListMessages asks for, already validated."""

    mailbox: int
    case_reference: str = ""
    message_type: int = 0
    priority: int = 0
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    overdue_only: bool = False
    terms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class InboxBatch:
    """Messages after a position that may be delivered, and whether later
    ones are waiting for an older transaction to finish."""

    items: list[StoredMessage]
    held_back: bool


class MessageStore:
    """Repository of case messages over one SQLAlchemy engine.

    Methods are synchronous and short; `call` runs one on the store's thread
    pool so that the event loop never waits on the database.
    """

    def __init__(self, engine: Engine, workers: int = 8) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        # SQLite checkpoints copy the WAL into the database file and fsync it:
        # done by whichever commit crossed the threshold, they showed as the
        # sends' p99; they run on a thread of their own instead.
        self._checkpoints = WalCheckpointer(engine)
        # Reads and single-statement writes need no BEGIN/COMMIT round trips:
        # each statement is its own transaction (and sees one snapshot). A
        # connection for each of the store's threads.
        self._reads = autocommit_engine(engine, pool_size=workers, max_overflow=2, pool_pre_ping=False)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="messaging-db")
        # SQLite has one writer at a time; taking turns here avoids its busy-wait backoff.
        self.write_lock: AbstractContextManager[Any] = nullcontext() if self.postgres else threading.Lock()
        #: PostgreSQL backends this store has sent through: their NOTIFYs need not
        #: wake this process's streams again, the send already did.
        self.sending_backends: set[int] = set()

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn` on the store's threads; once more if the database had dropped
        the connection (every store method is safe to repeat: a send is
        idempotent on its key)."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, fn, *args)
        except sa.exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
            return await loop.run_in_executor(self._executor, fn, *args)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self._checkpoints.close()
        self._reads.dispose()
        self.engine.dispose()

    # -- sending -------------------------------------------------------------------------

    def send(self, dispatch: Dispatch, sender: str) -> SendResult:
        """Store one message; see `send_many`."""
        return self.send_many([(dispatch, sender)])[0]

    def send_many(self, batch: Sequence[tuple[Dispatch, str]]) -> list[SendResult]:
        """Store messages in one transaction (a group commit), or find the ones
        stored earlier under the same sender and idempotency key.

        This is the hot path, so it talks to the driver directly: on
        PostgreSQL one statement, in autocommit and so its own transaction,
        inserts the messages, their recipients, cross-checks and search terms,
        records replies and NOTIFYs, in one round trip; on SQLite a few
        statements and one commit, under the process's write lock. Nothing is
        acknowledged before the commit returned.
        """
        rows = [send_row(dispatch, sender) for dispatch, sender in batch]
        raw = self.engine.raw_connection()
        try:
            with self.write_lock:
                if self.postgres:
                    stored = _send_postgres(raw, rows, self.sending_backends)
                else:
                    stored = _send_sqlite(raw, rows)
        except self.engine.dialect.loaded_dbapi.OperationalError as error:
            if not _is_disconnect(self.engine, error, raw):
                raw.rollback()
                raise
            raw.invalidate(error)
            raise sa.exc.DBAPIError(None, None, error, connection_invalidated=True) from error
        except BaseException:
            raw.rollback()
            raise
        finally:
            raw.close()
        results = []
        for dispatch, sender in batch:
            if dispatch.id in stored:
                results.append(SendResult(dispatch.id, True, dispatch.fingerprint))
                continue
            # The key was used before, or by another message of this batch or a
            # concurrent one; answer with the message stored under it.
            existing = self._by_key(sender, dispatch.idempotency_key)
            if existing is None:
                raise RuntimeError(f"message {dispatch.id} was neither stored nor found by its key")
            results.append(existing)
        return results

    def _by_key(self, sender: str, key: str) -> SendResult | None:
        with self._reads.connect() as connection:
            row = connection.execute(
                sa.select(messages.c.id, messages.c.fingerprint)
                .where(messages.c.sender_country == sender, messages.c.idempotency_key == key)).first()
        return None if row is None else SendResult(row.id, False, row.fingerprint)

    # -- reading -------------------------------------------------------------------------

    def original(self, message_id: str) -> Original | None:
        """The facts a reply needs about the message it answers."""
        with self._reads.connect() as connection:
            row = connection.execute(sa.select(
                messages.c.id, messages.c.sender_country, messages.c.case_reference, messages.c.thread_root_id,
                messages.c.depth).where(messages.c.id == message_id)).first()
            if row is None:
                return None
            countries = connection.execute(
                sa.select(recipients.c.country).where(recipients.c.message_id == message_id)).scalars().all()
        return Original(row.id, row.sender_country, row.case_reference, row.thread_root_id, row.depth,
                        frozenset(countries))

    def read(self, message_id: str, reader: str) -> StoredMessage | None:
        """A message `reader` sent or received, else None (it may as well not exist)."""
        with self._reads.connect() as connection:
            row = connection.execute(sa.select(messages.c.payload, messages.c.seq, messages.c.sender_country,
                                               messages.c.create_time)
                                     .where(messages.c.id == message_id)).first()
            if row is None:
                return None
            stored = StoredMessage(row.payload, row.seq, _utc(row.create_time),  # type: ignore[arg-type]
                                   message_id=message_id, sender_country=row.sender_country)
            self._attach(connection, [stored], reader)
        if row.sender_country != reader and not stored.deliveries:
            return None
        return stored

    def _attach(self, connection: Connection, listed: list[StoredMessage], reader: str) -> None:
        """Fill in each message's deliveries (all for its sender, the reader's
        own for a recipient) and its cross-check."""
        if not listed:
            return
        by_id = {s.message_id: s for s in listed}
        sent = [s.message_id for s in listed if s.sender_country == reader]
        values = {"ids": list(by_id), "reader": reader, **({"sent": sent} if sent else {})}
        for r in connection.execute(_deliveries_statement(bool(sent), self.postgres), values):
            by_id[r.message_id].deliveries.append(_delivery(r))
        for c in connection.execute(_cross_checks_statement(self.postgres), {"ids": list(by_id)}):
            by_id[c.message_id].check = _check(c)

    def list_messages(self, reader: str, where: ListFilter, now: dt.datetime,
                      before: tuple[dt.datetime, int] | None, limit: int,
                      with_deliveries: bool = True) -> list[StoredMessage]:
        """The reader's messages matching `where`, newest first, older than `before`;
        without their deliveries and cross-checks when `with_deliveries` is false
        (a text search drops most of what it reads: `attach` fills in the rest)."""
        shape = _ListShape(where.mailbox, where.overdue_only, bool(where.case_reference), bool(where.message_type),
                           bool(where.priority), where.start_time is not None, where.end_time is not None,
                           bool(where.terms), before is not None, self.postgres)
        values: dict[str, Any] = {"reader": reader, "now": now, "limit": limit, "case_reference": where.case_reference,
                                  "message_type": where.message_type, "priority": where.priority,
                                  "start_time": where.start_time, "end_time": where.end_time,
                                  "terms": sorted(where.terms)}
        if before is not None:
            values.update(before_time=before[0], before_seq=before[1])
        return self._load(_listing_statement(shape), reader, values, with_deliveries)

    def attach(self, reader: str, listed: list[StoredMessage]) -> None:
        """Fill in the deliveries and cross-checks of messages listed without them."""
        with self._reads.connect() as connection:
            self._attach(connection, listed, reader)

    def case(self, reader: str, case_reference: str, after: tuple[dt.datetime, int] | None,
             limit: int) -> list[tuple[StoredMessage, str, int]]:
        """A case's messages the reader sent or received, oldest first, with
        each one's thread root and depth."""
        m = messages.c
        visible = sa.or_(m.sender_country == reader, sa.exists().where(
            recipients.c.message_id == m.id, recipients.c.country == reader))
        query = (sa.select(m.id, m.payload, m.seq, m.sender_country, m.create_time, m.thread_root_id, m.depth)
                 .where(m.case_reference == case_reference, visible))
        if after is not None:
            query = query.where(sa.tuple_(m.create_time, m.seq) > sa.tuple_(*after))
        query = query.order_by(m.create_time, m.seq).limit(limit)
        with self._reads.connect() as connection:
            rows = connection.execute(query).all()
            listed = [_stored(r) for r in rows]
            self._attach(connection, listed, reader)
        return [(stored, r.thread_root_id, r.depth) for stored, r in zip(listed, rows, strict=True)]

    def _load(self, query: sa.Select[Any], reader: str, values: dict[str, Any],
              with_deliveries: bool) -> list[StoredMessage]:
        with self._reads.connect() as connection:
            listed = [_stored(r) for r in connection.execute(query, values)]
            if with_deliveries:
                self._attach(connection, listed, reader)
        return listed

    def inbox_after(self, country: str, after: InboxPosition, limit: int) -> InboxBatch:
        """Messages of `country`'s inbox after `after`, in inbox order, up to the
        first one an older running transaction could still land in front of.

        On PostgreSQL the cheap horizon is the oldest transaction running
        anywhere in the cluster. Only when that holds something back is it
        narrowed to transactions of this database (another database's bulk
        load must not stall deliveries): read first the next transaction id N
        and this database's running transaction ids W, then, with a fresh
        snapshot, wait only for its running transactions that are in W or
        not older than N. A transaction that can add to an inbox is connected
        to this database, so if it ran with an id older than N when W was
        read, it is in W; if it started later, its id is N or more.
        """
        values = {"country": country, "tx": after.tx, "seq": after.seq, "limit": limit}
        batch = self._inbox_after(_inbox_statement("cluster" if self.postgres else ""), values)
        if not batch.held_back or not self.postgres:
            return batch
        with self._reads.connect() as connection:
            next_xid, writers = connection.execute(_OWN_WRITERS).one()
        return self._inbox_after(_inbox_statement("own"), dict(values, next_xid=next_xid, writers=writers))

    def _inbox_after(self, statement: sa.Select[Any], values: dict[str, Any]) -> InboxBatch:
        items: list[StoredMessage] = []
        with self._reads.connect() as connection:
            rows = connection.execute(statement, values).all()
        for row in rows:
            if row.horizon is not None and row.tx_id >= row.horizon:
                return InboxBatch(items, held_back=True)
            delivery = Delivery(values["country"], row.state, _utc(row.update_time),  # type: ignore[arg-type]
                                _utc(row.response_due_time), row.reply_message_id, _utc(row.reply_time))
            items.append(StoredMessage(row.payload, row.seq, _utc(row.create_time), [delivery],  # type: ignore[arg-type]
                                       CheckRow(row.check_state, _utc(row.check_time), _hits(row.hits)),
                                       InboxPosition(row.tx_id, row.seq)))
        return InboxBatch(items, held_back=False)

    # -- progress ------------------------------------------------------------------------

    def acknowledge(self, message_id: str, country: str, state: int, now: dt.datetime) -> Delivery | None:
        """Move `country`'s progress with a message forward to `state`; None
        when `country` is not one of its recipients."""
        r = recipients.c
        with self.write_lock, self._reads.connect() as connection:
            connection.execute(recipients.update()
                               .where(r.message_id == message_id, r.country == country, r.state < state)
                               .values(state=state, update_time=now))
            row = connection.execute(sa.select(recipients)
                                     .where(r.message_id == message_id, r.country == country)).first()
        return None if row is None else _delivery(row)

    def mark_delivered(self, country: str, message_ids: Sequence[str], now: dt.datetime) -> None:
        """Messages handed to `country`'s stream are DELIVERED (unless further on)."""
        if not message_ids:
            return
        with self.write_lock, self._reads.connect() as connection:
            connection.execute(_mark_delivered_statement(self.postgres),
                               {"recipient": country, "ids": list(message_ids), "now": now})

    # -- cross-check ---------------------------------------------------------------------

    def claim_due_checks(self, now: dt.datetime, lease: dt.timedelta, limit: int) -> list[DueCheck]:
        """Pending checks whose time has come, leased to the caller so that
        another replica leaves them alone until `now + lease`."""
        c = cross_checks.c
        query = (sa.select(c.message_id, c.attempts).where(c.state == pb.CROSS_CHECK_STATE_PENDING,
                                                           c.next_attempt_time <= now)
                 .order_by(c.next_attempt_time).limit(limit))
        if self.postgres:
            query = query.with_for_update(skip_locked=True)
        with self.write_lock, self.engine.begin() as connection:
            due = connection.execute(query).all()
            if not due:
                return []
            ids = [d.message_id for d in due]
            connection.execute(cross_checks.update().where(c.message_id.in_(ids))
                               .values(next_attempt_time=now + lease, attempts=c.attempts + 1))
            payloads = dict(connection.execute(sa.select(messages.c.id, messages.c.payload)
                                               .where(messages.c.id.in_(ids))).all())
            readers: dict[str, list[str]] = {i: [] for i in ids}
            for message_id, country in connection.execute(
                    sa.select(recipients.c.message_id, recipients.c.country).where(recipients.c.message_id.in_(ids))):
                readers[message_id].append(country)
        claimed = []
        for d in due:
            message = pb.Message.FromString(payloads[d.message_id])
            claimed.append(DueCheck(message, (message.sender_country, *readers[d.message_id]), d.attempts + 1))
        return claimed

    def save_check(self, message_id: str, outcome: Outcome, now: dt.datetime, next_attempt: dt.datetime | None) -> None:
        state = pb.CROSS_CHECK_STATE_COMPLETE if outcome.complete else pb.CROSS_CHECK_STATE_PENDING
        with self.write_lock, self._reads.connect() as connection:
            connection.execute(cross_checks.update().where(cross_checks.c.message_id == message_id).values(
                state=state, update_time=now, next_attempt_time=next_attempt, last_error=outcome.error[:1000],
                hits=json.dumps([h.to_json() for h in outcome.hits], separators=(",", ":"))))

    def next_check_time(self) -> dt.datetime | None:
        c = cross_checks.c
        with self._reads.connect() as connection:
            value = connection.execute(sa.select(sa.func.min(c.next_attempt_time))
                                       .where(c.state == pb.CROSS_CHECK_STATE_PENDING)).scalar()
        return _utc(value)


#: The next transaction id, then the ids of this database's running transactions.
_OWN_WRITERS = sa.text(
    "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint, "
    "array(SELECT backend_xid::text::bigint FROM pg_stat_activity "
    "      WHERE datname = current_database() AND backend_xid IS NOT NULL)")


@lru_cache(maxsize=2)
def _mark_delivered_statement(postgres: bool) -> sa.Update:
    """`:recipient`'s deliveries of `:ids` are DELIVERED at `:now`, unless further on.
    Built once: a stream marks what it hands over after every message."""
    r = recipients.c
    return (recipients.update()
            .where(r.country == sa.bindparam("recipient", type_=sa.String), one_of(r.message_id, "ids", postgres),
                   r.state < pb.DELIVERY_STATE_DELIVERED)
            .values(state=pb.DELIVERY_STATE_DELIVERED, update_time=sa.bindparam("now", type_=r.update_time.type)))


@lru_cache(maxsize=3)
def _inbox_statement(horizon: str) -> sa.Select[Any]:
    """`:country`'s inbox after position (`:tx`, `:seq`), at most `:limit` rows,
    each with the horizon a stream may not read past (see `inbox_after`): none
    on SQLite (""), the oldest transaction running in the cluster ("cluster"),
    or in this database (`:next_xid`, `:writers`; "own"). Built once: building
    it cost as much as running it, and a stream reads it for every message."""
    r, m, c = recipients.c, messages.c, cross_checks.c
    columns: list[Any] = [r.message_id, r.tx_id, r.seq, r.create_time, r.state, r.update_time, r.response_due_time,
                          r.reply_message_id, r.reply_time, m.payload, c.state.label("check_state"),
                          c.update_time.label("check_time"), c.hits]
    if horizon == "cluster":
        columns.append(sa.literal_column("pg_snapshot_xmin(pg_current_snapshot())::text::bigint").label("horizon"))
    elif horizon == "own":
        columns.append(_own_horizon().label("horizon"))
    else:
        columns.append(sa.null().label("horizon"))
    after = sa.tuple_(sa.bindparam("tx", type_=sa.BigInteger), sa.bindparam("seq", type_=sa.BigInteger))
    return (sa.select(*columns)
            .select_from(recipients.join(messages, m.id == r.message_id)
                         .join(cross_checks, c.message_id == r.message_id))
            .where(r.country == sa.bindparam("country", type_=sa.String), sa.tuple_(r.tx_id, r.seq) > after)
            .order_by(r.tx_id, r.seq).limit(sa.bindparam("limit", type_=sa.Integer)))


def _own_horizon() -> sa.ScalarSelect[int]:
    """The oldest transaction of this snapshot's running ones that is in
    `:writers` (32-bit ids) or not older than `:next_xid`; else the snapshot's
    first unassigned id."""
    running = sa.func.pg_snapshot_xip(sa.func.pg_current_snapshot()).column_valued("xid")
    as_bigint = sa.cast(sa.cast(running, sa.Text), sa.BigInteger)
    unassigned = sa.cast(sa.cast(sa.func.pg_snapshot_xmax(sa.func.pg_current_snapshot()), sa.Text), sa.BigInteger)
    own = sa.or_(as_bigint >= sa.bindparam("next_xid", type_=sa.BigInteger),
                 one_of(as_bigint % 4294967296, "writers", postgres=True))
    return sa.select(sa.func.coalesce(sa.func.min(as_bigint), unassigned)).where(own).scalar_subquery()


# The read statements, built once per shape with everything else as parameters:
# building one with SQLAlchemy cost about as much as running it.


@dataclass(frozen=True)
class _ListShape:
    """Which of ListMessages' filters a listing uses; one statement each."""

    mailbox: int
    overdue_only: bool
    case_reference: bool
    message_type: bool
    priority: bool
    start_time: bool
    end_time: bool
    terms: bool
    before: bool
    postgres: bool


@lru_cache(maxsize=256)
def _listing_statement(shape: _ListShape) -> sa.Select[Any]:
    """The reader's (`:reader`) messages of one shape, newest first, at most `:limit`.

    A text or case filter is selective: its index finds the few messages and
    the mailbox is checked on each (`_filtered_listing`). Otherwise each
    mailbox is read in its own index order, the inbox from the reader's
    recipient rows and the outbox from the sender's messages, each stopped at
    `:limit`, and the two pages merged: checking every stored message for the
    reader and sorting them cost 17 ms at 15,000 messages, and grew with them."""
    if shape.terms or shape.case_reference:
        return _filtered_listing(shape)
    pages = [page(shape) for page, other in ((_inbox_page, service_pb.MAILBOX_OUTBOX),
                                             (_outbox_page, service_pb.MAILBOX_INBOX))
             if shape.mailbox != other]  # both for MAILBOX_ALL (and unspecified)
    if len(pages) == 1:
        return pages[0]
    both = sa.union(*(sa.select(page.subquery()) for page in pages)).subquery()
    return (sa.select(both).order_by(both.c.create_time.desc(), both.c.seq.desc())
            .limit(sa.bindparam("limit", type_=sa.Integer)))


_LISTED = (messages.c.id, messages.c.payload, messages.c.seq, messages.c.sender_country, messages.c.create_time)


def _inbox_page(shape: _ListShape) -> sa.Select[Any]:
    """Messages to the reader, by its recipient rows (ix_recipients_inbox_listing)."""
    r = recipients.c
    query = (sa.select(*_LISTED).select_from(recipients.join(messages, messages.c.id == r.message_id))
             .where(r.country == sa.bindparam("reader", type_=sa.String)))
    if shape.overdue_only:
        query = query.where(r.reply_message_id.is_(None), r.response_due_time < _now())
    return _page(_message_filters(query, shape), shape, r.create_time, r.seq)


def _outbox_page(shape: _ListShape) -> sa.Select[Any]:
    """Messages from the reader (ix_messages_outbox)."""
    m, r = messages.c, recipients.c
    query = sa.select(*_LISTED).where(m.sender_country == sa.bindparam("reader", type_=sa.String))
    if shape.overdue_only:
        query = query.where(sa.exists().where(r.message_id == m.id, r.reply_message_id.is_(None),
                                              r.response_due_time < _now()))
    return _page(_message_filters(query, shape), shape, m.create_time, m.seq)


def _now() -> sa.BindParameter[Any]:
    return sa.bindparam("now", type_=recipients.c.response_due_time.type)


def _message_filters(query: sa.Select[Any], shape: _ListShape) -> sa.Select[Any]:
    m = messages.c
    if shape.case_reference:
        query = query.where(m.case_reference == sa.bindparam("case_reference"))
    if shape.message_type:
        query = query.where(m.message_type == sa.bindparam("message_type"))
    if shape.priority:
        query = query.where(m.priority == sa.bindparam("priority"))
    if shape.terms:
        query = query.where(m.id.in_(sa.select(message_terms.c.message_id)
                                     .where(one_of(message_terms.c.term, "terms", shape.postgres))))
    return query


def _page(query: sa.Select[Any], shape: _ListShape, create_time: sa.ColumnElement[Any],
          seq: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """Time window, keyset and order on the columns of the index that reads the page."""
    time_type = messages.c.create_time.type
    if shape.start_time:
        query = query.where(create_time >= sa.bindparam("start_time", type_=time_type))
    if shape.end_time:
        query = query.where(create_time < sa.bindparam("end_time", type_=time_type))
    if shape.before:
        position = sa.tuple_(sa.bindparam("before_time", type_=time_type),
                             sa.bindparam("before_seq", type_=messages.c.seq.type))
        query = query.where(sa.tuple_(create_time, seq) < position)
    return query.order_by(create_time.desc(), seq.desc()).limit(sa.bindparam("limit", type_=sa.Integer))


def _filtered_listing(shape: _ListShape) -> sa.Select[Any]:
    """A listing with a text or case filter: its index finds the messages, each
    checked for the reader's mailbox."""
    m, r = messages.c, recipients.c
    reader = sa.bindparam("reader", type_=sa.String)
    mine_in = sa.exists().where(r.message_id == m.id, r.country == reader)
    if shape.overdue_only:
        owed_by_me = mine_in.where(r.reply_message_id.is_(None), r.response_due_time < _now())
        owed_to_me = sa.and_(m.sender_country == reader, sa.exists().where(
            r.message_id == m.id, r.reply_message_id.is_(None), r.response_due_time < _now()))
        inbox, outbox = owed_by_me, owed_to_me
    else:
        inbox, outbox = mine_in, m.sender_country == reader
    mailbox: sa.ColumnElement[bool] = sa.or_(inbox, outbox)
    if shape.mailbox == service_pb.MAILBOX_INBOX:
        mailbox = inbox
    elif shape.mailbox == service_pb.MAILBOX_OUTBOX:
        mailbox = outbox
    return _page(_message_filters(sa.select(*_LISTED).where(mailbox), shape), shape, m.create_time, m.seq)


@lru_cache(maxsize=4)
def _deliveries_statement(with_sent: bool, postgres: bool) -> sa.Select[Any]:
    """The deliveries of `:ids` to `:reader`, and every delivery of those it sent (`:sent`)."""
    mine: sa.ColumnElement[bool] = recipients.c.country == sa.bindparam("reader", type_=sa.String)
    if with_sent:
        mine = sa.or_(mine, one_of(recipients.c.message_id, "sent", postgres))
    return (sa.select(recipients).where(one_of(recipients.c.message_id, "ids", postgres), mine)
            .order_by(recipients.c.message_id, recipients.c.country))


@lru_cache(maxsize=2)
def _cross_checks_statement(postgres: bool) -> sa.Select[Any]:
    """The cross-checks of `:ids`."""
    c = cross_checks.c
    return sa.select(c.message_id, c.state, c.update_time, c.hits).where(one_of(c.message_id, "ids", postgres))


def _stored(row: Any) -> StoredMessage:
    """A listed row (id, payload, seq, sender_country, create_time), without its deliveries yet."""
    return StoredMessage(row.payload, row.seq, _utc(row.create_time),  # type: ignore[arg-type]
                         message_id=row.id, sender_country=row.sender_country)


def _delivery(row: Any) -> Delivery:
    return Delivery(row.country, row.state, _utc(row.update_time), _utc(row.response_due_time),  # type: ignore[arg-type]
                    row.reply_message_id, _utc(row.reply_time))


def _check(row: Any) -> CheckRow:
    return CheckRow(row.state, _utc(row.update_time), _hits(row.hits))


def _hits(text: str) -> list[Hit]:
    return [Hit.from_json(item) for item in json.loads(text)] if text and text != "[]" else []


# -- the send path, driver level --------------------------------------------------------

_SEND_POSTGRES = f"""
WITH given AS (
    SELECT * FROM unnest(%(id)s::varchar[], %(sender)s::varchar[], %(key)s::varchar[], %(fingerprint)s::varchar[],
                         %(type)s::smallint[], %(priority)s::smallint[], %(case)s::varchar[], %(root)s::varchar[],
                         %(depth)s::integer[], %(created)s::timestamptz[], %(due)s::timestamptz[],
                         %(payload)s::bytea[], %(answers)s::varchar[])
        AS g(id, sender, key, fingerprint, type, priority, "case", root, depth, created, due, payload, answers)
), m AS (
    INSERT INTO messages (id, tx_id, sender_country, idempotency_key, fingerprint, message_type, priority,
                          case_reference, thread_root_id, depth, create_time, response_due_time, payload)
    SELECT id, pg_current_xact_id()::text::bigint, sender, key, fingerprint, type, priority, "case", root, depth,
           created, due, payload
    FROM given
    ON CONFLICT (sender_country, idempotency_key) DO NOTHING
    RETURNING id, seq, tx_id, create_time, response_due_time
), r AS (
    INSERT INTO recipients (message_id, country, tx_id, seq, create_time, response_due_time, state, update_time)
    SELECT m.id, x.country, m.tx_id, m.seq, m.create_time, m.response_due_time, {pb.DELIVERY_STATE_QUEUED},
           m.create_time
    FROM m JOIN unnest(%(recipient_of)s::varchar[], %(recipient)s::varchar[]) AS x(id, country) ON x.id = m.id
), c AS (
    INSERT INTO cross_checks (message_id, state, attempts, next_attempt_time, hits, last_error)
    SELECT id, {pb.CROSS_CHECK_STATE_PENDING}, 0, create_time, '[]', '' FROM m
), t AS (
    INSERT INTO message_terms (term, message_id)
    SELECT x.term, m.id FROM m JOIN unnest(%(term_of)s::varchar[], %(term)s::varchar[]) AS x(id, term) ON x.id = m.id
), a AS (
    UPDATE recipients SET reply_message_id = g.id, reply_time = g.created
    FROM given AS g
    WHERE g.answers <> '' AND recipients.message_id = g.answers AND recipients.country = g.sender
      AND recipients.reply_message_id IS NULL AND g.id IN (SELECT id FROM m)
), n AS (
    SELECT pg_notify('{NOTIFY_CHANNEL}', %(notify)s) WHERE EXISTS (SELECT 1 FROM m)
)
SELECT id FROM m, (SELECT count(*) FROM n) AS notified
"""

_SEND_SQLITE = (
    "INSERT INTO messages (id, tx_id, sender_country, idempotency_key, fingerprint, message_type, priority, "
    "case_reference, thread_root_id, depth, create_time, response_due_time, payload) VALUES (:id, 0, :sender, "
    ":key, :fingerprint, :type, :priority, :case, :root, :depth, :created, :due, :payload) "
    "ON CONFLICT (sender_country, idempotency_key) DO NOTHING",
    "INSERT INTO recipients (message_id, country, tx_id, seq, create_time, response_due_time, state, "
    f"update_time) VALUES (:id, :country, 0, :seq, :created, :due, {pb.DELIVERY_STATE_QUEUED}, :created)",
    "INSERT INTO cross_checks (message_id, state, attempts, next_attempt_time, hits, last_error) "
    f"VALUES (:id, {pb.CROSS_CHECK_STATE_PENDING}, 0, :created, '[]', '')",
    "INSERT INTO message_terms (term, message_id) VALUES (:term, :id)",
    "UPDATE recipients SET reply_message_id = :id, reply_time = :created "
    "WHERE message_id = :answers AND country = :sender AND reply_message_id IS NULL",
)


def send_row(dispatch: Dispatch, sender: str) -> dict[str, Any]:
    message = dispatch.message
    return dict(
        id=dispatch.id, sender=sender, key=dispatch.idempotency_key, fingerprint=dispatch.fingerprint,
        type=message.message_type, priority=message.priority, case=message.case_reference,
        root=dispatch.thread_root_id, depth=dispatch.depth, created=dispatch.create_time,
        due=dispatch.response_due_time, payload=message.SerializeToString(), recipients=list(dispatch.recipients),
        terms=sorted(dispatch.terms), answers=dispatch.answers)


_COLUMNS = ("id", "sender", "key", "fingerprint", "type", "priority", "case", "root", "depth", "created", "due",
            "payload", "answers")


def send_parameters(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The arrays _SEND_POSTGRES takes: one per column, recipients and terms flattened."""
    params: dict[str, Any] = {column: [row[column] for row in rows] for column in _COLUMNS}
    params["recipient_of"] = [row["id"] for row in rows for _ in row["recipients"]]
    params["recipient"] = [country for row in rows for country in row["recipients"]]
    params["term_of"] = [row["id"] for row in rows for _ in row["terms"]]
    params["term"] = [term for row in rows for term in row["terms"]]
    notify = ",".join(sorted({country for row in rows for country in row["recipients"]}))
    params["notify"] = notify if len(notify) <= _NOTIFY_LIMIT else "*"
    return params


def _send_postgres(raw: Any, rows: list[dict[str, Any]], backends: set[int]) -> set[str]:
    """One statement, in autocommit: its own transaction, one round trip.
    Returns the ids it stored (a reused key stores nothing); adds the
    backend that NOTIFYs to `backends`."""
    driver = raw.driver_connection
    backends.add(driver.info.backend_pid)
    driver.autocommit = True
    try:
        with driver.cursor() as cursor:
            cursor.execute(_SEND_POSTGRES, send_parameters(rows))
            return {stored for (stored,) in cursor.fetchall()}
    finally:
        driver.autocommit = False


def _is_disconnect(engine: Engine, error: Any, raw: Any) -> bool:
    return bool(engine.dialect.is_disconnect(error, raw.driver_connection, None))


def _sqlite_time(value: dt.datetime | None) -> str | None:
    """A UTC time as SQLAlchemy's SQLite DateTime stores it, so that its reads
    and comparisons see the same thing."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _send_sqlite(raw: Any, rows: list[dict[str, Any]]) -> set[str]:
    """The batch in one transaction; returns the ids it stored."""
    insert_message, insert_recipient, insert_check, insert_term, answer = _SEND_SQLITE
    stored: set[str] = set()
    cursor = raw.cursor()
    try:
        for row in rows:
            times = dict(row, created=_sqlite_time(row["created"]), due=_sqlite_time(row["due"]))
            cursor.execute(insert_message, times)
            if cursor.rowcount == 0:
                continue  # the key was used before
            seq = cursor.lastrowid
            cursor.executemany(insert_recipient, [dict(times, country=c, seq=seq) for c in row["recipients"]])
            cursor.execute(insert_check, times)
            cursor.executemany(insert_term, [dict(id=row["id"], term=t) for t in row["terms"]])
            if row["answers"]:
                cursor.execute(answer, times)
            stored.add(row["id"])
    finally:
        cursor.close()
    raw.commit()
    return stored
