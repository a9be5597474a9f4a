"""Hidden connections: shortest paths between two entities, and the neighbourhood of
one, through links and through resolved identities, as one country may see them.

Records that entity resolution judged to be one person are one node here: an
*identity group* (the caller's visible records of one cluster, connected by matched
pairs between visible records). Crossing from one record of a person to another
costs no hop, because it is the same person; it shows as a resolved-identity step
with its match probability. Hops count links only.

`find_paths` grows two breadth-first balls over identity groups, one from each end,
always the one with the smaller frontier, until their radii add up to the path
length wanted; every node of such a path lies in one ball or the other, so a
depth-first enumeration pruned by the target ball's distances lists the paths of
that length. Lengths are tried from the shortest up, until `max_paths` are found or
`max_hops` is reached. A work budget (adjacency entries read) bounds the time on
graphs with hubs; when it runs out the answer says so.

Nothing hidden is used: a node, a link or an identity pair the caller may not see is
not followed, so a path that exists only through a hidden entity is not found.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from services.analytics.graph import EntityGraph
from services.analytics.resolution import visible_groups

#: Adjacency entries a search may read before it stops and says it was cut short.
WORK_BUDGET = 400_000


class Identities(Protocol):
    """What paths need from entity resolution (the Resolver offers it)."""

    def members(self, entity_id: str) -> list[str]: ...

    def matched(self, entity_id: str) -> dict[str, float]: ...


class NoIdentities:
    """No resolved identities: every record stands alone."""

    def members(self, entity_id: str) -> list[str]:
        return []

    def matched(self, entity_id: str) -> dict[str, float]:
        return {}


class CallerView:
    """One country's view of the graph for one request: what is visible, and the
    identity groups, computed as they are reached and kept for the request."""

    def __init__(self, graph: EntityGraph, identities: Identities, country: str) -> None:
        self.graph = graph
        self.identities = identities
        self.view = graph.policies.view(country)
        self._groups: dict[int, tuple[int, ...]] = {}
        self.work = 0

    def visible(self, node: int) -> bool:
        return self.graph.node_visible(node, self.view)

    def edge_visible(self, edge: int) -> bool:
        return self.graph.edge_visible(edge, self.view)

    def group(self, node: int) -> tuple[int, ...]:
        """The visible records that are the same identity as `node`, itself first."""
        found = self._groups.get(node)
        if found is not None:
            return found
        graph = self.graph
        entity_id = graph.node_ids[node]
        members = self.identities.members(entity_id)
        if len(members) < 2:
            self._groups[node] = (node,)
            return (node,)

        def visible_id(other: str) -> bool:
            index = graph.node(other)
            return index is not None and self.visible(index)

        for part in visible_groups(members, self.identities.matched, visible_id):
            nodes = [graph.node(m) for m in part]
            ordered = tuple(sorted(n for n in nodes if n is not None))
            for n in ordered:
                self._groups[n] = ordered
        return self._groups.setdefault(node, (node,))

    def identity_pairs(self, group: tuple[int, ...]) -> list[tuple[int, int, float]]:
        """Matched pairs inside a group, each once."""
        if len(group) < 2:
            return []
        graph = self.graph
        members = set(group)
        pairs = []
        for node in group:
            for other_id, score in self.identities.matched(graph.node_ids[node]).items():
                other = graph.node(other_id)
                if other is not None and other in members and node < other:
                    pairs.append((node, other, score))
        return pairs

    def neighbours(self, group: tuple[int, ...], link_types: frozenset[int] = frozenset()) -> Iterator[tuple[int, int]]:
        """(edge, node at the other end) for every visible link of any member."""
        graph = self.graph
        for node in group:
            adjacent = graph.adjacency[node]
            self.work += len(adjacent)
            for edge in adjacent:
                if link_types and graph.edge_types[edge] not in link_types:
                    continue
                if self.edge_visible(edge):
                    yield edge, graph.other_end(edge, node)


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a path: a link (edge index) or a resolved identity (edge None)."""

    source: int
    target: int
    edge: int | None
    identity_score: float = 0.0


@dataclass
class PathSearch:
    """The result of `find_paths`: paths shortest first, and whether the budget ran out."""

    paths: list[list[Step]] = field(default_factory=list)
    truncated: bool = False


def _identity_steps(view: CallerView, group: tuple[int, ...], start: int, end: int) -> list[Step]:
    """The identity steps from one record of a group to another, fewest first."""
    if start == end:
        return []
    scores: dict[int, dict[int, float]] = {}
    for a, b, score in view.identity_pairs(group):
        scores.setdefault(a, {})[b] = score
        scores.setdefault(b, {})[a] = score
    previous: dict[int, int] = {start: start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == end:
            break
        for other in scores.get(node, {}):
            if other not in previous:
                previous[other] = node
                queue.append(other)
    steps: list[Step] = []
    node = end
    while node != start:
        before = previous[node]
        steps.append(Step(before, node, None, scores[before][node]))
        node = before
    return steps[::-1]


class _Ball:
    """Breadth-first distances over identity groups from one end, grown a layer at a time."""

    def __init__(self, view: CallerView, start: tuple[int, ...], link_types: frozenset[int]) -> None:
        self.view = view
        self.link_types = link_types
        self.distance: dict[tuple[int, ...], int] = {start: 0}
        self.frontier = [start]
        self.radius = 0

    def frontier_cost(self) -> int:
        graph = self.view.graph
        return sum(len(graph.adjacency[n]) for group in self.frontier for n in group)

    def grow(self) -> None:
        following = []
        for group in self.frontier:
            for _edge, other in self.view.neighbours(group, self.link_types):
                target = self.view.group(other)
                if target not in self.distance:
                    self.distance[target] = self.radius + 1
                    following.append(target)
        self.frontier = following
        self.radius += 1


def find_paths(
    graph: EntityGraph, identities: Identities, country: str, source_id: str, target_id: str,
    max_hops: int, max_paths: int, budget: int = WORK_BUDGET,
) -> PathSearch:
    """Up to `max_paths` simple paths of at most `max_hops` links, shortest first
    (see the module docstring). Raises KeyError when either end is not visible."""
    view = CallerView(graph, identities, country)
    source, target = graph.node(source_id), graph.node(target_id)
    for entity_id, node in ((source_id, source), (target_id, target)):
        if node is None or not view.visible(node):
            raise KeyError(entity_id)
    assert source is not None and target is not None
    start, goal = view.group(source), view.group(target)
    result = PathSearch()
    if start == goal:
        result.paths.append(_identity_steps(view, start, source, target))
        return result
    link_types: frozenset[int] = frozenset()
    forward, backward = _Ball(view, start, link_types), _Ball(view, goal, link_types)
    for length in range(1, max_hops + 1):
        while forward.radius + backward.radius < length:
            if view.work > budget:
                result.truncated = True
                return result
            ball = forward if forward.frontier_cost() <= backward.frontier_cost() else backward
            if not ball.frontier:
                ball = backward if ball is forward else forward
                if not ball.frontier:
                    return result
            ball.grow()
        if not any(group in backward.distance for group in forward.distance):
            continue
        for path in _paths_of_length(view, forward, backward, goal, length, budget):
            result.paths.append(_expand(view, path, source, target))
            if len(result.paths) >= max_paths:
                return result
        if view.work > budget:
            result.truncated = True
            return result
    return result


def _paths_of_length(view: CallerView, forward: _Ball, backward: _Ball, goal: tuple[int, ...], length: int,
                     budget: int) -> Iterator[list[tuple[tuple[int, ...], int]]]:
    """Group paths of exactly `length` links, as (group, edge into it) lists."""
    to_goal = backward.distance
    from_start = forward.distance
    radius = backward.radius
    trail: list[tuple[tuple[int, ...], int]] = []
    on_trail: set[tuple[int, ...]] = set()

    def extend(group: tuple[int, ...], depth: int) -> Iterator[list[tuple[tuple[int, ...], int]]]:
        if depth == length:
            if group == goal:
                yield list(trail)
            return
        if view.work > budget:
            return
        remaining = length - depth - 1
        for edge, other in view.neighbours(group):
            nxt = view.group(other)
            if nxt in on_trail:
                continue
            known = to_goal.get(nxt)
            if known is None:  # beyond the goal's ball: only while still inside the start's
                if remaining <= radius or nxt not in from_start:
                    continue
            elif known > remaining:
                continue
            trail.append((nxt, edge))
            on_trail.add(nxt)
            yield from extend(nxt, depth + 1)
            trail.pop()
            on_trail.discard(nxt)

    start = next(g for g, d in from_start.items() if d == 0)
    on_trail.add(start)
    yield from extend(start, 0)


def _expand(view: CallerView, path: list[tuple[tuple[int, ...], int]], source: int, target: int) -> list[Step]:
    """Group path to record steps, with identity steps where a path changes records."""
    graph = view.graph
    steps: list[Step] = []
    at = source
    group = view.group(source)
    for next_group, edge in path:
        here = graph.edge_sources[edge] if graph.edge_sources[edge] in group else graph.edge_targets[edge]
        steps += _identity_steps(view, group, at, here)
        there = graph.other_end(edge, here)
        steps.append(Step(here, there, edge))
        at, group = there, next_group
    steps += _identity_steps(view, group, at, target)
    return steps


@dataclass
class Neighbourhood:
    """Nodes (with their distance in links) and edges around a centre."""

    nodes: list[tuple[int, int]] = field(default_factory=list)
    edges: list[Step] = field(default_factory=list)
    truncated: bool = False


def neighbourhood(graph: EntityGraph, identities: Identities, country: str, entity_id: str, depth: int,
                  max_nodes: int, link_types: frozenset[int] = frozenset()) -> Neighbourhood:
    """The visible nodes within `depth` links of an entity, nearest first, at most
    `max_nodes`, and the visible links and identity pairs among them. Raises KeyError
    when the entity is not visible."""
    view = CallerView(graph, identities, country)
    centre = graph.node(entity_id)
    if centre is None or not view.visible(centre):
        raise KeyError(entity_id)
    result = Neighbourhood()
    distance: dict[int, int] = {}

    def take(group: tuple[int, ...], hops: int) -> bool:
        for node in group:
            if node not in distance:
                if len(distance) >= max_nodes:
                    result.truncated = True
                    return False
                distance[node] = hops
                result.nodes.append((node, hops))
        return True

    first = view.group(centre)
    take((centre, *(n for n in first if n != centre)), 0)
    layer = [first]
    seen = {first}
    for hops in range(1, depth + 1):
        following = []
        for group in layer:
            for _edge, other in view.neighbours(group, link_types):
                nxt = view.group(other)
                if nxt in seen:
                    continue
                seen.add(nxt)
                if not take(nxt, hops):
                    break
                following.append(nxt)
            if result.truncated:
                break
        if result.truncated:
            break
        layer = following
    included = distance.keys()
    for node, _hops in result.nodes:
        for edge in graph.adjacency[node]:
            other = graph.other_end(edge, node)
            if node < other and other in included and (not link_types or graph.edge_types[edge] in link_types) \
                    and view.edge_visible(edge):
                result.edges.append(Step(graph.edge_sources[edge], graph.edge_targets[edge], edge))
    groups = {view.group(node) for node, _ in result.nodes}
    for group in groups:
        for a, b, score in view.identity_pairs(group):
            if a in included and b in included:
                result.edges.append(Step(a, b, None, score))
    return result
