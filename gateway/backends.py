"""The gateway's view of its backends: one channel and stub each (biometric:
one per shard, services.biometric.shards), and `ask`, which turns one backend
call into an outcome instead of a failure, so that a slow or dead backend
gives partial results rather than a failed search."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from icore.analytics.v1 import analytics_service_pb2_grpc
from icore.gateway.v1 import gateway_service_pb2 as pb
from icore.messaging.v1 import messaging_service_pb2_grpc
from icore.query.v1 import query_service_pb2_grpc
from services.biometric.shards import BiometricShards
from services.bootstrap.channels import peer_channel
from services.bootstrap.errors import FieldViolation, InvalidArgumentError
from services.bootstrap.settings import Settings

T = TypeVar("T")

#: Every backend the gateway reads from; all of its calls are reads, so all are
#: safe to retry on UNAVAILABLE.
IDEMPOTENT_SERVICES = (
    "icore.query.v1.QueryService",
    "icore.biometric.v1.BiometricService",
    "icore.analytics.v1.AnalyticsService",
    "icore.messaging.v1.MessagingService",
)

_STATES = {
    grpc.StatusCode.DEADLINE_EXCEEDED: pb.BACKEND_STATE_DEADLINE_EXCEEDED,
    grpc.StatusCode.UNAVAILABLE: pb.BACKEND_STATE_UNAVAILABLE,
}


@dataclass
class Outcome(Generic[T]):
    """What one backend call gave: a response, or why there is none. A
    response with a state other than OK is partial: some biometric shards did
    not answer, and `message` names them."""

    backend: str
    state: pb.BackendState
    message: str = ""
    latency_ms: float = 0.0
    response: T | None = None

    @property
    def ok(self) -> bool:
        return self.state == pb.BACKEND_STATE_OK and self.response is not None

    @property
    def answer(self) -> T | None:
        """The response of a call that succeeded in full; None otherwise (partial ones included)."""
        return self.response if self.state == pb.BACKEND_STATE_OK else None

    def status(self) -> pb.BackendStatus:
        return pb.BackendStatus(backend=self.backend, state=self.state, message=self.message,
                                latency_ms=round(self.latency_ms, 3))


def skipped(backend: str, why: str) -> Outcome[T]:
    return Outcome(backend, pb.BACKEND_STATE_SKIPPED, why)


async def ask(backend: str, call: Callable[[float], Awaitable[T]], timeout_s: float) -> Outcome[T]:
    """Run `call(timeout_s)`; a gRPC failure becomes the outcome's state.

    INVALID_ARGUMENT is the caller's mistake, not the backend's trouble, so it
    is raised again for the caller with the backend's field names. A failure
    of some biometric shards keeps what the others answered (`partial`) as
    the response, under the failed shard's state.
    """
    started = time.perf_counter()
    if timeout_s <= 0:
        return Outcome(backend, pb.BACKEND_STATE_DEADLINE_EXCEEDED, "no time left before the deadline")
    try:
        response = await call(timeout_s)
    except grpc.aio.AioRpcError as error:
        latency = (time.perf_counter() - started) * 1000
        if error.code() == grpc.StatusCode.INVALID_ARGUMENT:
            raise InvalidArgumentError(_violations(error)) from None
        state = _STATES.get(error.code(), pb.BACKEND_STATE_FAILED)
        return Outcome(backend, state, f"{error.code().name}: {error.details()}", latency,
                       getattr(error, "partial", None))
    return Outcome(backend, pb.BACKEND_STATE_OK, "", (time.perf_counter() - started) * 1000, response)


def _violations(error: grpc.aio.AioRpcError) -> list[FieldViolation]:
    status = rpc_status.from_call(error)
    violations = []
    for detail in status.details if status else ():
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request):
            violations += [FieldViolation(v.field, v.description) for v in bad_request.field_violations]
    return violations or [FieldViolation("request", error.details() or "rejected by a backend")]


@dataclass
class Backends:
    """Stubs for the four backends, over channels that relay the caller's country."""

    query: query_service_pb2_grpc.QueryServiceStub
    messaging: messaging_service_pb2_grpc.MessagingServiceStub
    biometric: BiometricShards
    analytics: analytics_service_pb2_grpc.AnalyticsServiceStub
    channels: list[grpc.aio.Channel] = field(default_factory=list)

    @classmethod
    def connect(cls, settings: Settings) -> Backends:
        """Channels to the peers (ICORE_<SERVICE>_ADDR, e.g. a headless service),
        and to each biometric shard (ICORE_BIOMETRIC_SHARD_ADDR) when there are several."""
        channels = {name: peer_channel(settings, name, IDEMPOTENT_SERVICES)
                    for name in ("query", "messaging", "analytics")}
        biometric = BiometricShards.connect(settings, IDEMPOTENT_SERVICES)
        return cls(
            query=query_service_pb2_grpc.QueryServiceStub(channels["query"]),
            messaging=messaging_service_pb2_grpc.MessagingServiceStub(channels["messaging"]),
            biometric=biometric,
            analytics=analytics_service_pb2_grpc.AnalyticsServiceStub(channels["analytics"]),
            channels=[*channels.values(), *biometric.channels],
        )

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()
