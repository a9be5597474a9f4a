"""Property-based hostile input against every RPC of every service.

Hypothesis builds random, malformed and oversized requests from each RPC's
descriptor (tests/security/strategies.py). For every one the answer must be
a clear status, never INTERNAL, UNKNOWN or DATA_LOSS; a request that fails
must leave every table of the service's database as it was; and the server
must keep serving.

Each RPC gets 20 examples in the suite; `ICORE_FUZZ_EXAMPLES=400` searches
deeper (about 10 minutes on two cores).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf import message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icore.analytics.v1 import analytics_service_pb2
from icore.audit.v1 import audit_service_pb2
from icore.biometric.v1 import biometric_service_pb2
from icore.gateway.v1 import gateway_service_pb2
from icore.messaging.v1 import messaging_service_pb2
from icore.query.v1 import query_service_pb2
from icore.uim.v1 import code_list_service_pb2
from services.bootstrap.settings import Settings, peer_addresses
from tests.security.strategies import messages
from tests.support import RunningServer

FORBIDDEN = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DATA_LOSS}

CONTRACTS = {
    "query": query_service_pb2, "biometric": biometric_service_pb2, "messaging": messaging_service_pb2,
    "analytics": analytics_service_pb2, "gateway": gateway_service_pb2,
}
#: Examples per RPC.
EXAMPLES = int(os.environ.get("ICORE_FUZZ_EXAMPLES", "20"))
RPCS = [(service, method) for service, module in CONTRACTS.items()
        for described in module.DESCRIPTOR.services_by_name.values() for method in described.methods]
RPCS += [("query", m) for m in code_list_service_pb2.DESCRIPTOR.services_by_name["CodeListService"].methods]
RPCS += [("query", m) for m in audit_service_pb2.DESCRIPTOR.services_by_name["AuditService"].methods]


@pytest.fixture(scope="module")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningServer]]:
    """All five real services, wired to each other, on free loopback ports."""
    root = tmp_path_factory.mktemp("mesh")
    running: dict[str, RunningServer] = {}
    peers = peer_addresses({})

    def start(service: str) -> None:
        settings_ = Settings(service=service, port=0, data_dir=root / service, peers=dict(peers), plaintext=True,
                             shutdown_grace_s=0.5, rate_limit_per_s=1e6, rate_limit_burst=10**6)
        running[service] = RunningServer(service, settings_)
        peers[service] = running[service].address

    for service in ("query", "biometric", "messaging", "analytics", "gateway"):
        start(service)
    yield running
    for server in reversed(list(running.values())):
        server.stop()


def _row_counts(server: RunningServer) -> dict[str, int]:
    path = Path(server.server.settings.data_dir) / f"{server.service}.sqlite"
    if not path.exists():
        return {}
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            tables = [t for t in sa.inspect(connection).get_table_names() if not t.startswith(("audit_", "alembic_"))]
            return {t: connection.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}
    finally:
        engine.dispose()


def _call(channel: grpc.Channel, method, requests: list, metadata) -> grpc.StatusCode:  # type: ignore[no-untyped-def]
    path = f"/{method.containing_service.full_name}/{method.name}"
    serialize = lambda m: m.SerializeToString()  # noqa: E731
    try:
        if method.client_streaming and not method.server_streaming:
            channel.stream_unary(path, request_serializer=serialize)(iter(requests), metadata=metadata, timeout=10)
        elif method.server_streaming:
            replies = channel.unary_stream(path, request_serializer=serialize)(requests[0], metadata=metadata,
                                                                             timeout=0.5)
            for count, _ in enumerate(replies):
                if count >= 5:
                    replies.cancel()
                    break
        else:
            channel.unary_unary(path, request_serializer=serialize)(requests[0], metadata=metadata, timeout=10)
    except grpc.RpcError as error:
        return error.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


@pytest.mark.parametrize(("service", "method"), RPCS, ids=[f"{s}-{m.name}" for s, m in RPCS])
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_hostile_requests_get_clear_errors(mesh: dict[str, RunningServer], service: str, method, data) -> None:  # type: ignore[no-untyped-def]
    server = mesh[service]
    request_class = message_factory.GetMessageClass(method.input_type)
    count = data.draw(st.integers(1, 3)) if method.client_streaming else 1
    requests = [data.draw(messages(request_class)) for _ in range(count)]
    metadata = data.draw(st.sampled_from([(("x-icore-country", "FRA"),), (("x-icore-country", "DEU"),), (),
                                          (("x-icore-country", "fr' --"),)]))
    before = _row_counts(server)
    code = _call(server.channel, method, requests, metadata)
    assert code not in FORBIDDEN, f"{method.full_name} answered {code.name} for {requests[0]!r:.500}"
    if code != grpc.StatusCode.OK and not method.client_streaming:
        assert _row_counts(server) == before, f"{method.full_name} failed with {code.name} but wrote"
    health = health_pb2_grpc.HealthStub(server.channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert health.status == health_pb2.HealthCheckResponse.SERVING


def test_deeply_nested_bytes_are_refused_cleanly(mesh: dict[str, RunningServer]) -> None:
    """A message nested 2,000 levels deep (protobuf allows 100) is INVALID_ARGUMENT."""
    raw = b""
    for _ in range(2000):
        raw = b"\x0a" + _varint(len(raw)) + raw  # field 1, length-delimited, wrapping the rest
    call = mesh["query"].channel.unary_unary("/icore.query.v1.QueryService/GetEntity")
    with pytest.raises(grpc.RpcError) as raised:
        call(raw, metadata=(("x-icore-country", "FRA"),), timeout=5)
    assert raised.value.code() in {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND}


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)
