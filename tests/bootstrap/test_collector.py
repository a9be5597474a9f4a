"""The garbage collector's settings reach every serving process: the server's
own and the query service's indexing workers (services.bootstrap.collector)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pytest

from services.bootstrap.collector import CPYTHON_THRESHOLDS, THRESHOLDS
from services.query.indexers import Indexers
from tests.support import RunningServer


@pytest.fixture
def default_collector() -> Iterator[None]:
    """CPython's defaults before the test, nothing frozen (another test's server may
    have tuned this process already), and this process's thresholds back after it."""
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    gc.unfreeze()
    yield
    gc.set_threshold(*before)


@pytest.mark.usefixtures("default_collector")
def test_a_started_server_collects_less_often(start_service: Callable[..., RunningServer]) -> None:
    assert gc.get_threshold() != THRESHOLDS and gc.get_freeze_count() == 0
    start_service("query")  # a service that freezes nothing of its own
    assert gc.get_threshold() == THRESHOLDS
    assert gc.get_freeze_count() > 0  # start-up's objects are out of the sweeps


def test_indexing_workers_collect_less_often() -> None:
    indexers = Indexers(1)
    try:
        assert indexers._started().submit(gc.get_threshold).result(timeout=120) == THRESHOLDS
    finally:
        indexers.close()


@pytest.mark.usefixtures("default_collector")
def test_the_analytics_service_serves_with_cpython_thresholds(start_service: Callable[..., RunningServer]) -> None:
    """Its searches walk the in-memory graph; larger young generations cost them more."""
    gc.set_threshold(*THRESHOLDS)  # as `icore serve` sets them while the mirror loads
    start_service("analytics")
    assert gc.get_threshold() == CPYTHON_THRESHOLDS
    assert gc.get_freeze_count() > 0
