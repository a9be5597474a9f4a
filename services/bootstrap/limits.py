"""Per-country limits: a request rate (token bucket) and a number of open
streams, so that one member country's burst or runaway client cannot starve
the others. Exceeding either is RESOURCE_EXHAUSTED with a retry delay."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from services.bootstrap.errors import ResourceExhaustedError


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class CountryLimits:
    """Limits per caller key (a country, or a service acting for a country)."""

    #: Sustained requests per second per key.
    rate_per_s: float = 2000.0
    #: Requests a key may make at once after being idle.
    burst: int = 4000
    #: Streams (either direction) a key may hold open at once.
    max_streams: int = 32
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _streams: dict[str, int] = field(default_factory=dict)

    def admit(self, key: str) -> None:
        """Take one request token for `key`, or say when one will be there."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate_per_s)
        bucket.updated = now
        if bucket.tokens < 1.0:
            wait = (1.0 - bucket.tokens) / self.rate_per_s
            raise ResourceExhaustedError(f"request rate limit of {self.rate_per_s:g}/s reached", wait)
        bucket.tokens -= 1.0

    def open_stream(self, key: str) -> None:
        open_now = self._streams.get(key, 0)
        if open_now >= self.max_streams:
            raise ResourceExhaustedError(f"at most {self.max_streams} open streams per country", 1.0)
        self._streams[key] = open_now + 1

    def close_stream(self, key: str) -> None:
        left = self._streams.get(key, 0) - 1
        if left > 0:
            self._streams[key] = left
        else:
            self._streams.pop(key, None)
