"""The unified repository: entities, their search keys and identity documents,
links, sampled key statistics and the change log that followers read.

Revision ID: query_0001
Revises:
Create Date: 2026-11-25
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "query_0001"
down_revision = None
branch_labels = None
depends_on = None

_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _policy_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("data_owner", sa.String(3), nullable=False),
        sa.Column("visibility", sa.SmallInteger, nullable=False),
        sa.Column("policy_countries", sa.Text, nullable=False, server_default=""),
    ]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "query_entities",
        sa.Column("pk", _PK, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(30), nullable=False, unique=True),
        sa.Column("kind", sa.SmallInteger, nullable=False),
        *_policy_columns(),
        sa.Column("source_system", sa.String(100), nullable=False, server_default=""),
        sa.Column("source_record_id", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.BigInteger, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_country", sa.String(3), nullable=True),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_query_entities_event", "query_entities", ["event_country", "event_time"])
    op.create_index("ix_query_entities_event_time", "query_entities", ["event_time"])

    key_columns: list[sa.Column[Any]] = [
        sa.Column("key_hash", sa.BigInteger, nullable=False),
        sa.Column("entity_pk", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.SmallInteger, nullable=False),
        sa.Column("restricted", sa.Boolean, nullable=False),
    ]
    if sqlite:
        # Clustered on the key: a look-up reads one contiguous range.
        op.create_table("query_search_keys", *key_columns, sa.PrimaryKeyConstraint("key_hash", "entity_pk"),
                        sqlite_with_rowid=False)
    else:
        # A covering index, so candidate generation is an index-only scan.
        op.create_table("query_search_keys", *key_columns)
        op.create_index("ux_query_search_keys", "query_search_keys", ["key_hash", "entity_pk"], unique=True,
                        postgresql_include=["kind", "restricted"])
    op.create_index("ix_query_search_keys_entity", "query_search_keys", ["entity_pk"])

    op.create_table(
        "query_key_counts",
        sa.Column("key_hash", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("sampled_count", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "query_documents",
        sa.Column("number", sa.String(60), nullable=False),
        sa.Column("entity_pk", sa.BigInteger, nullable=False),
        sa.Column("document_type", sa.String(40), nullable=False, server_default=""),
        sa.Column("issuing_country", sa.String(3), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("number", "entity_pk"),
    )
    op.create_index("ix_query_documents_entity", "query_documents", ["entity_pk"])

    op.create_table(
        "query_links",
        sa.Column("pk", _PK, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(30), nullable=False, unique=True),
        sa.Column("from_pk", sa.BigInteger, sa.ForeignKey("query_entities.pk"), nullable=False),
        sa.Column("to_pk", sa.BigInteger, sa.ForeignKey("query_entities.pk"), nullable=False),
        sa.Column("link_type", sa.SmallInteger, nullable=False),
        *_policy_columns(),
        sa.Column("source_record_id", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.BigInteger, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_query_links_from", "query_links", ["from_pk"])
    op.create_index("ix_query_links_to", "query_links", ["to_pk"])

    op.create_table(
        "query_changes",
        sa.Column("seq", _PK, primary_key=True, autoincrement=True),
        sa.Column("op", sa.SmallInteger, nullable=False),
        sa.Column("target_id", sa.String(30), nullable=False),
        sa.Column("target_pk", sa.BigInteger, nullable=False),
        # The policy before the change (upserts; NULL on creation) or of the deleted record.
        sa.Column("data_owner", sa.String(3), nullable=False),
        sa.Column("visibility", sa.SmallInteger, nullable=True),
        sa.Column("policy_countries", sa.Text, nullable=False, server_default=""),
        sa.Column("change_time", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    for table in ("query_changes", "query_links", "query_documents", "query_key_counts", "query_search_keys",
                  "query_entities"):
        op.drop_table(table)
