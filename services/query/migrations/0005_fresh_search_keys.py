"""SQLite: search keys are written to a small table of fresh keys first, and
moved into the key index in key order once it has grown
(Repository.merge_fresh_keys).

Written straight into an index larger than the page cache, every batch of a
bulk load touched pages all over it, and each commit wrote those pages out
again: at a million persons the server spent 331 µs a person, and a model of
the key writes alone (sqlite3, 26M rows) 243 µs of them. The fresh keys'
index stays small, and a merge writes each page of the large one once for
millions of key rows. Searches read both tables.

PostgreSQL keeps writing keys straight into the key index: moving them later
cost it more than it saved (1M persons: 3,053 instead of 3,900 persons/s).

Revision ID: query_0005
Revises: query_0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "query_0005"
down_revision = "query_0004"
branch_labels = None
depends_on = None

_TABLE = "query_fresh_keys"
_COLUMNS = "key_hash, birth_year, entity_pk, kind, restricted"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.create_table(
        _TABLE,
        sa.Column("key_hash", sa.BigInteger, nullable=False),
        sa.Column("birth_year", sa.SmallInteger, nullable=False),
        sa.Column("entity_pk", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.SmallInteger, nullable=False),
        sa.Column("restricted", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("key_hash", "birth_year", "entity_pk"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"INSERT OR IGNORE INTO query_search_keys ({_COLUMNS}) SELECT {_COLUMNS} FROM {_TABLE}")
    op.drop_table(_TABLE)
