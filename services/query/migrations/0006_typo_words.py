"""Typo keys once per word, not once per record: the word list
query_typo_words (typo key hash, word hash) replaces the `d:` rows of the key
index, which were more than half of every record's key rows (14.9 of 26.4 per
demo person). A search turns its typo keys into the stored words sharing one and
looks those up as plain keys (services.query.indexing).

The upgrade derives the words of every stored record from its body, writes
them to the word list and deletes the record's typo key rows (and the typo keys'
statistics); the downgrade writes those rows back.

Revision ID: query_0006
Revises: query_0005
Create Date: 2026-12-07
"""

from collections import Counter
from collections.abc import Iterator
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

from icore.uim.v1 import access_pb2, entity_pb2
from services.query.indexing import key_hash, sampled, search_key_hashes, typo_rows
from services.uim.names.keys import typo_keys

revision = "query_0006"
down_revision = "query_0005"
branch_labels = None
depends_on = None

_BATCH = 5000
_TABLE = "query_typo_words"


class _Record(NamedTuple):
    pk: int
    id: str
    birth_year: int
    kind: int
    restricted: bool
    words: set[str]


def _records() -> Iterator[list[_Record]]:
    """Batches of stored records, each with the words of its names that have typo keys."""
    bind = op.get_bind()
    after = 0
    while True:
        rows = bind.execute(sa.text(
            "SELECT pk, id, birth_year, kind, visibility, body FROM query_entities WHERE pk > :after "
            "ORDER BY pk LIMIT :batch"), {"after": after, "batch": _BATCH}).all()
        if not rows:
            return
        batch = []
        for row in rows:
            words: set[str] = set()
            search_key_hashes(entity_pb2.Entity.FromString(row.body), words)
            batch.append(_Record(row.pk, row.id, row.birth_year, row.kind,
                                 row.visibility != access_pb2.VISIBILITY_ALL_MEMBERS, words))
        yield batch
        after = rows[-1].pk


def _typo_hashes(record: _Record) -> list[int]:
    return sorted({key_hash(key) for word in record.words for key in typo_keys(word)})


def _insert(table: str, columns: str, rows: list[dict[str, object]]) -> None:
    """Insert rows, skipping those already there."""
    if not rows:
        return
    sqlite = op.get_bind().dialect.name == "sqlite"
    values = ", ".join(f":{name.strip()}" for name in columns.split(","))
    op.get_bind().execute(sa.text(f"{'INSERT OR IGNORE' if sqlite else 'INSERT'} INTO {table} ({columns}) "
                                  f"VALUES ({values}){'' if sqlite else ' ON CONFLICT DO NOTHING'}"), rows)


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        _TABLE,
        sa.Column("typo_hash", sa.BigInteger, nullable=False),
        sa.Column("word_hash", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("typo_hash", "word_hash"),
        sqlite_with_rowid=False,
    )
    key_tables = ["query_search_keys"] + (["query_fresh_keys"] if bind.dialect.name == "sqlite" else [])
    counted_typos: set[int] = set()
    for batch in _records():
        stale = [{"h": h, "y": record.birth_year, "p": record.pk} for record in batch for h in _typo_hashes(record)]
        for table in key_tables:
            if stale:
                bind.execute(sa.text(f"DELETE FROM {table} WHERE key_hash = :h AND birth_year = :y "
                                     "AND entity_pk = :p"), stale)
        rows = typo_rows(set().union(*(record.words for record in batch)))
        counted_typos.update(typo for typo, _ in rows)
        _insert(_TABLE, "typo_hash, word_hash", [{"typo_hash": t, "word_hash": w} for t, w in rows])
    hashes = sorted(counted_typos)
    for start in range(0, len(hashes), _BATCH):
        bind.execute(sa.text("DELETE FROM query_key_counts WHERE key_hash IN :hashes")
                     .bindparams(sa.bindparam("hashes", expanding=True)), {"hashes": hashes[start:start + _BATCH]})


def downgrade() -> None:
    bind = op.get_bind()
    for batch in _records():
        typo_hashes = [(record, _typo_hashes(record)) for record in batch]
        _insert("query_search_keys", "key_hash, birth_year, entity_pk, kind, restricted", [
            {"key_hash": h, "birth_year": record.birth_year, "entity_pk": record.pk, "kind": record.kind,
             "restricted": record.restricted} for record, hashes in typo_hashes for h in hashes])
        counts = Counter(h for record, hashes in typo_hashes if sampled(record.id) for h in hashes)
        if counts:
            bind.execute(sa.text(
                "INSERT INTO query_key_counts (key_hash, sampled_count) VALUES (:h, :n) ON CONFLICT (key_hash) "
                "DO UPDATE SET sampled_count = query_key_counts.sampled_count + excluded.sampled_count"),
                [{"h": h, "n": n} for h, n in sorted(counts.items())])
    op.drop_table(_TABLE)
