"""The audit log: events and the records each touched, append-only.

Revision ID: audit_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "audit_0001"
down_revision = None
branch_labels = None
depends_on = None

_APPEND_ONLY_SQLITE = """
CREATE TRIGGER {table}_append_only_{verb} BEFORE {verb} ON {table}
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
"""
_APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION icore_audit_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("event_id", sa.String(40), primary_key=True),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("relaying_service", sa.String(40), nullable=False, server_default=""),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("method", sa.String(200), nullable=False),
        sa.Column("action", sa.SmallInteger, nullable=False),
        sa.Column("trace_id", sa.String(32), nullable=False, server_default=""),
    )
    op.create_table(
        "audit_event_records",
        sa.Column("event_id", sa.String(40), sa.ForeignKey("audit_events.event_id"), primary_key=True),
        sa.Column("record_id", sa.String(160), primary_key=True),
        sa.Column("data_owner", sa.String(3), nullable=False),
    )
    op.create_index("ix_audit_event_records_owner", "audit_event_records", ["data_owner", "record_id"])
    bind = op.get_bind()
    for table in ("audit_events", "audit_event_records"):
        for verb in ("UPDATE", "DELETE"):
            if bind.dialect.name == "sqlite":
                op.execute(_APPEND_ONLY_SQLITE.format(table=table, verb=verb))
    if bind.dialect.name == "postgresql":
        op.execute(_APPEND_ONLY_FUNCTION)
        for table in ("audit_events", "audit_event_records"):
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION icore_audit_append_only()")


def downgrade() -> None:
    op.drop_table("audit_event_records")
    op.drop_table("audit_events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS icore_audit_append_only()")
