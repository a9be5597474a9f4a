"""Wiring of the analytics server. Every RPC answers UNIMPLEMENTED until INSIGHT analytics (issue 7) lands."""

from __future__ import annotations

from icore.analytics.v1 import analytics_service_pb2, analytics_service_pb2_grpc
from services.bootstrap.server import IcoreServer, Registration
from services.bootstrap.settings import Settings

SERVICE_NAME = analytics_service_pb2.DESCRIPTOR.services_by_name["AnalyticsService"].full_name


async def create_server(settings: Settings) -> IcoreServer:
    servicer = analytics_service_pb2_grpc.AnalyticsServiceServicer()
    return IcoreServer(settings, [Registration(SERVICE_NAME, analytics_service_pb2_grpc.add_AnalyticsServiceServicer_to_server, servicer)])
