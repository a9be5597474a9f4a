"""Search keys are written to a small table of fresh keys first, and moved into
the key index in key order once it has grown (Repository.merge_fresh_keys).

Written straight into an index larger than the page cache, every batch of a
bulk load touched pages all over it, and each commit wrote those pages out
again: at a million persons about 240 µs of every person's 330 µs of SQLite
work. The fresh keys' index stays small, and a merge writes each page of the
large one once for millions of key rows. Searches read both tables.

Revision ID: query_0005
Revises: query_0004
Create Date: 2026-12-07
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "query_0005"
down_revision = "query_0004"
branch_labels = None
depends_on = None

_TABLE = "query_fresh_keys"
_KEY = ["key_hash", "birth_year", "entity_pk"]


def upgrade() -> None:
    columns: list[sa.Column[Any]] = [
        sa.Column("key_hash", sa.BigInteger, nullable=False),
        sa.Column("birth_year", sa.SmallInteger, nullable=False),
        sa.Column("entity_pk", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.SmallInteger, nullable=False),
        sa.Column("restricted", sa.Boolean, nullable=False),
    ]
    if op.get_bind().dialect.name == "sqlite":
        op.create_table(_TABLE, *columns, sa.PrimaryKeyConstraint(*_KEY), sqlite_with_rowid=False)
        return
    op.create_table(_TABLE, *columns)
    op.create_index("ux_query_fresh_keys", _TABLE, _KEY, unique=True, postgresql_include=["kind", "restricted"])


def downgrade() -> None:
    columns = ", ".join([*_KEY, "kind", "restricted"])
    op.execute(f"INSERT INTO query_search_keys ({columns}) SELECT {columns} FROM {_TABLE}")
    op.drop_table(_TABLE)
