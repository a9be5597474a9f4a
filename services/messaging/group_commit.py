"""Group commit: sends that arrive while earlier ones are being written are
written together, in one transaction, and each caller is answered when that
transaction has committed.

Under load this turns many small transactions (a round trip, a commit and a
thread hand-off each) into few larger ones; alone, a send is written at once,
so it waits for nothing. A batch that fails is retried item by item, so that
one bad send cannot fail the others.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """Feeds `write` batches of at most `max_batch` items, `writers` batches at a time."""

    def __init__(self, write: Callable[[Sequence[T]], Awaitable[list[R]]], *, max_batch: int = 64,
                 writers: int = 2) -> None:
        self._write, self._max_batch, self._writers = write, max_batch, writers
        self._queue: deque[tuple[T, asyncio.Future[R]]] = deque()
        self._active = 0

    async def submit(self, item: T) -> R:
        """Write `item` with whatever else is waiting; its result once committed."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_retrieved)  # a caller that hung up leaves no "never retrieved" warning
        self._queue.append((item, future))
        if self._active < self._writers:
            self._active += 1
            # A fresh context: the writer serves many calls, not the one that started it.
            asyncio.get_running_loop().create_task(self._drain(), context=contextvars.Context())
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(self._max_batch, len(self._queue)))]
                await self._commit(batch)
        finally:
            self._active -= 1

    async def _commit(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._write([item for item, _ in batch])
        except Exception as error:  # noqa: BLE001 - handed to the callers
            if len(batch) == 1:
                _settle(batch[0][1], error=error)
                return
            for one in batch:  # find the one that fails; the others go through
                await self._commit([one])
            return
        for (_, future), result in zip(batch, results, strict=True):
            _settle(future, result=result)


def _retrieved(future: asyncio.Future[R]) -> None:
    if not future.cancelled():
        future.exception()


def _settle(future: asyncio.Future[R], result: R | None = None, error: BaseException | None = None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]
