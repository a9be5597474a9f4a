"""The micro-batcher answers a lone query at once, gathers queries that arrive
while a batch runs, keeps the event loop free meanwhile, and fails only the
query that failed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from services.biometric.batcher import MicroBatcher


def slow_double(batch: Sequence[int]) -> list[int | BaseException]:
    time.sleep(0.05)  # stands in for a CPU-bound scan that releases the GIL
    return [ValueError("odd one") if q == 13 else q * 2 for q in batch]


def test_batches_form_while_a_batch_runs_and_the_loop_stays_free() -> None:
    batcher: MicroBatcher[int, int] = MicroBatcher(slow_double, max_batch=8)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    async def main() -> list[int | BaseException]:
        task = asyncio.create_task(ticker())
        first = asyncio.create_task(batcher.submit(1))
        await asyncio.sleep(0.01)  # the first batch (just query 1) is running now
        rest = await asyncio.gather(*(batcher.submit(q) for q in range(2, 20)), return_exceptions=True)
        task.cancel()
        return [await first, *rest]

    answers = asyncio.run(main())
    assert answers[:12] == [q * 2 for q in range(1, 13)] and isinstance(answers[12], ValueError)
    assert answers[13:] == [q * 2 for q in range(14, 20)]
    assert batcher.batch_sizes == [1, 8, 8, 2]
    assert ticks >= 15  # about 4 batches x 50 ms of scanning, ticking every 5 ms
    batcher.close()


def test_a_cancelled_caller_is_skipped() -> None:
    batcher: MicroBatcher[int, int] = MicroBatcher(slow_double, max_batch=8)

    async def main() -> int:
        first = asyncio.create_task(batcher.submit(1))
        await asyncio.sleep(0.01)
        gone = asyncio.create_task(batcher.submit(2))
        await asyncio.sleep(0)
        gone.cancel()
        return await first + await batcher.submit(3)

    assert asyncio.run(main()) == 8
    assert batcher.batch_sizes == [1, 1]
    batcher.close()
