"""Communities: Louvain finds dense networks; key members are their core; hidden
members are not shown."""

from __future__ import annotations

import random

from icore.uim.v1 import link_pb2
from services.analytics.communities import detect_communities
from services.analytics.graph import EntityGraph
from services.analytics.paths import NoIdentities
from tests.analytics.entities import ONLY, link, organization, person


def _graph() -> EntityGraph:
    """Two gangs of eight who talk to each other and a boss who talks to all of
    them, 200 bystanders with a few links each, and one gang member only Spain sees."""
    rng = random.Random(3)
    graph = EntityGraph()
    n = 0
    for gang in ("a", "b"):
        graph.put_entity(organization(f"{gang}_group", f"{gang.upper()} Brotherhood"))
        for i in range(8):
            hidden = gang == "a" and i == 7
            graph.put_entity(person(f"{gang}{i}", f"Member {gang}{i}", owner="ESP" if hidden else "FRA",
                                    visibility=ONLY if hidden else 1, countries=("ESP",) if hidden else ()))
            graph.put_link(link(f"m{n}", f"{gang}{i}", f"{gang}_group", link_pb2.LINK_TYPE_MEMBER_OF))
            n += 1
        for i in range(1, 8):
            graph.put_link(link(f"m{n}", f"{gang}0", f"{gang}{i}", link_pb2.LINK_TYPE_COMMUNICATES_WITH))
            n += 1
            for j in rng.sample(range(1, 8), 3):
                if j != i:
                    graph.put_link(link(f"m{n}", f"{gang}{i}", f"{gang}{j}", link_pb2.LINK_TYPE_COMMUNICATES_WITH))
                    n += 1
    for i in range(200):
        graph.put_entity(person(f"p{i}", f"Bystander {i}"))
    for i in range(200):
        for j in rng.sample(range(200), 2):
            if j != i:
                graph.put_link(link(f"m{n}", f"p{i}", f"p{j}"))
                n += 1
    graph.put_link(link(f"m{n}", "a3", "p5", link_pb2.LINK_TYPE_FAMILY))
    graph.put_link(link(f"m{n + 1}", "b2", "p9", link_pb2.LINK_TYPE_RESIDES_AT))
    return graph


def test_the_gangs_are_communities_with_their_core_as_key_members() -> None:
    found = detect_communities(_graph(), NoIdentities(), "FRA", min_size=3, key_member_count=3)
    for gang, size in (("a", 8), ("b", 9)):
        members = {f"{gang}_group", *(f"{gang}{i}" for i in range(size - 1 if gang == "b" else 7))}
        best = max(found, key=lambda c: len(members & set(c.entity_ids)))
        assert members <= set(best.entity_ids)
        assert {e for e, _ in best.key_members} <= members
        assert best.key_members[0][1] == 1.0


def test_a_hidden_member_is_in_no_community() -> None:
    graph = _graph()
    for country, expected in (("FRA", False), ("ESP", True)):
        found = detect_communities(graph, NoIdentities(), country, min_size=2, key_member_count=5)
        assert any("a7" in c.entity_ids for c in found) is expected
