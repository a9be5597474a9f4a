"""Helpers for tests that run real servers and real databases (see conftest.py)."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from services.bootstrap.server import IcoreServer
from services.bootstrap.settings import Settings
from services.registry import server_factory

POSTGRES_ENV = "ICORE_TEST_POSTGRES_URL"


def country(code: str) -> tuple[tuple[str, str], ...]:
    """Call metadata that identifies the caller as member country `code`."""
    return (("x-icore-country", code),)


class RunningServer:
    """A real server in a background event loop, and a channel to it."""

    def __init__(self, service: str, settings: Settings) -> None:
        self.service = service
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=f"{service}-server", daemon=True)
        self.thread.start()
        self.server: IcoreServer = self.run(server_factory(service)(settings))
        self.port = self.run(self.server.start())
        self.address = f"127.0.0.1:{self.port}"
        self.channel = grpc.insecure_channel(self.address)

    def run(self, coroutine: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self, grace: float = 0) -> None:
        if not self.thread.is_alive():
            return  # stopped already, e.g. by a test that takes a backend down
        self.channel.close()
        self.run(self.server.stop(grace))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def postgres_admin_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("ICORE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"ICORE_REQUIRE_POSTGRES=1 but {POSTGRES_ENV} is not set")
        pytest.skip(f"{POSTGRES_ENV} not set")
    return url


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    admin_url = sa.engine.make_url(postgres_admin_url()).set(drivername="postgresql+psycopg")
    name = f"icore_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        if os.environ.get("ICORE_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
