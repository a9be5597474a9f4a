"""Group commit: concurrent sends share a transaction, each answered with its
own result, and one failing item fails alone."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from services.messaging.group_commit import GroupCommit


def test_concurrent_items_are_written_together_and_answered_each() -> None:
    batches: list[list[int]] = []

    async def write(batch: Sequence[int]) -> list[int]:
        batches.append(list(batch))
        await asyncio.sleep(0.01)  # a commit
        return [item * 10 for item in batch]

    async def run() -> list[int]:
        commits = GroupCommit(write, max_batch=8, writers=1)
        return await asyncio.gather(*(commits.submit(i) for i in range(20)))

    assert asyncio.run(run()) == [i * 10 for i in range(20)]
    assert [len(b) for b in batches] == [8, 8, 4]
    assert sorted(i for b in batches for i in b) == list(range(20))


def test_an_item_alone_is_written_at_once() -> None:
    async def write(batch: Sequence[int]) -> list[int]:
        return list(batch)

    async def run() -> int:
        return await asyncio.wait_for(GroupCommit(write).submit(7), timeout=0.05)

    assert asyncio.run(run()) == 7


def test_one_failing_item_fails_alone() -> None:
    async def write(batch: Sequence[int]) -> list[int]:
        await asyncio.sleep(0)
        if 13 in batch:
            raise ValueError("item 13 is refused")
        return list(batch)

    async def run() -> list[int | BaseException]:
        commits = GroupCommit(write, max_batch=64, writers=1)
        return await asyncio.gather(*(commits.submit(i) for i in range(30)), return_exceptions=True)

    results = asyncio.run(run())
    assert isinstance(results[13], ValueError)
    assert [r for i, r in enumerate(results) if i != 13] == [i for i in range(30) if i != 13]


def test_a_caller_that_gives_up_does_not_stop_the_write() -> None:
    written: list[int] = []

    async def write(batch: Sequence[int]) -> list[int]:
        await asyncio.sleep(0.05)
        written.extend(batch)
        return list(batch)

    async def run() -> None:
        commits = GroupCommit(write, writers=1)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(commits.submit(1), timeout=0.01)
        await asyncio.sleep(0.1)

    asyncio.run(run())
    assert written == [1], "the write was abandoned with its caller"
