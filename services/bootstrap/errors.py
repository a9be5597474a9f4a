"""Domain errors, free of grpc: domain code raises these and one interceptor
(services.bootstrap.interceptors) maps them to gRPC status codes once."""

from __future__ import annotations

from dataclasses import dataclass


class IcoreError(Exception):
    """Base of every error that is the caller's business rather than a bug."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldViolation:
    """One bad field: its path in the request (e.g. "message.recipient_countries[2]")."""

    field: str
    description: str


class InvalidArgumentError(IcoreError):
    """The request is malformed; each bad field is named. Maps to INVALID_ARGUMENT."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        self.violations = list(violations)
        fields = ", ".join(v.field for v in self.violations)
        super().__init__(f"invalid request: {fields}")


class InvalidFieldError(InvalidArgumentError):
    """Shorthand for a request with one bad field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__([FieldViolation(field, reason)])
        self.field = field
        self.reason = reason


class NotFoundError(IcoreError):
    """The thing does not exist, or the caller may not know that it exists."""


class PermissionDeniedError(IcoreError):
    """The caller is known but may not do this, e.g. delete another owner's record."""


class UnauthenticatedError(IcoreError):
    """The caller's identity could not be established."""


class FailedPreconditionError(IcoreError):
    """The system is not in a state that allows the call."""


class ResourceExhaustedError(IcoreError):
    """A limit was reached; `retry_after_s` says when to try again."""

    def __init__(self, message: str, retry_after_s: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class FieldErrors:
    """Collects every bad field of a request before failing, so that a caller
    learns all of its mistakes at once instead of one per round trip."""

    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []

    def add(self, field: str, description: str) -> None:
        self.violations.append(FieldViolation(field, description))

    def check(self, ok: bool, field: str, description: str) -> bool:
        if not ok:
            self.add(field, description)
        return ok

    def __bool__(self) -> bool:
        return bool(self.violations)

    def raise_if_any(self) -> None:
        if self.violations:
            raise InvalidArgumentError(self.violations)
