"""The only structlog configuration: JSON lines on stderr, with context bound
per RPC by the interceptor (method, caller country, trace id)."""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

import structlog

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class _Stderr:
    """Writes each rendered line to the `sys.stderr` of the moment, not the one
    of configuration time: under pytest that is each test's own capture, and
    one closed after an earlier test would fail the write. A lock keeps
    lines from several threads whole."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def msg(self, message: str) -> None:
        with self._lock:
            stream = sys.stderr
            stream.write(message + "\n")
            stream.flush()

    log = debug = info = warn = warning = msg
    err = error = critical = exception = fatal = failure = msg


_STDERR = _Stderr()


def _stderr(*_: Any) -> _Stderr:
    return _STDERR


def configure_logging(level: str = "info") -> None:
    """Configure structlog once per process; later calls only change the level."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS.get(level, logging.INFO)),
        logger_factory=_stderr,
        cache_logger_on_first_use=False,
    )
