"""Turning matched pairs into identities without chaining two people together.

Connected components of the match graph would join two people through one bad pair:
A1~A2 and B1~B2 are right, A2~B1 is a false match, and the component says all four
are one person. So a component is only where clustering starts. Inside it, clusters
are grown by average linkage (UPGMA): the two clusters whose record pairs have the
highest mean match probability merge, as long as that mean is at least the threshold.
Every cross pair counts, compared on demand when blocking did not pair them, so in the
example the mean over A1, A2 x B1, B2 is about 1/4 of one bad pair and the two people
stay apart, while four records of one person, each pair a clear match, become one.
With a threshold below 1/2 the mean alone would let one very strong bad pair (a shared
passport number typed into the wrong record) outweigh three that say "different
people", so two clusters also stay apart when any pair across them is less likely than
`LINK_VETO`: a pair that unlikely is evidence against, not merely missing evidence.

A component larger than `MAX_EXACT` records is many people chained together by the
pairs that matched least well (at a million records, most of them fell into one
component). `split_oversized` first drops its weakest pairs, level by level, until it
falls apart into pieces of at most `MAX_EXACT` records; each piece is then clustered
as above, with every known pair among its records counted, dropped ones included.
`piece_of` finds one record's piece with work bounded by `MAX_EXACT`, so that records
arriving one batch at a time are re-clustered locally, not across the whole component.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Collection, Mapping, Sequence

import numpy as np

MAX_EXACT = 300
#: Two clusters holding a pair of records less likely than this never merge. Set
#: just above what the default model gives two "Jean Dupon(t/d)" born a year apart
#: with different passports (0.052, tests/analytics/test_resolution.py); 0.1 cut a
#: little more recall (FEBRL3 F1 0.983 against 0.984, 100,000 records 0.974 / 0.975).
LINK_VETO = 0.06


def components(nodes: Sequence[int], edges: Mapping[int, Collection[int]]) -> list[list[int]]:
    """Connected components of the nodes reachable through `edges` (an adjacency map)."""
    seen: set[int] = set()
    found = []
    for start in nodes:
        if start in seen:
            continue
        seen.add(start)
        stack, part = [start], []
        while stack:
            node = stack.pop()
            part.append(node)
            for other in edges.get(node, ()):
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        found.append(part)
    return found


#: Splitting drops pairs by level: level k keeps the pairs of probability at least
#: 1 - 2**-k, so each level halves the chance of a wrong match a kept pair may carry.
#: At TOP_LEVEL (1 - 2**-53 is 1.0 in floating point) only certain pairs are left.
TOP_LEVEL = 53


def _cut(level: int) -> float:
    return 1.0 - 2.0**-level if level else 0.0


def _level(probability: float) -> int:
    """The highest level that keeps a pair of this probability."""
    return TOP_LEVEL if probability >= 1.0 else min(TOP_LEVEL, int(-math.log2(1.0 - probability)))


def split_oversized(part: Sequence[int], matches: Mapping[int, Mapping[int, float]],
                    max_size: int = MAX_EXACT) -> list[list[int]]:
    """Pieces of at most `max_size` rows from one component of the match graph
    (`matches`: row -> matched row -> probability): an oversized piece loses its
    weakest pairs, level by level, until it falls apart. A piece still oversized at
    TOP_LEVEL cannot be split so and stays whole. `piece_of` finds the same piece of
    one row without the rest of the component."""
    done: list[list[int]] = []
    pending = [(list(part), 0)]
    while pending:
        piece, level = pending.pop()
        if len(piece) <= max_size or level >= TOP_LEVEL:
            done.append(piece)
            continue
        members = set(piece)
        weakest = min(p for a in piece for b, p in matches.get(a, {}).items() if b in members)
        level = max(level + 1, _level(weakest) + 1)  # skip the levels that drop nothing
        cut = _cut(level)
        kept = {a: [b for b, p in matches.get(a, {}).items() if p >= cut and b in members] for a in piece}
        pending.extend((found, level) for found in components(piece, kept))
    return done


def _reach(start: int, matches: Mapping[int, Mapping[int, float]], cut: float, limit: int) -> list[int] | None:
    """Rows joined to `start` by pairs of probability >= cut; None once there are more than `limit`."""
    seen, stack = {start}, [start]
    while stack:
        for other, p in matches.get(stack.pop(), {}).items():
            if p >= cut and other not in seen:
                seen.add(other)
                if len(seen) > limit:
                    return None
                stack.append(other)
    return list(seen)


def piece_of(row: int, matches: Mapping[int, Mapping[int, float]], max_size: int = MAX_EXACT) -> list[int]:
    """The piece `split_oversized` puts `row` in, found from the row alone: its component
    at the lowest level with at most `max_size` rows. Components shrink as the level
    rises, so the level is found by bisection, each try stopped once over size; the work
    is bounded by `max_size`, not by the component (a million records' one can hold most)."""
    found = _reach(row, matches, 0.0, max_size)
    if found is not None:
        return found
    best = _reach(row, matches, _cut(TOP_LEVEL), max_size)
    if best is None:
        return _reach(row, matches, _cut(TOP_LEVEL), sys.maxsize) or [row]
    low, high = 0, TOP_LEVEL  # over size at `low`, within at `high`
    while high - low > 1:
        middle = (low + high) // 2
        found = _reach(row, matches, _cut(middle), max_size)
        if found is None:
            low = middle
        else:
            high, best = middle, found
    return best


def average_linkage(
    rows: Sequence[int],
    known: Callable[[int, int], float | None],
    compare: Callable[[int, int], float],
    threshold: float,
    veto: float = 0.0,
) -> list[list[int]]:
    """Split one component into clusters (see the module docstring). Two clusters
    with a pair of records less likely than `veto` never merge.

    `known(a, b)` is the probability of a pair already compared, or None; `compare(a, b)`
    compares a pair now. Returns the clusters, each a list of rows.
    """
    n = len(rows)
    if n == 1:
        return [list(rows)]
    if n == 2:
        p = known(rows[0], rows[1])
        p = compare(rows[0], rows[1]) if p is None else p
        return [list(rows)] if p >= max(threshold, veto) else [[rows[0]], [rows[1]]]
    exact = n <= MAX_EXACT
    sums = np.zeros((n, n))
    weakest = np.full((n, n), np.nan)  # the least likely pair across two clusters, where compared
    for i in range(n):
        for j in range(i + 1, n):
            p = known(rows[i], rows[j])
            if p is None and exact:
                p = compare(rows[i], rows[j])
            sums[i, j] = sums[j, i] = p or 0.0
            if p is not None:
                weakest[i, j] = weakest[j, i] = p
    sizes = np.ones(n)
    members: list[list[int]] = [[row] for row in rows]
    alive = np.ones(n, bool)
    while True:
        mean = sums / np.outer(sizes, sizes)
        mean[~alive, :] = -1.0
        mean[:, ~alive] = -1.0
        mean[weakest < veto] = -1.0  # NaN (never compared) vetoes nothing
        np.fill_diagonal(mean, -1.0)
        best = int(np.argmax(mean))
        i, j = divmod(best, n)
        if mean[i, j] < threshold:
            break
        sums[i, :] += sums[j, :]
        sums[:, i] += sums[:, j]
        sums[i, i] = 0.0
        weakest[i, :] = np.fmin(weakest[i, :], weakest[j, :])
        weakest[:, i] = weakest[i, :]
        weakest[i, i] = np.nan
        sizes[i] += sizes[j]
        members[i] += members[j]
        members[j] = []
        alive[j] = False
    return [m for m in members if m]
