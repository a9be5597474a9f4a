"""Mutual TLS identity: who a caller is comes from its verified certificate."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from icore.uim.v1 import code_list_service_pb2 as codes_pb
from icore.uim.v1 import code_list_service_pb2_grpc as codes_grpc
from services.bootstrap.certificates import CertificateAuthority, make_development_pki
from services.bootstrap.code_lists import CodeListServicer
from services.bootstrap.identity import require_caller
from services.bootstrap.server import IcoreServer, Registration, check_transport
from services.bootstrap.settings import Settings
from services.bootstrap.tls import channel_credentials


class WhoAmI(CodeListServicer):
    """Answers with the caller the interceptor established, as one code."""

    async def ListCodes(self, request, context):  # type: ignore[no-untyped-def]
        caller = require_caller()
        return codes_pb.ListCodesResponse(codes=[codes_pb.Code(code=caller.country, name=caller.service)])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_development_pki(tmp_path_factory.mktemp("pki"), ("FRA", "DEU"))


@pytest.fixture
def tls_server(pki: Path, tmp_path: Path) -> Iterator[str]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def build() -> IcoreServer:
        settings = Settings(service="query", data_dir=tmp_path, tls_dir=pki)
        return IcoreServer(settings, [Registration("icore.uim.v1.CodeListService",
                                                   codes_grpc.add_CodeListServiceServicer_to_server, WhoAmI())])

    server = asyncio.run_coroutine_threadsafe(build(), loop).result(10)
    port = asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
    yield f"localhost:{port}"
    asyncio.run_coroutine_threadsafe(server.stop(0), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)


def _who(address: str, credentials: grpc.ChannelCredentials, metadata: tuple = ()) -> tuple[str, str]:  # type: ignore[type-arg]
    with grpc.secure_channel(address, credentials) as channel:
        reply = codes_grpc.CodeListServiceStub(channel).ListCodes(codes_pb.ListCodesRequest(), metadata=metadata,
                                                                  timeout=10)
    return reply.codes[0].code, reply.codes[0].name


def test_country_comes_from_the_certificate(tls_server: str, pki: Path) -> None:
    assert _who(tls_server, channel_credentials(pki, "country-FRA")) == ("FRA", "")


def test_a_country_cannot_claim_another_country_or_a_service(tls_server: str, pki: Path) -> None:
    forged = (("x-icore-country", "DEU"), ("x-icore-service", "gateway"), ("x-icore-on-behalf-of", "DEU"))
    assert _who(tls_server, channel_credentials(pki, "country-FRA"), forged) == ("FRA", "")


def test_only_a_service_passes_on_a_country(tls_server: str, pki: Path) -> None:
    relayed = (("x-icore-service", "gateway"), ("x-icore-on-behalf-of", "DEU"))
    assert _who(tls_server, channel_credentials(pki, "gateway"), relayed) == ("DEU", "gateway")


def test_a_service_acting_for_nobody_is_no_country(tls_server: str, pki: Path) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        _who(tls_server, channel_credentials(pki, "gateway"))
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_client_without_certificate_is_refused(tls_server: str, pki: Path) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        _who(tls_server, grpc.ssl_channel_credentials((pki / "ca.pem").read_bytes()))
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_certificate_from_another_ca_is_refused(tls_server: str, pki: Path, tmp_path: Path) -> None:
    rogue = CertificateAuthority(tmp_path / "rogue", organization="rogue CA")
    rogue.issue_country("FRA")
    credentials = grpc.ssl_channel_credentials((pki / "ca.pem").read_bytes(),
                                               (tmp_path / "rogue" / "country-FRA-key.pem").read_bytes(),
                                               (tmp_path / "rogue" / "country-FRA.pem").read_bytes())
    with pytest.raises(grpc.RpcError) as raised:
        _who(tls_server, credentials)
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE


def test_plaintext_is_refused_off_loopback_and_tls_is_the_default(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="loopback only"):
        check_transport(Settings(service="query", host="0.0.0.0", plaintext=True))
    with pytest.raises(SystemExit, match="ICORE_TLS_DIR"):
        check_transport(Settings(service="query"))
    check_transport(Settings(service="query", host="127.0.0.1", plaintext=True))
