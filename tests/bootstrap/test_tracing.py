"""Server spans, opened by the shared call interceptor (services.bootstrap.tracing):
a child of the caller's traceparent, named by the method, ended with the status
code; health checks are not traced."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from icore.query.v1 import query_service_pb2 as pb
from icore.query.v1 import query_service_pb2_grpc as pb_grpc
from services.bootstrap.tracing import tracer_provider
from tests.support import RunningServer, country

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
_spans = InMemorySpanExporter()


@pytest.fixture(scope="module", autouse=True)
def span_exporter() -> InMemorySpanExporter:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(_spans))
    return _spans


def test_a_call_is_a_server_span_under_the_callers_trace(start_service: Callable[..., RunningServer],
                                                         span_exporter: InMemorySpanExporter) -> None:
    server = start_service("query")
    span_exporter.clear()
    stub = pb_grpc.QueryServiceStub(server.channel)
    metadata = (*country("FRA"), ("traceparent", f"00-{TRACE_ID}-{PARENT_ID}-01"))
    with pytest.raises(grpc.RpcError) as failed:
        stub.GetEntity(pb.GetEntityRequest(entity_id="not an id!"), metadata=metadata, timeout=5)
    assert failed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    health_pb2_grpc.HealthStub(server.channel).Check(health_pb2.HealthCheckRequest(), timeout=5)

    spans = [s for s in span_exporter.get_finished_spans() if s.kind == trace.SpanKind.SERVER]
    assert [s.name for s in spans] == ["/icore.query.v1.QueryService/GetEntity"]  # no health span
    span = spans[0]
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert span.parent is not None and format(span.parent.span_id, "016x") == PARENT_ID
    assert span.attributes["rpc.service"] == "icore.query.v1.QueryService"
    assert span.attributes["rpc.grpc.status_code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    # The caller's mistake, not the server's: the span is not an error.
    assert span.status.status_code != trace.StatusCode.ERROR


def _root_and_child_of_sampled_parent(provider: TracerProvider) -> tuple[trace.Span, trace.Span]:
    tracer = provider.get_tracer(__name__)
    root = tracer.start_span("/icore.query.v1.QueryService/Search")
    parent = trace.NonRecordingSpan(trace.SpanContext(int(TRACE_ID, 16), int(PARENT_ID, 16), is_remote=True,
                                                      trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED)))
    child = tracer.start_span("/icore.query.v1.QueryService/Search", context=trace.set_span_in_context(parent))
    return root, child


def test_without_an_exporter_spans_carry_trace_ids_but_are_not_recorded() -> None:
    root, child = _root_and_child_of_sampled_parent(tracer_provider("query", env={}))
    assert root.get_span_context().is_valid  # a trace id for the logs and the next service
    assert not root.is_recording() and not root.get_span_context().trace_flags.sampled
    # A caller that samples its trace still gets this service's span.
    assert child.is_recording() and format(child.get_span_context().trace_id, "032x") == TRACE_ID


def test_a_span_processor_added_later_turns_recording_on() -> None:
    provider = tracer_provider("query", env={})
    exported = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exported))
    root, _ = _root_and_child_of_sampled_parent(provider)
    assert root.is_recording()
    root.end()
    assert [s.name for s in exported.get_finished_spans()] == ["/icore.query.v1.QueryService/Search"]


@pytest.mark.parametrize("env", [{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"},
                                 {"OTEL_TRACES_SAMPLER": "always_on"}])
def test_an_exporter_or_a_named_sampler_records_every_span(env: dict[str, str]) -> None:
    provider = tracer_provider("query", env=env)
    try:
        root, _ = _root_and_child_of_sampled_parent(provider)
        assert root.is_recording() and root.get_span_context().trace_flags.sampled
    finally:
        provider.shutdown()
