"""Wiring of the query server. Every RPC answers UNIMPLEMENTED until the unified query (issue 6) lands."""

from __future__ import annotations

from icore.query.v1 import query_service_pb2, query_service_pb2_grpc
from services.bootstrap.server import IcoreServer, Registration
from services.bootstrap.settings import Settings

SERVICE_NAME = query_service_pb2.DESCRIPTOR.services_by_name["QueryService"].full_name


async def create_server(settings: Settings) -> IcoreServer:
    servicer = query_service_pb2_grpc.QueryServiceServicer()
    return IcoreServer(settings, [Registration(SERVICE_NAME, query_service_pb2_grpc.add_QueryServiceServicer_to_server, servicer)])
