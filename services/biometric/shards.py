"""The callers' side of the biometric shards: BiometricService as one service
over N shard servers (k8s/README.md, "The shard contract").

`BiometricShards` offers the generated stub's methods, with the same
arguments, so the gateway and messaging call it as they called the stub:

- Enroll and DeleteTemplate go to the template's shard (`config.shard_of`,
  a stable hash of the id); EnrollStream splits each message by shard and
  maps the shards' per-item errors back to the caller's positions.
- Identify goes to every shard at once with the caller's deadline; the top k
  of all answers are merged by score, ties by template id.
- Verify, DeleteSubject and GetStats go to every shard and are combined: the
  best score, the deleted templates summed, the counts summed.

A shard that does not answer fails the call with `ShardFailure`, a
grpc.aio.AioRpcError with that shard's status code whose details name every
shard that failed, so a result is never silently incomplete. For Identify
and GetStats it also carries, as `partial`, what the other shards answered,
for callers that may show a partial result marked as such (the gateway).
The caller's own mistakes (INVALID_ARGUMENT) come back as the shard sent them.

With one shard (the default) every call goes straight to one stub on
ICORE_BIOMETRIC_ADDR, as before there were shards.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

import grpc

from icore.biometric.v1 import biometric_service_pb2 as pb
from icore.biometric.v1 import biometric_service_pb2_grpc as pb_grpc
from icore.biometric.v1 import template_pb2
from services.biometric.config import shard_of
from services.bootstrap.channels import open_channel, peer_channel
from services.bootstrap.settings import Settings
from services.bootstrap.tls import channel_credentials

T = TypeVar("T")
Metadata = Sequence[tuple[str, str]] | None

#: Identify's top_k when the request leaves it 0 (the server's default).
DEFAULT_TOP_K = 10
#: Per-item errors an EnrollStream reply lists at most (the server's limit).
MAX_REPORTED_ERRORS = 1000
#: Messages queued for one shard's EnrollStream before the reader waits.
STREAM_QUEUE = 4
#: The caller's mistakes: every shard would say the same, so the first says it.
_CALLER_ERRORS = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.UNAUTHENTICATED)


class ShardFailure(grpc.aio.AioRpcError):
    """Some shards did not answer. The code is the first failed shard's; the
    details name each failed shard; `partial` is what the others answered
    (Identify, GetStats, EnrollStream), or None."""

    def __init__(self, failed: list[tuple[int, grpc.aio.AioRpcError]], addresses: Sequence[str],
                 partial: Any = None) -> None:
        count = len(addresses)
        named = "; ".join(f"biometric shard {i} of {count} ({addresses[i]}): {e.code().name}: {e.details()}"
                          for i, e in failed)
        answered = count - len(failed)
        tail = f"; partial: {answered} of {count} shards answered" if partial is not None else ""
        super().__init__(failed[0][1].code(), grpc.aio.Metadata(), grpc.aio.Metadata(), details=named + tail)
        self.failed = failed
        self.partial = partial


def merge_candidates(answers: Iterable[Sequence[template_pb2.Candidate]], top_k: int) -> list[template_pb2.Candidate]:
    """The best `top_k` of every shard's candidates: score descending, then
    template id, so that equal scores come in the same order from any shards."""
    merged = [c for candidates in answers for c in candidates]
    merged.sort(key=lambda c: (-c.score, c.template_id))
    return merged[:top_k]


def sum_stats(answers: Iterable[pb.GetStatsResponse]) -> pb.GetStatsResponse:
    """Counts and memory summed per modality and watch list; the settings
    (dimension, index kind, threshold) are every shard's own, so the first's."""
    modalities: dict[int, pb.ModalityStats] = {}
    watchlists: dict[str, int] = {}
    for answer in answers:
        for stats in answer.modalities:
            if stats.modality in modalities:
                total = modalities[stats.modality]
                total.template_count += stats.template_count
                total.memory_bytes += stats.memory_bytes
            else:
                modalities[stats.modality] = pb.ModalityStats()
                modalities[stats.modality].CopyFrom(stats)
        for watchlist in answer.watchlists:
            watchlists[watchlist.watchlist] = watchlists.get(watchlist.watchlist, 0) + watchlist.template_count
    return pb.GetStatsResponse(
        modalities=[modalities[m] for m in sorted(modalities)],
        watchlists=[pb.WatchlistStats(watchlist=name, template_count=count)
                    for name, count in sorted(watchlists.items())])


def best_verification(answers: Iterable[pb.VerifyResponse]) -> pb.VerifyResponse:
    """The best-scoring template of the subject over every shard (ties: the
    smallest template id); no template anywhere is no match at score 0."""
    answers = list(answers)
    found = [a for a in answers if a.best_template_id]
    if not found:
        return pb.VerifyResponse(match=False, best_score=0.0, threshold=answers[0].threshold if answers else 0.0)
    return min(found, key=lambda a: (-a.best_score, a.best_template_id))


async def _each(requests: Iterable[T] | AsyncIterable[T]) -> AsyncIterator[T]:
    if isinstance(requests, AsyncIterable):
        async for request in requests:
            yield request
    else:
        for request in requests:
            yield request


class BiometricShards:
    """BiometricService over `channels`, one per shard, shard 0 first."""

    def __init__(self, channels: Sequence[grpc.aio.Channel], addresses: Sequence[str] | None = None) -> None:
        if not channels:
            raise ValueError("at least one biometric shard")
        self.channels = list(channels)
        self.stubs = [pb_grpc.BiometricServiceStub(c) for c in self.channels]
        self.addresses = list(addresses) if addresses is not None else [f"#{i}" for i in range(len(channels))]

    @classmethod
    def connect(cls, settings: Settings, idempotent_services: Sequence[str] = ()) -> BiometricShards:
        """Channels to every shard (ICORE_BIOMETRIC_SHARD_ADDR with {index}), or
        with one shard the ordinary peer channel to ICORE_BIOMETRIC_ADDR."""
        if settings.biometric_shard_count == 1:
            return cls([peer_channel(settings, "biometric", idempotent_services)], settings.biometric_shard_addresses)
        credentials = None if settings.plaintext or settings.tls_dir is None else \
            channel_credentials(settings.tls_dir, settings.service)
        addresses = settings.biometric_shard_addresses
        return cls([open_channel(a, relaying_service=settings.service, idempotent_services=idempotent_services,
                                 credentials=credentials) for a in addresses], addresses)

    @property
    def count(self) -> int:
        return len(self.stubs)

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()

    def shard_of(self, template_id: str) -> int:
        return shard_of(template_id, self.count) if self.count > 1 else 0

    # -- one shard ------------------------------------------------------------

    async def Enroll(self, request: pb.EnrollRequest, *, timeout: float | None = None,  # noqa: N802 (the stub's name)
                     metadata: Metadata = None) -> pb.EnrollResponse:
        stub = self.stubs[self.shard_of(request.template.template_id)]
        return await stub.Enroll(request, timeout=timeout, metadata=metadata)

    async def DeleteTemplate(self, request: pb.DeleteTemplateRequest, *, timeout: float | None = None,  # noqa: N802
                             metadata: Metadata = None) -> pb.DeleteTemplateResponse:
        stub = self.stubs[self.shard_of(request.template_id)]
        return await stub.DeleteTemplate(request, timeout=timeout, metadata=metadata)

    # -- every shard ----------------------------------------------------------

    async def _everywhere(self, call: Callable[[pb_grpc.BiometricServiceStub], Awaitable[T]]
                          ) -> tuple[list[T], list[tuple[int, grpc.aio.AioRpcError]]]:
        """Ask every shard at once: the answers, and the failures by shard."""
        results = await asyncio.gather(*(call(stub) for stub in self.stubs), return_exceptions=True)
        answers: list[T] = []
        failed: list[tuple[int, grpc.aio.AioRpcError]] = []
        for i, result in enumerate(results):
            if isinstance(result, grpc.aio.AioRpcError):
                failed.append((i, result))
            elif isinstance(result, BaseException):
                raise result
            else:
                answers.append(result)
        for _, error in failed:
            if error.code() in _CALLER_ERRORS:
                raise error
        return answers, failed

    async def Identify(self, request: pb.IdentifyRequest, *, timeout: float | None = None,  # noqa: N802
                       metadata: Metadata = None) -> pb.IdentifyResponse:
        if self.count == 1:
            return await self.stubs[0].Identify(request, timeout=timeout, metadata=metadata)
        answers, failed = await self._everywhere(lambda s: s.Identify(request, timeout=timeout, metadata=metadata))
        merged = pb.IdentifyResponse(candidates=merge_candidates((a.candidates for a in answers),
                                                                 request.top_k or DEFAULT_TOP_K))
        if failed:
            raise ShardFailure(failed, self.addresses, partial=merged if answers else None)
        return merged

    async def Verify(self, request: pb.VerifyRequest, *, timeout: float | None = None,  # noqa: N802
                     metadata: Metadata = None) -> pb.VerifyResponse:
        if self.count == 1:
            return await self.stubs[0].Verify(request, timeout=timeout, metadata=metadata)
        answers, failed = await self._everywhere(lambda s: s.Verify(request, timeout=timeout, metadata=metadata))
        if failed:
            raise ShardFailure(failed, self.addresses)
        return best_verification(answers)

    async def GetStats(self, request: pb.GetStatsRequest, *, timeout: float | None = None,  # noqa: N802
                       metadata: Metadata = None) -> pb.GetStatsResponse:
        if self.count == 1:
            return await self.stubs[0].GetStats(request, timeout=timeout, metadata=metadata)
        answers, failed = await self._everywhere(lambda s: s.GetStats(request, timeout=timeout, metadata=metadata))
        if failed:
            raise ShardFailure(failed, self.addresses, partial=sum_stats(answers) if answers else None)
        return sum_stats(answers)

    async def DeleteSubject(self, request: pb.DeleteSubjectRequest, *, timeout: float | None = None,  # noqa: N802
                            metadata: Metadata = None) -> pb.DeleteSubjectResponse:
        """Each shard deletes the caller's templates of the subject it holds.
        NOT_FOUND or PERMISSION_DENIED from a shard means it holds none of
        them; only when every shard says so is that the answer."""
        if self.count == 1:
            return await self.stubs[0].DeleteSubject(request, timeout=timeout, metadata=metadata)
        answers, failed = await self._everywhere(
            lambda s: s.DeleteSubject(request, timeout=timeout, metadata=metadata))
        absent = (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED)
        down = [(i, e) for i, e in failed if e.code() not in absent]
        if down:
            raise ShardFailure(down, self.addresses)
        if not answers:
            denied = [e for _, e in failed if e.code() == grpc.StatusCode.PERMISSION_DENIED]
            raise (denied or [e for _, e in failed])[0]
        return pb.DeleteSubjectResponse(deleted_count=sum(a.deleted_count for a in answers))

    async def EnrollStream(self, requests: Iterable[pb.EnrollStreamRequest] | AsyncIterable[pb.EnrollStreamRequest],  # noqa: N802
                           *, timeout: float | None = None, metadata: Metadata = None) -> pb.EnrollStreamResponse:
        """One EnrollStream per shard, fed as the caller's messages arrive: each
        message split by shard, and every per-item error given the index the
        template had in the caller's stream."""
        if self.count == 1:
            return await self.stubs[0].EnrollStream(requests, timeout=timeout, metadata=metadata)
        queues: list[asyncio.Queue[pb.EnrollStreamRequest | None]] = [
            asyncio.Queue(STREAM_QUEUE) for _ in self.stubs]
        positions: list[list[int]] = [[] for _ in self.stubs]

        async def feed(queue: asyncio.Queue[pb.EnrollStreamRequest | None]) -> AsyncIterator[pb.EnrollStreamRequest]:
            while (message := await queue.get()) is not None:
                yield message

        calls = [asyncio.ensure_future(stub.EnrollStream(feed(queue), timeout=timeout, metadata=metadata))
                 for stub, queue in zip(self.stubs, queues, strict=True)]

        async def send(shard: int, message: pb.EnrollStreamRequest | None) -> None:
            """Queue for a shard unless its call has ended (it failed: nothing more goes there)."""
            if calls[shard].done():
                return
            put = asyncio.ensure_future(queues[shard].put(message))
            await asyncio.wait({put, calls[shard]}, return_when=asyncio.FIRST_COMPLETED)
            put.cancel()

        try:
            offset = 0
            async for request in _each(requests):
                parts = [pb.EnrollStreamRequest() for _ in self.stubs]
                for template in request.templates:
                    shard = self.shard_of(template.template_id)
                    parts[shard].templates.append(template)
                    positions[shard].append(offset)
                    offset += 1
                for shard, part in enumerate(parts):
                    if part.templates:
                        await send(shard, part)
            for shard in range(self.count):
                await send(shard, None)
            results = await asyncio.gather(*calls, return_exceptions=True)
        finally:
            for call in calls:
                call.cancel()
        reply = pb.EnrollStreamResponse()
        errors: list[pb.EnrollError] = []
        failed: list[tuple[int, grpc.aio.AioRpcError]] = []
        for shard, result in enumerate(results):
            if isinstance(result, grpc.aio.AioRpcError):
                failed.append((shard, result))
                continue
            if isinstance(result, BaseException):
                raise result
            reply.enrolled_count += result.enrolled_count
            reply.rejected_count += result.rejected_count
            for error in result.errors:
                errors.append(pb.EnrollError(index=positions[shard][error.index], template_id=error.template_id,
                                          field=error.field, description=error.description))
        errors.sort(key=lambda e: e.index)
        reply.errors.extend(errors[:MAX_REPORTED_ERRORS])
        if failed:
            for _, error in failed:
                if error.code() in _CALLER_ERRORS:
                    raise error
            raise ShardFailure(failed, self.addresses, partial=reply)
        return reply
