"""Checking and indexing of ingested records in processes of their own.

Checking a record and deriving its search keys (services.query.ingest) is pure
Python and most of an ingest's CPU; in the server's process it shares one
interpreter lock with gRPC and the writes, so an ingest used one core however
many the machine has. A pool of worker processes does it instead: a message of
the stream is sent there as its serialized bytes and comes back checked and
indexed, while the server writes the message before it.

Small messages stay in the server's process (a round trip to a worker costs
more than checking a few records), and so does everything when `workers` is 0.
The workers start on the first large message, with "spawn": a fork of a process
running gRPC's threads is not safe. A worker that dies is not an error of the
caller's: its message is checked in the server's process and the pool restarts
on the next one.

At 100,000 persons on PostgreSQL one worker took ingest from 4,163 to 4,922
persons/s on the two-core development VM (bench/query/README.md).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import structlog

from icore.query.v1 import query_service_pb2 as pb
from icore.uim.v1 import entity_pb2
from services.bootstrap.collector import tune_collector
from services.query.indexing import IndexedEntity
from services.query.ingest import Rejection, prepare_entities

log = structlog.get_logger(__name__)

#: Messages with fewer entities are checked in the server's process.
MIN_POOLED = 100
#: Environment variable: worker processes (default: one per core but one, at most 4).
WORKERS_VARIABLE = "ICORE_QUERY_INDEX_WORKERS"


def _prepare_serialized(request: bytes, owner: str, first_index: int) -> tuple[list[IndexedEntity], list[Rejection]]:
    """In a worker: the entities of one serialized UpsertEntitiesRequest, checked and indexed."""
    return prepare_entities(list(pb.UpsertEntitiesRequest.FromString(request).entities), owner, first_index)


class Indexers:
    """Where the entities of an ingest are checked and indexed (see module docstring)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Indexers:
        value = environ.get(WORKERS_VARIABLE, "").strip()
        if not value:
            return cls(max(0, min(4, (os.cpu_count() or 1) - 1)))
        if not value.isdigit():
            raise ValueError(f"{WORKERS_VARIABLE} must be a whole number of processes (0 or more), not {value!r}")
        return cls(int(value))

    async def prepare(self, request: pb.UpsertEntitiesRequest, owner: str,
                      first_index: int) -> tuple[list[IndexedEntity], list[Rejection]]:
        """The message's entities checked and indexed, and the rejected ones;
        `first_index` is the stream position of its first entity."""
        if self.workers > 0 and len(request.entities) >= MIN_POOLED:
            pool = await asyncio.to_thread(self._started)
            try:
                return await asyncio.wrap_future(
                    pool.submit(_prepare_serialized, request.SerializeToString(), owner, first_index))
            except BrokenProcessPool:
                log.warning("indexing_worker_died", workers=self.workers)
                self._forget(pool)
        batch: list[entity_pb2.Entity] = list(request.entities)
        return await asyncio.to_thread(prepare_entities, batch, owner, first_index)

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=tune_collector)
            return self._pool

    def _forget(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
