"""The cross-check's backends reached over gRPC: QueryService.Search through
its generated stub and BiometricService.Identify/GetStats through the shard
fan-out (services.biometric.shards; one stub when there is one shard), each
call made on behalf of one reader country, with a deadline, and its failure
sorted into "try again later" or "this probe is refused". A biometric shard
that does not answer is "try again later": a cross-check is never marked
done on part of the watch lists."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc

from icore.biometric.v1 import biometric_service_pb2 as biometric_pb
from icore.query.v1 import query_service_pb2 as query_pb
from icore.query.v1 import query_service_pb2_grpc as query_grpc
from services.biometric.shards import BiometricShards
from services.bootstrap.identity import Caller, identity_metadata
from services.messaging.cross_check import BackendRejected, BackendUnavailable

T = TypeVar("T")

#: Codes after which the same call cannot succeed: the probe counts as checked.
_REFUSED = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED,
            grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.OUT_OF_RANGE}


class GrpcBackends:
    """`cross_check.Backends` over gRPC channels to the query and biometric services."""

    def __init__(self, query: grpc.aio.Channel, biometric: BiometricShards | grpc.aio.Channel, *, service: str,
                 timeout_s: float) -> None:
        self._query = query_grpc.QueryServiceStub(query)
        self._biometric = biometric if isinstance(biometric, BiometricShards) else BiometricShards([biometric])
        self._service, self._timeout = service, timeout_s

    def _metadata(self, country: str) -> tuple[tuple[str, str], ...]:
        return identity_metadata(Caller(country), self._service)

    async def _call(self, backend: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except grpc.aio.AioRpcError as error:
            reason = f"{backend}: {error.code().name}: {error.details()}"
            if error.code() in _REFUSED:
                raise BackendRejected(reason) from error
            raise BackendUnavailable(reason) from error

    async def search(self, country: str, request: query_pb.SearchRequest) -> query_pb.SearchResponse:
        return await self._call("query", lambda: self._query.Search(
            request, metadata=self._metadata(country), timeout=self._timeout))

    async def identify(self, country: str, request: biometric_pb.IdentifyRequest) -> biometric_pb.IdentifyResponse:
        return await self._call("biometric", lambda: self._biometric.Identify(
            request, metadata=self._metadata(country), timeout=self._timeout))

    async def verify_thresholds(self, country: str) -> dict[int, float]:
        stats = await self._call("biometric", lambda: self._biometric.GetStats(
            biometric_pb.GetStatsRequest(), metadata=self._metadata(country), timeout=self._timeout))
        return {m.modality: m.verify_threshold for m in stats.modalities}
