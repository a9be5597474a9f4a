"""Wiring of the gateway server. Every RPC answers UNIMPLEMENTED until the gateway (issue 8) lands."""

from __future__ import annotations

from icore.gateway.v1 import gateway_service_pb2, gateway_service_pb2_grpc
from services.bootstrap.server import IcoreServer, Registration
from services.bootstrap.settings import Settings

SERVICE_NAME = gateway_service_pb2.DESCRIPTOR.services_by_name["GatewayService"].full_name


async def create_server(settings: Settings) -> IcoreServer:
    servicer = gateway_service_pb2_grpc.GatewayServiceServicer()
    return IcoreServer(settings, [Registration(SERVICE_NAME, gateway_service_pb2_grpc.add_GatewayServiceServicer_to_server, servicer)])
