"""Shared fixtures. The strategy: real parts, never mocks.

- `start_service` runs a real icore server (the service's own create_server)
  on a free loopback port, in a background thread with its own event loop, so
  tests talk to it over a real channel with the ordinary synchronous stubs.
- `database_url` is parametrised over SQLite (a file in tmp_path) and
  PostgreSQL (a fresh database per test on the server named by
  ICORE_TEST_POSTGRES_URL). Without that variable the PostgreSQL cases skip,
  unless ICORE_REQUIRE_POSTGRES=1, which CI sets so that they fail instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from services.bootstrap.settings import Settings, peer_addresses
from tests.support import RunningServer, fresh_postgres_database


@pytest.fixture
def start_service(tmp_path: Path) -> Iterator[Callable[..., RunningServer]]:
    """Factory: start_service("query", database_url=..., peers=...) -> RunningServer."""
    running: list[RunningServer] = []

    def start(service: str, **overrides: Any) -> RunningServer:
        settings = Settings(service=service, host="127.0.0.1", port=0, data_dir=tmp_path / service,
                            peers=peer_addresses({}), shutdown_grace_s=1.0, plaintext=True)
        server = RunningServer(service, settings.with_(**overrides))
        running.append(server)
        return server

    yield start
    for server in reversed(running):
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
    else:
        with fresh_postgres_database() as url:
            yield url
