"""OpenTelemetry, configured once per process from the standard OTEL_*
variables; spans travel between services in W3C traceparent metadata through
opentelemetry-instrumentation-grpc's interceptors (health checks left out)."""

from __future__ import annotations

import os
from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.grpc import aio_client_interceptors, aio_server_interceptor
from opentelemetry.instrumentation.grpc.filters import any_of, health_check, negate, service_prefix
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_configured = False

#: Calls that would only add noise to traces.
_NOT_TRACED = any_of(health_check(), service_prefix("grpc.reflection"))


def otlp_requested(env: dict[str, str] | None = None) -> bool:
    """True when the standard variables ask for OTLP export of traces."""
    env = dict(os.environ) if env is None else env
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "otlp").lower() == "none":
        return False
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def configure_tracing(service: str) -> None:
    """Install a tracer provider, exporting by OTLP when OTEL_* says so.

    Without an endpoint spans are still created, so trace ids appear in the
    logs and propagate to other services; they are just not exported.
    """
    global _configured
    if _configured:
        return
    _configured = True
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return  # a test or the host application installed its own
    name = os.environ.get("OTEL_SERVICE_NAME", f"icore-{service}")
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    if otlp_requested():
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


def server_interceptor() -> Any:
    return aio_server_interceptor(filter_=negate(_NOT_TRACED))


def client_interceptors() -> list[Any]:
    return list(aio_client_interceptors(filter_=negate(_NOT_TRACED)))


def current_trace_id() -> str:
    """Hex trace id of the active span, or "" outside a trace."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else ""
