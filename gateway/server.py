"""Wiring of the gateway: channels to the four backends and the servicer that
translates GatewayService calls into the unified search and frontline check."""

from __future__ import annotations

import grpc

from gateway.backends import Backends
from gateway.deadlines import Budget
from gateway.frontline import Thresholds, frontline_check
from gateway.unified_search import unified_search
from icore.gateway.v1 import gateway_service_pb2 as pb
from icore.gateway.v1 import gateway_service_pb2_grpc as pb_grpc
from services.bootstrap.identity import require_caller
from services.bootstrap.server import IcoreServer, Registration
from services.bootstrap.settings import Settings

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["GatewayService"].full_name


class GatewayServicer(pb_grpc.GatewayServiceServicer):
    def __init__(self, backends: Backends) -> None:
        self._backends = backends
        self._thresholds = Thresholds()

    async def UnifiedSearch(self, request: pb.UnifiedSearchRequest,
                            context: grpc.aio.ServicerContext) -> pb.UnifiedSearchResponse:
        require_caller()
        return await unified_search(request, self._backends, Budget.from_remaining(context.time_remaining()),
                                    self._thresholds)

    async def FrontlineCheck(self, request: pb.FrontlineCheckRequest,
                             context: grpc.aio.ServicerContext) -> pb.FrontlineCheckResponse:
        require_caller()
        budget = Budget.from_remaining(context.time_remaining())
        return await frontline_check(request, self._backends, budget, self._thresholds)


async def create_server(settings: Settings) -> IcoreServer:
    backends = Backends.connect(settings)
    servicer = GatewayServicer(backends)
    registration = Registration(SERVICE_NAME, pb_grpc.add_GatewayServiceServicer_to_server, servicer)
    return IcoreServer(settings, [registration], closers=[backends.close])
