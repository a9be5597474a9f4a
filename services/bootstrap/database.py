"""One database per service: SQLAlchemy 2 engines (SQLite in WAL mode by
default, PostgreSQL when the URL says so) and alembic migrations run on start.

Every service keeps its migrations in `services/<service>/migrations/` and its
own version table, so services may share one PostgreSQL database or not.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import structlog
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine

log = structlog.get_logger(__name__)

_ENV_DIR = Path(__file__).parent / "alembic"
_SERVICES_DIR = Path(__file__).parent.parent


#: SQLite's page size for a new database file: 16 KiB halved the biometric
#: store's size per template and doubled its bulk insert rate.
DEFAULT_SQLITE_PAGE_BYTES = 16384
#: SQLite reads the file through a memory map up to this size (capped at its
#: compiled-in 2 GiB): a page not in the connection's own 2 MB cache is then
#: a memory access, not a read() system call and a copy. The repository's
#: Search at 100,000 persons took p50 14.1-14.7 ms without and 12.9-13.0 ms
#: with it (the same kept file, in turns, 2026-12-07). Writes still go
#: through the write-ahead log.
SQLITE_MMAP_BYTES = 2**31
#: Services whose files take another size. Messaging stores a message as a few
#: dozen rows scattered over its term index: each changed page goes whole into
#: the write-ahead log, about 1 MB a message with 16 KiB pages.
SQLITE_PAGE_BYTES = {"messaging": 4096}


def sqlite_page_bytes(service: str) -> int:
    """The page size a new SQLite file of `service` is created with."""
    return SQLITE_PAGE_BYTES.get(service, DEFAULT_SQLITE_PAGE_BYTES)


def create_engine(url: str, *, sqlite_page_bytes: int = DEFAULT_SQLITE_PAGE_BYTES, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout, foreign keys, and
    `sqlite_page_bytes` pages when the file is new (a page size is fixed once
    a WAL database exists)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **kwargs)
        sa.event.listen(engine, "connect", lambda connection, _: _sqlite_pragmas(connection, sqlite_page_bytes))
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    return sa.create_engine(url, **kwargs)


def autocommit_engine(engine: Engine, **kwargs: Any) -> Engine:
    """A second engine on `engine`'s database whose connections stay in
    autocommit, each statement its own transaction.

    `engine.execution_options(isolation_level="AUTOCOMMIT")` shares the pool,
    but switches a connection into autocommit at every checkout and back at
    every return: half of a one-row read's CPU on SQLite (0.40-0.46 against
    0.18-0.19 ms) and a quarter on PostgreSQL (0.44-0.52 against 0.32). Its
    SQLite connections leave checkpoints to `WalCheckpointer`, as the first
    engine's do. An in-memory SQLite database cannot be opened twice: it gets
    the shared pool."""
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    reads = create_engine(engine.url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT", **kwargs)
    if reads.dialect.name == "sqlite":
        sa.event.listen(reads, "connect", _no_auto_checkpoint)
    return reads


def one_of(column: sa.ColumnElement[Any], name: str, postgres: bool) -> sa.ColumnElement[bool]:
    """`column` is one of the list bound as `name`.

    On PostgreSQL `column = ANY(:name)` with the list as one array: an
    expanding IN has a placeholder per item, so the statement is rewritten,
    converted by the driver and planned again on every call (an inbox page's
    deliveries of 51 messages took 2.4 ms that way, 1.0 ms as an array).
    SQLite has no arrays and gets the expanding IN.
    """
    if postgres:
        return column == sa.any_(sa.cast(sa.bindparam(name), postgresql.ARRAY(column.type)))
    return column.in_(sa.bindparam(name, expanding=True))


def _sqlite_pragmas(dbapi_connection: Any, page_bytes: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA page_size={int(page_bytes)}")  # only a new file takes it
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode loses no committed transaction on a process crash
    # (kill -9); only an OS crash or power loss may lose the last commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()


def _no_auto_checkpoint(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


class WalCheckpointer:
    """SQLite: copies the write-ahead log into the database file on a thread of
    its own instead of inside whichever commit crosses SQLite's threshold. A
    checkpoint writes and fsyncs the database file; in a bulk load of 2 KB
    biometric templates it was 60 % of each commit's time (3 of 5 ms per 1,000
    rows), on the writer's critical path. PASSIVE: it never waits for a writer
    or a reader.

    A checkpoint also slows the commits made while its fsync runs (at a million
    biometric templates, two in three of the deletes over 1 ms ran during one),
    so it waits for a pause in the writes: at least `interval_s` after the last
    one, once no commit has come for `quiet_s`, and at the latest `longest_s`
    after the first commit it has not copied yet, while writes never pause.
    Nothing is done for PostgreSQL.

    A PASSIVE checkpoint copies the log but cannot start it over while a read
    began before its end is still open, and busy services always have one: at
    100,000 demo persons messaging's log grew to 16 GB beside a 132 MB
    database, every write appended and nothing reused. So once the log holds
    more than `most_log_bytes` and has not started over since the last round
    (the salt in its header is the same), the checkpoint is TRUNCATE, which
    waits for the reads open at its start and empties the file. New commits
    wait while it does, so it waits `most_wait_s` at most and the next round
    tries again (with SQLite's 30 s busy timeout a starved one held every
    write back for 30 s), and the limit is high, 1 GiB: a safety valve for
    the disk, not a regular step. Commits that never pause starve it the same
    way (each lands while the checkpoint copies). Left out on purpose:
    `journal_size_limit`, which cut the file back at every restart; regrowing
    it took the messaging bench's send->stream p99 from 28-75 to 91 ms."""

    def __init__(self, engine: Engine, interval_s: float = 1.0, quiet_s: float = 0.1,
                 longest_s: float = 5.0, most_log_bytes: int = 1 << 30, most_wait_s: float = 0.02) -> None:
        self.engine = engine
        self.most_log_bytes = most_log_bytes
        self.most_wait_s = most_wait_s
        self._log_seen = b""
        self.interval_s = interval_s
        self.quiet_s = quiet_s
        self.longest_s = max(longest_s, interval_s)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
            return
        sa.event.listen(engine, "connect", _no_auto_checkpoint)
        engine.dispose()  # pooled connections opened before had SQLite's automatic checkpoints
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def checkpoint(self) -> None:
        with self.engine.connect() as connection:
            _, frames, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
            page_bytes = connection.exec_driver_sql("PRAGMA page_size").scalar_one()
            before, self._log_seen = self._log_seen, self._log_salt()
            if frames * page_bytes > self.most_log_bytes and before == self._log_seen:
                self._truncate(connection, frames * page_bytes)

    def _log_salt(self) -> bytes:
        """The write-ahead log's checkpoint sequence and salts, which change
        each time it starts over."""
        try:
            with open(f"{self.engine.url.database}-wal", "rb") as log:
                return log.read(24)[12:24]
        except FileNotFoundError:
            return b""

    def _truncate(self, connection: sa.Connection, log_bytes: int) -> None:
        busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one()
        connection.exec_driver_sql(f"PRAGMA busy_timeout={round(self.most_wait_s * 1000)}")
        try:
            busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={busy_timeout}")
        log.info("wal_truncated" if not busy else "wal_truncate_deferred", database=self.engine.url.database,
                 log_bytes=log_bytes)
        self._log_seen = self._log_salt()

    def _run(self) -> None:
        # A connection of its own: its data_version changes when any other commits.
        with contextlib.closing(sqlite3.connect(str(self.engine.url.database))) as watcher:
            version = _data_version(watcher)
            last_checkpoint = first_write = last_write = time.monotonic()
            written = True  # what was written before this thread looked
            while not self._stop.wait(min(self.quiet_s / 2, self.interval_s)):
                now = time.monotonic()
                seen = _data_version(watcher)
                if seen != version:
                    if not written:
                        first_write = now
                    version, last_write, written = seen, now, True
                if not written or now - last_checkpoint < self.interval_s:
                    continue
                if now - last_write < self.quiet_s and now - first_write < self.longest_s:
                    continue
                try:
                    self.checkpoint()
                except sa.exc.DBAPIError:  # the next round tries again
                    log.exception("wal_checkpoint_failed", database=self.engine.url.database)
                    continue
                last_checkpoint, written = time.monotonic(), False

    def close(self) -> None:
        """Stop, after one last checkpoint."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        self.checkpoint()


def _data_version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA data_version").fetchone()[0])


def migrations_dir(service: str) -> Path:
    """Where a schema's alembic revisions live: a service's, or "audit"."""
    if service == "audit":
        return Path(__file__).parent / "audit_migrations"
    return _SERVICES_DIR / service / "migrations"


def _config(service: str) -> Config:
    config = Config()
    config.set_main_option("path_separator", "os")
    config.set_main_option("script_location", str(_ENV_DIR))
    config.set_main_option("version_locations", str(migrations_dir(service)))
    config.attributes["version_table"] = f"alembic_version_{service}"
    return config


def migrate(engine: Engine, service: str, revision: str = "head") -> None:
    """Bring a schema (a service's, or "audit") to `revision` with its alembic migrations."""
    config = _config(service)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, service: str, revision: str = "base") -> None:
    """Take a schema back to `revision` (tests prove every migration reverses)."""
    config = _config(service)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def open_database(url: str, service: str, **kwargs: Any) -> Engine:
    """Create the engine and migrate: what a service does before SERVING."""
    engine = create_engine(url, sqlite_page_bytes=sqlite_page_bytes(service), **kwargs)
    migrate(engine, service)
    return engine
