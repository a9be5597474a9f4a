"""Per-country limits answer RESOURCE_EXHAUSTED with a retry delay."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from icore.uim.v1 import code_list_service_pb2 as codes_pb
from icore.uim.v1 import code_list_service_pb2_grpc as codes_grpc
from services.bootstrap.errors import ResourceExhaustedError
from services.bootstrap.limits import CountryLimits
from tests.support import RunningServer, country


def test_a_country_over_its_rate_is_told_when_to_retry(start_service: Callable[..., RunningServer]) -> None:
    server = start_service("gateway", rate_limit_per_s=1.0, rate_limit_burst=3)
    stub = codes_grpc.CodeListServiceStub(server.channel)
    request = codes_pb.ListCodesRequest(code_list=codes_pb.CODE_LIST_COUNTRIES, page_size=1)
    for _ in range(3):
        stub.ListCodes(request, metadata=country("FRA"))
    with pytest.raises(grpc.RpcError) as raised:
        stub.ListCodes(request, metadata=country("FRA"))
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    retry = error_details_pb2.RetryInfo()
    assert rpc_status.from_call(raised.value).details[0].Unpack(retry)
    assert 0 < retry.retry_delay.ToNanoseconds() <= 1_000_000_000
    assert len(stub.ListCodes(request, metadata=country("DEU")).codes) == 1  # others are not affected


def test_rate_refills_over_time_and_streams_are_counted() -> None:
    now = [0.0]
    limits = CountryLimits(rate_per_s=10, burst=2, max_streams=1, clock=lambda: now[0])
    limits.admit("FRA")
    limits.admit("FRA")
    with pytest.raises(ResourceExhaustedError) as raised:
        limits.admit("FRA")
    assert raised.value.retry_after_s == pytest.approx(0.1)
    now[0] += 0.1
    limits.admit("FRA")
    limits.open_stream("FRA")
    with pytest.raises(ResourceExhaustedError):
        limits.open_stream("FRA")
    limits.open_stream("DEU")
    limits.close_stream("FRA")
    limits.open_stream("FRA")
