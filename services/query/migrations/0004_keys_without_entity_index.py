"""No index of search keys by entity: every key row cost two index entries on
insert, one of them only to find an entity's keys again when it is replaced or
deleted. Those keys are recomputed from the stored record instead, as the sampled
key statistics already are (services.query.storage), and deleted through the key
index itself.

Revision ID: query_0004
Revises: query_0003
Create Date: 2026-11-26
"""

from alembic import op

revision = "query_0004"
down_revision = "query_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_query_search_keys_entity", "query_search_keys")


def downgrade() -> None:
    op.create_index("ix_query_search_keys_entity", "query_search_keys", ["entity_pk"])
