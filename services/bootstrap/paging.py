"""AIP-158 paging: page_size with a default and a maximum, opaque page tokens."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from services.bootstrap.errors import FieldErrors


def encode_token(state: dict[str, Any]) -> str:
    """An opaque token carrying `state`; clients must not build their own."""
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> dict[str, Any] | None:
    """The state inside a token, or None when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        state = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return state if isinstance(state, dict) else None


@dataclass(frozen=True)
class PageRequest:
    """A validated page_size and offset-based page_token."""

    size: int
    offset: int

    @classmethod
    def parse(
        cls, page_size: int, page_token: str, *, default: int, maximum: int, errors: FieldErrors
    ) -> PageRequest:
        """0 means `default`; above `maximum` is coerced down; negative is an error."""
        errors.check(page_size >= 0, "page_size", "must not be negative")
        size = default if page_size <= 0 else min(page_size, maximum)
        offset = 0
        if page_token:
            state = decode_token(page_token)
            if state is None or not isinstance(state.get("o"), int) or state["o"] < 0:
                errors.add("page_token", "not a token from a previous response")
            else:
                offset = state["o"]
        return cls(size=size, offset=offset)

    def next_token(self, total: int) -> str:
        end = self.offset + self.size
        return encode_token({"o": end}) if end < total else ""
