"""Hostile bytes on the wire: a clear INVALID_ARGUMENT, never INTERNAL, and the
server keeps serving."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from icore.uim.v1 import code_list_service_pb2 as codes_pb
from icore.uim.v1 import code_list_service_pb2_grpc as codes_grpc
from tests.support import RunningServer

LIST_CODES = "/icore.uim.v1.CodeListService/ListCodes"


@pytest.mark.parametrize("raw", [
    b"\xff\xff\xff\xff",             # not protobuf at all
    b"\x12\x02\xff\xfe",             # field 2 (string parent) holding invalid UTF-8
    b"\x0a" + b"\x80" * 11,          # a varint longer than any varint
])
def test_undecodable_requests_are_invalid_argument(start_service: Callable[..., RunningServer], raw: bytes) -> None:
    server = start_service("gateway")
    call = server.channel.unary_unary(LIST_CODES)  # raw bytes in, raw bytes out
    with pytest.raises(grpc.RpcError) as raised:
        call(raw, timeout=5)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    bad_request = error_details_pb2.BadRequest()
    assert rpc_status.from_call(raised.value).details[0].Unpack(bad_request)
    assert bad_request.field_violations[0].field == "request"
    stub = codes_grpc.CodeListServiceStub(server.channel)
    still = stub.ListCodes(codes_pb.ListCodesRequest(code_list=codes_pb.CODE_LIST_COUNTRIES, page_size=1))
    assert len(still.codes) == 1
