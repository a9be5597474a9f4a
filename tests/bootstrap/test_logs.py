"""Log lines: one JSON object per line on the stderr of the moment."""

from __future__ import annotations

import io
import json

import pytest
import structlog

from services.bootstrap.logs import configure_logging


def test_a_line_goes_to_the_stderr_of_the_moment_not_of_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    at_configuration, later = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stderr", at_configuration)
    configure_logging("info")
    monkeypatch.setattr("sys.stderr", later)
    at_configuration.close()  # as pytest closes an earlier test's capture

    structlog.get_logger("icore.test").info("rpc", code="OK", duration_ms=1.5)

    line = json.loads(later.getvalue())
    assert (line["event"], line["code"], line["level"]) == ("rpc", "OK", "info")


def test_lines_below_the_level_are_not_written(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging("warning")
    try:
        structlog.get_logger("icore.test").info("rpc")
        structlog.get_logger("icore.test").warning("slow_backend", backend="query")
    finally:
        configure_logging("info")
    assert [json.loads(line)["event"] for line in stream.getvalue().splitlines()] == ["slow_backend"]
