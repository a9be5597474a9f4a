"""`icore load`: JSON lines and CSV into the real service; bad lines are reported
with their numbers and the load goes on."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from google.protobuf import json_format

from services.query.client import QueryClient
from services.query.loading import load_file
from services.query.records_file import read_records
from tests.query.records import person, search
from tests.support import RunningServer


def _jsonl(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def test_jsonl_load_reports_bad_lines_by_number_and_stores_the_rest(
        start_service: Callable[..., RunningServer], tmp_path: Path) -> None:
    server = start_service("query")
    good = [json_format.MessageToJson(person(f"J-{i}", name, (1970 + i, 1, 1)), indent=None)
            for i, name in enumerate(["Ana Lima", "Rui Costa", "Eva Sousa"])]
    bad_country = json_format.MessageToJson(person("J-9", "Tiago Silva", nationalities=["XXX"]), indent=None)
    path = tmp_path / "records.jsonl"
    path.write_text(_jsonl(good[0], "{not json", "", good[1], bad_country, '{"person": {"sex": 9999}}', good[2]))
    report = load_file(path, QueryClient(server.channel, "PRT"))
    assert (report.created, report.rejected) == (3, 3)
    assert [(e.line, e.field) for e in report.errors] == [
        (2, ""), (5, "person.nationalities[0]"), (6, "person.names")]
    assert search(server.channel, name="Eva Sousa")[0].entity.provenance.data_owner == "PRT"
    again = load_file(path, QueryClient(server.channel, "PRT"))
    assert (again.created, again.updated) == (0, 3)  # a reload updates, it does not duplicate


CSV = """source_record_id,kind,full_name,date_of_birth,nationalities,document_number,visibility,iccs_code,start_time,\
locality,country,name,colour
C-1,person,Jan Kowalski,1980-05-12,POL,AB 123456,ALL_MEMBERS,,,,,,blue
C-2,person,Anna Nowak,19x0,POL,,ALL_MEMBERS,,,,,,
C-3,person,Piotr Zielinski,1975,XXX,,ALL_MEMBERS,,,,,,
C-4,event,,,,,ALL_MEMBERS,0501,2024-03-04T10:00:00Z,Krakow,POL,,
C-5,organization,,,,,ONLY_LISTED,,,,,Wisla Trading Sp. z o.o.,
C-6,spaceship,,,,,ALL_MEMBERS,,,,,,
"""


def test_csv_rows_become_entities_and_bad_rows_are_reported_with_their_lines() -> None:
    items = list(read_records(io.StringIO(CSV), "csv"))
    errors = [(i.line, i.field) for i in items if not hasattr(i, "entity")]
    assert errors == [(1, ""), (3, "date_of_birth"), (7, "kind")]  # line 1: the unknown column "colour"
    records = [i for i in items if hasattr(i, "entity")]
    assert [r.line for r in records] == [2, 4, 5, 6]
    first = records[0].entity
    assert first.person.names[0].full_name == "Jan Kowalski" and first.person.date_of_birth.day == 12
    assert first.person.documents[0].number == "AB 123456"
    assert records[2].entity.event.start_time.seconds == 1709546400
    assert records[3].entity.organization.names == ["Wisla Trading Sp. z o.o."]


def test_icore_load_prints_each_rejection_and_a_summary(start_service: Callable[..., RunningServer],
                                                        tmp_path: Path) -> None:
    server = start_service("query")
    path = tmp_path / "records.csv"
    path.write_text(CSV)
    done = subprocess.run([sys.executable, "-m", "services.cli", "load", str(path), "--address", server.address,
                           "--country", "POL"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "rejected: line 3: date_of_birth: not a date" in done.stdout
    assert "rejected: line 4: person.nationalities[0]" in done.stdout
    assert "rejected: line 6: access_policy.countries" in done.stdout  # ONLY_LISTED needs countries
    assert done.stdout.strip().endswith("6 records: 2 created, 0 updated, 4 rejected")
    assert "unknown columns ignored: colour" in done.stderr
