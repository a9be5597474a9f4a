"""The repository's tables and every read and write on them.

Access filtering is part of each query (services.uim.access.visible_clause): a
record the caller may not see is never loaded, returned or counted, and a link is
visible only with both of its ends. Every write appends to the change log in the
same transaction; on PostgreSQL an advisory lock held from the append to the
commit makes sequence order commit order, so a follower's cursor never skips a
change that commits late.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Any

import numpy as np
import sqlalchemy as sa
import structlog
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from icore.uim.v1 import entity_pb2, link_pb2
from services.bootstrap.database import one_of
from services.query.indexing import (
    ALL_ENTITIES_KEY,
    SAMPLE_EVERY,
    IndexedEntity,
    key_hash,
    sampled,
    search_key_hashes,
    typo_rows,
)
from services.uim.access import visible_clause

log = structlog.get_logger(__name__)

metadata = sa.MetaData()

entities = sa.Table(
    "query_entities", metadata,
    sa.Column("pk", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(30), nullable=False, unique=True),
    sa.Column("kind", sa.SmallInteger, nullable=False),
    sa.Column("data_owner", sa.String(3), nullable=False),
    sa.Column("visibility", sa.SmallInteger, nullable=False),
    sa.Column("policy_countries", sa.Text, nullable=False),
    sa.Column("source_system", sa.String(100), nullable=False),
    sa.Column("source_record_id", sa.String(200), nullable=False),
    sa.Column("content_hash", sa.BigInteger, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("event_country", sa.String(3)),
    sa.Column("event_time", sa.DateTime(timezone=True)),
    sa.Column("birth_year", sa.SmallInteger, nullable=False),
)


def _key_table(name: str) -> sa.Table:
    return sa.Table(
        name, metadata,
        sa.Column("key_hash", sa.BigInteger, nullable=False),
        sa.Column("birth_year", sa.SmallInteger, nullable=False),
        sa.Column("entity_pk", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.SmallInteger, nullable=False),
        sa.Column("restricted", sa.Boolean, nullable=False),
    )


#: The key index and, on SQLite, the keys written since they were last merged into
#: it (Repository.merge_fresh_keys); a search reads both.
search_keys = _key_table("query_search_keys")
fresh_keys = _key_table("query_fresh_keys")
#: The word list by typo key: every word of a stored name that has typo keys
#: (services.uim.names.keys.typo_keys), once per key, however many records hold it.
#: A search reads the words sharing its typo keys here and then their records
#: through the key index (services.query.indexing).
typo_words = sa.Table(
    "query_typo_words", metadata,
    sa.Column("typo_hash", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("word_hash", sa.BigInteger, primary_key=True, autoincrement=False),
)
key_counts = sa.Table(
    "query_key_counts", metadata,
    sa.Column("key_hash", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("sampled_count", sa.BigInteger, nullable=False),
)
documents = sa.Table(
    "query_documents", metadata,
    sa.Column("number", sa.String(60), primary_key=True),
    sa.Column("entity_pk", sa.BigInteger, primary_key=True),
    sa.Column("document_type", sa.String(40), nullable=False),
    sa.Column("issuing_country", sa.String(3), nullable=False),
)
links = sa.Table(
    "query_links", metadata,
    sa.Column("pk", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(30), nullable=False, unique=True),
    sa.Column("from_pk", sa.BigInteger, nullable=False),
    sa.Column("to_pk", sa.BigInteger, nullable=False),
    sa.Column("link_type", sa.SmallInteger, nullable=False),
    sa.Column("data_owner", sa.String(3), nullable=False),
    sa.Column("visibility", sa.SmallInteger, nullable=False),
    sa.Column("policy_countries", sa.Text, nullable=False),
    sa.Column("source_record_id", sa.String(200), nullable=False),
    sa.Column("content_hash", sa.BigInteger, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
)
changes = sa.Table(
    "query_changes", metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("op", sa.SmallInteger, nullable=False),
    sa.Column("target_id", sa.String(30), nullable=False),
    sa.Column("target_pk", sa.BigInteger, nullable=False),
    sa.Column("data_owner", sa.String(3), nullable=False),
    sa.Column("visibility", sa.SmallInteger),
    sa.Column("policy_countries", sa.Text, nullable=False),
    sa.Column("change_time", sa.DateTime(timezone=True), nullable=False),
)

#: Entities written before the first statistics refresh (see Repository.analyze_if_grown).
ANALYZE_MIN_ROWS = 2_000
#: Fresh key rows (SQLite) above which they are merged into the key index. A merge
#: writes every page of that index it touches, whatever the count, so it pays to
#: move many rows at once; the fresh keys' own index should still fit the page cache.
FRESH_KEYS_MERGE_ROWS = 4_000_000
#: Words a repository remembers having written to the word list; past it, it
#: forgets them all and writes each again once (the write ignores those present).
KNOWN_WORDS = 500_000  # some 40 MB at most; 100k demo persons have 23k such words
#: SQLite page cache per connection, in KiB.
SQLITE_CACHE_KIB = 128 * 1024
#: Any constant: the PostgreSQL advisory lock that orders change-log appends.
_CHANGE_LOCK = 0x1C0E6
_KEY_COLUMNS = "key_hash, birth_year, entity_pk, kind, restricted"
#: One search key row in PostgreSQL's binary COPY format: the field count, then
#: each field's length and its big-endian value (no padding between them).
_BINARY_KEY_ROW = np.dtype([
    ("fields", ">i2"), ("key_hash_size", ">i4"), ("key_hash", ">i8"), ("birth_year_size", ">i4"),
    ("birth_year", ">i2"), ("entity_pk_size", ">i4"), ("entity_pk", ">i8"), ("kind_size", ">i4"), ("kind", ">i2"),
    ("restricted_size", ">i4"), ("restricted", "u1")])
_BINARY_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
_BINARY_COPY_TRAILER = b"\xff\xff"


class ChangeOp(IntEnum):
    ENTITY_UPSERTED = 1
    ENTITY_DELETED = 2
    LINK_UPSERTED = 3
    LINK_DELETED = 4


def _without_jit(dbapi_connection: Any, _record: Any) -> None:
    """Short index look-ups gain nothing from JIT compilation, which costs
    milliseconds per query whenever the planner's estimates run high."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_connection.commit()


def _sqlite_cache(dbapi_connection: Any, _record: Any) -> None:
    """A page cache that holds the hot part of the key index: SQLite's default of
    2 MB turns every key insert of a large ingest into a read from the OS."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    cursor.execute("PRAGMA temp_store = MEMORY")
    cursor.close()


def visible(table: sa.FromClause, country: str) -> sa.ColumnElement[bool]:
    """The shared access rule on a table (or alias) with the policy columns."""
    return visible_clause(table.c.visibility, table.c.policy_countries, table.c.data_owner, country)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@lru_cache(maxsize=64)
def _sqlite_insert(table: sa.Table, columns: tuple[str, ...], dialect: sa.Dialect
                   ) -> tuple[str, tuple[Any, ...]]:
    """The INSERT of `columns` with qmark parameters, and each column's bind
    processor for this dialect (None where the driver takes the value as it is)."""
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    return sql, tuple(table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns)


def _once_per_value(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`processor`, remembering its results: the times of a batch's rows are one or two values."""
    done: dict[Any, Any] = {}

    def process(value: Any) -> Any:
        if value not in done:
            done[value] = processor(value)
        return done[value]
    return process


def _insert_sqlite_rows(connection: Connection, table: sa.Table, rows: list[dict[str, object]]) -> None:
    """executemany of positional rows, each value through its column's bind
    processor (so stored exactly as SQLAlchemy would store it): SQLAlchemy's own
    per-row parameter handling was a sixth of a bulk load's time on SQLite."""
    columns = tuple(rows[0])
    sql, processors = _sqlite_insert(table, columns, connection.dialect)
    processors = tuple(_once_per_value(p) if p is not None and isinstance(table.c[c].type, sa.DateTime) else p
                       for c, p in zip(columns, processors, strict=True))
    connection.exec_driver_sql(sql, [tuple(v if p is None or v is None else p(v)
                                           for v, p in zip(map(row.__getitem__, columns), processors, strict=True))
                                     for row in rows])


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _with_times(link: link_pb2.Link, created: dt.datetime, updated: dt.datetime) -> bytes:
    for stamp, value in ((link.provenance.create_time, created), (link.provenance.update_time, updated)):
        stamp.seconds, stamp.nanos = _timestamp(value)
    return link.SerializeToString()


@lru_cache(maxsize=64)
def _entity_times(created: dt.datetime, updated: dt.datetime) -> bytes:
    """An entity holding only its provenance times, serialized: appended to a
    record's bytes, it sets them, since protobuf merges a message that follows
    another into it; the record is neither parsed nor serialized again."""
    times = entity_pb2.Entity()
    for stamp, value in ((times.provenance.create_time, created), (times.provenance.update_time, updated)):
        stamp.seconds, stamp.nanos = _timestamp(value)
    return times.SerializeToString()


@lru_cache(maxsize=64)
def _timestamp(value: dt.datetime) -> tuple[int, int]:
    """(seconds, nanos) since the epoch: what Timestamp.FromDatetime sets, computed
    once for the thousand records of a batch that share their time."""
    delta = value - _EPOCH
    return delta.days * 86_400 + delta.seconds, delta.microseconds * 1000


@dataclass
class UpsertOutcome:
    created: int = 0
    updated: int = 0
    #: Entity id -> data owner of every entity written (for the audit log).
    written: list[str] | None = None


@dataclass(frozen=True)
class StoredLink:
    pk: int
    from_pk: int
    to_pk: int
    body: bytes


@dataclass
class KeyStatistics:
    """What a search needs to choose its keys (Repository.key_statistics)."""

    #: Estimated key rows by key hash.
    counts: dict[int, int]
    #: Estimated number of entities.
    total: int
    #: Hashes of the stored words sharing each typo key, by the typo key's hash.
    words_by_typo: dict[int, list[int]]


@dataclass(frozen=True)
class Candidate:
    """An entity found by its keys, with its summed key weight."""

    pk: int
    weight: int
    body: bytes
    kind: int
    event_country: str | None
    event_time: dt.datetime | None


@dataclass(frozen=True)
class Change:
    """One change as a follower sees it."""

    seq: int
    op: ChangeOp
    target_id: str
    #: The record's current body when it is to be sent whole; None for a deletion.
    body: bytes | None


class Repository:
    """Reads and writes of the repository; every method is one transaction."""

    def __init__(self, engine: Engine, fresh_keys_merge_rows: int = FRESH_KEYS_MERGE_ROWS) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self._analyze_lock = threading.Lock()
        self._merge_lock = threading.Lock()
        self._fresh_keys_merge_rows = fresh_keys_merge_rows
        self._fresh_rows: int | None = None  # counted on the first write
        # PostgreSQL writes keys straight into the key index: moving them later
        # cost it more (a heap row deleted and one written again, each logged) than
        # the random index inserts it saves; its cost is the write-ahead log's.
        self._key_table = search_keys if self.postgres else fresh_keys
        self._rows_at_analysis = 0
        self._written_since_analysis = 0
        self._known_words: set[str] = set()
        sa.event.listen(engine, "connect", _without_jit if self.postgres else _sqlite_cache)
        engine.dispose()  # pooled connections predate the listener

    def analyze_if_grown(self, written: int = 0) -> None:
        """Refresh the planner's statistics (PostgreSQL) once the tables have grown
        by a fifth since the last time: the key look-ups are only planned as index
        scans with current statistics, and autovacuum may be off or lag a bulk load."""
        if not self.postgres:
            return
        self._written_since_analysis += written
        if self._written_since_analysis < max(ANALYZE_MIN_ROWS, self._rows_at_analysis // 5):
            return
        if not self._analyze_lock.acquire(blocking=False):
            return
        try:
            self._written_since_analysis = 0
            with self.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE " + ", ".join(t.name for t in metadata.sorted_tables
                                                                  if t is not fresh_keys))
                connection.commit()
                self._rows_at_analysis = int(connection.execute(sa.select(sa.func.count()).select_from(entities))
                                             .scalar_one())
            log.info("statistics_refreshed", entities=self._rows_at_analysis)
        finally:
            self._analyze_lock.release()

    # --- entities ---------------------------------------------------------------

    def upsert_entities(self, batch: Sequence[IndexedEntity]) -> UpsertOutcome:
        """Store validated, indexed entities; creates or replaces by id (the id is
        derived from data owner and source record id). An unchanged entity is
        counted as updated but not rewritten, so a reload adds no changes. On
        SQLite, a write that takes the fresh keys past the threshold then merges
        them, in a transaction of its own."""
        outcome = self._upsert_entities(batch)
        self._merge_when_grown(batch, outcome)
        return outcome

    def _add_typo_words(self, connection: Connection, items: Iterable[IndexedEntity]) -> set[str]:
        """Write the words of `items` the word list may lack; returns them, to be
        remembered once the transaction commits. Rows go in key order and existing
        ones are skipped, so concurrent writers of one word neither fail nor deadlock."""
        new = {word for item in items for word in item.typo_words} - self._known_words
        rows = typo_rows(new)
        if not rows:
            return new
        if self.postgres:
            connection.execute(sa.text(
                "INSERT INTO query_typo_words (typo_hash, word_hash) SELECT * FROM "
                "unnest(CAST(:typos AS bigint[]), CAST(:words AS bigint[])) ORDER BY 1, 2 ON CONFLICT DO NOTHING"),
                {"typos": [t for t, _ in rows], "words": [w for _, w in rows]})
        else:
            connection.exec_driver_sql(f"INSERT OR IGNORE INTO {typo_words.name} (typo_hash, word_hash) VALUES (?, ?)",
                                       rows)
        return new

    def _remember_words(self, words: set[str]) -> None:
        if len(self._known_words) + len(words) > KNOWN_WORDS:
            self._known_words = set()
        self._known_words |= words

    def _upsert_entities(self, batch: Sequence[IndexedEntity]) -> UpsertOutcome:
        unique = {item.id: item for item in batch}
        outcome = UpsertOutcome(written=[])
        now = _now()
        with self.engine.begin() as connection:
            existing = {
                row.id: row for row in connection.execute(
                    sa.select(entities.c.pk, entities.c.id, entities.c.content_hash, entities.c.body,
                              entities.c.create_time, entities.c.visibility, entities.c.policy_countries,
                              entities.c.data_owner, entities.c.birth_year)
                    .where(entities.c.id.in_(list(unique))))
            }
            fresh = [item for item in unique.values() if item.id not in existing]
            replaced = [item for item in unique.values()
                        if item.id in existing and existing[item.id].content_hash != item.content_hash]
            outcome.created = len(fresh)
            outcome.updated = len(unique) - len(fresh)
            counts: Counter[int] = Counter()
            pks: dict[str, int] = {}
            if replaced:
                old_pks = [existing[item.id].pk for item in replaced]
                old_keys: list[tuple[int, int, int]] = []
                for item in replaced:
                    row = existing[item.id]
                    hashes = search_key_hashes(entity_pb2.Entity.FromString(row.body))
                    old_keys.extend((h, row.birth_year, row.pk) for h in hashes)
                    if sampled(item.id):
                        counts.subtract(hashes)
                        counts[key_hash(ALL_ENTITIES_KEY)] -= 1
                self._delete_keys(connection, old_keys)
                connection.execute(documents.delete().where(documents.c.entity_pk.in_(old_pks)))
                connection.execute(
                    entities.update().where(entities.c.pk == sa.bindparam("b_pk")),
                    [dict(b_pk=existing[item.id].pk, **self._entity_values(item, existing[item.id].create_time, now))
                     for item in replaced])
                pks.update({item.id: existing[item.id].pk for item in replaced})
            if fresh:
                pks.update(self._insert_entities(connection, fresh, now))
            written = fresh + replaced
            if not written:
                return outcome
            self._insert_keys(connection, [(pks[item.id], item) for item in written])
            document_rows = [dict(number=n, entity_pk=pks[item.id], document_type=t, issuing_country=c)
                             for item in written for n, t, c in item.documents]
            self._insert_many(connection, documents, document_rows)
            for item in written:
                if sampled(item.id):
                    counts.update(item.key_hashes)
                    counts[key_hash(ALL_ENTITIES_KEY)] += 1
            self._count_keys(connection, counts)
            new_words = self._add_typo_words(connection, written)
            self._append_changes(connection, [
                dict(op=ChangeOp.ENTITY_UPSERTED, target_id=item.id, target_pk=pks[item.id],
                     **self._previous_policy(existing.get(item.id), item.data_owner), change_time=now)
                for item in written])
            outcome.written = [item.id for item in written]
        self._remember_words(new_words)
        return outcome

    def _insert_entities(self, connection: Connection, fresh: list[IndexedEntity],
                         now: dt.datetime) -> dict[str, int]:
        """Insert new entities; returns their primary keys by id. PostgreSQL takes the
        keys from the sequence first and then COPYs the rows, the fastest bulk path."""
        rows = [dict(id=item.id, **self._entity_values(item, now, now)) for item in fresh]
        if self.postgres:
            allocated = connection.execute(
                sa.text("SELECT nextval(pg_get_serial_sequence('query_entities', 'pk')) FROM generate_series(1, :n)"),
                {"n": len(rows)}).scalars().all()
            for row, pk in zip(rows, allocated, strict=True):
                row["pk"] = pk
            self._insert_many(connection, entities, rows)
            return {str(row["id"]): int(row["pk"]) for row in rows}  # type: ignore[call-overload]
        _insert_sqlite_rows(connection, entities, rows)
        ids = [item.id for item in fresh]
        found: dict[str, int] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            found.update(connection.exec_driver_sql(
                f"SELECT id, pk FROM {entities.name} WHERE id IN ({', '.join('?' * len(part))})", tuple(part)).all())
        return found

    @staticmethod
    def _entity_values(item: IndexedEntity, created: dt.datetime, updated: dt.datetime) -> dict[str, object]:
        return dict(kind=item.kind, data_owner=item.data_owner, visibility=item.visibility,
                    policy_countries=item.policy_countries, source_system=item.source_system,
                    source_record_id=item.source_record_id, content_hash=item.content_hash,
                    body=item.body + _entity_times(_utc(created), updated), create_time=created, update_time=updated,
                    event_country=item.event_country, event_time=item.event_time, birth_year=item.birth_year)

    @staticmethod
    def _previous_policy(row: sa.Row | None, owner: str) -> dict[str, object]:
        if row is None:
            return dict(data_owner=owner, visibility=None, policy_countries="")
        return dict(data_owner=row.data_owner, visibility=row.visibility, policy_countries=row.policy_countries)

    def _insert_keys(self, connection: Connection, items: list[tuple[int, IndexedEntity]]) -> None:
        """The search keys of freshly written entities: tens per entity, the bulk of
        every ingest. They are laid out as arrays (no Python object per row) and
        written in key order, so that the rows of one batch land on neighbouring index
        pages one after the other instead of on pages all over an index larger than
        the cache; PostgreSQL takes them as one binary COPY, built by numpy."""
        counts = np.fromiter((len(item.key_hashes) for _, item in items), np.int64, len(items))
        hashes = np.fromiter(itertools.chain.from_iterable(item.key_hashes for _, item in items), np.int64,
                             int(counts.sum()))
        order = np.argsort(hashes, kind="stable")  # items come in pk order: ties stay in it

        def column(values: Iterable[int], dtype: type) -> np.ndarray:
            return np.repeat(np.fromiter(values, dtype, len(items)), counts)[order]

        pks = column((pk for pk, _ in items), np.int64)
        years = column((item.birth_year for _, item in items), np.int16)
        kinds = column((item.kind for _, item in items), np.int16)
        restricted = column((item.restricted for _, item in items), np.uint8)
        hashes = hashes[order]
        columns = _KEY_COLUMNS
        if not self.postgres:
            connection.exec_driver_sql(f"INSERT INTO {self._key_table.name} ({columns}) VALUES (?, ?, ?, ?, ?)",
                                       list(zip(hashes.tolist(), years.tolist(), pks.tolist(), kinds.tolist(),
                                                restricted.tolist(), strict=True)))
            return
        rows = np.empty(len(hashes), _BINARY_KEY_ROW)
        rows["fields"] = 5
        for name, values, size in (("key_hash", hashes, 8), ("birth_year", years, 2), ("entity_pk", pks, 8),
                                   ("kind", kinds, 2), ("restricted", restricted, 1)):
            rows[f"{name}_size"] = size
            rows[name] = values
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(f"COPY {self._key_table.name} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(_BINARY_COPY_HEADER + rows.tobytes() + _BINARY_COPY_TRAILER)

    def _delete_keys(self, connection: Connection, rows: list[tuple[int, int, int]]) -> None:
        """Delete (key hash, birth year, entity pk) rows, fresh or merged, through the
        key indexes. There is no index by entity (it doubled the cost of every key
        written): the caller recomputes an entity's keys from its stored record, as
        the key statistics do. A change to how keys are derived needs a reindex
        anyway, since searches look the stored keys up with keys derived the new way."""
        if not rows:
            return
        values = [{"h": h, "y": y, "p": p} for h, y, p in sorted(rows)]
        for table in dict.fromkeys((search_keys, self._key_table)):
            connection.execute(table.delete().where(table.c.key_hash == sa.bindparam("h"),
                                                    table.c.birth_year == sa.bindparam("y"),
                                                    table.c.entity_pk == sa.bindparam("p")), values)

    def _merge_when_grown(self, batch: Sequence[IndexedEntity], outcome: UpsertOutcome) -> None:
        """Merge the fresh keys (SQLite) once they pass the threshold."""
        if self.postgres:
            return
        written = set(outcome.written or ())
        written_rows = sum(len(item.key_hashes) for item in batch if item.id in written)
        with self._merge_lock:
            if self._fresh_rows is None:
                with self.engine.connect() as connection:
                    self._fresh_rows = int(connection.execute(
                        sa.select(sa.func.count()).select_from(fresh_keys)).scalar_one())
            else:
                self._fresh_rows += written_rows
            if self._fresh_rows < self._fresh_keys_merge_rows:
                return
            self._fresh_rows = 0
        started = time.perf_counter()
        moved = self.merge_fresh_keys()
        log.info("fresh_keys_merged", rows=moved, seconds=round(time.perf_counter() - started, 1))

    def merge_fresh_keys(self) -> int:
        """Move every fresh key row (SQLite) into the key index, in key order, in one
        transaction, so that each page of the index is written once for all the rows
        that land on it; returns how many moved (none on PostgreSQL, which has no
        fresh keys)."""
        if self.postgres:
            return 0
        with self.engine.begin() as connection:
            moved = connection.exec_driver_sql(
                f"INSERT OR IGNORE INTO {search_keys.name} ({_KEY_COLUMNS}) SELECT {_KEY_COLUMNS} "
                f"FROM {fresh_keys.name} ORDER BY key_hash, birth_year, entity_pk").rowcount
            connection.exec_driver_sql(f"DELETE FROM {fresh_keys.name}")
        return int(moved)

    def _insert_many(self, connection: Connection, table: sa.Table, rows: list[dict[str, object]]) -> None:
        """Bulk insert; COPY on PostgreSQL, where it is several times faster."""
        if not rows:
            return
        if self.postgres:
            columns = list(rows[0])
            raw = connection.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(tuple(row[c] for c in columns))
            return
        _insert_sqlite_rows(connection, table, rows)

    def _count_keys(self, connection: Connection, counts: Counter[int]) -> None:
        deltas = sorted((h, n) for h, n in counts.items() if n)  # sorted: concurrent writers never deadlock
        if not deltas:
            return
        if self.postgres:
            # COPY the deltas, then merge them in one statement, in key order.
            connection.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS query_key_deltas "
                                       "(key_hash bigint, sampled_count bigint) ON COMMIT DELETE ROWS")
            raw = connection.connection.driver_connection
            with raw.cursor() as cursor:  # type: ignore[union-attr]
                with cursor.copy("COPY query_key_deltas (key_hash, sampled_count) FROM STDIN") as copy:
                    for delta in deltas:
                        copy.write_row(delta)
            connection.exec_driver_sql(
                "INSERT INTO query_key_counts SELECT key_hash, sampled_count FROM query_key_deltas ORDER BY key_hash "
                "ON CONFLICT (key_hash) DO UPDATE "
                "SET sampled_count = query_key_counts.sampled_count + excluded.sampled_count")
            return
        connection.exec_driver_sql(
            f"INSERT INTO {key_counts.name} (key_hash, sampled_count) VALUES (?, ?) ON CONFLICT (key_hash) "
            f"DO UPDATE SET sampled_count = {key_counts.name}.sampled_count + excluded.sampled_count", deltas)

    def _append_changes(self, connection: Connection, rows: list[dict[str, object]]) -> None:
        if not rows:
            return
        if self.postgres:
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _CHANGE_LOCK})
        self._insert_many(connection, changes, rows)

    def get_entity(self, entity_id: str, country: str) -> tuple[bytes, str] | None:
        """The body and data owner of an entity the caller may see, or None."""
        with self.engine.connect() as connection:
            row = connection.execute(_visible_entities(self.postgres, country, "id", ("body", "data_owner")),
                                     {"keys": [entity_id]}).first()
        return (row.body, row.data_owner) if row else None

    def entity_bodies(self, entity_ids: Sequence[str], country: str) -> dict[str, tuple[int, bytes]]:
        """Primary key and body of each of `entity_ids` the caller may see."""
        if not entity_ids:
            return {}
        with self.engine.connect() as connection:
            statement = _visible_entities(self.postgres, country, "id", ("id", "pk", "body"))
            rows = connection.execute(statement, {"keys": list(entity_ids)})
            return {row.id: (row.pk, row.body) for row in rows}

    def delete_entity(self, entity_id: str, country: str) -> tuple[str, int] | None:
        """Delete an entity and every link of it; returns (data owner, number of the
        deleted links the caller could see), or None when the caller cannot see it.
        The caller must be the owner; the server checks that first with `owner_of`."""
        now = _now()
        with self.engine.begin() as connection:
            row = connection.execute(
                sa.select(entities.c.pk, entities.c.data_owner, entities.c.visibility, entities.c.policy_countries,
                          entities.c.body, entities.c.birth_year)
                .where(entities.c.id == entity_id, visible(entities, country))).first()
            if row is None or row.data_owner != country:
                return None
            other = entities.alias("other")
            found = connection.execute(
                sa.select(links.c.pk, links.c.id, links.c.data_owner, links.c.visibility, links.c.policy_countries,
                          visible(links, country).label("link_visible"), visible(other, country).label("end_visible"))
                .join(other, sa.or_(
                    sa.and_(links.c.from_pk == row.pk, other.c.pk == links.c.to_pk),
                    sa.and_(links.c.to_pk == row.pk, other.c.pk == links.c.from_pk))))
            attached = list(found)
            seen = sum(1 for link in attached if link.link_visible and link.end_visible)
            log_rows = [dict(op=ChangeOp.LINK_DELETED, target_id=link.id, target_pk=link.pk, data_owner=link.data_owner,
                             visibility=link.visibility, policy_countries=link.policy_countries, change_time=now)
                        for link in attached]
            if attached:
                connection.execute(links.delete().where(links.c.pk.in_([link.pk for link in attached])))
            hashes = search_key_hashes(entity_pb2.Entity.FromString(row.body))
            if sampled(entity_id):
                counts: Counter[int] = Counter()
                counts.subtract(hashes)
                counts[key_hash(ALL_ENTITIES_KEY)] -= 1
                self._count_keys(connection, counts)
            self._delete_keys(connection, [(h, row.birth_year, row.pk) for h in hashes])
            connection.execute(documents.delete().where(documents.c.entity_pk == row.pk))
            connection.execute(entities.delete().where(entities.c.pk == row.pk))
            log_rows.append(dict(op=ChangeOp.ENTITY_DELETED, target_id=entity_id, target_pk=row.pk,
                                 data_owner=row.data_owner, visibility=row.visibility,
                                 policy_countries=row.policy_countries, change_time=now))
            self._append_changes(connection, log_rows)
        return row.data_owner, seen

    def owner_of(self, entity_id: str, country: str) -> str | None:
        """The data owner of an entity the caller may see."""
        with self.engine.connect() as connection:
            return connection.execute(_visible_entities(self.postgres, country, "id", ("data_owner",)),
                                      {"keys": [entity_id]}).scalar()

    def visible_pks(self, entity_ids: Iterable[str], country: str) -> dict[str, int]:
        """Primary keys of those of `entity_ids` the caller may see."""
        ids = list(set(entity_ids))
        if not ids:
            return {}
        with self.engine.connect() as connection:
            rows = connection.execute(_visible_entities(self.postgres, country, "id", ("id", "pk")), {"keys": ids})
            return {row.id: row.pk for row in rows}

    # --- links ------------------------------------------------------------------

    def upsert_links(self, batch: Sequence[tuple[link_pb2.Link, int, int, int]],
                     country: str) -> tuple[int, int, list[bytes]]:
        """Store links, each with its from and to primary keys and content hash;
        returns (created, updated, stored bodies in request order). An unchanged
        link is counted as updated but not rewritten."""
        now = _now()
        unique = {link.id: (link, from_pk, to_pk, digest) for link, from_pk, to_pk, digest in batch}
        created = updated = 0
        bodies: dict[str, bytes] = {}
        log_rows = []
        with self.engine.begin() as connection:
            existing = {row.id: row for row in connection.execute(
                sa.select(links.c.pk, links.c.id, links.c.content_hash, links.c.create_time, links.c.data_owner,
                          links.c.visibility, links.c.policy_countries, links.c.body)
                .where(links.c.id.in_(list(unique))))}
            for link_id, (link, from_pk, to_pk, digest) in unique.items():
                old = existing.get(link_id)
                if old is not None and old.content_hash == digest:
                    bodies[link_id] = old.body
                    updated += 1
                    continue
                values = dict(from_pk=from_pk, to_pk=to_pk, link_type=link.link_type, data_owner=country,
                              visibility=link.access_policy.visibility,
                              policy_countries=_countries(link.access_policy.countries),
                              source_record_id=link.provenance.source_record_id, content_hash=digest,
                              update_time=now)
                statement: sa.Insert | sa.Update
                if old is None:
                    body = _with_times(link, now, now)
                    statement = links.insert().values(id=link_id, body=body, create_time=now, **values)
                    created += 1
                else:
                    body = _with_times(link, _utc(old.create_time), now)
                    statement = links.update().where(links.c.pk == old.pk).values(body=body, **values)
                    updated += 1
                pk = connection.execute(statement.returning(links.c.pk)).scalar_one()
                bodies[link_id] = body
                log_rows.append(dict(op=ChangeOp.LINK_UPSERTED, target_id=link_id, target_pk=pk,
                                     **self._previous_policy(old, country), change_time=now))
            self._append_changes(connection, log_rows)
        return created, updated, [bodies[link.id] for link, _, _, _ in batch]

    def links_of(self, pks: Sequence[int], country: str, link_types: Sequence[int]) -> list[StoredLink]:
        """Visible links touching any of `pks` whose other end is visible too."""
        if not pks:
            return []
        values = {"pks": list(pks), "link_types": list(link_types)}
        with self.engine.connect() as connection:
            return [StoredLink(r.pk, r.from_pk, r.to_pk, r.body)
                    for r in connection.execute(_links_touching(self.postgres, country, bool(link_types)), values)]

    def bodies_by_pk(self, pks: Sequence[int], country: str) -> dict[int, bytes]:
        if not pks:
            return {}
        with self.engine.connect() as connection:
            statement = _visible_entities(self.postgres, country, "pk", ("pk", "body"))
            rows = connection.execute(statement, {"keys": list(pks)})
            return {row.pk: row.body for row in rows}

    # --- change log ---------------------------------------------------------------

    def changes_after(self, seq: int, country: str | None, limit: int) -> tuple[list[Change], int]:
        """Up to `limit` changes after `seq` that the caller may know of, and the last
        sequence number looked at (hidden changes are skipped in SQL, not sent).
        `country` None is a full follower (services.query.followers): every change,
        each record with the policy it then enforces itself."""

        def allowed(table: sa.FromClause) -> sa.ColumnElement[bool]:
            return sa.true() if country is None else visible(table, country)

        entity, ends_from, ends_to = entities.alias("entity"), entities.alias("ends_from"), entities.alias("ends_to")
        link = links.alias("link")
        before = allowed(changes)  # the policy before the change, or of the deleted record
        entity_now = sa.and_(entity.c.pk.is_not(None), allowed(entity))
        link_now = sa.and_(link.c.pk.is_not(None), allowed(link), allowed(ends_from), allowed(ends_to))
        upserted_entity = changes.c.op == ChangeOp.ENTITY_UPSERTED
        upserted_link = changes.c.op == ChangeOp.LINK_UPSERTED
        shown = sa.or_(
            sa.and_(upserted_entity, entity_now),
            sa.and_(upserted_link, link_now),
            sa.and_(changes.c.visibility.is_not(None), before),  # a deletion, or a record now hidden
        )
        query = (
            sa.select(changes.c.seq, changes.c.op, changes.c.target_id, entity.c.body.label("entity_body"),
                      link.c.body.label("link_body"), entity_now.label("entity_visible"),
                      link_now.label("link_visible"))
            .select_from(changes)
            .outerjoin(entity, sa.and_(upserted_entity, entity.c.pk == changes.c.target_pk))
            .outerjoin(link, sa.and_(upserted_link, link.c.pk == changes.c.target_pk))
            .outerjoin(ends_from, ends_from.c.pk == link.c.from_pk)
            .outerjoin(ends_to, ends_to.c.pk == link.c.to_pk)
            .where(changes.c.seq > seq, shown)
            .order_by(changes.c.seq)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            rows = list(connection.execute(query))
        found = []
        for row in rows:
            op = ChangeOp(row.op)
            if op == ChangeOp.ENTITY_UPSERTED and row.entity_visible:
                found.append(Change(row.seq, op, row.target_id, row.entity_body))
            elif op == ChangeOp.LINK_UPSERTED and row.link_visible:
                found.append(Change(row.seq, op, row.target_id, row.link_body))
            elif op in (ChangeOp.ENTITY_UPSERTED, ChangeOp.ENTITY_DELETED):
                found.append(Change(row.seq, ChangeOp.ENTITY_DELETED, row.target_id, None))
            else:
                found.append(Change(row.seq, ChangeOp.LINK_DELETED, row.target_id, None))
        return found, rows[-1].seq if rows else seq

    def last_seq(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.coalesce(sa.func.max(changes.c.seq), 0))).scalar_one())

    # --- search -----------------------------------------------------------------

    def key_statistics(self, hashes: Sequence[int], typo_hashes: Sequence[int] = ()) -> KeyStatistics:
        """Estimated rows per key (of `hashes` and of the words sharing the typo
        keys `typo_hashes`), those words, and the estimated number of entities (from
        the sample); one statement."""
        everything = key_hash(ALL_ENTITIES_KEY)
        statistics = KeyStatistics({}, 1, {})
        values = {"hashes": [*hashes, everything], "typo_hashes": list(typo_hashes)}
        with self.engine.connect() as connection:
            statement = _key_statistics(self.postgres, bool(typo_hashes))
            for typo, key, sampled_count in connection.execute(statement, values):
                statistics.counts[key] = max(0, sampled_count or 0) * SAMPLE_EVERY
                if typo is not None:
                    statistics.words_by_typo.setdefault(typo, []).append(key)
        statistics.total = max(1, statistics.counts.pop(everything, 0))
        return statistics

    def candidates(self, weights: Sequence[tuple[int, int, int]], kinds: Sequence[int], country: str,
                   limit: int, years: Sequence[int] = (), birth_year: int = -1,
                   year_weight: int = 0) -> list[Candidate]:
        """The visible entities that share the most weight with the query's keys, best
        first, loaded. `weights` holds (key hash, weight, group): within a group (one
        word of the query, or one attribute) only the best key counts, so a word
        matched exactly is not counted again through each of its typo keys, and the
        groups' weights add up.

        One statement: index look-ups per key, the aggregate, and the entity rows of
        the visible ones among twice `limit` best; with `years`, only key rows of
        entities born in one of those years (0: unknown, or not a person) are read,
        which the key index keeps together, and those born in `birth_year` gain
        `year_weight`. Should the caller not see enough of
        those, the statement runs again with each restricted key row checked against
        its entity's policy before ranking (a scalar subquery per row, which the
        planner cannot turn into a hash of every visible entity)."""
        if not weights:
            return []
        if self.postgres:
            params: dict[str, object] = {"hashes": [h for h, _, _ in weights], "weights": [w for _, w, _ in weights],
                                         "groups": [g for _, _, g in weights], "years": list(years)}
        else:
            params = {"weights": json.dumps([list(row) for row in weights]), "years": json.dumps(list(years))}
        params.update(birth_year=birth_year, year_weight=year_weight)
        dialect, kinds_key = self.engine.dialect.name, tuple(sorted(set(kinds)))
        by_year = bool(years)
        with self.engine.connect() as connection:
            rows = list(connection.execute(_candidate_sql(dialect, country, kinds_key, False, by_year),
                                           dict(params, limit=limit, ranked=2 * limit)))
            if len(rows) < limit and (not rows or rows[0].ranked >= 2 * limit):
                rows = list(connection.execute(_candidate_sql(dialect, country, kinds_key, True, by_year),
                                               dict(params, limit=limit, ranked=limit)))
        return [Candidate(row.pk, int(row.weight), row.body, row.kind, row.event_country,
                          _utc(row.event_time) if row.event_time else None) for row in rows]

    def by_document(self, numbers: Sequence[str], kinds: Sequence[int], country: str, limit: int) -> list[int]:
        """Visible entities holding one of the (normalised) document numbers."""
        if not numbers:
            return []
        statement = _holding_documents(self.postgres, country, bool(kinds))
        values = {"numbers": list(numbers), "kinds": list(kinds), "limit": limit}
        with self.engine.connect() as connection:
            return [row.entity_pk for row in connection.execute(statement, values)]

    def events(self, country: str, event_country: str, start: dt.datetime | None, end: dt.datetime | None,
               limit: int) -> list[int]:
        """Visible events in a country and time range, latest first."""
        query = (sa.select(entities.c.pk)
                 .where(entities.c.kind == 3, entities.c.event_time.is_not(None), visible(entities, country))
                 .order_by(entities.c.event_time.desc(), entities.c.pk).limit(limit))
        if event_country:
            query = query.where(entities.c.event_country == event_country)
        if start is not None:
            query = query.where(entities.c.event_time >= start)
        if end is not None:
            query = query.where(entities.c.event_time < end)
        with self.engine.connect() as connection:
            return [row.pk for row in connection.execute(query)]

    def load(self, pks: Sequence[int], country: str) -> list[Candidate]:
        """The visible entities among `pks`."""
        if not pks:
            return []
        columns = ("pk", "body", "kind", "event_country", "event_time")
        with self.engine.connect() as connection:
            rows = connection.execute(_visible_entities(self.postgres, country, "pk", columns), {"keys": list(pks)})
            return [Candidate(row.pk, 0, row.body, row.kind, row.event_country,
                              _utc(row.event_time) if row.event_time else None) for row in rows]


# The read paths' statements, built once per caller country (the access rule
# holds it) with the keys as expanding parameters: building one with
# SQLAlchemy (aliases, the access rule's clauses, its cache key) took longer
# than running it, some 1.6 ms of a Search's linked entities at 1,000 persons.


@lru_cache(maxsize=4096)
def _visible_entities(postgres: bool, country: str, key: str, columns: tuple[str, ...]) -> sa.Select[Any]:
    """`columns` of the entities the caller may see whose `key` column is one of `:keys`."""
    return (sa.select(*(entities.c[c] for c in columns))
            .where(one_of(entities.c[key], "keys", postgres), visible(entities, country)))


@lru_cache(maxsize=1024)
def _holding_documents(postgres: bool, country: str, of_kinds: bool) -> sa.Select[Any]:
    """The visible entities holding one of `:numbers`, of one of `:kinds` when
    `of_kinds`, at most `:limit`."""
    query = (sa.select(documents.c.entity_pk).distinct()
             .join(entities, entities.c.pk == documents.c.entity_pk)
             .where(one_of(documents.c.number, "numbers", postgres), visible(entities, country))
             .limit(sa.bindparam("limit", type_=sa.Integer)))
    return query.where(one_of(entities.c.kind, "kinds", postgres)) if of_kinds else query


@lru_cache(maxsize=1024)
def _links_touching(postgres: bool, country: str, typed: bool) -> sa.Select[Any]:
    """The visible links touching one of `:pks` whose other end is visible too,
    of one of `:link_types` when `typed`."""
    ends_from, ends_to = entities.alias("ends_from"), entities.alias("ends_to")
    query = (sa.select(links.c.pk, links.c.from_pk, links.c.to_pk, links.c.body)
             .join(ends_from, ends_from.c.pk == links.c.from_pk)
             .join(ends_to, ends_to.c.pk == links.c.to_pk)
             .where(sa.or_(one_of(links.c.from_pk, "pks", postgres), one_of(links.c.to_pk, "pks", postgres)),
                    visible(links, country), visible(ends_from, country), visible(ends_to, country))
             .order_by(links.c.pk))
    return query.where(one_of(links.c.link_type, "link_types", postgres)) if typed else query


@lru_cache(maxsize=4)
def _key_statistics(postgres: bool, with_typos: bool) -> sa.Select[Any] | sa.CompoundSelect:
    """The sampled counts of `:hashes`, and with typos the words sharing each of
    `:typo_hashes` with their counts."""
    counted = sa.select(sa.null().label("typo_hash"), key_counts.c.key_hash, key_counts.c.sampled_count) \
        .where(one_of(key_counts.c.key_hash, "hashes", postgres))
    if not with_typos:
        return counted
    words = sa.select(typo_words.c.typo_hash, typo_words.c.word_hash, key_counts.c.sampled_count) \
        .outerjoin(key_counts, key_counts.c.key_hash == typo_words.c.word_hash) \
        .where(one_of(typo_words.c.typo_hash, "typo_hashes", postgres))
    return sa.union_all(counted, words)


_COUNTRY = re.compile(r"^[A-Z]{3}$")
_CANDIDATE_SQL = """
WITH q AS ({weights}),
w AS ({keys}),
matched AS ({matched}),
best AS (
    SELECT entity_pk, grp, MAX(weight) AS weight,
           MAX(CASE WHEN birth_year = :birth_year THEN :year_weight ELSE 0 END) AS same_year
    FROM matched
    GROUP BY entity_pk, grp),
ranked AS (
    SELECT entity_pk, SUM(weight) + MAX(same_year) AS weight FROM best
    GROUP BY entity_pk ORDER BY SUM(weight) + MAX(same_year) DESC, entity_pk LIMIT :ranked)
SELECT e.pk, r.weight, e.body, e.kind, e.event_country, e.event_time, (SELECT count(*) FROM ranked) AS ranked
FROM ranked r JOIN query_entities e ON e.pk = r.entity_pk
WHERE {entity_visible}
ORDER BY r.weight DESC, e.pk
LIMIT :limit
"""
#: The key rows of the query's keys in one key table (SQLite reads two: the key
#: index and the fresh keys).
_KEY_ROWS_SQL = """
    SELECT sk.entity_pk, w.grp, w.weight, sk.birth_year
    FROM w {join} {table} sk ON sk.key_hash = w.key_hash{year_join}
    {where}"""
#: The restricted key rows checked one by one, before ranking: the fallback when
#: the caller may not see many of the best candidates.
_RESTRICTED_ROW_CHECK = """CASE WHEN sk.restricted
        THEN COALESCE((SELECT {policy_visible} FROM query_entities p WHERE p.pk = sk.entity_pk), {false})
        ELSE {true} END"""
#: The query's keys, alone or paired with each year of birth to read.
_KEYS_SQL = "SELECT key_hash, weight, grp FROM q"
_KEYS_BY_YEAR_SQL = {
    "postgresql": "SELECT q.key_hash, q.weight, q.grp, y.year FROM q CROSS JOIN "
                  "unnest(CAST(:years AS smallint[])) AS y(year)",
    "sqlite": "SELECT q.key_hash, q.weight, q.grp, CAST(y.value AS INTEGER) AS year "
              "FROM q CROSS JOIN json_each(:years) y",
}
_WEIGHTS_SQL = {
    "postgresql": "SELECT * FROM unnest(CAST(:hashes AS bigint[]), CAST(:weights AS integer[]), "
                  "CAST(:groups AS integer[])) AS u(key_hash, weight, grp)",
    "sqlite": "SELECT CAST(json_extract(value, '$[0]') AS INTEGER) AS key_hash, json_extract(value, '$[1]') AS weight, "
              "json_extract(value, '$[2]') AS grp FROM json_each(:weights)",
}


@lru_cache(maxsize=1024)
def _candidate_sql(dialect_name: str, country: str, kinds: tuple[int, ...], check_rows: bool,
                   by_year: bool) -> sa.TextualSelect:
    """The candidate statement for one dialect, caller, kind filter and access mode;
    the access rule is the shared one (services.uim.access), rendered with the
    country inline (an ISO code, checked here) so that the statement text is reused."""
    if not _COUNTRY.match(country):
        raise ValueError(f"not a country code: {country!r}")
    dialect = postgresql.dialect() if dialect_name == "postgresql" else sqlite.dialect()

    def rule(alias: str) -> str:
        column = sa.literal_column
        clause = visible_clause(column(f"{alias}.visibility"), column(f"{alias}.policy_countries"),
                                column(f"{alias}.data_owner"), country)
        return str(clause.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))

    sqlite_dialect = dialect_name == "sqlite"
    conditions = [f"sk.kind IN ({', '.join(str(int(k)) for k in kinds)})"] if kinds else []
    if check_rows:
        conditions.append(_RESTRICTED_ROW_CHECK.format(
            policy_visible=rule("p"), false="0" if sqlite_dialect else "false", true="1" if sqlite_dialect else "true"))
    tables = (search_keys, fresh_keys) if sqlite_dialect else (search_keys,)
    matched = " UNION ALL".join(_KEY_ROWS_SQL.format(
        table=table.name,
        year_join=" AND sk.birth_year = w.year" if by_year else "",
        join="CROSS JOIN" if sqlite_dialect else "JOIN",  # SQLite: the few query keys drive the loop
        where=f"WHERE {' AND '.join(conditions)}" if conditions else "") for table in tables)
    text = _CANDIDATE_SQL.format(
        weights=_WEIGHTS_SQL[dialect_name],
        keys=_KEYS_BY_YEAR_SQL[dialect_name] if by_year else _KEYS_SQL,
        matched=matched,
        entity_visible=rule("e"))
    return sa.text(text).columns(pk=sa.BigInteger, weight=sa.BigInteger, body=sa.LargeBinary, kind=sa.SmallInteger,
                                 event_country=sa.String, event_time=sa.DateTime(timezone=True), ranked=sa.BigInteger)


def _countries(countries: Iterable[str]) -> str:
    ordered = sorted(set(countries))
    return "," + ",".join(ordered) + "," if ordered else ""
