"""Wiring of the messaging server. Every RPC answers UNIMPLEMENTED until Smart Case Messaging (issue 4) lands."""

from __future__ import annotations

from icore.messaging.v1 import messaging_service_pb2, messaging_service_pb2_grpc
from services.bootstrap.server import IcoreServer, Registration
from services.bootstrap.settings import Settings

SERVICE_NAME = messaging_service_pb2.DESCRIPTOR.services_by_name["MessagingService"].full_name


async def create_server(settings: Settings) -> IcoreServer:
    servicer = messaging_service_pb2_grpc.MessagingServiceServicer()
    return IcoreServer(settings, [Registration(SERVICE_NAME, messaging_service_pb2_grpc.add_MessagingServiceServicer_to_server, servicer)])
