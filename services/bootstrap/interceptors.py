"""The call interceptor: for every RPC it opens the trace span, establishes the
caller, binds the log context, maps domain errors to gRPC status (with a google.rpc.BadRequest for
bad fields) and writes one log line with the code and duration.

Handlers therefore never call `context.set_code` or `context.abort` themselves:
they raise the errors of services.bootstrap.errors.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import structlog
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from services.bootstrap import errors
from services.bootstrap.identity import Caller, IdentityResolver, reset_caller, set_caller
from services.bootstrap.limits import CountryLimits
from services.bootstrap.tracing import ServerSpan, current_trace_id, end_server_span, start_server_span

log = structlog.get_logger(__name__)

_QUIET_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")

_CODES: list[tuple[type[errors.IcoreError], grpc.StatusCode]] = [
    (errors.InvalidArgumentError, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.NotFoundError, grpc.StatusCode.NOT_FOUND),
    (errors.PermissionDeniedError, grpc.StatusCode.PERMISSION_DENIED),
    (errors.UnauthenticatedError, grpc.StatusCode.UNAUTHENTICATED),
    (errors.FailedPreconditionError, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.ResourceExhaustedError, grpc.StatusCode.RESOURCE_EXHAUSTED),
]


def status_for(error: errors.IcoreError) -> status_pb2.Status:
    """The google.rpc.Status a domain error is sent as, details included."""
    code = next((c for cls, c in _CODES if isinstance(error, cls)), grpc.StatusCode.INTERNAL)
    status = status_pb2.Status(code=code.value[0], message=error.message)
    detail = any_pb2.Any()
    if isinstance(error, errors.InvalidArgumentError):
        detail.Pack(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                    for v in error.violations
                ]
            )
        )
        status.details.append(detail)
    elif isinstance(error, errors.ResourceExhaustedError):
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(int(error.retry_after_s * 1e9))
        detail.Pack(error_details_pb2.RetryInfo(retry_delay=delay))
        status.details.append(detail)
    return status


class CallInterceptor(grpc.aio.ServerInterceptor):
    """Wraps every handler with its span, identity, error mapping and the RPC log line."""

    def __init__(self, resolver: IdentityResolver, limits: CountryLimits | None = None) -> None:
        self._resolver = resolver
        self._limits = limits or CountryLimits()
        #: The wrapped handler of each method, built on its first call: grpc
        #: asks for a handler on every call, and building one cost 15-20 us.
        self._wrapped: dict[str, tuple[grpc.RpcMethodHandler[Any, Any], grpc.RpcMethodHandler[Any, Any]]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(details)
        if handler is None:
            return handler
        method = details.method
        cached = self._wrapped.get(method)
        if cached is not None and cached[0] is handler:
            return cached[1]
        wrapped = self._wrap(method, handler)
        self._wrapped[method] = (handler, wrapped)
        return wrapped

    def _wrap(self, method: str, handler: grpc.RpcMethodHandler[Any, Any]) -> grpc.RpcMethodHandler[Any, Any]:
        kind, behavior = _behavior(handler)
        streaming = handler.request_streaming or handler.response_streaming
        wrap = self._wrap_stream if handler.response_streaming else self._wrap_unary
        wrapped = wrap(method, behavior, streaming and not method.startswith(_QUIET_PREFIXES))
        factory = getattr(grpc, f"{kind}_rpc_method_handler")
        return factory(
            wrapped,
            request_deserializer=_tolerant(handler.request_deserializer),
            response_serializer=handler.response_serializer,
        )

    def _wrap_unary(self, method: str, behavior: Any, counted_stream: bool) -> Any:
        async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            (span, token, key), started = self._enter(method, context), time.perf_counter()
            code, opened = grpc.StatusCode.OK, False
            try:
                opened = self._admit(method, key, counted_stream)
                return await behavior(_checked(request), context)
            except BaseException as exc:  # noqa: BLE001 - every outcome is logged, then handled
                code = _outcome(exc, context)
                await _reraise(exc, context)
            finally:
                if opened:
                    self._limits.close_stream(key)
                _log_call(method, code, started)
                reset_caller(token)
                end_server_span(span, code)

        return unary

    def _wrap_stream(self, method: str, behavior: Any, counted_stream: bool) -> Any:
        async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            (span, token, key), started = self._enter(method, context), time.perf_counter()
            code, opened = grpc.StatusCode.OK, False
            try:
                opened = self._admit(method, key, counted_stream)
                if inspect.isasyncgenfunction(behavior):
                    async for response in behavior(_checked(request), context):
                        yield response
                else:  # a handler that writes with context.write()
                    await behavior(_checked(request), context)
            except BaseException as exc:  # noqa: BLE001
                code = _outcome(exc, context)
                await _reraise(exc, context)
            finally:
                if opened:
                    self._limits.close_stream(key)
                _log_call(method, code, started)
                reset_caller(token)
                end_server_span(span, code)

        return stream

    def _admit(self, method: str, key: str, counted_stream: bool) -> bool:
        """Apply the per-country limits; True when a stream slot was taken."""
        if method.startswith(_QUIET_PREFIXES):
            return False
        self._limits.admit(key)
        if counted_stream:
            self._limits.open_stream(key)
        return counted_stream

    def _enter(self, method: str, context: grpc.aio.ServicerContext) -> tuple[ServerSpan | None, object, str]:
        structlog.contextvars.clear_contextvars()
        metadata = {k: v for k, v in (context.invocation_metadata() or ()) if isinstance(v, str)}
        span = start_server_span(method, metadata)
        try:
            caller = self._resolver.resolve(metadata, context.auth_context())
        except errors.UnauthenticatedError as exc:
            caller = None
            structlog.contextvars.bind_contextvars(identity_error=exc.message)
        structlog.contextvars.bind_contextvars(
            method=method, country=caller.country if caller else "", trace_id=current_trace_id()
        )
        return span, set_caller(caller, method), _limit_key(caller, context)


def _limit_key(caller: Caller | None, context: grpc.aio.ServicerContext) -> str:
    """Limits apply per country, separately for each service relaying for it,
    and per connection for anonymous calls (code lists)."""
    if caller is None:
        return f"peer:{context.peer()}"
    return f"{caller.service}:{caller.country}" if caller.service else caller.country


@dataclass(frozen=True)
class _Undecodable:
    """Stands in for a request that is not a valid protobuf message, so that the
    caller gets INVALID_ARGUMENT instead of grpc's INTERNAL for it."""

    reason: str


def _tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None

    def deserialize(raw: bytes) -> Any:
        try:
            return deserializer(raw)
        except Exception as exc:  # noqa: BLE001 - any decode failure is the sender's
            return _Undecodable(f"{type(exc).__name__}: {exc}"[:300])

    return deserialize


def _undecodable(item: _Undecodable) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(
        [errors.FieldViolation("request", f"not a valid protobuf message ({item.reason})")])


def _checked(request: Any) -> Any:
    """The request, or for a client stream an iterator that fails on a bad message."""
    if isinstance(request, _Undecodable):
        raise _undecodable(request)
    if not hasattr(request, "__aiter__"):
        return request

    async def messages() -> AsyncIterator[Any]:
        async for item in request:
            if isinstance(item, _Undecodable):
                raise _undecodable(item)
            yield item

    return messages()


def _behavior(handler: grpc.RpcMethodHandler) -> tuple[str, Any]:
    for kind in ("unary_unary", "unary_stream", "stream_unary", "stream_stream"):
        behavior = getattr(handler, kind)
        if behavior is not None:
            return kind, behavior
    raise ValueError("handler without behavior")


def _outcome(exc: BaseException, context: grpc.aio.ServicerContext) -> grpc.StatusCode:
    """The status code an exception ends the RPC with, for the log line."""
    if isinstance(exc, errors.IcoreError):
        return _code(status_for(exc).code)
    if isinstance(exc, asyncio.CancelledError):
        return grpc.StatusCode.CANCELLED
    if isinstance(exc, grpc.aio.AbortError):
        return context.code() or grpc.StatusCode.UNKNOWN
    if isinstance(exc, NotImplementedError):
        return grpc.StatusCode.UNIMPLEMENTED
    return grpc.StatusCode.INTERNAL


async def _reraise(exc: BaseException, context: grpc.aio.ServicerContext) -> None:
    """End the RPC for an exception: domain errors become their status, bugs
    become a bare INTERNAL (details stay in the server log), and what grpc
    itself raised (aborts, cancellation) passes through."""
    if isinstance(exc, errors.IcoreError):
        await context.abort_with_status(rpc_status.to_status(status_for(exc)))
    if isinstance(exc, (asyncio.CancelledError, grpc.aio.AbortError)):
        raise exc
    if isinstance(exc, NotImplementedError):
        # The generated servicer base raises this for an RPC no issue has built yet.
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, "not implemented yet; see the README")
    log.error("rpc_failed", exc_info=exc)
    await context.abort(grpc.StatusCode.INTERNAL, "internal error; see the server log")


def _code(value: int) -> grpc.StatusCode:
    return next((c for c in grpc.StatusCode if c.value[0] == value), grpc.StatusCode.UNKNOWN)


def _log_call(method: str, code: grpc.StatusCode, started: float) -> None:
    if method.startswith(_QUIET_PREFIXES) and code == grpc.StatusCode.OK:
        return
    log.info("rpc", code=code.name, duration_ms=round((time.perf_counter() - started) * 1000, 3))
