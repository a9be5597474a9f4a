"""Fixtures of the messaging tests: a real messaging server on each database
(SQLite, then PostgreSQL when ICORE_TEST_POSTGRES_URL is set), and small
builders for valid messages that each test changes only where it matters.

The cross-check's peers point at a closed port unless a test says otherwise,
so that no test depends on what else runs on the default ports.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from typing import Any

import grpc
import pytest
from google.protobuf.message import Message as ProtoMessage

from icore.messaging.v1 import message_pb2 as pb
from icore.messaging.v1 import messaging_service_pb2 as service_pb
from icore.messaging.v1 import messaging_service_pb2_grpc as service_grpc
from icore.uim.v1 import entity_pb2
from tests.support import RunningServer, country


def unused_address() -> str:
    """A loopback address nothing listens on (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def messaging(database_url: str, start_service: Callable[..., RunningServer]) -> RunningServer:
    """A messaging server on an empty database, its backends unreachable.
    (The database comes first, so that the server stops before it is dropped.)"""
    dead = unused_address()
    return start_service("messaging", database_url=database_url, peers={"query": dead, "biometric": dead})


def stub(server: RunningServer) -> service_grpc.MessagingServiceStub:
    return service_grpc.MessagingServiceStub(server.channel)


def person(entity_id: str, name: str, **fields: Any) -> entity_pb2.Entity:
    entity = entity_pb2.Entity(id=entity_id)
    entity.person.names.add(full_name=name)
    for document in fields.pop("documents", ()):
        entity.person.documents.add(**document)
    return entity


def message(to: Iterable[str] = ("DEU",), **fields: Any) -> pb.Message:
    """A valid routine request for information, changed by `fields`."""
    entities = fields.pop("entities", ())
    built = pb.Message(recipient_countries=list(to), message_type=pb.MESSAGE_TYPE_REQUEST_FOR_INFORMATION,
                       priority=pb.PRIORITY_ROUTINE, subject="Request for information", language="en")
    for name, value in fields.items():
        if isinstance(value, ProtoMessage):
            getattr(built, name).CopyFrom(value)
        else:
            setattr(built, name, value)
    built.content.entities.extend(entities)
    return built


_keys = iter(range(10**9))


def send(server: RunningServer, sender: str, sent: pb.Message, key: str = "") -> service_pb.SendMessageResponse:
    request = service_pb.SendMessageRequest(message=sent, idempotency_key=key or f"key-{next(_keys)}")
    return stub(server).SendMessage(request, metadata=country(sender), timeout=10)  # type: ignore[no-any-return]


def take(server: RunningServer, reader: str, count: int, cursor: str = "",
         timeout: float = 10) -> list[service_pb.StreamInboxResponse]:
    """The first `count` messages of `reader`'s inbox stream after `cursor`."""
    stream = stub(server).StreamInbox(service_pb.StreamInboxRequest(cursor=cursor), metadata=country(reader),
                                      timeout=timeout)
    items: list[service_pb.StreamInboxResponse] = []
    try:
        for item in stream:
            items.append(item)
            if len(items) == count:
                break
    finally:
        stream.cancel()
    return items


def rpc_error(call: Callable[[], Any]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value
