"""Trends: event counts per ICCS code, country and time bucket, with unusual buckets
flagged against each series' own recent history.

The test is a one-sided Poisson test against a trailing baseline: a bucket is unusual
when P(X >= count) < ALPHA for X ~ Poisson(lambda), where lambda is the mean count of
the series over the HISTORY buckets just before it (reaching before the requested
period when needed), and at least MIN_RATE, so that a quiet series needs a real burst
rather than two events to be flagged. A bucket is only judged once the series has
HISTORY buckets behind it since its first event: with no history, there is nothing
to be unusual against. Counts are of events the caller may see.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from services.analytics.events import EventFilter, EventTable

HISTORY = 8
ALPHA = 0.001
MIN_RATE = 0.5
METHOD = (f"poisson-trailing: a bucket is unusual when P(X >= count) < {ALPHA} for X ~ Poisson(mean of the "
          f"{HISTORY} previous buckets, at least {MIN_RATE})")


class Bucket(StrEnum):
    """Width of a time bucket (UTC)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


_DAY = 86_400


def bucket_index(seconds: np.ndarray, bucket: Bucket) -> np.ndarray:
    """Bucket numbers of times: days, ISO weeks (Monday first) or months since 1970."""
    days = np.asarray(np.floor_divide(seconds, _DAY), np.int64)
    if bucket is Bucket.DAY:
        return days
    if bucket is Bucket.WEEK:
        return np.asarray(np.floor_divide(days + 3, 7), np.int64)  # 1970-01-01 was a Thursday
    return np.asarray(seconds.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64), np.int64)


def bucket_start(index: int, bucket: Bucket) -> dt.datetime:
    """The first instant of a bucket number, UTC."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    if bucket is Bucket.DAY:
        return epoch + dt.timedelta(days=index)
    if bucket is Bucket.WEEK:
        return epoch + dt.timedelta(days=7 * index - 3)
    year, month = divmod(index, 12)
    return dt.datetime(1970 + year, month + 1, 1, tzinfo=dt.UTC)


def poisson_upper_tail(count: int, rate: float) -> float:
    """P(X >= count) for X ~ Poisson(rate), summed in log space from `count` upwards."""
    if count <= 0:
        return 1.0
    if rate <= 0:
        return 0.0
    total = 0.0
    k = count
    log_term = k * math.log(rate) - rate - math.lgamma(k + 1)
    while True:
        term = math.exp(log_term)
        total += term
        if term < 1e-17 * max(total, 1e-300) or k > count + 10_000:
            break
        k += 1
        log_term += math.log(rate) - math.log(k)
    return min(1.0, total)


@dataclass(frozen=True, slots=True)
class TrendPoint:
    bucket_start: dt.datetime
    count: int
    expected: float
    unusual: bool


@dataclass(frozen=True, slots=True)
class Trend:
    iccs_code: str
    country: str
    points: tuple[TrendPoint, ...]


def trends(events: EventTable, country: str, start: int, end: int, bucket: Bucket,
           iccs_codes: tuple[str, ...] = (), countries: tuple[str, ...] = ()) -> list[Trend]:
    """One series per ICCS code and country with visible events in [start, end)."""
    columns = events.columns()
    first = int(bucket_index(np.asarray([start]), bucket)[0])
    last = int(bucket_index(np.asarray([end - 1]), bucket)[0])
    everything = events.select(country, EventFilter(np.iinfo(np.int64).min, end, iccs_codes, countries))
    if len(everything) == 0:
        return []
    buckets = bucket_index(columns["time"][everything], bucket)
    series_key = columns["code"][everything] * (len(columns["countries"]) + 1) + columns["country"][everything]
    in_period = (buckets >= first) & (buckets <= last)
    found = []
    for key in np.unique(series_key[in_period]):
        mine = series_key == key
        own = buckets[mine]
        born = int(own.min())
        low = first - HISTORY
        window = own[(own >= low) & (own <= last)]
        counts = np.bincount(window - low, minlength=last - low + 1)
        points = []
        for offset in range(HISTORY, last - low + 1):
            index = low + offset
            count = int(counts[offset])
            history = counts[offset - HISTORY : offset]
            expected = float(history.mean())
            judged = index - born >= HISTORY
            unusual = judged and count > expected and poisson_upper_tail(count, max(expected, MIN_RATE)) < ALPHA
            points.append(TrendPoint(bucket_start(index, bucket), count, round(expected, 3), bool(unusual)))
        row = int(np.flatnonzero(mine)[0])
        found.append(Trend(str(columns["codes"][columns["code"][everything[row]]]),
                           str(columns["countries"][columns["country"][everything[row]]]), tuple(points)))
    found.sort(key=lambda t: (t.iccs_code, t.country))
    return found
