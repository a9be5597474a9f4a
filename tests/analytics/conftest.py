"""Fixtures of the analytics tests.

`services.bootstrap.logs.configure_logging` binds structlog to the `sys.stderr` of
the moment, which under pytest is one test's capture file, closed when that test
ends; a later test that logs would then fail with "I/O operation on closed file".
Until the shared configuration looks `sys.stderr` up at each write (requested),
each analytics test binds logging to its own stderr first.
"""

from __future__ import annotations

import pytest

from services.bootstrap.logs import configure_logging


@pytest.fixture(autouse=True)
def _logging_to_this_tests_stderr() -> None:
    configure_logging()
