"""The messaging server: MessagingService over gRPC, translating requests to
the messaging domain and back, and `create_server`, which wires storage, the
inbox doorbells, the cross-check worker and its backends together."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any

import grpc
import structlog
from sqlalchemy.engine import Engine

from icore.biometric.v1 import biometric_service_pb2
from icore.messaging.v1 import message_pb2 as pb
from icore.messaging.v1 import messaging_service_pb2 as service_pb
from icore.messaging.v1 import messaging_service_pb2_grpc as service_grpc
from icore.query.v1 import query_service_pb2
from services.biometric.shards import BiometricShards
from services.bootstrap.audit import READ, WRITE, AuditLog
from services.bootstrap.channels import peer_channel
from services.bootstrap.database import open_database
from services.bootstrap.errors import FieldErrors, InvalidFieldError, NotFoundError
from services.bootstrap.identity import require_caller
from services.bootstrap.paging import PageRequest, decode_token, encode_token
from services.bootstrap.server import IcoreServer, Registration
from services.bootstrap.settings import Settings
from services.messaging import mentions
from services.messaging.backends import GrpcBackends
from services.messaging.config import MessagingConfig
from services.messaging.cross_check import CrossCheckWorker
from services.messaging.delivery import REPORTABLE, START, InboxPosition
from services.messaging.dispatch import Dispatch, compose
from services.messaging.group_commit import GroupCommit
from services.messaging.inbox import InboxBell, PostgresDoorbell
from services.messaging.message_rules import check_send
from services.messaging.storage import NOTIFY_CHANNEL, ListFilter, MessageStore, SendResult, StoredMessage
from services.messaging.threads import Original
from services.messaging.views import recipient_state, render
from services.uim.codes import code_tables

log = structlog.get_logger(__name__)

SERVICE = "messaging"
SERVICE_NAME = service_pb.DESCRIPTOR.services_by_name["MessagingService"].full_name
QUERY_SERVICE = query_service_pb2.DESCRIPTOR.services_by_name["QueryService"].full_name
BIOMETRIC_SERVICE = biometric_service_pb2.DESCRIPTOR.services_by_name["BiometricService"].full_name

MAX_ID = 64
MAX_TEXT = 200
#: Messages a stream reads from the database at a time.
STREAM_BATCH = 100
#: Candidates the text filter scores per page before it returns what it has.
MAX_TEXT_SCAN = 2000
#: A list page stops early at this size (messages may each carry 100,000
#: characters of text; the transport takes 16 MiB).
MAX_PAGE_BYTES = 4 * 1024 * 1024
#: While a newer message waits for an older transaction to commit (usually a
#: millisecond or two), a stream looks again after this pause, growing by half
#: each time up to the maximum.
HELD_BACK_PAUSE_S, HELD_BACK_MAX_S = 0.002, 0.05
#: SQLite: how often the WAL is copied into the database file in the background.

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MessagingServicer(service_grpc.MessagingServiceServicer):
    """MessagingService: every handler acts for `require_caller()`'s country."""

    def __init__(self, store: MessageStore, bell: InboxBell, worker: CrossCheckWorker, audit: AuditLog | None,
                 config: MessagingConfig, clock: Clock = utc_now) -> None:
        self._store, self._bell, self._worker, self._audit = store, bell, worker, audit
        self._config, self._clock = config, clock
        self._background: set[asyncio.Future[None]] = set()
        # One writer on either database: whatever arrives while it writes goes in its
        # next batch. Four on PostgreSQL wrote batches of one or two (sends come in
        # one at a time from the event loop), each a round trip and a statement:
        # 64 senders, 236 -> 404 sends/s and 3.6 -> 2.1 ms of server CPU a send.
        self._commits: GroupCommit[tuple[Dispatch, str], SendResult] = GroupCommit(
            lambda batch: store.call(store.send_many, batch), max_batch=64, writers=1)

    def _audited(self, action: int, found: list[pb.Message]) -> None:
        if self._audit is not None:
            self._audit.record(action, [(m.id, m.sender_country) for m in found])

    async def SendMessage(self, request: service_pb.SendMessageRequest,
                          context: grpc.aio.ServicerContext) -> service_pb.SendMessageResponse:
        sender = require_caller().country
        original = await self._visible_original(request.message.in_reply_to, sender)
        problems = FieldErrors()
        check_send(request, sender, original, problems)
        problems.raise_if_any()
        now = self._clock()
        dispatch = compose(request.message, sender, request.idempotency_key, original, self._config.deadlines, now)
        result = await self._commits.submit((dispatch, sender))
        if result.created:
            self._bell.ring(dispatch.recipients)
            self._worker.wake()
            message = dispatch.message
            message.recipient_states.extend(
                pb.RecipientState(country=c, delivery_state=pb.DELIVERY_STATE_QUEUED, update_time=message.create_time)
                for c in dispatch.recipients)
            message.cross_check.state = pb.CROSS_CHECK_STATE_PENDING
        else:
            if result.fingerprint != dispatch.fingerprint:
                raise InvalidFieldError("idempotency_key", "already used for a different message")
            stored = await self._store.call(self._store.read, result.message_id, sender)
            assert stored is not None, "the sender can always read its own message"
            message = render(stored, sender, now)
        self._audited(WRITE, [message])
        return service_pb.SendMessageResponse(message=message, created=result.created)

    async def _visible_original(self, message_id: str, country: str) -> Original | None:
        if not message_id or len(message_id) > MAX_ID:
            return None
        original = await self._store.call(self._store.original, message_id)
        return original if original is not None and original.visible_to(country) else None

    async def GetMessage(self, request: service_pb.GetMessageRequest,
                         context: grpc.aio.ServicerContext) -> service_pb.GetMessageResponse:
        reader = require_caller().country
        if not request.message_id:
            raise InvalidFieldError("message_id", "required")
        stored = None
        if len(request.message_id) <= MAX_ID:
            stored = await self._store.call(self._store.read, request.message_id, reader)
        if stored is None:
            raise NotFoundError(f"no message {request.message_id!r}")
        message = render(stored, reader, self._clock())
        self._audited(READ, [message])
        return service_pb.GetMessageResponse(message=message)

    async def ListMessages(self, request: service_pb.ListMessagesRequest,
                           context: grpc.aio.ServicerContext) -> service_pb.ListMessagesResponse:
        reader = require_caller().country
        problems = FieldErrors()
        where = _list_filter(request, problems)
        page = PageRequest.parse(request.page_size, "", default=50, maximum=500, errors=problems)
        before = _keyset(request.page_token, problems)
        problems.raise_if_any()
        now = self._clock()
        found: list[StoredMessage] = []
        scanned = 0
        chunk = page.size + 1 if not request.text else max(100, page.size + 1)
        cursor = before
        exhausted = False
        named = mentions.MentionQuery(request.text) if request.text else None
        while len(found) <= page.size and scanned < MAX_TEXT_SCAN:
            batch = await self._store.call(self._store.list_messages, reader, where, now, cursor, chunk,
                                           not request.text)
            for stored in batch:
                scanned += 1
                cursor = (stored.create_time, stored.seq)
                if named is None or named.found_in(stored.message()):
                    found.append(stored)
                    if len(found) > page.size:
                        break
            if len(batch) < chunk:
                exhausted = True
                break
        shown = found[: page.size]
        if request.text and shown:
            await self._store.call(self._store.attach, reader, shown)
        messages, last = _fill_page(shown, lambda s: render(s, reader, now, documents=False))
        token = ""
        if last < len(shown) or len(found) > page.size:
            token = _token(shown[last - 1].create_time, shown[last - 1].seq)
        elif not exhausted and cursor is not None:
            token = _token(*cursor)  # scanned enough for one call; the next page goes on from here
        self._audited(READ, messages)
        return service_pb.ListMessagesResponse(messages=messages, next_page_token=token)

    async def StreamInbox(self, request: service_pb.StreamInboxRequest,
                          context: grpc.aio.ServicerContext) -> AsyncIterator[service_pb.StreamInboxResponse]:
        country = require_caller().country
        position = START
        if request.cursor:
            parsed = InboxPosition.parse(request.cursor)
            if parsed is None:
                raise InvalidFieldError("cursor", "not a cursor from this inbox stream")
            position = parsed
        doorbell = self._bell.subscribe(country)
        pause, held_since = HELD_BACK_PAUSE_S, 0.0
        handed: list[str] = []  # yielded, not yet marked DELIVERED
        try:
            while True:
                doorbell.clear()
                batch = await self._store.call(self._store.inbox_after, country, position, STREAM_BATCH)
                now = self._clock()
                sent: list[pb.Message] = []
                for stored in batch.items:
                    message = render(stored, country, now)
                    for state in message.recipient_states:
                        if state.delivery_state == pb.DELIVERY_STATE_QUEUED:
                            state.delivery_state = pb.DELIVERY_STATE_DELIVERED
                            state.update_time.FromDatetime(now)
                    assert stored.position is not None
                    handed.append(message.id)
                    yield service_pb.StreamInboxResponse(message=message, cursor=stored.position.cursor())
                    position = stored.position
                    sent.append(message)
                if sent:
                    self._audited(READ, sent)
                    # In a task of its own: a client hanging up must not cancel the record.
                    self._in_background(self._store.call(self._store.mark_delivered, country, handed, now))
                    handed = []
                    pause = HELD_BACK_PAUSE_S
                    if len(batch.items) == STREAM_BATCH or batch.held_back:
                        continue  # more is waiting: read on at once
                    # The inbox was read to its end: whatever came after the doorbell
                    # was cleared (before that read) has rung it again.
                if batch.held_back:
                    held_since = held_since or time.monotonic()
                    if pause == HELD_BACK_MAX_S and time.monotonic() - held_since > 1.0:
                        log.warning("inbox_held_back", country=country, seconds=round(time.monotonic() - held_since, 1),
                                    reason="an older database transaction is still open")
                        held_since = time.monotonic()
                else:
                    held_since = 0.0
                wait = pause if batch.held_back else self._config.poll_interval_s
                pause = min(pause * 1.5, HELD_BACK_MAX_S) if batch.held_back else HELD_BACK_PAUSE_S
                try:
                    await asyncio.wait_for(doorbell.wait(), timeout=wait)
                except TimeoutError:
                    pass
        finally:
            self._bell.unsubscribe(country, doorbell)
            if handed:  # the client went away while these were being handed over
                self._in_background(self._store.call(self._store.mark_delivered, country, handed, self._clock()))

    def _in_background(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def AcknowledgeMessage(self, request: service_pb.AcknowledgeMessageRequest,
                                 context: grpc.aio.ServicerContext) -> service_pb.AcknowledgeMessageResponse:
        country = require_caller().country
        problems = FieldErrors()
        problems.check(bool(request.message_id), "message_id", "required")
        problems.check(request.delivery_state in REPORTABLE, "delivery_state",
                       "one of DELIVERED, READ or ACKNOWLEDGED")
        problems.raise_if_any()
        delivery = None
        if len(request.message_id) <= MAX_ID:
            delivery = await self._store.call(self._store.acknowledge, request.message_id, country,
                                              request.delivery_state, self._clock())
        if delivery is None:
            raise NotFoundError(f"no message {request.message_id!r} received by {country}")
        return service_pb.AcknowledgeMessageResponse(recipient_state=recipient_state(delivery, self._clock()))

    async def GetCase(self, request: service_pb.GetCaseRequest,
                      context: grpc.aio.ServicerContext) -> service_pb.GetCaseResponse:
        reader = require_caller().country
        problems = FieldErrors()
        problems.check(bool(request.case_reference), "case_reference", "required")
        problems.check(len(request.case_reference) <= 100, "case_reference", "longer than 100 characters")
        page = PageRequest.parse(request.page_size, "", default=100, maximum=500, errors=problems)
        after = _keyset(request.page_token, problems)
        problems.raise_if_any()
        rows = await self._store.call(self._store.case, reader, request.case_reference, after, page.size + 1)
        if not rows and after is None:
            raise NotFoundError(f"no case {request.case_reference!r} among your messages")
        now = self._clock()
        messages, last = _fill_page([stored for stored, _, _ in rows[: page.size]],
                                    lambda s: render(s, reader, now, documents=False))
        token = ""
        if last < len(rows):
            token = _token(rows[last - 1][0].create_time, rows[last - 1][0].seq)
        entries = [service_pb.CaseEntry(message=message, thread_root_id=root, depth=depth)
                   for message, (_, root, depth) in zip(messages, rows, strict=False)]
        self._audited(READ, [e.message for e in entries])
        return service_pb.GetCaseResponse(entries=entries, next_page_token=token)


def _fill_page(found: list[StoredMessage], show: Callable[[StoredMessage], pb.Message]) -> tuple[list[pb.Message], int]:
    """The messages that fit in MAX_PAGE_BYTES (at least one), and how many of `found` that is."""
    page: list[pb.Message] = []
    size = 0
    for stored in found:
        message = show(stored)
        size += message.ByteSize()
        if page and size > MAX_PAGE_BYTES:
            break
        page.append(message)
    return page, len(page)


def _list_filter(request: service_pb.ListMessagesRequest, problems: FieldErrors) -> ListFilter:
    problems.check(request.mailbox in service_pb.Mailbox.values(), "mailbox", "unknown mailbox")
    problems.check(request.message_type in pb.MessageType.values(), "message_type", "unknown message type")
    problems.check(request.priority in pb.Priority.values(), "priority", "unknown priority")
    problems.check(len(request.case_reference) <= 100, "case_reference", "longer than 100 characters")
    problems.check(len(request.text) <= MAX_TEXT, "text", f"longer than {MAX_TEXT} characters")
    start = _time(request, "start_time", problems)
    end = _time(request, "end_time", problems)
    terms: frozenset[str] = frozenset()
    if request.text and len(request.text) <= MAX_TEXT:
        terms = frozenset(mentions.query_terms(request.text))
        problems.check(bool(terms), "text", "contains no name, word or document number to look for")
    return ListFilter(mailbox=request.mailbox, case_reference=request.case_reference,
                      message_type=request.message_type, priority=request.priority, start_time=start, end_time=end,
                      overdue_only=request.overdue_only, terms=terms)


def _time(request: service_pb.ListMessagesRequest, name: str, problems: FieldErrors) -> dt.datetime | None:
    if not request.HasField(name):
        return None
    try:
        return getattr(request, name).ToDatetime(dt.UTC)
    except (ValueError, OverflowError):
        problems.add(name, "not a valid time")
        return None


def _token(create_time: dt.datetime, seq: int) -> str:
    return encode_token({"t": create_time.isoformat(), "s": seq})


def _keyset(token: str, problems: FieldErrors) -> tuple[dt.datetime, int] | None:
    if not token:
        return None
    state = decode_token(token)
    try:
        assert state is not None and isinstance(state.get("s"), int)
        moment = dt.datetime.fromisoformat(state["t"])
        assert moment.tzinfo is not None
        return moment, state["s"]
    except (AssertionError, KeyError, TypeError, ValueError):
        problems.add("page_token", "not a token from a previous response")
        return None


class TakingTurnsAuditLog(AuditLog):
    """The shared audit log, writing its batches in the store's writer turn:
    on SQLite a writer that collides with another sleeps in SQLite's busy
    handler for milliseconds, which showed as the sends' p99."""

    def __init__(self, engine: Engine, service: str, write_lock: AbstractContextManager[Any]) -> None:
        super().__init__(engine, service)
        self._write_lock = write_lock

    def flush(self) -> None:
        with self._write_lock:
            super().flush()



def _open_database(url: str) -> Engine:
    """The shared engine setup without a ping before every use: the store's
    operations are short and repeatable, and `MessageStore.call` repeats one
    whose connection the database had dropped. Code tables are loaded now,
    not by the first request."""
    engine = open_database(url, SERVICE, pool_pre_ping=False, pool_size=12, max_overflow=8)
    code_tables()
    return engine


async def create_server(settings: Settings) -> IcoreServer:
    """Open the database (migrated), start the doorbells and the cross-check
    worker, and hand the servicer to the shared bootstrap."""
    config = MessagingConfig.from_env()
    engine = await asyncio.to_thread(_open_database, settings.resolved_database_url)
    store = MessageStore(engine)
    bell = InboxBell()
    closers: list[Callable[[], Awaitable[None] | None]] = []
    if store.postgres:
        conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        doorbell = PostgresDoorbell(conninfo, NOTIFY_CHANNEL, bell, store.sending_backends)
        await doorbell.start()
        closers.append(doorbell.stop)
    query = peer_channel(settings, "query", idempotent_services=[QUERY_SERVICE])
    biometric = BiometricShards.connect(settings, idempotent_services=[BIOMETRIC_SERVICE])
    backends = GrpcBackends(query, biometric, service=SERVICE, timeout_s=config.cross_check_timeout_s)
    worker = CrossCheckWorker(store, store.call, backends, retry_s=config.cross_check_retry_s,
                              max_retry_s=config.cross_check_max_retry_s,
                              concurrency=config.cross_check_concurrency, clock=utc_now)
    worker.start()
    audit = await asyncio.to_thread(TakingTurnsAuditLog, engine, SERVICE, store.write_lock)
    servicer = MessagingServicer(store, bell, worker, audit, config)
    closers = [worker.stop, *closers, query.close, biometric.close, lambda: asyncio.to_thread(store.close)]
    # Everything built so far lives as long as the process: keep it out of the
    # collector's full passes, which otherwise walk it all and showed as 30-70 ms
    # pauses in the sends' p99.
    gc.freeze()
    return IcoreServer(settings, [Registration(SERVICE_NAME, service_grpc.add_MessagingServiceServicer_to_server,
                                               servicer)], closers=closers, audit=audit)
