"""Settings of the messaging service beyond the shared ones: deadlines, the
cross-check's retry pace and the inbox streams' safety-net poll, read once
from ICORE_MESSAGING_* variables into a frozen dataclass."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from services.messaging.deadlines import DeadlinePolicy


@dataclass(frozen=True)
class MessagingConfig:
    """Everything the messaging domain needs to know besides the shared Settings."""

    #: ICORE_MESSAGING_DEADLINES: overrides such as "IMMEDIATE=4h,ALERT:IMMEDIATE=1h"
    #: (default: immediate 8h, urgent 3d, routine 14d; replies and acknowledgements none).
    deadlines: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    #: ICORE_MESSAGING_CROSS_CHECK_RETRY_S: first wait before retrying a cross-check
    #: whose backend was down; doubles per attempt up to the maximum below.
    cross_check_retry_s: float = 5.0
    #: ICORE_MESSAGING_CROSS_CHECK_MAX_RETRY_S: longest wait between two attempts.
    cross_check_max_retry_s: float = 300.0
    #: ICORE_MESSAGING_CROSS_CHECK_TIMEOUT_S: deadline of one backend call.
    cross_check_timeout_s: float = 5.0
    #: ICORE_MESSAGING_CROSS_CHECK_CONCURRENCY: backend calls in flight at once.
    cross_check_concurrency: int = 8
    #: ICORE_MESSAGING_POLL_S: an open inbox stream looks at the database at
    #: least this often even without a notification (a safety net only:
    #: deliveries are pushed by notifications).
    poll_interval_s: float = 2.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MessagingConfig:
        env = os.environ if env is None else env
        return cls(
            deadlines=DeadlinePolicy.parse(env.get("ICORE_MESSAGING_DEADLINES", "")),
            cross_check_retry_s=float(env.get("ICORE_MESSAGING_CROSS_CHECK_RETRY_S", "5")),
            cross_check_max_retry_s=float(env.get("ICORE_MESSAGING_CROSS_CHECK_MAX_RETRY_S", "300")),
            cross_check_timeout_s=float(env.get("ICORE_MESSAGING_CROSS_CHECK_TIMEOUT_S", "5")),
            cross_check_concurrency=int(env.get("ICORE_MESSAGING_CROSS_CHECK_CONCURRENCY", "8")),
            poll_interval_s=float(env.get("ICORE_MESSAGING_POLL_S", "2")),
        )
