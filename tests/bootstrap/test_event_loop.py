"""Server processes run on uvloop unless told otherwise (services.bootstrap.server.run)."""

from __future__ import annotations

import asyncio

import pytest

from services.bootstrap.server import run


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_a_server_process_runs_on_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ICORE_EVENT_LOOP", raising=False)
    assert run(_loop_module()).startswith("uvloop")


def test_icore_event_loop_asyncio_keeps_asyncio_s_own_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICORE_EVENT_LOOP", "asyncio")
    assert run(_loop_module()).startswith("asyncio")
