"""Event indexes over events only: persons, organizations and places have no event
time, and every one of them cost two index entries on insert for nothing.

Revision ID: query_0003
Revises: query_0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "query_0003"
down_revision = "query_0002"
branch_labels = None
depends_on = None

_EVENTS_ONLY = sa.text("event_time IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_query_entities_event", "query_entities")
    op.drop_index("ix_query_entities_event_time", "query_entities")
    op.create_index("ix_query_entities_event", "query_entities", ["event_country", "event_time"],
                    postgresql_where=_EVENTS_ONLY, sqlite_where=_EVENTS_ONLY)
    op.create_index("ix_query_entities_event_time", "query_entities", ["event_time"],
                    postgresql_where=_EVENTS_ONLY, sqlite_where=_EVENTS_ONLY)


def downgrade() -> None:
    op.drop_index("ix_query_entities_event", "query_entities")
    op.drop_index("ix_query_entities_event_time", "query_entities")
    op.create_index("ix_query_entities_event", "query_entities", ["event_country", "event_time"])
    op.create_index("ix_query_entities_event_time", "query_entities", ["event_time"])
