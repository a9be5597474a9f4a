"""Following the repository: `QueryService.ExportEntities` from the stored cursor,
in batches, for as long as the service runs.

Changes are applied in batches of up to `BATCH` or whatever arrived within
`FLUSH_INTERVAL_S`, each written in one transaction with the cursor after it (see
`storage`). A broken stream is reopened from the last written cursor after a
back-off that doubles up to `MAX_BACKOFF_S`; the query service being down or not
ready is a wait, not an error. Once the store has grown enough, the whole store is
re-resolved so that the scoring model is re-estimated from the data
(`RepositoryMirror.needs_estimate`).

The follower calls as the analytics service itself, not for a member country: it
mirrors the whole repository, and every answer is filtered for its caller later.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import grpc
import structlog

from icore.query.v1 import query_service_pb2 as query_pb
from icore.query.v1 import query_service_pb2_grpc as query_grpc
from services.analytics.mirror import RepositoryMirror
from services.analytics.storage import MirrorStore
from services.bootstrap.identity import SERVICE_HEADER

log = structlog.get_logger(__name__)

BATCH = 500
FLUSH_INTERVAL_S = 0.2
MAX_BACKOFF_S = 10.0
SERVICE = "analytics"


class Follower:
    """Keeps a RepositoryMirror and its database in step with the repository."""

    def __init__(self, mirror: RepositoryMirror, store: MirrorStore, channel: grpc.aio.Channel, cursor: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._mirror = mirror
        self._store = store
        self._stub = query_grpc.QueryServiceStub(channel)
        self.cursor = cursor
        self._clock = clock
        self._pending: list[query_pb.ExportEntitiesResponse] = []
        self._flush_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        #: Set after every write, so that tests and tools can wait for a change to land.
        self.applied = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="analytics-follower")

    async def close(self) -> None:
        """Stop following; what was received is written first."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._flush()

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            try:
                await self._follow()
                backoff = 0.2
            except grpc.aio.AioRpcError as error:
                log.info("feed_unavailable", code=error.code().name, details=error.details(), retry_in_s=backoff)
            except Exception:  # a bug must not stop following; log it and retry
                log.exception("feed_failed", retry_in_s=backoff)
            await self._flush()
            await asyncio.sleep(backoff)
            backoff = min(MAX_BACKOFF_S, backoff * 2)

    async def _follow(self) -> None:
        call = self._stub.ExportEntities(query_pb.ExportEntitiesRequest(cursor=self.cursor, follow=True),
                                         metadata=((SERVICE_HEADER, SERVICE),))
        flusher = asyncio.get_running_loop().create_task(self._flush_periodically())
        try:
            async for change in call:
                self._pending.append(change)
                if len(self._pending) >= BATCH:
                    await self._flush()
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            call.cancel()

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL_S)
            await self._flush()

    async def _flush(self) -> None:
        async with self._flush_lock:
            changes, self._pending = self._pending, []
            if changes:
                batch = await asyncio.to_thread(self._mirror.apply, changes)
                await asyncio.to_thread(self._store.write, batch)
                self.cursor = batch.cursor
                log.info("feed_applied", changes=len(changes), identities_touched=len(batch.identities_touched))
            if self._mirror.needs_estimate():
                stats = await asyncio.to_thread(self._mirror.resolve_all, self._store)
                log.info("model_reestimated", records=stats.records, clusters=stats.clusters)
            if changes:
                self.applied.set()
                self.applied = asyncio.Event()
