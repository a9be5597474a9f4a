"""Search keys ordered by year of birth under each key, so that a search with a date
of birth reads only the rows of the years it can match (and of records with no
date), not every holder of a common name.

Revision ID: query_0002
Revises: query_0001
Create Date: 2026-11-25
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from icore.uim.v1 import entity_pb2

revision = "query_0002"
down_revision = "query_0001"
branch_labels = None
depends_on = None

_BATCH = 5000


def _key_table(name: str, with_year: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    columns: list[sa.Column[Any]] = [
        sa.Column("key_hash", sa.BigInteger, nullable=False),
        *([sa.Column("birth_year", sa.SmallInteger, nullable=False, server_default="0")] if with_year else []),
        sa.Column("entity_pk", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.SmallInteger, nullable=False),
        sa.Column("restricted", sa.Boolean, nullable=False),
    ]
    key = ["key_hash", "birth_year", "entity_pk"] if with_year else ["key_hash", "entity_pk"]
    if sqlite:
        op.create_table(name, *columns, sa.PrimaryKeyConstraint(*key), sqlite_with_rowid=False)
    else:
        op.create_table(name, *columns)


def _key_indexes(with_year: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        key = ["key_hash", "birth_year", "entity_pk"] if with_year else ["key_hash", "entity_pk"]
        op.create_index("ux_query_search_keys", "query_search_keys", key, unique=True,
                        postgresql_include=["kind", "restricted"])
    op.create_index("ix_query_search_keys_entity", "query_search_keys", ["entity_pk"])


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("query_entities", sa.Column("birth_year", sa.SmallInteger, nullable=False, server_default="0"))
    years = []
    for pk, body in bind.execute(sa.text("SELECT pk, body FROM query_entities WHERE kind = 1")):
        year = entity_pb2.Entity.FromString(body).person.date_of_birth.year
        if year:
            years.append({"pk": pk, "year": year})
    for start in range(0, len(years), _BATCH):
        bind.execute(sa.text("UPDATE query_entities SET birth_year = :year WHERE pk = :pk"),
                     years[start:start + _BATCH])
    _key_table("query_search_keys_by_year", with_year=True)
    bind.execute(sa.text(
        "INSERT INTO query_search_keys_by_year (key_hash, birth_year, entity_pk, kind, restricted) "
        "SELECT k.key_hash, e.birth_year, k.entity_pk, k.kind, k.restricted "
        "FROM query_search_keys k JOIN query_entities e ON e.pk = k.entity_pk"))
    op.drop_table("query_search_keys")
    op.rename_table("query_search_keys_by_year", "query_search_keys")
    _key_indexes(with_year=True)


def downgrade() -> None:
    bind = op.get_bind()
    _key_table("query_search_keys_any_year", with_year=False)
    bind.execute(sa.text(
        "INSERT INTO query_search_keys_any_year (key_hash, entity_pk, kind, restricted) "
        "SELECT key_hash, entity_pk, kind, restricted FROM query_search_keys"))
    op.drop_table("query_search_keys")
    op.rename_table("query_search_keys_any_year", "query_search_keys")
    _key_indexes(with_year=False)
    with op.batch_alter_table("query_entities") as batch:
        batch.drop_column("birth_year")
