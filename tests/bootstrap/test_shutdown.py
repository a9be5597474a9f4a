"""Graceful shutdown: health turns NOT_SERVING first, in-flight calls finish,
and `icore serve` exits cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from icore.uim.v1 import code_list_service_pb2 as codes_pb
from icore.uim.v1 import code_list_service_pb2_grpc as codes_grpc
from services.bootstrap.code_lists import CodeListServicer
from services.bootstrap.server import IcoreServer, Registration
from services.bootstrap.settings import Settings
from services.mesh import wait_serving


class SlowCodeLists(CodeListServicer):
    """Code lists that take a second, to be caught in flight by a shutdown."""

    async def ListCodes(self, request, context):  # type: ignore[no-untyped-def]
        await asyncio.sleep(1.0)
        return await super().ListCodes(request, context)


def test_stop_drains_in_flight_calls(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    run = lambda coroutine: asyncio.run_coroutine_threadsafe(coroutine, loop).result(30)  # noqa: E731

    async def build() -> IcoreServer:
        return IcoreServer(Settings(service="query", data_dir=tmp_path, plaintext=True),
                           [Registration("icore.uim.v1.CodeListService",
                                         codes_grpc.add_CodeListServiceServicer_to_server, SlowCodeLists())])

    server = run(build())
    port = run(server.start())
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = codes_grpc.CodeListServiceStub(channel).ListCodes.future(
            codes_pb.ListCodesRequest(code_list=codes_pb.CODE_LIST_COUNTRIES, page_size=2))
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0.3), loop).result()
        stopping = asyncio.run_coroutine_threadsafe(server.stop(grace=5), loop)
        assert len(call.result(timeout=10).codes) == 2, "the in-flight call was not drained"
        stopping.result(10)
    loop.call_soon_threadsafe(loop.stop)


def test_serve_turns_not_serving_and_exits_zero_on_sigterm(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, ICORE_PORT=str(port), ICORE_DATA_DIR=str(tmp_path), ICORE_SHUTDOWN_GRACE_S="2",
               ICORE_PLAINTEXT="1")
    process = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", "gateway"], env=env,
                               stderr=subprocess.DEVNULL)
    try:
        assert wait_serving(f"127.0.0.1:{port}", 60, process)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(), timeout=30)
            assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
            process.send_signal(signal.SIGTERM)
            assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_health_port_answers_without_a_certificate(tmp_path: Path) -> None:
    """The plaintext health port the kubelet probes, beside a mutual-TLS service port."""
    from services.bootstrap.certificates import make_development_pki

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        health_port = probe.getsockname()[1]
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()

    async def build() -> IcoreServer:
        settings = Settings(service="query", data_dir=tmp_path, health_port=health_port,
                            tls_dir=make_development_pki(tmp_path / "pki", ("FRA",)))
        return IcoreServer(settings, [])

    server = asyncio.run_coroutine_threadsafe(build(), loop).result(30)
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(30)
    with grpc.insecure_channel(f"127.0.0.1:{health_port}") as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        codes = codes_grpc.CodeListServiceStub(channel)
        try:
            codes.ListCodes(codes_pb.ListCodesRequest(code_list=codes_pb.CODE_LIST_COUNTRIES), timeout=5)
            raise AssertionError("the health port served more than health")
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.UNIMPLEMENTED
    asyncio.run_coroutine_threadsafe(server.stop(0), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
