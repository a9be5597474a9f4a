"""Who is calling: the member country a request acts for, established in one
place (the call interceptor) and read by handlers through `require_caller()`.

No handler reads a country from a request body. Today the country comes from
development metadata (`x-icore-country`), accepted only when the server runs
with ICORE_DEV_IDENTITY=1; the security issue replaces DevelopmentIdentity with
one that reads the verified client certificate, behind the same seam.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
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


def current_caller() -> Caller | None:
    return _current.get()


def require_caller() -> Caller:
    """The caller of the RPC being handled; UNAUTHENTICATED when there is none."""
    caller = _current.get()
    if caller is None:
        raise UnauthenticatedError("the caller's member country is not known")
    return caller


def set_caller(caller: Caller | None) -> object:
    """Bind the caller for the current task; returns a token for `reset_caller`."""
    return _current.set(caller)


def reset_caller(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


class IdentityResolver(Protocol):
    """Turns what the transport knows about a call into a Caller (or None)."""

    def resolve(
        self, metadata: Mapping[str, str], auth_context: Mapping[str, Sequence[bytes]]
    ) -> Caller | None: ...


class DevelopmentIdentity:
    """Trusts plain metadata. Development and tests on loopback only.

    A service relaying a country's request (the gateway, the messaging
    cross-check) sends its own name in `x-icore-service` and the country in
    `x-icore-on-behalf-of`; a direct caller sends `x-icore-country`.
    """

    def resolve(
        self, metadata: Mapping[str, str], auth_context: Mapping[str, Sequence[bytes]]
    ) -> Caller | None:
        service = metadata.get(SERVICE_HEADER, "")
        country = metadata.get(ON_BEHALF_OF_HEADER if service else COUNTRY_HEADER, "")
        if not country:
            return None
        country = country.strip()
        if not _COUNTRY.match(country):
            raise UnauthenticatedError(f"caller country {country!r} is not an ISO 3166-1 alpha-3 code")
        return Caller(country=country, service=service)


class NoIdentity:
    """Resolves nobody: every call that needs a caller is UNAUTHENTICATED."""

    def resolve(
        self, metadata: Mapping[str, str], auth_context: Mapping[str, Sequence[bytes]]
    ) -> Caller | None:
        return None


def identity_metadata(caller: Caller, service: str = "") -> tuple[tuple[str, str], ...]:
    """Metadata to send so that the callee knows who a call acts for."""
    if service:
        return ((SERVICE_HEADER, service), (ON_BEHALF_OF_HEADER, caller.country))
    return ((COUNTRY_HEADER, caller.country),)
