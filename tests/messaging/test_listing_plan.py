"""A mailbox listing reads its page from an index and stops there: a country's
inbox and outbox are found without reading every stored message, whatever
the number of messages (checked in SQLite's query plans, which do not change
with the data)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.dialects import sqlite

from icore.messaging.v1 import messaging_service_pb2 as service_pb
from services.bootstrap.database import create_engine, migrate
from services.messaging.storage import _listing_statement, _ListShape


def _plan(tmp_path: Path, shape: _ListShape) -> list[str]:
    engine = create_engine(f"sqlite:///{tmp_path / 'messaging.sqlite'}")
    migrate(engine, "messaging")
    compiled = _listing_statement(shape).compile(dialect=sqlite.dialect())
    values = {"reader": "FRA", "now": "2030-01-01 00:00:00.000000", "limit": 51, "terms": "t:rossi"}
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        sql = str(compiled).replace("(__[POSTCOMPILE_terms])", "(?)")
        arguments = [values.get(name, 0) for name in compiled.positiontup or ()]
        plan = [row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", arguments)]
    engine.dispose()
    return plan


@pytest.mark.parametrize("mailbox", [service_pb.MAILBOX_INBOX, service_pb.MAILBOX_OUTBOX, service_pb.MAILBOX_ALL])
@pytest.mark.parametrize("overdue_only", [False, True])
@pytest.mark.parametrize("before", [False, True])
def test_a_mailbox_page_is_read_in_index_order(tmp_path: Path, mailbox: int, overdue_only: bool,
                                               before: bool) -> None:
    shape = _ListShape(mailbox, overdue_only, False, False, False, False, False, False, before, False)
    plan = _plan(tmp_path, shape)
    assert not [step for step in plan if step.startswith(("SCAN messages", "SCAN recipients"))], plan
    if mailbox == service_pb.MAILBOX_INBOX:
        assert any("ix_recipients_inbox_listing" in step for step in plan), plan
    if mailbox != service_pb.MAILBOX_ALL:  # a merged page sorts at most two pages
        assert not [step for step in plan if "TEMP B-TREE" in step], plan


def test_a_text_filter_starts_from_its_terms(tmp_path: Path) -> None:
    shape = _ListShape(service_pb.MAILBOX_ALL, False, False, False, False, False, False, True, False, False)
    plan = _plan(tmp_path, shape)
    assert any("message_terms" in step and "INDEX" in step for step in plan), plan
    assert not [step for step in plan if step.startswith("SCAN messages")], plan
