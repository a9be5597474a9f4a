"""The caller's deadline, shared out among the backend calls made for it."""

from __future__ import annotations

import time
from dataclasses import dataclass

#: Budget when the caller set no deadline, and the most any call may use.
DEFAULT_BUDGET_S = 2.0
MAX_BUDGET_S = 30.0
#: Kept back from every backend deadline to merge and answer in time. 15 ms
#: was not always enough on a busy two-core machine: a search whose repository
#: call ran into its deadline answered 3 ms after the caller's (the test suite,
#: 2026-12-07); the gateway's own p99 there reaches 20-30 ms.
ANSWER_RESERVE_S = 0.05


@dataclass(frozen=True)
class Budget:
    """A monotonic deadline; each backend call gets what is left of it."""

    deadline: float

    @classmethod
    def from_remaining(cls, remaining_s: float | None) -> Budget:
        if remaining_s is None or remaining_s <= 0 or remaining_s > MAX_BUDGET_S:
            remaining_s = DEFAULT_BUDGET_S if remaining_s is None or remaining_s <= 0 else MAX_BUDGET_S
        return cls(time.monotonic() + remaining_s)

    def left(self) -> float:
        """Seconds a backend call may take now and still leave time to answer."""
        return max(0.0, self.deadline - time.monotonic() - ANSWER_RESERVE_S)

    def share(self, fraction: float) -> float:
        """A fraction of what is left, for a first phase that a second must follow."""
        return self.left() * fraction
