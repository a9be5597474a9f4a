"""Who is calling: the member country a request acts for, established in one
place (the call interceptor) and read by handlers through `require_caller()`.

No handler reads a country from a request body. In production the country
comes from the verified client certificate (CertificateIdentity): a member
country's certificate names its country; a service's certificate names the
service, and only a service may pass on the country it acts for. Plain
metadata (DevelopmentIdentity) is trusted only by a plaintext server on
loopback started with the explicit development flag ICORE_PLAINTEXT=1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from services.bootstrap.errors import UnauthenticatedError

COUNTRY_HEADER = "x-icore-country"
SERVICE_HEADER = "x-icore-service"
ON_BEHALF_OF_HEADER = "x-icore-on-behalf-of"

_COUNTRY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Caller:
    """The member country a call acts for, and the service relaying it, if any."""

    country: str
    service: str = ""


_current: ContextVar[Caller | None] = ContextVar("icore_caller", default=None)
_method: ContextVar[str] = ContextVar("icore_method", default="")


def current_caller() -> Caller | None:
    return _current.get()


def require_caller() -> Caller:
    """The caller of the RPC being handled; UNAUTHENTICATED when there is none."""
    caller = _current.get()
    if caller is None:
        raise UnauthenticatedError("the caller's member country is not known")
    return caller


def current_method() -> str:
    """Full gRPC method of the RPC being handled, e.g. "/icore.query.v1.QueryService/Search"."""
    return _method.get()


def set_caller(caller: Caller | None, method: str = "") -> object:
    """Bind the caller (and method) for the current task; returns a token for `reset_caller`."""
    _method.set(method)
    return _current.set(caller)


def reset_caller(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


class IdentityResolver(Protocol):
    """Turns what the transport knows about a call into a Caller (or None)."""

    def resolve(
        self, metadata: Mapping[str, str], auth_context: Mapping[str, Iterable[bytes]]
    ) -> Caller | None: ...


class DevelopmentIdentity:
    """Trusts plain metadata. Development and tests on loopback only.

    A service relaying a country's request (the gateway, the messaging
    cross-check) sends its own name in `x-icore-service` and the country in
    `x-icore-on-behalf-of`; a direct caller sends `x-icore-country`.
    """

    def resolve(
        self, metadata: Mapping[str, str], auth_context: Mapping[str, Iterable[bytes]]
    ) -> Caller | None:
        service = metadata.get(SERVICE_HEADER, "")
        country = metadata.get(ON_BEHALF_OF_HEADER if service else COUNTRY_HEADER, "")
        if not country:
            return None
        country = country.strip()
        if not _COUNTRY.match(country):
            raise UnauthenticatedError(f"caller country {country!r} is not an ISO 3166-1 alpha-3 code")
        return Caller(country=country, service=service)


COUNTRY_URI = "urn:icore:country:"
SERVICE_URI = "urn:icore:service:"


class CertificateIdentity:
    """Reads the caller from the client certificate that TLS verified.

    The transport has already checked the chain against our CA; this reads the
    `urn:icore:country:` or `urn:icore:service:` URI from its subject
    alternative names. Country metadata in the request is ignored: a country
    certificate cannot claim another country, and cannot claim to be a service.
    """

    def resolve(
        self, metadata: Mapping[str, str], auth_context: Mapping[str, Iterable[bytes]]
    ) -> Caller | None:
        uris = [u.decode() for u in auth_context.get("peer_uri", ())]
        services = [u.removeprefix(SERVICE_URI) for u in uris if u.startswith(SERVICE_URI)]
        countries = [u.removeprefix(COUNTRY_URI) for u in uris if u.startswith(COUNTRY_URI)]
        if services:
            country = metadata.get(ON_BEHALF_OF_HEADER, "").strip()
            if not country:
                return None  # a service calling for itself: health, code lists
            if not _COUNTRY.match(country):
                raise UnauthenticatedError(f"on-behalf-of country {country!r} is not an ISO 3166-1 alpha-3 code")
            return Caller(country=country, service=services[0])
        if len(countries) == 1 and _COUNTRY.match(countries[0]):
            return Caller(country=countries[0])
        return None


class NoIdentity:
    """Resolves nobody: every call that needs a caller is UNAUTHENTICATED."""

    def resolve(
        self, metadata: Mapping[str, str], auth_context: Mapping[str, Iterable[bytes]]
    ) -> Caller | None:
        return None


def identity_metadata(caller: Caller, service: str = "") -> tuple[tuple[str, str], ...]:
    """Metadata to send so that the callee knows who a call acts for."""
    if service:
        return ((SERVICE_HEADER, service), (ON_BEHALF_OF_HEADER, caller.country))
    return ((COUNTRY_HEADER, caller.country),)
