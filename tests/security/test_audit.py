"""The audit log: append-only, and a data owner reads back what touched its records."""

from __future__ import annotations

import time
import uuid

import pytest
import sqlalchemy as sa

from icore.audit.v1 import audit_service_pb2 as pb
from services.bootstrap.audit import AuditLog
from services.bootstrap.database import create_engine
from services.bootstrap.identity import Caller, reset_caller, set_caller


def _as(caller: Caller, method: str, audit: AuditLog, action: int, records: list[tuple[str, str]]) -> None:
    token = set_caller(caller, method)
    try:
        audit.record(action, records)
    finally:
        reset_caller(token)


def test_owner_reads_back_who_touched_its_records(database_url: str) -> None:
    engine = create_engine(database_url)
    audit = AuditLog(engine, "query")
    _as(Caller("DEU"), "/icore.query.v1.QueryService/Search", audit, pb.AUDIT_ACTION_MATCH,
        [("ent_fra_1", "FRA"), ("ent_ita_1", "ITA")])
    _as(Caller("ESP", "gateway"), "/icore.query.v1.QueryService/GetEntity", audit, pb.AUDIT_ACTION_READ,
        [("ent_fra_2", "FRA")])
    _as(Caller("POL"), "/icore.query.v1.QueryService/GetEntity", audit, pb.AUDIT_ACTION_READ, [("ent_ita_1", "ITA")])
    audit.record(pb.AUDIT_ACTION_READ, [("ent_fra_3", "FRA")])  # outside any RPC: nobody to audit
    audit.flush()

    events = audit.list_events("FRA", "", None, None, None, 10)
    assert [(e.country, e.relaying_service, e.action) for e in events] == [
        ("ESP", "gateway", pb.AUDIT_ACTION_READ), ("DEU", "", pb.AUDIT_ACTION_MATCH)]
    assert list(events[1].record_ids) == ["ent_fra_1"], "another owner's record id leaked"
    assert events[1].method == "/icore.query.v1.QueryService/Search"
    only = audit.list_events("FRA", "ent_fra_2", None, None, None, 10)
    assert [e.country for e in only] == ["ESP"]
    page = audit.list_events("FRA", "", None, None, (events[0].event_time.ToDatetime(), events[0].event_id), 10)
    assert [e.event_id for e in page] == [events[1].event_id]
    engine.dispose()


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET country = 'XXX'", "DELETE FROM audit_events",
                                       "DELETE FROM audit_event_records"])
def test_audit_log_is_append_only(database_url: str, statement: str) -> None:
    engine = create_engine(database_url)
    audit = AuditLog(engine, "query")
    _as(Caller("DEU"), "/m", audit, pb.AUDIT_ACTION_READ, [("r", "FRA")])
    audit.flush()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with engine.begin() as connection:
            connection.execute(sa.text(statement))
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM audit_events")).scalar() == 1
    engine.dispose()


def test_event_ids_follow_the_order_of_events(database_url: str) -> None:
    """Time-ordered ids (UUIDv7): each new event goes at the end of the key index."""
    engine = create_engine(database_url)
    audit = AuditLog(engine, "query")
    for n in range(3):
        _as(Caller("DEU"), "/m", audit, pb.AUDIT_ACTION_READ, [(f"r{n}", "FRA")])
        time.sleep(0.002)
    audit.flush()
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT event_id, event_time FROM audit_events")).all()
    by_time = [r.event_id for r in sorted(rows, key=lambda r: r.event_time)]
    assert by_time == sorted(by_time) and len(set(by_time)) == 3
    assert {uuid.UUID(event_id).version for event_id in by_time} == {7}
    engine.dispose()
