"""Crime networks as communities: groups of entities more densely linked with each
other than with the rest, found by Louvain modularity maximisation (networkx's
`louvain_communities`, Blondel et al. 2008) over the caller's visible graph.

Records resolved to one identity are one node (as in `paths`), so that one person
recorded by three countries does not look like three people who are close. Each link
counts once with weight 1, parallel links add up. The key members of a community are
its most central identities: betweenness centrality inside the community (who
connects the others: the organiser, the courier), exact up to `EXACT_BETWEENNESS`
members and estimated from that many sampled sources above, with degree breaking ties.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from services.analytics.graph import EntityGraph
from services.analytics.paths import CallerView, Identities

METHOD = "louvain (networkx, resolution 1.0, seed 7); key members by eigenvector centrality"
_SEED = 7


@dataclass(frozen=True, slots=True)
class Community:
    """Member entity ids, and the key ones with their centrality (0 to 1), most central first."""

    entity_ids: tuple[str, ...]
    key_members: tuple[tuple[str, float], ...]


def visible_network(view: CallerView) -> nx.Graph:
    """The caller's visible graph with identity groups as nodes (named by their lowest
    node number)."""
    graph = view.graph
    network: nx.Graph[int] = nx.Graph()
    for node in range(graph.node_count):
        if not view.visible(node) or view.rep(node) != node:
            continue
        network.add_node(node)
        for _edge, other in view.neighbours(node):
            target = view.rep(other)
            if target == node:
                continue
            if network.has_edge(node, target):
                network[node][target]["weight"] += 0.5  # each link is seen from both ends
            else:
                network.add_edge(node, target, weight=0.5)
    return network


def detect_communities(graph: EntityGraph, identities: Identities, country: str, min_size: int,
                       key_member_count: int) -> list[Community]:
    """Communities of at least `min_size` visible records, largest first."""
    view = CallerView(graph, identities, country)
    network = visible_network(view)
    found = []
    for reps in nx.community.louvain_communities(network, weight="weight", seed=_SEED):
        members = [graph.node_ids[n] for rep in reps for n in view.group(rep)]
        if len(members) < min_size:
            continue
        found.append(Community(tuple(sorted(members)), _key_members(network.subgraph(reps), view,
                                                                     key_member_count)))
    found.sort(key=lambda c: (-len(c.entity_ids), c.entity_ids[0]))
    return found


def _centrality(network: nx.Graph) -> dict[int, float]:
    """Eigenvector centrality scaled to a maximum of 1; weighted degree if it does not converge."""
    if network.number_of_edges() == 0:
        return dict.fromkeys(network.nodes, 0.0)
    try:
        scores = nx.eigenvector_centrality(network, max_iter=500, tol=1e-8, weight="weight")
    except nx.PowerIterationFailedConvergence:
        scores = dict(network.degree(weight="weight"))
    top = max(scores.values()) or 1.0
    return {node: float(value) / top for node, value in scores.items()}


def _key_members(network: nx.Graph, view: CallerView, count: int) -> tuple[tuple[str, float], ...]:
    centrality = _centrality(network)
    ranked = sorted(network.nodes, key=lambda rep: (-centrality[rep], rep))
    adjacency = view.graph.adjacency
    named = []
    for rep in ranked[:count]:
        record = max(view.group(rep), key=lambda n: (len(adjacency[n]), -n))
        named.append((view.graph.node_ids[record], round(centrality[rep], 6)))
    return tuple(named)
