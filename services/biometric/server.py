"""Wiring of the biometric server. Every RPC answers UNIMPLEMENTED until the biometric core (issue 5) lands."""

from __future__ import annotations

from icore.biometric.v1 import biometric_service_pb2, biometric_service_pb2_grpc
from services.bootstrap.server import IcoreServer, Registration
from services.bootstrap.settings import Settings

SERVICE_NAME = biometric_service_pb2.DESCRIPTOR.services_by_name["BiometricService"].full_name


async def create_server(settings: Settings) -> IcoreServer:
    servicer = biometric_service_pb2_grpc.BiometricServiceServicer()
    return IcoreServer(settings, [Registration(SERVICE_NAME, biometric_service_pb2_grpc.add_BiometricServiceServicer_to_server, servicer)])
