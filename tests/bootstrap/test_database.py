"""Every service's migrations run forwards and backwards on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from services.bootstrap.database import (
    WalCheckpointer,
    create_engine,
    downgrade,
    migrate,
    migrations_dir,
    one_of,
    open_database,
)

MIGRATED = [s for s in ("messaging", "biometric", "query", "analytics", "audit")
            if any(migrations_dir(s).glob("*.py"))]


@pytest.mark.parametrize("service", MIGRATED)
def test_migrations_upgrade_downgrade_upgrade(database_url: str, service: str) -> None:
    engine = create_engine(database_url)
    migrate(engine, service)
    tables = set(sa.inspect(engine).get_table_names())
    assert f"alembic_version_{service}" in tables and len(tables) > 1
    downgrade(engine, service)
    assert set(sa.inspect(engine).get_table_names()) <= {f"alembic_version_{service}"}
    migrate(engine, service)
    assert set(sa.inspect(engine).get_table_names()) == tables
    engine.dispose()


def test_sqlite_runs_in_wal_mode_and_reads_through_a_memory_map(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'x' / 'store.sqlite'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        # read through a memory map (SQLite caps it at its compiled-in limit, 2 GiB here)
        assert connection.exec_driver_sql("PRAGMA mmap_size").scalar() >= 2**30
    engine.dispose()


def test_one_of_selects_the_listed_rows_on_either_database(database_url: str) -> None:
    engine = create_engine(database_url)
    table = sa.Table("listed", sa.MetaData(), sa.Column("id", sa.String(20), primary_key=True),
                     sa.Column("number", sa.BigInteger, nullable=False))
    table.metadata.create_all(engine)
    postgres = engine.dialect.name == "postgresql"
    by_id = sa.select(table.c.number).where(one_of(table.c.id, "ids", postgres)).order_by(table.c.number)
    by_number = sa.select(table.c.id).where(one_of(table.c.number, "numbers", postgres)).order_by(table.c.id)
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"id": f"r{i}", "number": i * 2**40} for i in range(5)])
        assert connection.execute(by_id, {"ids": ["r1", "r3", "nobody"]}).scalars().all() == [2**40, 3 * 2**40]
        assert connection.execute(by_number, {"numbers": [4 * 2**40, 7]}).scalars().all() == ["r4"]
        assert connection.execute(by_id, {"ids": []}).scalars().all() == []
    engine.dispose()


def _page_bytes(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("PRAGMA page_size").fetchone()[0])


def test_each_service_creates_its_sqlite_file_with_its_page_size(tmp_path: Path) -> None:
    """Messaging's files take 4 KiB pages (its writes are scattered index rows),
    the others 16 KiB; a file that exists keeps the size it was created with."""
    for service, expected in (("messaging", 4096), ("biometric", 16384)):
        open_database(f"sqlite:///{tmp_path / service}.sqlite", service).dispose()
        assert _page_bytes(tmp_path / f"{service}.sqlite") == expected
    open_database(f"sqlite:///{tmp_path / 'biometric'}.sqlite", "messaging").dispose()
    assert _page_bytes(tmp_path / "biometric.sqlite") == 16384


def test_wal_checkpoints_run_on_their_own_thread(tmp_path: Path) -> None:
    """Commits no longer checkpoint (the database file stays as it was while the
    rows sit in the WAL); the checkpointer's thread then copies them in."""
    path = tmp_path / "store.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE rows (id INTEGER PRIMARY KEY, payload BLOB)")
    checkpoints = WalCheckpointer(engine, interval_s=3600)  # no round during the writes
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    before = path.stat().st_size
    with engine.begin() as connection:  # 8 MB: twice SQLite's automatic checkpoint threshold
        connection.exec_driver_sql("INSERT INTO rows (payload) VALUES (?)", [(bytes(2048),) for _ in range(4096)])
    assert path.stat().st_size == before
    checkpoints.close()  # one last checkpoint on the way out
    assert path.stat().st_size > before + 8_000_000
    engine.dispose()


def test_the_checkpointer_leaves_postgresql_alone(database_url: str) -> None:
    engine = create_engine(database_url)
    checkpoints = WalCheckpointer(engine, interval_s=0.01)
    assert (checkpoints._thread is None) == (engine.dialect.name == "postgresql")
    checkpoints.close()
    engine.dispose()


class _CountingCheckpointer(WalCheckpointer):
    """Notes when each checkpoint ran."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.times: list[float] = []
        super().__init__(*args, **kwargs)

    def checkpoint(self) -> None:
        self.times.append(time.monotonic())
        super().checkpoint()


def _table(tmp_path: Path) -> sa.Engine:
    engine = create_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE rows (id INTEGER PRIMARY KEY, payload BLOB)")
    return engine


def _write_for(engine: sa.Engine, seconds: float) -> tuple[float, float]:
    """A commit every 20 ms for `seconds` (never a pause of 0.3 s); returns when
    the first and the last one ended."""
    first, until = 0.0, time.monotonic() + seconds
    while time.monotonic() < until:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO rows (payload) VALUES (?)", (bytes(8192),))
        first = first or time.monotonic()
        time.sleep(0.02)
    return first, time.monotonic()


def test_a_checkpoint_waits_for_a_pause_in_the_writes(tmp_path: Path) -> None:
    """While commits keep coming no checkpoint runs (its fsync would slow them);
    once they pause, one does."""
    engine = _table(tmp_path)
    checkpoints = _CountingCheckpointer(engine, interval_s=0.05, quiet_s=0.3, longest_s=3600)
    time.sleep(0.5)  # its first round: what the CREATE TABLE wrote
    first, last = _write_for(engine, 1.0)
    time.sleep(0.6)
    checkpoints.close()
    assert not [t for t in checkpoints.times if first < t < last]
    assert [t for t in checkpoints.times if last < t < last + 0.6]
    engine.dispose()


def test_writes_after_an_idle_time_are_not_checkpointed_before_longest_s(tmp_path: Path) -> None:
    """`longest_s` counts from the first commit not yet copied, not from the last
    checkpoint: the first burst after a quiet hour is not interrupted at once."""
    engine = _table(tmp_path)
    checkpoints = _CountingCheckpointer(engine, interval_s=0.05, quiet_s=0.3, longest_s=1.0)
    time.sleep(1.5)  # idle for longer than longest_s
    first, last = _write_for(engine, 0.6)
    checkpoints.close()
    assert not [t for t in checkpoints.times if first < t < last]
    engine.dispose()


def test_writes_that_never_pause_are_checkpointed_after_longest_s(tmp_path: Path) -> None:
    engine = _table(tmp_path)
    checkpoints = _CountingCheckpointer(engine, interval_s=0.05, quiet_s=0.3, longest_s=0.5)
    time.sleep(0.5)
    first, last = _write_for(engine, 1.5)
    checkpoints.close()
    assert [t for t in checkpoints.times if first + 0.4 < t < last]
    engine.dispose()


def _always_reading(path: Path, stop: threading.Event) -> None:
    """Read transactions of a few milliseconds that overlap, so that one is always open."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    while not stop.is_set():
        connection.execute("BEGIN")
        connection.execute("SELECT count(*) FROM rows").fetchone()
        time.sleep(0.004)
        connection.execute("COMMIT")
    connection.close()


class _TruncationCounter(WalCheckpointer):
    """Counts the TRUNCATE checkpoints."""

    truncations = 0

    def _truncate(self, connection: sa.Connection, log_bytes: int) -> None:
        self.truncations += 1
        super()._truncate(connection, log_bytes)


def _log_while_read(tmp_path: Path, most_log_bytes: int, commits: int = 200) -> tuple[int, int]:
    """The largest the write-ahead log grew while `commits` of 20 KB were made
    under two threads whose reads never stop, and the TRUNCATE checkpoints run."""
    engine = _table(tmp_path)
    path = tmp_path / "store.sqlite"
    checkpoints = _TruncationCounter(engine, interval_s=0.01, quiet_s=0.004, longest_s=0.01,
                                     most_log_bytes=most_log_bytes)
    stop = threading.Event()
    threads = [threading.Thread(target=_always_reading, args=(path, stop)) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(0.002)
    largest = 0
    for _ in range(commits):
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO rows (payload) VALUES (?)", [(bytes(4096),) for _ in range(5)])
        largest = max(largest, Path(f"{path}-wal").stat().st_size)
        time.sleep(0.002)
    stop.set()
    for thread in threads:
        thread.join()
    truncations = checkpoints.truncations  # not the last checkpoint's, on closing
    checkpoints.close()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM rows").scalar() == 5 * commits
    engine.dispose()
    return largest, truncations


def test_a_log_that_reads_never_leave_is_emptied_past_its_limit(tmp_path: Path) -> None:
    """Reads that always overlap keep a PASSIVE checkpoint from starting the log
    over, and it grows with every commit; past the limit the checkpointer
    empties it."""
    starved, _ = _log_while_read(tmp_path / "passive", most_log_bytes=1 << 40)
    limited, truncations = _log_while_read(tmp_path / "limited", most_log_bytes=512 << 10)
    assert starved > 6 << 20
    assert limited < 2 << 20
    assert truncations > 0


def test_only_a_log_that_has_not_started_over_is_truncated(tmp_path: Path) -> None:
    """Checkpoints called one by one, each after a commit larger than the limit:
    without readers the log starts over at every commit and is left alone;
    while one read stays open it cannot, and the second checkpoint truncates."""
    engine = _table(tmp_path)
    checkpoints = _TruncationCounter(engine, interval_s=3600, most_log_bytes=16 << 10)  # no round of its own

    def commit_and_checkpoint() -> None:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO rows (payload) VALUES (?)", [(bytes(4096),) for _ in range(5)])
        checkpoints.checkpoint()

    for _ in range(5):
        commit_and_checkpoint()
    assert checkpoints.truncations == 0
    reader = sqlite3.connect(tmp_path / "store.sqlite", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM rows").fetchone()
    commit_and_checkpoint()
    commit_and_checkpoint()
    assert checkpoints.truncations >= 1
    reader.execute("COMMIT")
    reader.close()
    checkpoints.close()
    engine.dispose()
