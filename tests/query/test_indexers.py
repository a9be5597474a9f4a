"""Checking and indexing in worker processes gives exactly what the server's own
process gives, survives a worker's death, and serves a real ingest."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest

from icore.query.v1 import query_service_pb2 as pb
from icore.uim.v1 import entity_pb2
from services.query.indexers import MIN_POOLED, WORKERS_VARIABLE, Indexers
from services.query.ingest import prepare_entities
from tests.query.records import person, stored_id, stub
from tests.support import RunningServer, country

NAMES = ("Jean Dupont", "Иван Петров", "محمد الراشد", "王小明", "María García López", "SMITH John")


def _batch(size: int, first: int = 0) -> list[entity_pb2.Entity]:
    """`size` persons of several scripts; every 50th has no name (rejected)."""
    records = []
    for i in range(first, first + size):
        record = person(f"R-{i}", f"{NAMES[i % len(NAMES)]} {i}", (1950 + i % 50, 1 + i % 12, 1 + i % 28),
                        nationalities=["FRA"], documents=[f"P{i:08d}"])
        if i % 50 == 7:
            record.person.ClearField("names")
        records.append(record)
    return records


def _summary(prepared: tuple[list, list]) -> tuple[list, list]:  # type: ignore[type-arg]
    accepted, rejected = prepared
    return ([(a.id, a.key_hashes, a.documents, a.content_hash, a.body)
             for a in accepted], [(r.index, r.violation.field) for r in rejected])


def test_a_worker_indexes_exactly_as_the_server_process_and_survives_a_death() -> None:
    batch = _batch(MIN_POOLED + 50)
    request = pb.UpsertEntitiesRequest(entities=batch)
    expected = _summary(prepare_entities(batch, "FRA", 1000))
    assert len(expected[1]) == 3 and expected[1][0] == (1007, "person.names")
    indexers = Indexers(1)
    try:
        assert _summary(asyncio.run(indexers.prepare(request, "FRA", 1000))) == expected
        pool = indexers._pool
        assert pool is not None
        for pid in list(pool._processes):  # type: ignore[attr-defined]
            os.kill(pid, signal.SIGKILL)
        assert _summary(asyncio.run(indexers.prepare(request, "FRA", 1000))) == expected  # checked in-process
        assert _summary(asyncio.run(indexers.prepare(request, "FRA", 1000))) == expected  # a new worker
        assert indexers._pool is not None and indexers._pool is not pool
    finally:
        indexers.close()


def test_small_messages_and_zero_workers_never_start_a_worker() -> None:
    indexers = Indexers(0)
    asyncio.run(indexers.prepare(pb.UpsertEntitiesRequest(entities=_batch(MIN_POOLED)), "FRA", 0))
    small = Indexers(2)
    asyncio.run(small.prepare(pb.UpsertEntitiesRequest(entities=_batch(MIN_POOLED - 1)), "FRA", 0))
    assert indexers._pool is None and small._pool is None
    assert Indexers.from_env({WORKERS_VARIABLE: "3"}).workers == 3
    assert Indexers.from_env({}).workers == max(0, min(4, (os.cpu_count() or 1) - 1))
    with pytest.raises(ValueError, match=WORKERS_VARIABLE):
        Indexers.from_env({WORKERS_VARIABLE: "two"})


def test_an_ingest_through_workers_stores_and_finds_every_record(
        start_service: Callable[..., RunningServer], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKERS_VARIABLE, "1")
    channel: grpc.Channel = start_service("query", database_url=f"sqlite:///{tmp_path}/store.sqlite").channel
    messages = [pb.UpsertEntitiesRequest(entities=_batch(150, first)) for first in (0, 150)]
    response = stub(channel).UpsertEntities(iter(messages), metadata=country("FRA"), timeout=60)
    assert (response.created_count, response.rejected_count) == (294, 6)
    assert [r.index for r in response.rejected] == [7, 57, 107, 157, 207, 257]
    found = stub(channel).GetEntity(pb.GetEntityRequest(entity_id=stored_id("FRA", "R-250")),
                                    metadata=country("FRA"), timeout=10)
    assert found.entity.person.documents[0].number == "P00000250"
    hits = stub(channel).Search(pb.SearchRequest(text="P00000205"), metadata=country("FRA"), timeout=10).hits
    assert hits and hits[0].entity.provenance.source_record_id == "R-205"
