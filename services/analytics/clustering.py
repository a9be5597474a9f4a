"""Turning matched pairs into identities without chaining two people together.

Connected components of the match graph would join two people through one bad pair:
A1~A2 and B1~B2 are right, A2~B1 is a false match, and the component says all four
are one person. So a component is only where clustering starts. Inside it, clusters
are grown by average linkage (UPGMA): the two clusters whose record pairs have the
highest mean match probability merge, as long as that mean is at least the threshold.
Every cross pair counts, compared on demand when blocking did not pair them, so in the
example the mean over A1, A2 x B1, B2 is about 1/4 of one bad pair and the two people
stay apart, while four records of one person, each pair a clear match, become one.

A component larger than `MAX_EXACT` records is many people chained together by the
pairs that matched least well (at a million records, most of them fell into one
component). `split_oversized` first drops its weakest pairs, a tenth at a time, until
it falls apart into pieces of at most `MAX_EXACT` records; each piece is then clustered
as above, with every known pair among its records counted, dropped ones included.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

import numpy as np

MAX_EXACT = 300


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


def split_oversized(part: Sequence[int], matches: Mapping[int, Mapping[int, float]],
                    max_size: int = MAX_EXACT) -> list[list[int]]:
    """Pieces of at most `max_size` rows from one component of the match graph
    (`matches`: row -> matched row -> probability), made by dropping its weakest
    pairs, the lowest tenth at a time. A piece whose pairs all have one probability
    cannot be split so, and stays whole."""
    done: list[list[int]] = []
    pending = [list(part)]
    while pending:
        piece = pending.pop()
        if len(piece) <= max_size:
            done.append(piece)
            continue
        members = set(piece)
        edges = [(a, b, p) for a in piece for b, p in matches.get(a, {}).items() if a < b and b in members]
        probabilities = np.fromiter((p for _, _, p in edges), float, len(edges))
        weaker = probabilities[probabilities < probabilities.max()] if len(edges) else probabilities
        if not len(weaker):
            done.append(piece)
            continue
        cut = min(float(np.quantile(probabilities, 0.1)), float(weaker.max()))
        kept: dict[int, list[int]] = {}
        for a, b, p in edges:
            if p > cut:
                kept.setdefault(a, []).append(b)
                kept.setdefault(b, []).append(a)
        pending.extend(components(piece, kept))
    return done


def average_linkage(
    rows: Sequence[int],
    known: Callable[[int, int], float | None],
    compare: Callable[[int, int], float],
    threshold: float,
) -> list[list[int]]:
    """Split one component into clusters (see the module docstring).

    `known(a, b)` is the probability of a pair already compared, or None; `compare(a, b)`
    compares a pair now. Returns the clusters, each a list of rows.
    """
    n = len(rows)
    if n == 1:
        return [list(rows)]
    if n == 2:
        p = known(rows[0], rows[1])
        p = compare(rows[0], rows[1]) if p is None else p
        return [list(rows)] if p >= threshold else [[rows[0]], [rows[1]]]
    exact = n <= MAX_EXACT
    sums = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            p = known(rows[i], rows[j])
            if p is None:
                p = compare(rows[i], rows[j]) if exact else 0.0
            sums[i, j] = sums[j, i] = p
    sizes = np.ones(n)
    members: list[list[int]] = [[row] for row in rows]
    alive = np.ones(n, bool)
    while True:
        mean = sums / np.outer(sizes, sizes)
        mean[~alive, :] = -1.0
        mean[:, ~alive] = -1.0
        np.fill_diagonal(mean, -1.0)
        best = int(np.argmax(mean))
        i, j = divmod(best, n)
        if mean[i, j] < threshold:
            break
        sums[i, :] += sums[j, :]
        sums[:, i] += sums[:, j]
        sums[i, i] = 0.0
        sizes[i] += sizes[j]
        members[i] += members[j]
        members[j] = []
        alive[j] = False
    return [m for m in members if m]
