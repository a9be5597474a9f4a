"""`icore load FILE`: read a file of UIM records and store them through
UpsertEntities, with a progress line and a report of every rejected line.

Records go in streams of `STREAM_RECORDS`, so rejections come back while the load
runs and a failure costs at most one stream; a rejected record never stops the
load. Each rejection is reported with the line it was read from.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TextIO

from services.query.client import QueryClient
from services.query.records_file import LineError, Record, detect_format, read_records

STREAM_RECORDS = 10_000


@dataclass
class LoadReport:
    #: Records read and sent, and lines that could not be read as records.
    sent: int = 0
    unreadable: int = 0
    created: int = 0
    updated: int = 0
    rejected: int = 0
    #: Rejected or unreadable lines, by line number.
    errors: list[LineError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.sent + self.unreadable:,} records: {self.created:,} created, {self.updated:,} updated, "
                f"{self.rejected:,} rejected")


class Progress:
    """One line on a terminal, redrawn at most a few times a second: how far through
    the file, how fast, how many rejected. Silent when the output is not a terminal."""

    def __init__(self, total_bytes: int, out: TextIO = sys.stderr, width: int = 30) -> None:
        self.total, self.out, self.width = max(1, total_bytes), out, width
        self.started = self.last = time.monotonic()
        self.enabled = out.isatty()

    def show(self, done_bytes: int, records: int, rejected: int, final: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not final and now - self.last < 0.2):
            return
        self.last = now
        fraction = min(1.0, done_bytes / self.total)
        filled = int(self.width * fraction)
        rate = records / max(1e-6, now - self.started)
        self.out.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%} {records:,} records "
                       f"{rate:,.0f}/s {rejected:,} rejected" + ("\n" if final else ""))
        self.out.flush()


def load_file(path: Path, client: QueryClient, fmt: str = "", progress: Progress | None = None,
              batch: int = 1000) -> LoadReport:
    """Load every readable record of `path`; see the module docstring."""
    report = LoadReport()
    fmt = detect_format(path, fmt)
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as stream:
        items = read_records(stream, fmt)
        records = _collect_errors(items, report)
        while chunk := list(islice(records, STREAM_RECORDS)):
            report.sent += len(chunk)
            response = client.upsert_entities((r.entity for r in chunk), batch=batch, timeout=3600)
            report.created += response.created_count
            report.updated += response.updated_count
            report.rejected += response.rejected_count
            for rejection in response.rejected:
                report.errors.append(LineError(chunk[rejection.index].line, rejection.field, rejection.description))
            unlisted = response.rejected_count - len(response.rejected)
            if unlisted:
                report.warnings.append(f"{unlisted} more rejected records between lines {chunk[0].line} and "
                                       f"{chunk[-1].line} were not listed by the server")
            if progress is not None:
                progress.show(raw.tell(), report.sent,
                              report.rejected)
        if progress is not None:
            progress.show(progress.total, report.sent, report.rejected, final=True)
    report.errors.sort(key=lambda e: e.line)
    return report


def _collect_errors(items: Iterator[Record | LineError], report: LoadReport) -> Iterator[Record]:
    for item in items:
        if isinstance(item, Record):
            yield item
        elif item.field == "" and item.description.startswith("unknown columns"):
            report.warnings.append(item.description)
        else:
            report.errors.append(item)
            report.unreadable += 1
            report.rejected += 1
