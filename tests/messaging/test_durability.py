"""Nothing acknowledged is lost: a messaging server process is killed with
SIGKILL while senders keep it busy, and every message for which SendMessage
answered OK is there after a restart, in the recipient's inbox stream too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from icore.messaging.v1 import messaging_service_pb2 as service_pb
from icore.messaging.v1 import messaging_service_pb2_grpc as service_grpc
from tests.messaging.conftest import message, unused_address
from tests.support import RunningServer, country

SENDERS = 8
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server_process(database_url: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`icore serve messaging` as its own process, the way a pod runs it."""
    address = unused_address()
    dead = unused_address()
    env = {**os.environ, "ICORE_PORT": address.rsplit(":", 1)[1], "ICORE_DATA_DIR": str(tmp_path),
           "ICORE_MESSAGING_DATABASE_URL": database_url, "ICORE_PLAINTEXT": "1", "ICORE_LOG_LEVEL": "warning",
           "ICORE_QUERY_ADDR": dead, "ICORE_BIOMETRIC_ADDR": dead, "ICORE_RATE_LIMIT_PER_S": "100000",
           "ICORE_RATE_LIMIT_BURST": "100000"}
    process = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", "messaging"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_serving(address)
        yield process, address
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def _wait_serving(address: str, timeout: float = 30) -> None:
    give_up = time.monotonic() + timeout
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while True:
            try:
                answer = health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            if time.monotonic() > give_up:
                raise TimeoutError(f"messaging at {address} did not start")
            time.sleep(0.1)


def test_kill_9_under_load_loses_no_acknowledged_message(
        server_process: tuple[subprocess.Popen[bytes], str], database_url: str,
        start_service: Callable[..., RunningServer]) -> None:
    process, address = server_process
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def sender(number: int) -> None:
        with grpc.insecure_channel(address) as channel:
            stub = service_grpc.MessagingServiceStub(channel)
            for i in range(100_000):
                if stop.is_set():
                    return
                request = service_pb.SendMessageRequest(message=message(to=["DEU"], subject=f"{number}/{i}"),
                                                        idempotency_key=f"{number}-{i}")
                try:
                    response = stub.SendMessage(request, metadata=country("FRA"), timeout=5)
                except grpc.RpcError:
                    return  # the server is gone; what it acknowledged is what counts
                with lock:
                    acknowledged.append(response.message.id)

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(SENDERS)]
    for thread in threads:
        thread.start()
    give_up = time.monotonic() + 20
    while len(acknowledged) < 200 and time.monotonic() < give_up:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)  # mid-load: sends are in flight right now
    process.wait(10)
    stop.set()
    for thread in threads:
        thread.join(10)
    assert len(acknowledged) >= 200, "the load never got going"

    dead = unused_address()
    restarted = start_service("messaging", database_url=database_url, peers={"query": dead, "biometric": dead})
    stub = service_grpc.MessagingServiceStub(restarted.channel)
    for message_id in acknowledged:
        found = stub.GetMessage(service_pb.GetMessageRequest(message_id=message_id), metadata=country("FRA"))
        assert found.message.id == message_id
    missing = set(acknowledged) - _whole_inbox(restarted, "DEU")
    assert not missing, f"{len(missing)} acknowledged messages lost"


def _whole_inbox(server: RunningServer, reader: str) -> set[str]:
    """Every message id of an inbox, read through the stream until it goes quiet."""
    seen: set[str] = set()
    stream = service_grpc.MessagingServiceStub(server.channel).StreamInbox(
        service_pb.StreamInboxRequest(), metadata=country(reader), timeout=2)
    try:
        for item in stream:
            seen.add(item.message.id)
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    return seen
