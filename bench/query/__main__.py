"""Benchmark of the unified query service: ingest rate, Search latency and search
quality, on SQLite and PostgreSQL, each figure beside its target and beside a
baseline measured in the same run.

    python -m bench.query --persons 100000                  # both databases
    python -m bench.query --persons 1000000 --databases postgresql
    python -m bench.query --persons 1000000 --databases postgresql --keep   # keep the loaded database
    python -m bench.query --persons 1000000 --databases postgresql --reuse URL  # search it again, no ingest

The service runs as its own process (`icore serve query`), exactly as deployed;
this process generates the person records first (not timed), then streams them
through UpsertEntities on `--streams` concurrent calls, then runs `--queries`
generated searches one after the other, measuring each round trip. Baselines:

- ingest: the same entities stored as bare rows (id and body) with no checking or
  indexing: the floor that the repository's validation and search keys add to;
- search: exhaustive scoring of every visible person record for a few of the same
  queries (what a search would cost without candidate generation), with its quality,
  which shows what candidate generation loses, if anything.

On PostgreSQL the tables are VACUUM ANALYZEd after the load, as autovacuum would do
(it is off on the benchmark machine); the time it takes is reported.

The machine is shared, so beside each rate the CPU time that each part of the ingest
used is reported per person (the server process; its indexing worker processes; the
PostgreSQL backends serving it;
this client): a load-independent measure of the cost, where the rate says more about
what else the cores were doing. The records are generated once for all databases.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from queue import Empty, Queue

import grpc
import sqlalchemy as sa

from bench.processes import cpu_seconds
from icore.query.v1 import query_service_pb2 as pb
from icore.query.v1 import query_service_pb2_grpc as pb_grpc
from icore.uim.v1 import entity_pb2
from services.bootstrap.database import create_engine
from services.bootstrap.identity import Caller, identity_metadata
from services.demo.generator import Truth, generate, search_query
from services.mesh import wait_serving
from services.query.criteria import parse_search
from services.query.scoring import score
from services.query.storage import entities as entity_table
from services.query.storage import visible

TARGETS = {"ingest_per_s": 5000.0, "search_p50_ms": 20.0, "search_p99_ms": 100.0, "recall_at_10": 0.98,
           "precision_at_1": 0.95}
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CALLER = "FRA"
RESULTS = Path(__file__).resolve().parent.parent / "results"


@dataclass
class Result:
    database: str
    persons: int
    entities: int
    generate_s: float = 0.0
    ingest_s: float = 0.0
    ingest_per_s: float = 0.0
    baseline_ingest_per_s: float = 0.0
    vacuum_s: float = 0.0
    queries: int = 0
    search_p50_ms: float = 0.0
    search_p99_ms: float = 0.0
    recall_at_10: float = 0.0
    precision_at_1: float = 0.0
    baseline_queries: int = 0
    baseline_search_p50_ms: float = 0.0
    baseline_recall_at_10: float = 0.0
    baseline_precision_at_1: float = 0.0
    #: 1-minute load average of the machine during ingest and search: other work on
    #: the same cores moves every figure.
    load_during_ingest: float = 0.0
    load_during_search: float = 0.0
    #: CPU microseconds per person during the ingest: server process, database
    #: backends (PostgreSQL only; SQLite runs inside the server), this client.
    ingest_cpu_us_server: float = 0.0
    #: ... and in its indexing worker processes (services.query.indexers).
    ingest_cpu_us_indexers: float = 0.0
    ingest_cpu_us_database: float = 0.0
    ingest_cpu_us_client: float = 0.0
    #: Ingest through UpsertEntities happened in an earlier run (--reuse).
    reused: str = ""
    notes: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def database(kind: str, postgres_url: str, workdir: Path, keep: bool = False) -> Iterator[str]:
    """A fresh, empty database of `kind`, removed afterwards unless `keep`."""
    name = f"icore_bench_{uuid.uuid4().hex[:8]}"
    if kind == "sqlite":
        path = (RESULTS / f"{name}.sqlite") if keep else (workdir / "bench-query.sqlite")
        path.parent.mkdir(exist_ok=True)
        yield f"sqlite:///{path}"
        if keep:
            print(f"[sqlite] kept: --reuse sqlite:///{path}", flush=True)
        return
    admin_url = sa.engine.make_url(postgres_url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        if keep:
            print(f"[postgresql] kept: --reuse {url}", flush=True)
        else:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (the server's indexing workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


class CpuMeter:
    """CPU time used by the server process, by its indexing worker processes and
    by the PostgreSQL backends serving its database (when PostgreSQL runs on this
    machine; 0 otherwise)."""

    def __init__(self, url: str, server_pid: int) -> None:
        self.url, self.server_pid = url, server_pid
        self.backends: dict[int, float] = {}
        self.workers: dict[int, float] = {}

    def _database_pids(self) -> list[int]:
        if not self.url.startswith("postgresql"):
            return []
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                return [int(pid) for pid in connection.execute(sa.text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()")).scalars()]
        finally:
            engine.dispose()

    def sample(self) -> tuple[float, float, float]:
        """(server, its workers, database) CPU s so far; processes that exited keep their last figure."""
        for pids, seen in ((self._database_pids(), self.backends), (_children(self.server_pid), self.workers)):
            for pid in pids:
                try:
                    seen[pid] = cpu_seconds(pid)
                except OSError:
                    pass
        return cpu_seconds(self.server_pid), sum(self.workers.values()), sum(self.backends.values())


@contextmanager
def query_server(url: str, workdir: Path) -> Iterator[tuple[str, int]]:
    """`icore serve query` in its own process, on a free port, until the block ends."""
    port = _free_port()
    env = dict(os.environ, ICORE_PLAINTEXT="1", ICORE_PORT=str(port), ICORE_HOST="127.0.0.1",
               ICORE_QUERY_DATABASE_URL=url, ICORE_DATA_DIR=str(workdir), ICORE_LOG_LEVEL="warning",
               ICORE_RATE_LIMIT_PER_S="1000000", ICORE_RATE_LIMIT_BURST="1000000", ICORE_SHUTDOWN_GRACE_S="2")
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", "query"], env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    address = f"127.0.0.1:{port}"
    try:
        if not wait_serving(address, 120, process):
            raise SystemExit(f"query server did not start; see {workdir / 'server.log'}")
        yield address, process.pid
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def generate_persons(persons: int, seed: int) -> tuple[dict[str, list[pb.UpsertEntitiesRequest]], Truth]:
    """Person records (no other entities), grouped by data owner in requests of 1,000."""
    truth = Truth()
    by_owner: dict[str, list[entity_pb2.Entity]] = defaultdict(list)
    for item in generate(persons, seed, extras=False):
        truth.add(item)
        assert item.entity is not None
        by_owner[item.owner].append(item.entity)
    batches = {owner: [pb.UpsertEntitiesRequest(entities=records[i:i + 1000]) for i in range(0, len(records), 1000)]
               for owner, records in by_owner.items()}
    return batches, truth


#: Requests (of 1,000 records) per UpsertEntities call: a call of 10,000 records ends
#: well within the 30 s that a server gives calls in flight when it closes a
#: connection at its maximum age (services.bootstrap.server).
REQUESTS_PER_CALL = 10
#: Tries of one call that the server ended UNAVAILABLE (a connection closed at its
#: maximum age mid-call): upserts are idempotent, so the client sends the call again.
TRIES = 3


def ingest(address: str, batches: dict[str, list[pb.UpsertEntitiesRequest]],
           streams: int) -> tuple[float, int, int]:
    """Stream every batch through UpsertEntities on `streams` concurrent calls (each
    call one owner's chunk of REQUESTS_PER_CALL requests); returns (seconds,
    rejected, calls sent again)."""
    work: Queue[tuple[str, list[pb.UpsertEntitiesRequest]]] = Queue()
    for owner, requests in batches.items():
        for i in range(0, len(requests), REQUESTS_PER_CALL):
            work.put((owner, requests[i:i + REQUESTS_PER_CALL]))
    rejected = [0]
    retried = [0]
    failures: list[BaseException] = []

    def worker() -> None:
        with grpc.insecure_channel(address) as channel:
            stub = pb_grpc.QueryServiceStub(channel)
            while True:
                try:
                    owner, chunk = work.get_nowait()
                except Empty:
                    return
                for attempt in range(TRIES):
                    try:
                        reply = stub.UpsertEntities(iter(chunk), metadata=identity_metadata(Caller(owner)),
                                                    timeout=3600)
                        rejected[0] += reply.rejected_count
                        break
                    except grpc.RpcError as error:
                        if error.code() != grpc.StatusCode.UNAVAILABLE or attempt == TRIES - 1:
                            failures.append(error)
                            return
                        retried[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"ingest failed: {failures[0]}")
    return time.perf_counter() - started, rejected[0], retried[0]


def baseline_ingest(url: str, batches: dict[str, list[pb.UpsertEntitiesRequest]]) -> float:
    """Entities per second stored as bare (id, body) rows straight into the database."""
    engine = create_engine(url)
    bare = sa.Table("bench_bare_entities", sa.MetaData(), sa.Column("id", sa.String(30), primary_key=True),
                    sa.Column("body", sa.LargeBinary, nullable=False))
    bare.create(engine)
    count = 0
    started = time.perf_counter()
    try:
        for requests in batches.values():
            for request in requests:
                rows = [{"id": e.id, "body": e.SerializeToString()} for e in request.entities]
                with engine.begin() as connection:
                    connection.execute(bare.insert(), rows)
                count += len(rows)
        return count / (time.perf_counter() - started)
    finally:
        bare.drop(engine)
        engine.dispose()


def vacuum(url: str) -> float:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    started = time.perf_counter()
    with engine.connect() as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return time.perf_counter() - started


def _request(seed: int, person: int) -> pb.SearchRequest:
    query = search_query(seed, person)
    request = pb.SearchRequest(name=query.name, nationality=query.nationality, document_number=query.document_number,
                               page_size=10)
    if query.date_of_birth is not None:
        request.date_of_birth.CopyFrom(query.date_of_birth)
    return request


def _quality(found: list[list[str]], relevant: list[list[str]]) -> tuple[float, float]:
    recall = sum(len(set(r) & set(f[:10])) / len(r) for f, r in zip(found, relevant, strict=True)) / len(found)
    precision = sum(1 for f, r in zip(found, relevant, strict=True) if f and f[0] in r) / len(found)
    return recall, precision


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def queries_for(truth: Truth, count: int, seed: int) -> list[tuple[int, list[str]]]:
    """`count` true persons with at least one record the caller may see."""
    persons = sorted(truth.persons)
    random.Random(seed).shuffle(persons)
    chosen = []
    for person in persons:
        relevant = truth.visible(truth.persons[person], CALLER)
        if relevant:
            chosen.append((person, relevant))
        if len(chosen) == count:
            break
    return chosen


def run_searches(address: str, seed: int, chosen: list[tuple[int, list[str]]]) -> tuple[list[float], float, float]:
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.QueryServiceStub(channel)
        metadata = identity_metadata(Caller(CALLER))
        for person, _ in chosen[:20]:  # warm-up: connections, caches, prepared statements
            stub.Search(_request(seed, person), metadata=metadata, timeout=60)
        latencies, found = [], []
        for person, _ in chosen:
            request = _request(seed, person)
            started = time.perf_counter()
            reply = stub.Search(request, metadata=metadata, timeout=60)
            latencies.append((time.perf_counter() - started) * 1000)
            found.append([hit.entity.id for hit in reply.hits])
    recall, precision = _quality(found, [relevant for _, relevant in chosen])
    return latencies, recall, precision


def baseline_search(url: str, seed: int, chosen: list[tuple[int, list[str]]]) -> tuple[list[float], float, float]:
    """Score every visible person record for each query: no candidate generation."""
    engine = create_engine(url)
    latencies, found = [], []
    for person, _ in chosen:
        from services.bootstrap.errors import FieldErrors

        criteria = parse_search(_request(seed, person), FieldErrors())
        started = time.perf_counter()
        hits = []
        with engine.connect() as connection:
            rows = connection.execute(sa.select(entity_table.c.body)
                                      .where(entity_table.c.kind == 1, visible(entity_table, CALLER)))
            for (body,) in rows:
                entity = entity_pb2.Entity.FromString(body)
                scored = score(entity, criteria)
                if scored is not None:
                    hits.append((-scored.score, entity.id))
        hits.sort()
        latencies.append((time.perf_counter() - started) * 1000)
        found.append([entity_id for _, entity_id in hits[:10]])
    engine.dispose()
    recall, precision = _quality(found, [relevant for _, relevant in chosen])
    return latencies, recall, precision


@contextmanager
def _reused(url: str) -> Iterator[str]:
    yield url


def bench(kind: str, args: argparse.Namespace, batches: dict[str, list[pb.UpsertEntitiesRequest]],
          truth: Truth, generate_s: float) -> Result:
    result = Result(kind, args.persons, truth.entities, generate_s=generate_s)
    chosen = queries_for(truth, args.queries, args.seed)
    reuse = args.reuse if args.reuse and args.reuse.startswith(kind) else ""
    with tempfile.TemporaryDirectory(prefix="icore-bench-") as scratch, \
            (_reused(reuse) if reuse else database(kind, args.postgres_url, Path(scratch), args.keep)) as url:
        with query_server(url, Path(scratch)) as (address, pid):
            if reuse:
                result.reused = reuse
                print(f"[{kind}] reusing {reuse}: no ingest; searching {len(chosen)} queries", flush=True)
            else:
                _ingest(result, url, address, pid, batches, args.streams or (1 if kind == "sqlite" else 2))
                print(f"[{kind}] {result.ingest_per_s:,} persons/s; searching {len(chosen)} queries", flush=True)
            latencies, result.recall_at_10, result.precision_at_1 = run_searches(address, args.seed, chosen)
            result.load_during_search = round(os.getloadavg()[0], 2)
            result.queries = len(latencies)
            result.search_p50_ms = round(_percentile(latencies, 0.5), 2)
            result.search_p99_ms = round(_percentile(latencies, 0.99), 2)
        print(f"[{kind}] baselines", flush=True)
        if not reuse:
            result.baseline_ingest_per_s = round(baseline_ingest(url, batches))
        if args.baseline_queries:
            latencies, result.baseline_recall_at_10, result.baseline_precision_at_1 = baseline_search(
                url, args.seed, chosen[:args.baseline_queries])
            result.baseline_queries = len(latencies)
            result.baseline_search_p50_ms = round(_percentile(latencies, 0.5), 1)
    return result


def _ingest(result: Result, url: str, address: str, pid: int, batches: dict[str, list[pb.UpsertEntitiesRequest]],
            streams: int) -> None:
    """Every batch through UpsertEntities, timed, with the CPU each part used."""
    meter = CpuMeter(url, pid)
    wal_before = _wal_position(url)
    server_before, workers_before, database_before = meter.sample()
    client_before = time.process_time()
    seconds, rejected, retried = ingest(address, batches, streams)
    client_s = time.process_time() - client_before
    server_s, workers_s, database_s = meter.sample()
    result.load_during_ingest = round(os.getloadavg()[0], 2)
    result.ingest_s = round(seconds, 1)
    result.ingest_per_s = round(result.entities / seconds)
    per_person = 1e6 / result.entities
    result.ingest_cpu_us_server = round((server_s - server_before) * per_person)
    result.ingest_cpu_us_indexers = round((workers_s - workers_before) * per_person)
    result.ingest_cpu_us_database = round((database_s - database_before) * per_person)
    result.ingest_cpu_us_client = round(client_s * per_person)
    if rejected:
        result.notes.append(f"{rejected} records rejected")
    if retried:
        result.notes.append(f"{retried} UpsertEntities calls of {REQUESTS_PER_CALL * 1000:,} records sent again "
                            "after UNAVAILABLE (a connection closed at its maximum age)")
    if result.database == "postgresql":
        result.notes.append(f"write-ahead log during ingest {(_wal_position(url) - wal_before) / 1e9:.1f} GB "
                            f"({_postgres_settings(url)})")
        result.vacuum_s = round(vacuum(url), 1)


def _wal_position(url: str) -> int:
    """PostgreSQL's write-ahead log position in bytes (0 on SQLite)."""
    if not url.startswith("postgresql"):
        return 0
    (position,) = _postgres_values(url, ["SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"])
    assert isinstance(position, Decimal | int), position  # pg_lsn arithmetic gives numeric
    return int(position)


def _postgres_settings(url: str) -> str:
    """The server settings that decide how much a bulk load writes."""
    names = ("shared_buffers", "max_wal_size", "checkpoint_timeout", "wal_compression")
    values = _postgres_values(url, [f"SHOW {name}" for name in names])
    return ", ".join(f"{name} {value}" for name, value in zip(names, values, strict=True))


def _postgres_values(url: str, statements: list[str]) -> list[object]:
    """The one value each statement returns, on one short-lived connection."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [connection.exec_driver_sql(statement).scalar_one() for statement in statements]
    finally:
        engine.dispose()


def _verdict(value: float, target: float, higher_is_better: bool) -> str:
    met = value >= target if higher_is_better else value <= target
    return "meets" if met else "MISSES"


def report(results: list[Result]) -> str:
    lines = ["| database | persons | figure | measured | target | verdict | baseline (same run) |",
             "|---|---|---|---|---|---|---|"]
    notes = []
    for r in results:
        if r.reused:
            notes.append(f"{r.database}: database loaded by an earlier run, not ingested again; load average "
                         f"{r.load_during_search} during search (2 cores)" + "".join(f"; {n}" for n in r.notes))
        else:
            notes.append(f"{r.database}: load average {r.load_during_ingest} during ingest, {r.load_during_search} "
                         f"during search (2 cores); ingest CPU per person: server {r.ingest_cpu_us_server:.0f} µs "
                         f"+ its indexing workers {r.ingest_cpu_us_indexers:.0f} µs, "
                         f"database backends {r.ingest_cpu_us_database:.0f} µs, client {r.ingest_cpu_us_client:.0f} µs;"
                         f" VACUUM ANALYZE after load {r.vacuum_s} s" + "".join(f"; {n}" for n in r.notes))
        rows = [
            ("ingest, persons/s", r.ingest_per_s, TARGETS["ingest_per_s"], True,
             f"{r.baseline_ingest_per_s:,.0f}/s bare rows, no checks or keys"),
            ("Search p50, ms", r.search_p50_ms, TARGETS["search_p50_ms"], False,
             f"{r.baseline_search_p50_ms:,.0f} ms scoring every record ({r.baseline_queries} queries)"),
            ("Search p99, ms", r.search_p99_ms, TARGETS["search_p99_ms"], False, ""),
            ("recall@10", r.recall_at_10, TARGETS["recall_at_10"], True,
             f"{r.baseline_recall_at_10:.3f} scoring every record"),
            ("precision@1", r.precision_at_1, TARGETS["precision_at_1"], True,
             f"{r.baseline_precision_at_1:.3f} scoring every record"),
        ]
        if r.reused:  # nothing was ingested in this run
            rows = rows[1:]
        if not r.baseline_queries:  # --baseline-queries=0: the exhaustive scoring did not run
            rows = [(name, value, target, higher, "not run" if "scoring every record" in baseline else baseline)
                    for name, value, target, higher, baseline in rows]
        for name, value, target, higher, baseline in rows:
            shown = f"{value:.3f}" if "@" in name else f"{value:,.1f}" if "ms" in name else f"{value:,.0f}"
            lines.append(f"| {r.database} | {r.persons:,} | {name} | {shown} | {'≥' if higher else '≤'} {target:g} | "
                         f"{_verdict(value, target, higher)} | {baseline} |")
    return "\n".join(lines + [""] + notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.query", description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000, help="person records to load (default 100,000)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--queries", type=int, default=1000, help="searches to time and grade (default 1,000)")
    parser.add_argument("--baseline-queries", type=int, default=5,
                        help="searches for the exhaustive-scoring baseline (default 5)")
    parser.add_argument("--streams", type=int, default=0,
                        help="concurrent UpsertEntities calls (default: 1 on SQLite, a single writer; 2 on PostgreSQL)")
    parser.add_argument("--seed", type=int, default=20260, help="generator seed")
    parser.add_argument("--postgres-url", default=os.environ.get("ICORE_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--keep", action="store_true",
                        help="keep the loaded database (PostgreSQL) or file (SQLite, under bench/results/) and "
                             "print the --reuse argument for it")
    parser.add_argument("--reuse", default="",
                        help="URL of a database a --keep run loaded with the same --persons and --seed: search it "
                             "without ingesting again (for the database of that kind only)")
    args = parser.parse_args(argv)
    kinds = [kind.strip() for kind in args.databases.split(",") if kind.strip()]
    print(f"generating {args.persons:,} person records", flush=True)
    started = time.perf_counter()
    batches, truth = generate_persons(args.persons, args.seed)
    generate_s = round(time.perf_counter() - started, 1)
    results = []
    for kind in kinds:
        results.append(bench(kind, args, batches, truth, generate_s))
        print(report(results[-1:]), flush=True)
    table = report(results)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"query-{args.persons}-{int(time.time())}.json"
    out.write_text(json.dumps({"argv": sys.argv, "results": [asdict(r) for r in results], "table": table}, indent=2))
    print(f"results in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
