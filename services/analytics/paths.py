"""Hidden connections: shortest paths between two entities, and the neighbourhood of
one, through links and through resolved identities, as one country may see them.

Records that entity resolution judged to be one person are one node here: an
*identity group* (the caller's visible records of one cluster, connected by matched
pairs between visible records), named by its lowest node number. Crossing from one
record of a person to another costs no hop, because it is the same person; it shows
as a resolved-identity step with its match probability. Hops count links only.

A hub (an entity with more than `HUB_DEGREE` links: a railway station, a large
employer, a placeholder "unknown person") is reached but not crossed and not
expanded: through it everyone would be two hops from everyone, and every search
would read its thousands of links. Link analysis tools suppress such supernodes for
the same reason.

`find_paths` grows two breadth-first balls over identity groups, one from each end,
always the one with the smaller frontier, until their radii add up to the path
length wanted; every node of such a path lies in one ball or the other, so a
depth-first enumeration pruned by the target ball's distances lists the paths of
that length (its last link looked up among the goal's links, not found by
reading every link of the node before). Lengths are tried from the shortest up,
until `max_paths` are found or `max_hops` is reached. A work budget (links read,
by the balls and by the enumeration) bounds the time; when it runs out the
answer says so, and what was found is still the shortest first.

Nothing hidden is used: a node, a link or an identity pair the caller may not see is
not followed, so a path that exists only through a hidden entity is not found.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

import numpy as np

from services.analytics.graph import EntityGraph
from services.analytics.resolution import visible_groups

#: Links a search may read (balls and enumeration) before it stops and says it was
#: cut short: about 20 ms of one core.
WORK_BUDGET = 60_000
#: Entities with more links than this are reached but not crossed or expanded.
HUB_DEGREE = 1000
#: Nodes with at least this many links have them tested in numpy (`EntityGraph.visible_links`);
#: below it a Python loop is quicker than numpy's fixed cost per call.
ARRAY_DEGREE = 48


class Identities(Protocol):
    """What paths need from entity resolution (the Resolver offers it)."""

    @property
    def clustered_ids(self) -> Collection[str]:
        """Ids of the records that belong to an identity of two or more."""

    def members(self, entity_id: str) -> list[str]: ...

    def matched(self, entity_id: str) -> dict[str, float]: ...


class NoIdentities:
    """No resolved identities: every record stands alone."""

    @property
    def clustered_ids(self) -> Collection[str]:
        return frozenset()

    def members(self, entity_id: str) -> list[str]:
        return []

    def matched(self, entity_id: str) -> dict[str, float]:
        return {}


#: Node -> the visible records of its identity group, for one country.
IdentityGroups = dict[int, tuple[int, ...]]


class CallerView:
    """One country's view of the graph for one request: what is visible, and the
    identity groups, computed as they are reached and kept for the request."""

    def __init__(self, graph: EntityGraph, identities: Identities, country: str,
                 groups: IdentityGroups | None = None, clustered_nodes: np.ndarray | None = None) -> None:
        self.graph = graph
        self.identities = identities
        self.view = graph.policies.view(country)
        self.view_array = np.fromiter(self.view, bool, len(self.view))
        #: The country's identity groups by node; shared between requests when the
        #: caller keeps them for as long as the graph and the identities stay as they are.
        self._groups: IdentityGroups = {} if groups is None else groups
        #: Node -> in an identity of two or more, when the caller keeps such an array
        #: in step with the identities: busy nodes' links then find their groups in numpy.
        self._clustered_nodes = clustered_nodes if clustered_nodes is not None and \
            len(clustered_nodes) == graph.node_count else None
        self._clustered = identities.clustered_ids
        self._links: dict[int, list[tuple[int, int, int]]] = {}
        self._links_by_group: dict[int, dict[int, list[int]]] = {}
        self.work = 0

    def visible(self, node: int) -> bool:
        return self.view[self.graph.node_policies[node]]

    def edge_visible(self, edge: int) -> bool:
        return self.graph.edge_visible(edge, self.view)

    def rep(self, node: int) -> int:
        """The number naming the identity group of a node (the node itself when alone)."""
        if self.graph.node_ids[node] not in self._clustered:
            return node
        return self.group(node)[0]

    def group(self, node: int) -> tuple[int, ...]:
        """The visible records that are the same identity as `node`, in node order."""
        found = self._groups.get(node)
        if found is not None:
            return found
        if self.graph.node_ids[node] not in self._clustered:
            return (node,)
        graph = self.graph
        members = self.identities.members(graph.node_ids[node])

        def visible_id(other: str) -> bool:
            index = graph.node(other)
            return index is not None and self.visible(index)

        for part in visible_groups(members, self.identities.matched, visible_id):
            ordered = tuple(sorted(n for n in map(graph.node, part) if n is not None))
            for n in ordered:
                self._groups[n] = ordered
        return self._groups.setdefault(node, (node,))

    def hub(self, rep: int) -> bool:
        adjacency = self.graph.adjacency
        return sum(len(adjacency[n]) for n in self.group(rep)) > HUB_DEGREE

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

    def links_of(self, rep: int) -> list[tuple[int, int, int]]:
        """(edge, node at the other end, its group) for every visible link of a group,
        read once per request: path enumeration visits the same groups many times."""
        found = self._links.get(rep)
        if found is not None:
            return found
        graph = self.graph
        view = self.view
        policies, edge_policies, ids = graph.node_policies, graph.edge_policies, graph.node_ids
        clustered = self._clustered
        found = []
        for node in self.group(rep):
            adjacent = graph.adjacency[node]
            self.work += len(adjacent)
            # A busy node's access tests run in numpy, on the snapshot (unless it changed since).
            arrays = graph.visible_links(node, self.view_array) if len(adjacent) >= ARRAY_DEGREE else None
            if arrays is not None:
                edges, ends = arrays
                if self._clustered_nodes is None:
                    found += [(edge, other, other if ids[other] not in clustered else self.group(other)[0])
                              for edge, other in zip(edges, ends, strict=True)]
                    continue
                groups = list(ends)
                for i in np.flatnonzero(self._clustered_nodes[ends]).tolist():
                    groups[i] = self.group(groups[i])[0]
                found += zip(edges, ends, groups, strict=True)
                continue
            for edge, other in zip(adjacent, graph.ends[node], strict=True):
                if view[edge_policies[edge]] and view[policies[other]]:
                    found.append((edge, other, other if ids[other] not in clustered else self.group(other)[0]))
        self._links[rep] = found
        return found

    def edges_between(self, rep: int, other: int) -> list[int]:
        """The visible links between two groups, looked up in `rep`'s links by the
        other end's group (an index made once per group per request)."""
        by_group = self._links_by_group.get(rep)
        if by_group is None:
            by_group = {}
            for edge, _node, group in self.links_of(rep):
                by_group.setdefault(group, []).append(edge)
            self._links_by_group[rep] = by_group
        return by_group.get(other, [])

    def neighbours(self, rep: int, link_types: frozenset[int] = frozenset()) -> Iterator[tuple[int, int]]:
        """(edge, node at the other end) for every visible link of any member of a group."""
        graph = self.graph
        view = self.view
        policies = graph.node_policies
        edge_policies = graph.edge_policies
        sources, targets, types = graph.edge_sources, graph.edge_targets, graph.edge_types
        for node in self.group(rep):
            adjacent = graph.adjacency[node]
            self.work += len(adjacent)
            for edge in adjacent:
                if not view[edge_policies[edge]] or (link_types and types[edge] not in link_types):
                    continue
                other = targets[edge] if sources[edge] == node else sources[edge]
                if view[policies[other]]:
                    yield edge, other


class Step(NamedTuple):
    """One step of a path: a link (edge index) or a resolved identity (edge None).
    A named tuple: a link chart makes thousands, and a tuple is made three times
    faster than a frozen dataclass."""

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
    """Breadth-first distances over identity groups from one end, grown a layer at a
    time; hubs other than the start are reached but not expanded."""

    def __init__(self, view: CallerView, start: int) -> None:
        self.view = view
        self.distance: dict[int, int] = {start: 0}
        self.frontier = [start]
        self.radius = 0
        self._cost: int | None = None

    def frontier_cost(self) -> int:
        """Links the next layer would read (kept until the ball grows again)."""
        if self._cost is None:
            adjacency = self.view.graph.adjacency
            self._cost = sum(len(adjacency[n]) for rep in self.frontier for n in self.view.group(rep))
        return self._cost

    def grow(self) -> None:
        view = self.view
        distance = self.distance
        following = []
        reached = self.radius + 1
        for rep in self.frontier:
            if self.radius and view.hub(rep):
                continue
            for _edge, _other, target in view.links_of(rep):
                if target not in distance:
                    distance[target] = reached
                    following.append(target)
        self.frontier = following
        self._cost = None
        self.radius += 1


def find_paths(
    graph: EntityGraph, identities: Identities, country: str, source_id: str, target_id: str,
    max_hops: int, max_paths: int, budget: int = WORK_BUDGET, groups: IdentityGroups | None = None,
    clustered_nodes: np.ndarray | None = None,
) -> PathSearch:
    """Up to `max_paths` simple paths of at most `max_hops` links, shortest first
    (see the module docstring). Raises KeyError when either end is not visible.
    `groups`, `clustered_nodes`: what the caller keeps between searches (see CallerView)."""
    view = CallerView(graph, identities, country, groups, clustered_nodes)
    source, target = graph.node(source_id), graph.node(target_id)
    for entity_id, node in ((source_id, source), (target_id, target)):
        if node is None or not view.visible(node):
            raise KeyError(entity_id)
    assert source is not None and target is not None
    start, goal = view.rep(source), view.rep(target)
    result = PathSearch()
    if start == goal:
        result.paths.append(_identity_steps(view, view.group(start), source, target))
        return result
    forward, backward = _Ball(view, start), _Ball(view, goal)
    for length in range(1, max_hops + 1):
        while forward.radius + backward.radius < length:
            if view.work > budget:
                result.truncated = True
                return result
            if not forward.frontier and not backward.frontier:
                return result
            ball = forward if forward.frontier_cost() <= backward.frontier_cost() else backward
            if not ball.frontier:
                ball = backward if ball is forward else forward
            ball.grow()
        small, large = sorted((forward.distance, backward.distance), key=len)
        if not any(rep in large for rep in small):
            continue
        for path in _paths_of_length(view, forward, backward, goal, length, budget):
            result.paths.append(_expand(view, path, source, target))
            if len(result.paths) >= max_paths:
                return result
        if view.work > budget:
            result.truncated = True
            return result
    return result


def _paths_of_length(view: CallerView, forward: _Ball, backward: _Ball, goal: int, length: int,
                     budget: int) -> Iterator[list[tuple[int, int]]]:
    """Group paths of exactly `length` links, as (group, edge into it) lists."""
    to_goal = backward.distance
    from_start = forward.distance
    radius = backward.radius
    trail: list[tuple[int, int]] = []
    on_trail: set[int] = set()

    def extend(rep: int, depth: int) -> Iterator[list[tuple[int, int]]]:
        if depth == length:
            if rep == goal:
                yield list(trail)
            return
        if view.work > budget or (depth and view.hub(rep)):
            return
        remaining = length - depth - 1
        if remaining == 0:  # the last link must reach the goal: look it up in the goal's links
            view.work += 1
            if goal in on_trail:  # passed through already: a path is simple
                return
            for edge in view.edges_between(goal, rep):
                trail.append((goal, edge))
                yield list(trail)
                trail.pop()
            return
        links = view.links_of(rep)
        view.work += len(links)
        for edge, _other, nxt in links:
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

    start = next(rep for rep, d in from_start.items() if d == 0)
    on_trail.add(start)
    yield from extend(start, 0)


def _expand(view: CallerView, path: list[tuple[int, int]], source: int, target: int) -> list[Step]:
    """Group path to record steps, with identity steps where a path changes records."""
    graph = view.graph
    steps: list[Step] = []
    at = source
    group = view.group(source)
    for next_rep, edge in path:
        here = graph.edge_sources[edge] if graph.edge_sources[edge] in group else graph.edge_targets[edge]
        steps += _identity_steps(view, group, at, here)
        there = graph.other_end(edge, here)
        steps.append(Step(here, there, edge))
        at, group = there, view.group(next_rep)
    steps += _identity_steps(view, group, at, target)
    return steps


@dataclass
class Neighbourhood:
    """Nodes (with their distance in links) and edges around a centre."""

    nodes: list[tuple[int, int]] = field(default_factory=list)
    edges: list[Step] = field(default_factory=list)
    truncated: bool = False


def neighbourhood(graph: EntityGraph, identities: Identities, country: str, entity_id: str, depth: int,
                  max_nodes: int, link_types: frozenset[int] = frozenset(),
                  groups: IdentityGroups | None = None, clustered_nodes: np.ndarray | None = None) -> Neighbourhood:
    """The visible nodes within `depth` links of an entity, nearest first, at most
    `max_nodes`, and the visible links and identity pairs among them; hubs other
    than the centre are shown but not expanded. Raises KeyError when the entity is
    not visible."""
    view = CallerView(graph, identities, country, groups, clustered_nodes)
    centre = graph.node(entity_id)
    if centre is None or not view.visible(centre):
        raise KeyError(entity_id)
    result = Neighbourhood()
    distance: dict[int, int] = {}

    def take(rep: int, hops: int, first: int) -> bool:
        for node in (first, *(n for n in view.group(rep) if n != first)):
            if node not in distance:
                if len(distance) >= max_nodes:
                    result.truncated = True
                    return False
                distance[node] = hops
                result.nodes.append((node, hops))
        return True

    start = view.rep(centre)
    take(start, 0, centre)
    layer = [start]
    seen = {start}
    for hops in range(1, depth + 1):
        following = []
        for rep in layer:
            if hops > 1 and view.hub(rep):
                continue
            reached = view.links_of(rep) if not link_types else \
                [(e, o, view.rep(o)) for e, o in view.neighbours(rep, link_types)]
            for _edge, other, nxt in reached:
                if nxt in seen:
                    continue
                seen.add(nxt)
                if not take(nxt, hops, other):
                    break
                following.append(nxt)
            if result.truncated:
                break
        if result.truncated:
            break
        layer = following
    result.edges = _edges_among(view, distance, link_types)
    return result


def _edges_among(view: CallerView, included: dict[int, int], link_types: frozenset[int]) -> list[Step]:
    """The visible links and identity pairs among the included nodes (the links are
    found in arrays by `EntityGraph.links_among`; only those found are tested here)."""
    graph = view.graph
    sources, targets, types = graph.edge_sources, graph.edge_targets, graph.edge_types
    shown, policies, edge_policies = view.view, graph.node_policies, graph.edge_policies
    found = [Step(source, target, edge) for edge in sorted(graph.links_among(included))
             if shown[edge_policies[edge]] and shown[policies[source := sources[edge]]]
             and shown[policies[target := targets[edge]]] and (not link_types or types[edge] in link_types)]
    for rep in {view.rep(node) for node in included}:
        for a, b, score in view.identity_pairs(view.group(rep)):
            if a in included and b in included:
                found.append(Step(a, b, None, score))
    return found
