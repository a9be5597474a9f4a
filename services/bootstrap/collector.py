"""Python's cyclic garbage collector, set for a server's work.

A server allocates objects by the thousand per call (protobuf messages, index
rows, keys) and frees almost all of them by reference counting; CPython's
default, a young collection every 700 allocations, then sweeps young objects
dozens of times per call for nothing. Measured on the query ingest path (check,
index and write 100k persons on SQLite, in one process): (20,000, 20, 20)
spent 10–15 % less CPU than the default, in indexing and in writing alike;
in the services, whose name caches hold hundreds of thousands of tracked
objects by the end of a long load, the query benchmark's ingest at 1M persons
ran 28 % faster on PostgreSQL and 36 % on SQLite (bench/query/README.md).
What start-up built is frozen out of the sweeps altogether (long-lived
objects swept again and again showed as 30–70 ms pauses in the messaging p99).
Not every service gains: a service whose calls walk a large in-memory
structure serves with CPython's thresholds (`IcoreServer.collector_thresholds`).
"""

from __future__ import annotations

import gc

#: Allocations between young collections, and young (then middle) collections
#: between older ones.
THRESHOLDS = (20_000, 20, 20)
#: CPython's own. The analytics service serves with them: its path and
#: neighbourhood searches allocate dicts and sets that point into the in-memory
#: graph, and sweeping 20,000 of them costs cache misses all through it. On the
#: 1M-link bench graph, in one process (a throwaway A/B of 300 FindPaths, three
#: rounds): young collections took 7 ms each instead of 0.13, a middle one up to
#: 35 ms, and p99 was 70-78 ms against 64-70; over gRPC, p99 91-96 ms against 69.
CPYTHON_THRESHOLDS = (700, 10, 10)


def collect_less_often() -> None:
    """The thresholds alone, from the start of a serving process (`icore serve`),
    so that loading its state (the analytics mirror, migrations) runs with them too."""
    gc.set_threshold(*THRESHOLDS)


def tune_collector(thresholds: tuple[int, int, int] = THRESHOLDS) -> None:
    """Freeze what exists now and set the thresholds to serve with; for a process
    that is about to serve (and for worker processes, as their initializer)."""
    gc.freeze()
    gc.set_threshold(*thresholds)
