"""The inbox listing in its own order: a country's received messages by
(create_time, seq), newest first, read from the index and stopped at the page,
instead of every stored message checked for a recipient row and sorted (17 ms
at 15,000 messages, growing with the store).

Revision ID: messaging_0002
Revises: messaging_0001
Create Date: 2026-12-07
"""

from alembic import op

revision = "messaging_0002"
down_revision = "messaging_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_recipients_inbox_time", "recipients")
    op.create_index("ix_recipients_inbox_listing", "recipients", ["country", "create_time", "seq"])


def downgrade() -> None:
    op.drop_index("ix_recipients_inbox_listing", "recipients")
    op.create_index("ix_recipients_inbox_time", "recipients", ["country", "create_time"])
