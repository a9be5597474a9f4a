"""Paths and neighbourhoods through links and resolved identities, as a country sees them."""

from __future__ import annotations

import numpy as np
import pytest

from icore.query.v1 import query_service_pb2 as query_pb
from icore.uim.v1 import link_pb2
from services.analytics.graph import EntityGraph
from services.analytics.mirror import RepositoryMirror
from services.analytics.paths import NoIdentities, find_paths, neighbourhood
from services.analytics.records import identity_record
from services.analytics.resolution import Resolver
from tests.analytics.entities import ONLY, link, organization, person
from tests.analytics.servers import changes


def _world() -> tuple[EntityGraph, Resolver]:
    """A small world: a chain, one person recorded twice (FRA in Latin, DEU in
    Cyrillic), and a go-between visible only to Germany."""
    entities = [
        person("anna", "Anna Weber"), person("bert", "Bert Kranz"), person("carl", "Carl Ott"),
        person("ivan_fra", "Ivan PETROV", born=(1980, 1, 2), nationality="RUS", passport="72 1234567"),
        person("ivan_deu", "Иван Петров", owner="DEU", born=(1980, 1, 2), nationality="RUS", passport="721234567"),
        organization("shell", "Baltic Trading Ltd"),
        person("xena", "Xena Roth"), person("yuri", "Yuri Lang"),
        person("hidden", "Hans Geheim", owner="DEU", visibility=ONLY, countries=("DEU",)),
    ]
    links = [
        link("l_ab", "anna", "bert"), link("l_bc", "bert", "carl"),
        link("l_ai", "anna", "ivan_fra"), link("l_is", "ivan_deu", "shell", link_pb2.LINK_TYPE_DIRECTOR_OF,
                                                owner="DEU"),
        link("l_xh", "xena", "hidden", owner="DEU"), link("l_hy", "hidden", "yuri", owner="DEU"),
    ]
    graph = EntityGraph()
    for entity in entities:
        graph.put_entity(entity)
    for item in links:
        graph.put_link(item)
    resolver = Resolver()
    resolver.add([r for r in map(identity_record, entities) if r is not None])
    return graph, resolver


def _describe(graph: EntityGraph, steps) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{graph.node_ids[s.source]}>{graph.node_ids[s.target]}:{'=' if s.edge is None else graph.edge_ids[s.edge]}"
            for s in steps]


def test_the_shortest_path_comes_first_with_its_links() -> None:
    graph, resolver = _world()
    found = find_paths(graph, resolver, "FRA", "anna", "carl", max_hops=4, max_paths=10)
    assert _describe(graph, found.paths[0]) == ["anna>bert:l_ab", "bert>carl:l_bc"]
    assert not found.truncated


def test_a_path_goes_through_a_resolved_identity() -> None:
    graph, resolver = _world()
    assert set(resolver.members("ivan_fra")) == {"ivan_fra", "ivan_deu"}
    found = find_paths(graph, resolver, "FRA", "anna", "shell", max_hops=2, max_paths=10)
    assert _describe(graph, found.paths[0]) == ["anna>ivan_fra:l_ai", "ivan_fra>ivan_deu:=", "ivan_deu>shell:l_is"]
    assert found.paths[0][1].identity_score > 0.5


def test_without_resolution_there_is_no_such_path() -> None:
    graph, _ = _world()
    assert find_paths(graph, NoIdentities(), "FRA", "anna", "shell", max_hops=4, max_paths=10).paths == []


def test_a_path_only_through_a_hidden_entity_is_not_returned() -> None:
    graph, resolver = _world()
    assert find_paths(graph, resolver, "FRA", "xena", "yuri", max_hops=4, max_paths=10).paths == []
    seen_by_germany = find_paths(graph, resolver, "DEU", "xena", "yuri", max_hops=4, max_paths=10).paths
    assert _describe(graph, seen_by_germany[0]) == ["xena>hidden:l_xh", "hidden>yuri:l_hy"]


def test_a_hidden_end_is_not_found() -> None:
    graph, resolver = _world()
    with pytest.raises(KeyError):
        find_paths(graph, resolver, "FRA", "xena", "hidden", max_hops=4, max_paths=10)


def test_max_hops_and_max_paths_bound_the_answer() -> None:
    graph = EntityGraph()
    for name in ["s", "t", *(f"m{i}" for i in range(6)), "a", "b"]:
        graph.put_entity(person(name, name.upper() + " Test"))
    for i in range(6):  # six two-hop paths s-m_i-t, and one three-hop path s-a-b-t
        graph.put_link(link(f"s{i}", "s", f"m{i}"))
        graph.put_link(link(f"t{i}", f"m{i}", "t"))
    for item in (link("sa", "s", "a"), link("ab", "a", "b"), link("bt", "b", "t")):
        graph.put_link(item)
    assert find_paths(graph, NoIdentities(), "FRA", "s", "t", max_hops=1, max_paths=10).paths == []
    two = find_paths(graph, NoIdentities(), "FRA", "s", "t", max_hops=2, max_paths=10).paths
    assert len(two) == 6 and all(len(p) == 2 for p in two)
    three = find_paths(graph, NoIdentities(), "FRA", "s", "t", max_hops=3, max_paths=10).paths
    assert [len(p) for p in three] == [2] * 6 + [3]
    assert len(find_paths(graph, NoIdentities(), "FRA", "s", "t", max_hops=3, max_paths=4).paths) == 4


def test_neighbourhood_is_nearest_first_and_draws_an_identity_once() -> None:
    graph, resolver = _world()
    around = neighbourhood(graph, resolver, "FRA", "anna", depth=2, max_nodes=50)
    nodes = [(graph.node_ids[n], d) for n, d in around.nodes]
    assert nodes[0] == ("anna", 0)
    assert {n for n, d in nodes if d == 1} == {"bert", "ivan_fra", "ivan_deu"}
    assert {n for n, d in nodes if d == 2} == {"carl", "shell"}
    identity = [e for e in around.edges if e.edge is None]
    assert len(identity) == 1 and {graph.node_ids[identity[0].source], graph.node_ids[identity[0].target]} == \
        {"ivan_fra", "ivan_deu"}
    assert not around.truncated


def test_neighbourhood_is_capped_and_hides_what_the_caller_may_not_see() -> None:
    graph, resolver = _world()
    capped = neighbourhood(graph, resolver, "FRA", "anna", depth=2, max_nodes=3)
    assert len(capped.nodes) == 3 and capped.truncated
    assert [graph.node_ids[n] for n, _ in neighbourhood(graph, resolver, "FRA", "xena", 2, 50).nodes] == ["xena"]
    assert {graph.node_ids[n] for n, _ in neighbourhood(graph, resolver, "DEU", "xena", 2, 50).nodes} == \
        {"xena", "hidden", "yuri"}


def test_link_type_filter_limits_the_neighbourhood() -> None:
    graph, resolver = _world()
    only_directors = neighbourhood(graph, resolver, "FRA", "ivan_fra", 2, 50,
                                   frozenset({link_pb2.LINK_TYPE_DIRECTOR_OF}))
    assert {graph.node_ids[n] for n, _ in only_directors.nodes} == {"ivan_fra", "ivan_deu", "shell"}


def test_a_deleted_entity_takes_its_links_away() -> None:
    graph, resolver = _world()
    graph.delete_entity("bert")
    assert find_paths(graph, resolver, "FRA", "anna", "carl", max_hops=4, max_paths=10).paths == []


def test_a_hub_is_reached_but_not_crossed() -> None:
    """A station with more links than HUB_DEGREE would join all its passers-by."""
    from services.analytics.paths import HUB_DEGREE
    from tests.analytics.entities import location

    graph = EntityGraph()
    graph.put_entity(location("station", "Gare du Nord"))
    for i in range(HUB_DEGREE + 1):
        graph.put_entity(person(f"p{i}", f"Passer By {i}"))
        graph.put_link(link(f"l{i}", f"p{i}", "station", link_pb2.LINK_TYPE_LOCATED_AT))
    assert find_paths(graph, NoIdentities(), "FRA", "p1", "p2", max_hops=4, max_paths=10).paths == []
    to_hub = find_paths(graph, NoIdentities(), "FRA", "p1", "station", max_hops=4, max_paths=10).paths
    assert [len(p) for p in to_hub] == [1]
    around = neighbourhood(graph, NoIdentities(), "FRA", "p1", depth=2, max_nodes=50)
    assert {graph.node_ids[n] for n, _ in around.nodes} == {"p1", "station"} and not around.truncated
    from_hub = neighbourhood(graph, NoIdentities(), "FRA", "station", depth=1, max_nodes=50)
    assert len(from_hub.nodes) == 50 and from_hub.truncated


def test_a_busy_node_read_from_the_array_copy_follows_later_changes() -> None:
    """A node with many links is read from the snapshot; a policy, a link or a deletion
    that arrives after it was made is seen all the same."""
    graph = EntityGraph()
    graph.put_entity(person("busy", "Busy Person"))
    for n in range(80):
        graph.put_entity(person(f"p{n}", f"Person {n}"))
        graph.put_link(link(f"l{n}", "busy", f"p{n}"))
    graph.put_entity(person("far", "Far Away"))
    graph.put_link(link("l_far", "p0", "far"))
    graph.refresh_snapshot()

    def shown() -> set[str]:
        return {graph.node_ids[n] for n, _ in neighbourhood(graph, NoIdentities(), "FRA", "busy", 1, 500).nodes}

    assert len(shown()) == 81
    graph.put_entity(person("p1", "Person 1", owner="DEU", visibility=ONLY, countries=("DEU",)))  # hidden now
    busy = graph.node("busy")
    assert busy is not None
    assert graph.visible_links(busy, np.fromiter(graph.policies.view("FRA"), bool)) is not None  # still settled
    assert "p1" not in shown() and len(shown()) == 80
    with pytest.raises(KeyError):
        find_paths(graph, NoIdentities(), "FRA", "p1", "far", 3, 5)
    assert find_paths(graph, NoIdentities(), "DEU", "p1", "far", 3, 5).paths

    graph.delete_link("l2")
    graph.delete_entity("p3")
    graph.put_entity(person("p80", "Person 80"))
    graph.put_link(link("l80", "busy", "p80"))
    assert {"p1", "p2", "p3"}.isdisjoint(shown()) and "p80" in shown() and len(shown()) == 79
    assert find_paths(graph, NoIdentities(), "FRA", "p80", "far", 3, 5).paths


def test_every_link_into_the_goal_makes_a_path_and_none_passes_through_the_goal() -> None:
    """The last link of a path is looked up among the goal's links: two links
    from one node to the goal are two paths, and a walk that reached the goal
    early and came back to it is no path."""
    entities = [person(n, f"{n.title()} Example") for n in ("start", "mid", "goal", "beyond")]
    links = [link("l_sm", "start", "mid"), link("l_mg1", "mid", "goal"),
             link("l_mg2", "mid", "goal", link_pb2.LINK_TYPE_COMMUNICATES_WITH), link("l_gb", "goal", "beyond"),
             link("l_bm", "beyond", "mid")]
    graph = EntityGraph()
    for entity in entities:
        graph.put_entity(entity)
    for item in links:
        graph.put_link(item)
    found = find_paths(graph, NoIdentities(), "FRA", "start", "goal", max_hops=4, max_paths=10)
    described = [_describe(graph, p) for p in found.paths]
    assert described[:2] == [["start>mid:l_sm", "mid>goal:l_mg1"], ["start>mid:l_sm", "mid>goal:l_mg2"]]
    assert ["start>mid:l_sm", "mid>beyond:l_bm", "beyond>goal:l_gb"] in described
    assert all(sum(step.target == graph.node("goal") for step in p) == 1 for p in found.paths)
    assert len(described) == 3 and not found.truncated


def test_the_mirror_keeps_identity_groups_between_searches_only_while_nothing_changes() -> None:
    """A second search reuses the groups the first found; once Germany hides its
    record of Ivan, France's next searches neither cross nor show it."""
    mirror = RepositoryMirror()
    ivan_deu = person("ivan_deu", "Иван Петров", owner="DEU", born=(1980, 1, 2), nationality="RUS",
                      passport="721234567")
    mirror.apply(changes([
        person("anna", "Anna Weber"), organization("shell", "Baltic Trading Ltd"),
        person("ivan_fra", "Ivan PETROV", born=(1980, 1, 2), nationality="RUS", passport="72 1234567"), ivan_deu,
        link("l_ai", "anna", "ivan_fra"), link("l_is", "ivan_deu", "shell", owner="DEU"),
    ]))
    assert set(mirror.resolver.members("ivan_fra")) == {"ivan_fra", "ivan_deu"}
    through = mirror.paths("FRA", "anna", "shell", 2, 10)
    assert [len(p) for p in through.paths] == [3], "anna - Ivan (FRA) = Ivan (DEU) - shell"
    assert mirror.paths("FRA", "anna", "shell", 2, 10).paths == through.paths
    near = mirror.neighbourhood("FRA", "anna", 2, 100, frozenset())
    assert {mirror.graph.node_ids[n] for n, _ in near.nodes} == {"anna", "ivan_fra", "ivan_deu", "shell"}

    hidden = person("ivan_deu", "Иван Петров", owner="DEU", born=(1980, 1, 2), nationality="RUS",
                    passport="721234567", visibility=ONLY, countries=("DEU",))
    mirror.apply(changes([hidden]))
    assert mirror.paths("FRA", "anna", "shell", 2, 10).paths == []
    assert [len(p) for p in mirror.paths("DEU", "anna", "shell", 2, 10).paths] == [3]
    near = mirror.neighbourhood("FRA", "anna", 2, 100, frozenset())
    assert {mirror.graph.node_ids[n] for n, _ in near.nodes} == {"anna", "ivan_fra"}, "a kept group would show it"


def test_the_mirror_keeps_its_clustered_node_array_in_step_with_the_identities() -> None:
    """The array path searches read busy nodes' groups from, after merges, a
    deletion that splits an identity, new records and a whole resolution."""
    mirror = RepositoryMirror()

    def in_step() -> bool:
        clustered = mirror.resolver.clustered_ids
        expected = [node_id in clustered for node_id in mirror.graph.node_ids]
        return mirror.clustered_nodes.tolist() == expected

    ivan = dict(born=(1980, 1, 2), nationality="RUS")
    mirror.apply(changes([person("ivan_fra", "Ivan PETROV", passport="72 1234567", **ivan),
                          person("anna", "Anna Weber"), link("l_ai", "anna", "ivan_fra")]))
    assert in_step() and not mirror.clustered_nodes.any()
    mirror.apply(changes([person("ivan_deu", "Иван Петров", owner="DEU", passport="721234567", **ivan)]))
    assert in_step() and mirror.clustered_nodes.sum() == 2
    mirror.apply([query_pb.ExportEntitiesResponse(cursor="x", deleted_entity_id="ivan_deu")])
    assert in_step() and not mirror.clustered_nodes.any()
    mirror.apply(changes([person("ivan_ita", "Ivan Petrov", owner="ITA", passport="721234567", **ivan)]))
    assert in_step() and mirror.clustered_nodes.sum() == 2
    mirror.resolve_all()
    assert in_step()
