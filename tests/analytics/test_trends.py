"""Trends: bucketing, the Poisson test against trailing history, access filtering."""

from __future__ import annotations

import datetime as dt

import numpy as np

from services.analytics.events import EventTable
from services.analytics.graph import PolicyRegistry
from services.analytics.trends import Bucket, bucket_index, bucket_start, poisson_upper_tail, trends
from tests.analytics.entities import ONLY, event

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)  # a Monday


def _seconds(value: dt.datetime) -> int:
    return int(value.timestamp())


def test_buckets_are_days_iso_weeks_and_months() -> None:
    sunday, monday = dt.datetime(2024, 3, 10, 23, tzinfo=dt.UTC), dt.datetime(2024, 3, 11, 1, tzinfo=dt.UTC)
    weeks = bucket_index(np.asarray([_seconds(sunday), _seconds(monday)]), Bucket.WEEK)
    assert weeks[1] == weeks[0] + 1
    assert bucket_start(int(weeks[1]), Bucket.WEEK) == dt.datetime(2024, 3, 11, tzinfo=dt.UTC)
    month = int(bucket_index(np.asarray([_seconds(sunday)]), Bucket.MONTH)[0])
    assert bucket_start(month, Bucket.MONTH) == dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    day = int(bucket_index(np.asarray([_seconds(sunday)]), Bucket.DAY)[0])
    assert bucket_start(day, Bucket.DAY) == dt.datetime(2024, 3, 10, tzinfo=dt.UTC)


def test_poisson_tail_matches_the_closed_form() -> None:
    assert abs(poisson_upper_tail(1, 2.0) - (1 - np.exp(-2.0))) < 1e-12
    assert abs(poisson_upper_tail(3, 0.5) - (1 - np.exp(-0.5) * (1 + 0.5 + 0.125))) < 1e-12
    assert poisson_upper_tail(0, 3.0) == 1.0 and poisson_upper_tail(60, 2.0) < 1e-40


def _table() -> EventTable:
    """Burglaries in France: about two a week for 20 weeks, 14 in week 15, and a
    hidden third of them visible only to Belgium."""
    table = EventTable(PolicyRegistry())
    n = 0
    for week in range(20):
        count = 14 if week == 15 else 2
        for i in range(count):
            when = START + dt.timedelta(weeks=week, hours=5 + 7 * i)
            hidden = i % 3 == 2
            table.put(event(f"e{n}", "0501", when, country="FRA", visibility=ONLY if hidden else 1,
                            countries=("BEL",) if hidden else ()))
            n += 1
    table.put(event("other", "0101", START + dt.timedelta(weeks=3), country="DEU"))
    return table


def test_a_burst_is_flagged_against_its_own_history() -> None:
    table = _table()
    found = trends(table, "FRA", _seconds(START + dt.timedelta(weeks=10)), _seconds(START + dt.timedelta(weeks=20)),
                   Bucket.WEEK)
    burglary = next(s for s in found if s.iccs_code == "0501")
    assert [p.bucket_start for p in burglary.points if p.unusual] == [START + dt.timedelta(weeks=15)]
    assert burglary.points[0].expected == 2.0 and len(burglary.points) == 10
    assert burglary.points[5].count == 14


def test_counts_are_of_what_the_caller_may_see() -> None:
    table = _table()
    period = (_seconds(START + dt.timedelta(weeks=15)), _seconds(START + dt.timedelta(weeks=16)))
    france = trends(table, "FRA", *period, Bucket.WEEK)  # the owner sees all
    germany = trends(table, "DEU", *period, Bucket.WEEK, iccs_codes=("05",))
    assert france[0].points[0].count == 14
    assert germany[0].points[0].count == 14 - 14 // 3
    assert trends(table, "DEU", *period, Bucket.WEEK, countries=("ITA",)) == []


def test_a_series_without_history_is_not_judged() -> None:
    table = EventTable(PolicyRegistry())
    for i in range(30):
        table.put(event(f"n{i}", "0601", START + dt.timedelta(hours=i), country="NLD"))
    found = trends(table, "FRA", _seconds(START), _seconds(START + dt.timedelta(weeks=2)), Bucket.WEEK)
    assert found[0].points[0].count == 30 and not any(p.unusual for p in found[0].points)
