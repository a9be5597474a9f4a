"""`python -m bench.messaging`: send throughput and send→stream latency of the
messaging service, on SQLite and on PostgreSQL, each figure beside its target
and beside a baseline measured in the same run on the same database.

- Throughput: 64 concurrent senders (64 member countries) send as fast as
  acknowledgements come back for `--seconds`; acknowledged sends per second.
  Baseline: a bare INSERT + COMMIT loop of a row of the same size, one
  connection, no gRPC, no validation.
- Latency: 64 senders together offer 100 messages per second (open loop: a
  send starts on schedule whether or not earlier ones finished) to 8
  recipient countries, each holding an inbox stream; the time from the start
  of SendMessage to the message arriving on the recipient's stream.
  Baseline: the INSERT + COMMIT of the bare loop, one at a time.
- Server CPU a message in each of the two phases (the process's user and
  system time over the messages of the phase): the figure that tells a slower
  VM from a costlier server, and that predicts where the server saturates.
- Listing: a page of 50 of one country's inbox, and of its inbox and outbox
  together, read one after another from what the two phases stored. Baseline:
  GetMessage of one of those messages, the same server path for one row: a
  page should cost a page, not the store.

The server runs as its own process (`icore serve messaging`, as a pod runs
it), its cross-check backends unreachable so that every message also goes
through a failed check attempt; the clients run here with grpc.aio.
PostgreSQL comes from ICORE_BENCH_POSTGRES_URL or ICORE_TEST_POSTGRES_URL
(a fresh database is created and dropped); without either it is skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import sqlalchemy as sa

from bench.processes import PIDS, cpu_seconds, free_port, served
from icore.messaging.v1 import message_pb2 as pb
from icore.messaging.v1 import messaging_service_pb2 as service_pb
from icore.messaging.v1 import messaging_service_pb2_grpc as service_grpc
from icore.uim.v1 import entity_pb2
from services.uim.codes import code_tables

SENDERS = 64
RECIPIENTS = ("DEU", "ITA", "ESP", "POL", "NLD", "BEL", "AUT", "SWE")
#: The latency phase's recipients: inboxes the throughput phase left empty, so
#: that their streams carry only what is measured.
STREAMING = ("PRT", "GRC", "IRL", "FIN", "DNK", "CZE", "HUN", "ROU")
OFFERED_PER_S = 100
TARGET_SENDS_PER_S = 500
TARGET_P99_MS = 50.0


@dataclass
class Figures:
    database: str
    baseline_commits_per_s: float
    baseline_commit_ms: tuple[float, float]
    sends_per_s: float
    send_ms: tuple[float, float]
    stream_ms: tuple[float, float]
    #: SendMessage at the offered rate, for telling the send from the delivery.
    ack_ms: tuple[float, float]
    delivered: int
    offered: int
    #: ListMessages pages (inbox; inbox and outbox) and GetMessage, p50/p99 ms.
    inbox_ms: tuple[float, float] = (0.0, 0.0)
    mailboxes_ms: tuple[float, float] = (0.0, 0.0)
    get_ms: tuple[float, float] = (0.0, 0.0)
    stored: int = 0
    #: The server processes' CPU ms a message: throughput phase, latency phase.
    cpu_ms: tuple[float, float] = (0.0, 0.0)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    if len(samples) < 2:
        return (samples[0], samples[0]) if samples else (float("nan"), float("nan"))
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[98]


def _countries() -> list[str]:
    taken = set(RECIPIENTS) | set(STREAMING)
    return [c.code for c in code_tables()["countries"] if c.code not in taken][:SENDERS]


def _message(recipient: str, subject: str) -> pb.Message:
    """A realistic small case message: a person with a date of birth and a passport."""
    sent = pb.Message(recipient_countries=[recipient], message_type=pb.MESSAGE_TYPE_REQUEST_FOR_INFORMATION,
                      priority=pb.PRIORITY_URGENT, case_reference="BENCH/2026/1", subject=subject, language="en",
                      body="Please check the person below against your national records and reply.")
    entity = entity_pb2.Entity(id="p1")
    entity.person.names.add(full_name="Ivan Sergeyevich Petrov", script="Latn")
    entity.person.date_of_birth.year, entity.person.date_of_birth.month = 1981, 4
    entity.person.nationalities.append("RUS")
    entity.person.documents.add(document_type="PASSPORT", number="72 4411983", issuing_country="RUS")
    sent.content.entities.append(entity)
    return sent


# -- baseline ------------------------------------------------------------------------------


def baseline(url: str, seconds: float) -> tuple[float, tuple[float, float]]:
    """Bare INSERT + COMMIT of a message-sized row, one connection, as fast as it goes."""
    engine = sa.create_engine(url)
    table = f"bench_baseline_{uuid.uuid4().hex[:8]}"
    payload = _message("DEU", "baseline").SerializeToString()
    timings: list[float] = []
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
                connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
            connection.exec_driver_sql(f"CREATE TABLE {table} (id VARCHAR(32) PRIMARY KEY, payload BYTEA)"
                                       if engine.dialect.name == "postgresql" else
                                       f"CREATE TABLE {table} (id VARCHAR(32) PRIMARY KEY, payload BLOB)")
            connection.commit()
            insert = sa.text(f"INSERT INTO {table} (id, payload) VALUES (:id, :payload)")
            end = time.perf_counter() + seconds
            while (started := time.perf_counter()) < end:
                connection.execute(insert, {"id": uuid.uuid4().hex, "payload": payload})
                connection.commit()
                timings.append((time.perf_counter() - started) * 1000)
            connection.exec_driver_sql(f"DROP TABLE {table}")
            connection.commit()
    finally:
        engine.dispose()
    return len(timings) / seconds, _percentiles(timings)


# -- the server ----------------------------------------------------------------------------


@contextmanager
def messaging_servers(database_url: str, data_dir: Path, replicas: int) -> Iterator[list[str]]:
    """`replicas` server processes on one database (replicas on SQLite share
    nothing but the file, so SQLite gets one), their cross-check backends
    unreachable, logging at info as a deployment does."""
    dead = f"127.0.0.1:{free_port()}"
    env = {"ICORE_MESSAGING_DATABASE_URL": database_url, "ICORE_QUERY_ADDR": dead, "ICORE_BIOMETRIC_ADDR": dead,
           "ICORE_RATE_LIMIT_PER_S": "100000", "ICORE_RATE_LIMIT_BURST": "100000",
           "ICORE_MAX_STREAMS_PER_COUNTRY": "64", "ICORE_LOG_LEVEL": "info"}
    with ExitStack() as stack:
        yield [stack.enter_context(served("messaging", data_dir / f"server-{i}", env)) for i in range(replicas)]


def _who(country: str) -> tuple[tuple[str, str], ...]:
    return (("x-icore-country", country),)


# -- throughput ----------------------------------------------------------------------------


async def throughput(addresses: list[str], seconds: float) -> tuple[float, tuple[float, float], int]:
    """64 senders, each sending as soon as its previous send was acknowledged
    (spread over the replicas, as a round-robin client would). Returns sends a
    second and their p50/p99 (after a second's warm-up), and every send made."""
    senders = _countries()
    channels = [grpc.aio.insecure_channel(addresses[n % len(addresses)]) for n in range(4 * len(addresses))]
    stubs = [service_grpc.MessagingServiceStub(c) for c in channels]
    timings: list[float] = []
    counted = sent = 0
    warmup_end = time.perf_counter() + 1.0
    end = warmup_end + seconds

    async def sender(n: int, country: str) -> None:
        nonlocal counted, sent
        stub = stubs[n % len(stubs)]
        i = 0
        while (started := time.perf_counter()) < end:
            request = service_pb.SendMessageRequest(message=_message(RECIPIENTS[i % len(RECIPIENTS)], f"t {n}/{i}"),
                                                    idempotency_key=f"t-{n}-{i}")
            await stub.SendMessage(request, metadata=_who(country), timeout=30)
            done = time.perf_counter()
            sent += 1
            if started >= warmup_end and done <= end:
                counted += 1
                timings.append((done - started) * 1000)
            i += 1

    await asyncio.gather(*(sender(n, c) for n, c in enumerate(senders)))
    for channel in channels:
        await channel.close()
    return counted / seconds, _percentiles(timings), sent


# -- latency -------------------------------------------------------------------------------


async def latency(addresses: list[str], seconds: float) -> tuple[tuple[float, float], tuple[float, float], int, int]:
    """Open loop at OFFERED_PER_S from 64 senders; time from send start to stream arrival."""
    senders = _countries()
    channels = [grpc.aio.insecure_channel(a) for a in addresses]
    stubs = [service_grpc.MessagingServiceStub(c) for c in channels]
    stub = stubs[0]  # streams on the first replica; sends through all of them
    started_at: dict[str, float] = {}
    arrivals: list[float] = []
    run = uuid.uuid4().hex[:8]
    ready = asyncio.Event()
    open_streams = 0

    async def listen(country: str) -> None:
        nonlocal open_streams
        call = stub.StreamInbox(service_pb.StreamInboxRequest(), metadata=_who(country))
        open_streams += 1
        if open_streams == len(STREAMING):
            ready.set()
        async for item in call:
            sent = started_at.pop(item.message.subject, None)
            if sent is not None:
                arrivals.append((time.perf_counter() - sent) * 1000)

    acknowledged: list[float] = []

    async def timed_send(request: service_pb.SendMessageRequest, sender: str, subject: str) -> None:
        started = started_at[subject]
        await stubs[hash(subject) % len(stubs)].SendMessage(request, metadata=_who(sender), timeout=30)
        acknowledged.append((time.perf_counter() - started) * 1000)

    listeners = [asyncio.create_task(listen(c)) for c in STREAMING]
    await asyncio.wait_for(ready.wait(), 30)
    await asyncio.sleep(0.5)
    total = int(seconds * OFFERED_PER_S)
    interval = 1.0 / OFFERED_PER_S
    sends: list[asyncio.Future[None]] = []
    begin = time.perf_counter()
    for i in range(total):
        delay = begin + i * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        subject = f"l {run} {i}"
        request = service_pb.SendMessageRequest(message=_message(STREAMING[i % len(STREAMING)], subject),
                                                idempotency_key=f"l-{run}-{i}")
        started_at[subject] = time.perf_counter()
        sends.append(asyncio.ensure_future(timed_send(request, senders[i % SENDERS], subject)))
    await asyncio.gather(*sends)
    give_up = time.perf_counter() + 10
    while len(arrivals) < total and time.perf_counter() < give_up:
        await asyncio.sleep(0.05)
    for task in listeners:
        task.cancel()
    for channel in channels:
        await channel.close()
    return _percentiles(arrivals), _percentiles(acknowledged), len(arrivals), total


# -- listing -------------------------------------------------------------------------------


def listing(address: str, seconds: float) -> tuple[tuple[float, float], ...]:
    """p50/p99 ms of an inbox page, an inbox-and-outbox page and a GetMessage,
    called in turns by the throughput phase's recipients."""
    with grpc.insecure_channel(address) as channel:
        stub = service_grpc.MessagingServiceStub(channel)
        inbox = service_pb.ListMessagesRequest(mailbox=service_pb.MAILBOX_INBOX, page_size=50)
        both = service_pb.ListMessagesRequest(mailbox=service_pb.MAILBOX_ALL, page_size=50)
        latest = {c: stub.ListMessages(inbox, metadata=_who(c)).messages[0].id for c in RECIPIENTS}
        timings: tuple[list[float], ...] = ([], [], [])
        end = time.perf_counter() + seconds
        i = 0
        while time.perf_counter() < end:
            country = RECIPIENTS[i % len(RECIPIENTS)]
            requests = ((stub.ListMessages, inbox), (stub.ListMessages, both),
                        (stub.GetMessage, service_pb.GetMessageRequest(message_id=latest[country])))
            for calls, (method, request) in zip(timings, requests, strict=True):
                started = time.perf_counter()
                method(request, metadata=_who(country))
                calls.append((time.perf_counter() - started) * 1000)
            i += 1
    return tuple(_percentiles(calls) for calls in timings)


# -- the run -------------------------------------------------------------------------------


def measure(name: str, url: str, data_dir: Path, seconds: float, replicas: int) -> Figures:
    print(f"[{name}] baseline INSERT+COMMIT loop ...", flush=True)
    commits_per_s, commit_ms = baseline(url, min(seconds, 5.0))
    with messaging_servers(url, data_dir, replicas) as addresses:
        print(f"[{name}] throughput, {SENDERS} senders, {len(addresses)} replica(s), {seconds:g}s ...", flush=True)
        used = _server_cpu(addresses)
        sends_per_s, send_ms, sent = asyncio.run(throughput(addresses, seconds))
        throughput_cpu = (_server_cpu(addresses) - used) * 1000 / max(sent, 1)
        print(f"[{name}] send->stream latency at {OFFERED_PER_S} msg/s offered, {seconds:g}s ...", flush=True)
        used = _server_cpu(addresses)
        stream_ms, ack_ms, delivered, offered = asyncio.run(latency(addresses, seconds))
        latency_cpu = (_server_cpu(addresses) - used) * 1000 / max(offered, 1)
        print(f"[{name}] listing pages, {min(seconds, 5.0):g}s ...", flush=True)
        inbox_ms, mailboxes_ms, get_ms = listing(addresses[0], min(seconds, 5.0))
    with sa.create_engine(url).connect() as connection:
        stored = connection.exec_driver_sql("SELECT count(*) FROM messages").scalar_one()
    return Figures(f"{name} x{len(addresses)}", commits_per_s, commit_ms, sends_per_s, send_ms, stream_ms, ack_ms,
                   delivered, offered, inbox_ms, mailboxes_ms, get_ms, stored, (throughput_cpu, latency_cpu))


def _server_cpu(addresses: list[str]) -> float:
    """CPU seconds the messaging server processes behind `addresses` have used so far."""
    return sum(cpu_seconds(PIDS[address]) for address in addresses)


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    url = sa.engine.make_url(admin_url).set(drivername="postgresql+psycopg")
    name = f"icore_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def report(results: list[Figures]) -> None:
    line = f"{'database':<14} {'figure':<38} {'measured':>12} {'target':>12} {'baseline':>22}"
    print()
    print(line)
    print("-" * len(line))
    for f in results:
        target = f">= {TARGET_SENDS_PER_S}" if f.database.startswith("postgresql") else "-"
        rows = [
            ("acknowledged sends/s (64 senders)", f"{f.sends_per_s:,.0f}", target,
             f"{f.baseline_commits_per_s:,.0f} commits/s"),
            ("SendMessage p50 / p99 ms (64 senders)", f"{f.send_ms[0]:.1f} / {f.send_ms[1]:.1f}", "-",
             f"{f.baseline_commit_ms[0]:.2f} / {f.baseline_commit_ms[1]:.2f} commit ms"),
            (f"send->stream p50 ms ({OFFERED_PER_S} msg/s)", f"{f.stream_ms[0]:.1f}", "-",
             f"{f.baseline_commit_ms[0]:.2f} commit ms"),
            (f"send->stream p99 ms ({OFFERED_PER_S} msg/s)", f"{f.stream_ms[1]:.1f}", f"< {TARGET_P99_MS:g}",
             f"{f.baseline_commit_ms[1]:.2f} commit ms"),
            (f"SendMessage p50 / p99 ms ({OFFERED_PER_S} msg/s)", f"{f.ack_ms[0]:.1f} / {f.ack_ms[1]:.1f}", "-",
             f"{f.baseline_commit_ms[0]:.2f} / {f.baseline_commit_ms[1]:.2f} commit ms"),
            ("delivered / offered", f"{f.delivered} / {f.offered}", "all", ""),
            (f"server CPU ms a message (64 senders / {OFFERED_PER_S} msg/s)",
             f"{f.cpu_ms[0]:.2f} / {f.cpu_ms[1]:.2f}", "-", ""),
            (f"inbox page of 50 p50 / p99 ms ({f.stored:,} stored)", f"{f.inbox_ms[0]:.1f} / {f.inbox_ms[1]:.1f}",
             "-", f"{f.get_ms[0]:.1f} / {f.get_ms[1]:.1f} GetMessage ms"),
            ("inbox + outbox page p50 / p99 ms", f"{f.mailboxes_ms[0]:.1f} / {f.mailboxes_ms[1]:.1f}", "-",
             f"{f.get_ms[0]:.1f} / {f.get_ms[1]:.1f} GetMessage ms"),
        ]
        for figure, measured, wanted, base in rows:
            print(f"{f.database:<14} {figure:<38} {measured:>12} {wanted:>12} {base:>22}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.messaging", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measurement (default 10)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument("--replicas", type=int, default=1,
                        help="server processes on PostgreSQL (default 1; SQLite always runs one)")
    args = parser.parse_args(argv)
    results: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="icore-bench-messaging-") as directory:
        if args.only in (None, "sqlite"):
            url = f"sqlite:///{Path(directory) / 'messaging.sqlite'}"
            results.append(measure("sqlite", url, Path(directory), args.seconds, 1))
        admin_url = os.environ.get("ICORE_BENCH_POSTGRES_URL") or os.environ.get("ICORE_TEST_POSTGRES_URL")
        if args.only in (None, "postgresql"):
            if admin_url:
                with postgres_database(admin_url) as url:
                    results.append(measure("postgresql", url, Path(directory), args.seconds, args.replicas))
            else:
                print("postgresql: skipped (set ICORE_BENCH_POSTGRES_URL or ICORE_TEST_POSTGRES_URL)")
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
