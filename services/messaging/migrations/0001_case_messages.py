"""Case messages: messages, recipients (progress and inbox positions), cross-checks
and the search terms of the text filter.

Revision ID: messaging_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "messaging_0001"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("id", _ID, nullable=False, unique=True),
        # PostgreSQL: id of the storing transaction, for inbox order; SQLite: 0.
        sa.Column("tx_id", sa.BigInteger, nullable=False),
        sa.Column("sender_country", sa.String(3), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("message_type", sa.SmallInteger, nullable=False),
        sa.Column("priority", sa.SmallInteger, nullable=False),
        sa.Column("case_reference", sa.String(100), nullable=False),
        sa.Column("thread_root_id", _ID, nullable=False),
        sa.Column("depth", sa.Integer, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_due_time", sa.DateTime(timezone=True)),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("sender_country", "idempotency_key", name="uq_messages_sender_key"),
    )
    op.create_index("ix_messages_outbox", "messages", ["sender_country", "create_time", "seq"])
    op.create_index("ix_messages_case", "messages", ["case_reference", "create_time", "seq"])
    op.create_table(
        "recipients",
        sa.Column("message_id", _ID, sa.ForeignKey("messages.id"), primary_key=True),
        sa.Column("country", sa.String(3), primary_key=True),
        sa.Column("tx_id", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_due_time", sa.DateTime(timezone=True)),
        sa.Column("state", sa.SmallInteger, nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reply_message_id", _ID),
        sa.Column("reply_time", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_recipients_inbox_order", "recipients", ["country", "tx_id", "seq"])
    op.create_index("ix_recipients_inbox_time", "recipients", ["country", "create_time"])
    op.create_table(
        "cross_checks",
        sa.Column("message_id", _ID, sa.ForeignKey("messages.id"), primary_key=True),
        sa.Column("state", sa.SmallInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_time", sa.DateTime(timezone=True)),
        sa.Column("update_time", sa.DateTime(timezone=True)),
        sa.Column("hits", sa.Text, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
    )
    op.create_index("ix_cross_checks_due", "cross_checks", ["state", "next_attempt_time"])
    op.create_table(
        "message_terms",
        sa.Column("term", sa.String(64), primary_key=True),
        sa.Column("message_id", _ID, sa.ForeignKey("messages.id"), primary_key=True),
    )
    op.create_index("ix_message_terms_message", "message_terms", ["message_id"])


def downgrade() -> None:
    op.drop_table("message_terms")
    op.drop_table("cross_checks")
    op.drop_table("recipients")
    op.drop_table("messages")
