"""The analytics mirror of the repository: entities, links, resolved identities and
the follower's cursor.

Revision ID: analytics_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "analytics_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_state",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "analytics_entities",
        sa.Column("entity_id", sa.String(64), primary_key=True),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "analytics_links",
        sa.Column("link_id", sa.String(64), primary_key=True),
        sa.Column("from_entity_id", sa.String(64), nullable=False, index=True),
        sa.Column("to_entity_id", sa.String(64), nullable=False, index=True),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "analytics_identity_pairs",
        sa.Column("entity_id_a", sa.String(64), primary_key=True),
        sa.Column("entity_id_b", sa.String(64), primary_key=True),
        sa.Column("probability", sa.Float, nullable=False),
    )
    op.create_index("ix_analytics_identity_pairs_b", "analytics_identity_pairs", ["entity_id_b"])
    op.create_table(
        "analytics_identity_members",
        sa.Column("entity_id", sa.String(64), primary_key=True),
        sa.Column("cluster_key", sa.String(64), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("analytics_identity_members")
    op.drop_index("ix_analytics_identity_pairs_b", table_name="analytics_identity_pairs")
    op.drop_table("analytics_identity_pairs")
    op.drop_table("analytics_links")
    op.drop_table("analytics_entities")
    op.drop_table("analytics_state")
