"""OpenTelemetry, configured once per process from the standard OTEL_*
variables; spans travel between services in W3C traceparent metadata.

Servers open a SERVER span per call in the shared call interceptor
(`start_server_span` / `end_server_span`; health checks and reflection left
out). opentelemetry-instrumentation-grpc's aio server interceptor did the same
as a second interceptor layer, wrapping each call's context and recording a
dozen attributes: it cost a server 150-200 us of CPU a call on the 2-core VM
(a ListCodes call 820-970 us with it, about 700 without), a quarter of what a
bare gRPC call costs there. Clients use `ClientTracing` below instead of that
package's aio client interceptors, which await the response inside their own
task: a caller's cancellation then never reached the backend call (a test in
tests/gateway shows it does now). Ours starts the span, injects the context
with OpenTelemetry's propagator and hands the call itself back, so cancelling
the awaiting task cancels the RPC.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased, Sampler, SamplingResult
from opentelemetry.util.types import Attributes

_configured = False

#: Calls that would only add noise to traces.
_NOT_TRACED = ("/grpc.health.v1.Health/", "/grpc.reflection.")


def otlp_requested(env: dict[str, str] | None = None) -> bool:
    """True when the standard variables ask for OTLP export of traces."""
    env = dict(os.environ) if env is None else env
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "otlp").lower() == "none":
        return False
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def configure_tracing(service: str) -> None:
    """Install this process's tracer provider (`tracer_provider`), once."""
    global _configured
    if _configured:
        return
    _configured = True
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return  # a test or the host application installed its own
    trace.set_tracer_provider(tracer_provider(service))


def tracer_provider(service: str, env: dict[str, str] | None = None) -> TracerProvider:
    """A tracer provider exporting by OTLP when OTEL_* says so.

    New traces are recorded only while the provider has a span processor (an
    OTLP exporter, or one a test or host application adds), unless
    OTEL_TRACES_SAMPLER names a sampler: without one, spans are still started,
    so trace ids appear in the logs and travel to the other services, but a
    recorded span nobody exports cost a server 60-90 us of CPU a call, a tenth
    of a light call. A caller's traceparent decides for its children, as in
    the SDK's default (parent-based) sampler.
    """
    env = dict(os.environ) if env is None else env
    name = env.get("OTEL_SERVICE_NAME", f"icore-{service}")
    resource = Resource.create({"service.name": name})
    if env.get("OTEL_TRACES_SAMPLER"):
        provider = TracerProvider(resource=resource)  # the SDK reads the variable
    else:
        provider = _ProviderKnowingItExports(_WhileExporting(), resource=resource)
    if otlp_requested(env):
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


class _WhileExporting(Sampler):
    """Samples a new trace while its provider has somewhere to send spans."""

    def __init__(self) -> None:
        self.exporting = False

    def should_sample(self, parent_context: context.Context | None, trace_id: int, name: str,
                      kind: trace.SpanKind | None = None, attributes: Attributes = None,
                      links: Sequence[trace.Link] | None = None,
                      trace_state: trace.TraceState | None = None) -> SamplingResult:
        sampler = ALWAYS_ON if self.exporting else ALWAYS_OFF
        return sampler.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return "WhileExporting"


class _ProviderKnowingItExports(TracerProvider):
    """Samples parent-based, new traces by `root`, which it turns on with its
    first span processor."""

    def __init__(self, root: _WhileExporting, **kwargs: Any) -> None:
        super().__init__(sampler=ParentBased(root), **kwargs)
        self._root = root

    def add_span_processor(self, span_processor: SpanProcessor) -> None:
        super().add_span_processor(span_processor)
        self._root.exporting = True


#: Status codes that make a SERVER span an error (OpenTelemetry's gRPC conventions:
#: the caller's mistakes, such as INVALID_ARGUMENT or NOT_FOUND, are not the server's).
_SERVER_ERRORS = frozenset({grpc.StatusCode.UNKNOWN, grpc.StatusCode.DEADLINE_EXCEEDED,
                            grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNAVAILABLE,
                            grpc.StatusCode.DATA_LOSS})
_server_tracer = trace.get_tracer(__name__)  # a proxy until a provider is installed


@dataclass(frozen=True)
class ServerSpan:
    """The SERVER span of one incoming call, and the token that made it current."""

    span: Any
    token: object


def start_server_span(method: str, metadata: Mapping[str, str]) -> ServerSpan | None:
    """A SERVER span for an incoming call, a child of the caller's `traceparent`
    when it sent one, made current for the handler; None for calls not traced."""
    if method.startswith(_NOT_TRACED):
        return None
    parent = propagate.extract(metadata)
    span = _server_tracer.start_span(method, context=parent, kind=trace.SpanKind.SERVER,
                                     attributes=_rpc_attributes(method))
    return ServerSpan(span, context.attach(trace.set_span_in_context(span, parent)))


def end_server_span(server_span: ServerSpan | None, code: grpc.StatusCode) -> None:
    if server_span is None:
        return
    try:
        _end(server_span.span, code, error=code in _SERVER_ERRORS)
    finally:
        context.detach(server_span.token)  # type: ignore[arg-type]


def _rpc_attributes(method: str) -> dict[str, str]:
    service, _, name = method.lstrip("/").partition("/")
    return {"rpc.system": "grpc", "rpc.service": service, "rpc.method": name}


def _end(span: Any, code: grpc.StatusCode, error: bool) -> None:
    span.set_attribute("rpc.grpc.status_code", code.value[0])
    if error:
        span.set_status(trace.Status(trace.StatusCode.ERROR, code.name))
    span.end()


class ClientTracing(
    grpc.aio.UnaryUnaryClientInterceptor,
    grpc.aio.UnaryStreamClientInterceptor,
    grpc.aio.StreamUnaryClientInterceptor,
    grpc.aio.StreamStreamClientInterceptor,
):
    """A CLIENT span per outgoing call, ended with the call's status code."""

    def __init__(self) -> None:
        self._tracer = trace.get_tracer(__name__)  # a proxy until a provider is installed

    def _start(self, details: grpc.aio.ClientCallDetails) -> tuple[Any, grpc.aio.ClientCallDetails]:
        method = details.method.decode() if isinstance(details.method, bytes) else details.method
        span = self._tracer.start_span(method, kind=trace.SpanKind.CLIENT, attributes=_rpc_attributes(method))
        carrier: dict[str, str] = {}
        propagate.inject(carrier, context=trace.set_span_in_context(span))
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        for key, value in carrier.items():
            metadata.add(key, value)
        return span, grpc.aio.ClientCallDetails(details.method, details.timeout, metadata, details.credentials,
                                                details.wait_for_ready)

    @staticmethod
    def _end(span: Any, code: grpc.StatusCode) -> None:
        _end(span, code, error=code != grpc.StatusCode.OK)

    @classmethod
    def _end_when_done(cls, span: Any, call: Any) -> Any:
        async def finish() -> None:
            try:
                code = await call.code()
            except BaseException:  # noqa: BLE001 - a span must end whatever happened
                code = grpc.StatusCode.CANCELLED
            cls._end(span, code)

        call.add_done_callback(lambda _: asyncio.ensure_future(finish()))
        return call

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        """A unary call's span ends here, when its status is in, without a task of its
        own: the gateway makes several such calls for every search."""
        span, details = self._start(details)
        code = grpc.StatusCode.CANCELLED
        try:
            call = await continuation(details, request)
            try:
                code = await call.code()
            except asyncio.CancelledError:
                call.cancel()
                raise
            return call
        finally:
            self._end(span, code)

    async def _intercept(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        span, details = self._start(client_call_details)
        try:
            call = await continuation(details, request)
        except BaseException:
            span.end()
            raise
        return self._end_when_done(span, call)

    async def _intercept_stream(self, continuation: Any, client_call_details: Any, request_iterator: Any) -> Any:
        return await self._intercept(continuation, client_call_details, request_iterator)

    intercept_unary_stream = _intercept
    intercept_stream_unary = _intercept_stream
    intercept_stream_stream = _intercept_stream


def client_interceptors() -> list[Any]:
    return [ClientTracing()]


def current_trace_id() -> str:
    """Hex trace id of the active span, or "" outside a trace."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else ""
