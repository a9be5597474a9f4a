"""Builds and runs an icore gRPC server: interceptors, health, reflection,
code lists, size limits and graceful shutdown, the same for every service.

A service's own `create_server(settings)` opens its storage, builds its
servicer and hands both to `IcoreServer`; health turns SERVING only after
`start()`, that is after the storage is open.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
import structlog
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from icore.audit.v1 import audit_service_pb2, audit_service_pb2_grpc
from icore.uim.v1 import code_list_service_pb2, code_list_service_pb2_grpc
from services.bootstrap import tracing
from services.bootstrap.audit import AuditLog, AuditServicer
from services.bootstrap.code_lists import CodeListServicer
from services.bootstrap.collector import THRESHOLDS, tune_collector
from services.bootstrap.identity import CertificateIdentity, DevelopmentIdentity, IdentityResolver
from services.bootstrap.interceptors import CallInterceptor
from services.bootstrap.limits import CountryLimits
from services.bootstrap.logs import configure_logging
from services.bootstrap.settings import Settings
from services.bootstrap.tls import is_loopback, server_credentials

log = structlog.get_logger(__name__)

T = TypeVar("T")

Closer = Callable[[], Awaitable[None] | None]


@dataclass
class Registration:
    """One gRPC service a server offers."""

    #: Full proto name, e.g. "icore.messaging.v1.MessagingService".
    full_name: str
    #: The generated add_<Service>Servicer_to_server function.
    add_to_server: Callable[[Any, grpc.aio.Server], None]
    servicer: Any


@dataclass
class IcoreServer:
    """A started-or-not gRPC server with its health and its resources to close."""

    settings: Settings
    registrations: Sequence[Registration]
    #: Called in order after the server stopped, e.g. to dispose engines.
    closers: list[Closer] = field(default_factory=list)
    resolver: IdentityResolver | None = None
    #: The service's audit log; offered to data owners through AuditService.
    audit: AuditLog | None = None
    #: The garbage collector's thresholds once serving (services.bootstrap.collector).
    collector_thresholds: tuple[int, int, int] = THRESHOLDS
    port: int = 0

    def __post_init__(self) -> None:
        configure_logging(self.settings.log_level)
        tracing.configure_tracing(self.settings.service)
        check_transport(self.settings)
        resolver = self.resolver or (DevelopmentIdentity() if self.settings.plaintext else CertificateIdentity())
        limits = CountryLimits(self.settings.rate_limit_per_s, self.settings.rate_limit_burst,
                               self.settings.max_streams_per_country)
        limit = self.settings.max_message_bytes
        self.server = grpc.aio.server(
            interceptors=[CallInterceptor(resolver, limits)],
            options=[
                ("grpc.max_receive_message_length", limit),
                ("grpc.max_send_message_length", limit),
                ("grpc.so_reuseport", 0),
                # Clients balancing round robin over a headless service resolve
                # DNS again only when a connection ends: ending each after five
                # minutes lets them find pods the autoscaler added.
                ("grpc.max_connection_age_ms", 5 * 60 * 1000),
                ("grpc.max_connection_age_grace_ms", 30 * 1000),
            ],
        )
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        code_lists = Registration(
            code_list_service_pb2.DESCRIPTOR.services_by_name["CodeListService"].full_name,
            code_list_service_pb2_grpc.add_CodeListServiceServicer_to_server,
            CodeListServicer(),
        )
        offered = {r.full_name for r in self.registrations}
        self._all = [*self.registrations, *([] if code_lists.full_name in offered else [code_lists])]
        if self.audit is not None:
            self._all.append(Registration(audit_service_pb2.DESCRIPTOR.services_by_name["AuditService"].full_name,
                                          audit_service_pb2_grpc.add_AuditServiceServicer_to_server,
                                          AuditServicer(self.audit)))
            self.closers.insert(0, self.audit.close)
        for registration in self._all:
            registration.add_to_server(registration.servicer, self.server)
        names = [r.full_name for r in self._all]
        reflection.enable_server_reflection([*names, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server)
        self._stopped = asyncio.Event()
        self._health_server: grpc.aio.Server | None = None
        if self.settings.health_port:
            # Health only, no interceptors, no data: safe to leave without TLS.
            self._health_server = grpc.aio.server()
            health_pb2_grpc.add_HealthServicer_to_server(self.health, self._health_server)

    @property
    def address(self) -> str:
        return f"{self.settings.host}:{self.port}"

    async def start(self) -> int:
        """Bind, start, then report SERVING; returns the bound port."""
        await self.health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
        address = f"{self.settings.host}:{self.settings.port}"
        if self.settings.plaintext:
            log.warning("plaintext_development_mode", detail="no TLS; caller country taken from metadata")
            self.port = self.server.add_insecure_port(address)
        else:
            assert self.settings.tls_dir is not None
            self.port = self.server.add_secure_port(address, server_credentials(self.settings.tls_dir,
                                                                                self.settings.service))
        if self.port == 0:
            raise OSError(f"cannot listen on {self.settings.host}:{self.settings.port}")
        await self.server.start()
        if self._health_server is not None:
            self._health_server.add_insecure_port(f"{self.settings.host}:{self.settings.health_port}")
            await self._health_server.start()
        tune_collector(self.collector_thresholds)
        for name in ["", *(r.full_name for r in self._all)]:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("server_started", service=self.settings.service, address=self.address)
        return self.port

    async def stop(self, grace: float | None = None) -> None:
        """NOT_SERVING first, so balancers move away, then drain in-flight calls."""
        if self._stopped.is_set():
            return
        await self.health.enter_graceful_shutdown()
        await self.server.stop(self.settings.shutdown_grace_s if grace is None else grace)
        if self._health_server is not None:
            await self._health_server.stop(0)
        for close in self.closers:
            result = close()
            if asyncio.iscoroutine(result):
                await result
        self._stopped.set()
        log.info("server_stopped", service=self.settings.service)

    async def wait_stopped(self) -> None:
        await self._stopped.wait()


def check_transport(settings: Settings) -> None:
    """Mutual TLS unless explicitly in plaintext development mode on loopback."""
    if settings.plaintext and not is_loopback(settings.host):
        raise SystemExit(f"ICORE_PLAINTEXT=1 is for loopback only, not {settings.host}; set ICORE_TLS_DIR")
    if not settings.plaintext and settings.tls_dir is None:
        raise SystemExit("no transport security: set ICORE_TLS_DIR (see `icore certs`), "
                         "or ICORE_PLAINTEXT=1 for development on loopback")


async def run_until_signal(servers: Sequence[IcoreServer]) -> None:
    """Start the servers, wait for SIGTERM or SIGINT, then stop them gracefully."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        for server in servers:
            await server.start()
        await stop.wait()
        log.info("shutdown_requested")
    finally:
        await asyncio.gather(*(server.stop() for server in reversed(servers)))


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run a server process's main coroutine on uvloop, or on asyncio's own loop
    where uvloop is not installed (Windows) or ICORE_EVENT_LOOP=asyncio.

    A gRPC call costs a Python process mostly its event loop and grpc's own
    machinery, whatever the handler does; on uvloop the five processes of a
    unified search spent 6 % less CPU on it (bench figures in the README).
    """
    if os.environ.get("ICORE_EVENT_LOOP", "uvloop") != "asyncio":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            return uvloop.run(main)
    return asyncio.run(main)
