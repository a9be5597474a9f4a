"""Client channels from one icore service to another: round-robin over every
address a (headless) service name resolves to, retries of idempotent calls
through the gRPC service config, keepalive, tracing, and the caller's country
passed on with the relaying service's own name."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import grpc

from services.bootstrap import tracing
from services.bootstrap.identity import current_caller, identity_metadata
from services.bootstrap.settings import DEFAULT_MAX_MESSAGE_BYTES, Settings
from services.bootstrap.tls import channel_credentials


def service_config(idempotent_services: Sequence[str] = ()) -> str:
    """Round robin everywhere; retries on UNAVAILABLE only for idempotent services."""
    config: dict[str, Any] = {"loadBalancingConfig": [{"round_robin": {}}]}
    if idempotent_services:
        config["methodConfig"] = [
            {
                "name": [{"service": name} for name in idempotent_services],
                "retryPolicy": {
                    "maxAttempts": 3,
                    "initialBackoff": "0.05s",
                    "maxBackoff": "0.5s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ]
    return json.dumps(config)


class _RelayIdentity(
    grpc.aio.UnaryUnaryClientInterceptor,
    grpc.aio.UnaryStreamClientInterceptor,
    grpc.aio.StreamUnaryClientInterceptor,
    grpc.aio.StreamStreamClientInterceptor,
):
    """Adds the country the current RPC acts for, and this service's name."""

    def __init__(self, service: str) -> None:
        self._service = service

    def _details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        caller = current_caller()
        if caller is None:
            return details
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        for key, value in identity_metadata(caller, self._service):
            if key not in metadata:
                metadata.add(key, value)
        return grpc.aio.ClientCallDetails(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
        )

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)

    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)

    async def intercept_stream_unary(self, continuation: Any, details: Any, request_iterator: Any) -> Any:
        return await continuation(self._details(details), request_iterator)

    async def intercept_stream_stream(self, continuation: Any, details: Any, request_iterator: Any) -> Any:
        return await continuation(self._details(details), request_iterator)


def peer_channel(settings: Settings, peer: str, idempotent_services: Sequence[str] = ()) -> grpc.aio.Channel:
    """A channel from this service to `peer`, with mutual TLS unless plaintext."""
    credentials = None if settings.plaintext or settings.tls_dir is None else \
        channel_credentials(settings.tls_dir, settings.service)
    return open_channel(settings.peers[peer], relaying_service=settings.service,
                        idempotent_services=idempotent_services, credentials=credentials)


def open_channel(
    address: str, *, relaying_service: str, idempotent_services: Sequence[str] = (),
    credentials: grpc.ChannelCredentials | None = None,
) -> grpc.aio.Channel:
    """A channel to `address` ("host:port" or "dns:///name:port").

    `relaying_service` is the calling service's name; calls made while handling
    an RPC carry that RPC's country on to the callee.
    """
    target = address if "://" in address or address.startswith("dns:") else f"dns:///{address}"
    options = [
        ("grpc.service_config", service_config(idempotent_services)),
        ("grpc.enable_retries", 1),
        ("grpc.keepalive_time_ms", 30_000),
        ("grpc.keepalive_timeout_ms", 10_000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.max_receive_message_length", DEFAULT_MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", DEFAULT_MAX_MESSAGE_BYTES),
    ]
    interceptors = [*tracing.client_interceptors(), _RelayIdentity(relaying_service)]
    if credentials is None:
        return grpc.aio.insecure_channel(target, options=options, interceptors=interceptors)
    return grpc.aio.secure_channel(target, credentials, options=options, interceptors=interceptors)
