"""FindPaths, GetNeighbourhood and ResolveEntities over a real server on a small
hand-made world: a path through a resolved identity, the links on it, a go-between
only one country may see, and ids the server has not followed (yet)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from icore.analytics.v1 import analytics_service_pb2 as pb
from icore.analytics.v1 import analytics_service_pb2_grpc as pb_grpc
from icore.audit.v1 import audit_service_pb2 as audit_pb
from icore.audit.v1 import audit_service_pb2_grpc as audit_grpc
from icore.uim.v1 import link_pb2
from tests.analytics.entities import ONLY, link, organization, person
from tests.analytics.servers import analytics_server, changes, fill
from tests.support import RunningServer, country

WORLD = [
    person("anna", "Anna Weber"),
    person("ivan_fra", "Ivan PETROV", born=(1980, 1, 2), nationality="RUS", passport="72 1234567"),
    person("ivan_deu", "Иван Петров", owner="DEU", born=(1980, 1, 2), nationality="RUS", passport="721234567"),
    organization("shell", "Baltic Trading Ltd"),
    person("xena", "Xena Roth"), person("yuri", "Yuri Lang"),
    person("hidden", "Hans Geheim", owner="DEU", visibility=ONLY, countries=("DEU",)),
    person("ivan_hidden", "Ivan Petrov", owner="DEU", visibility=ONLY, countries=("DEU",), born=(1980, 1, 2),
           nationality="RUS", passport="721234567"),
    link("l_ai", "anna", "ivan_fra", link_pb2.LINK_TYPE_FAMILY, role="sister"),
    link("l_is", "ivan_deu", "shell", link_pb2.LINK_TYPE_DIRECTOR_OF, owner="DEU", role="managing director"),
    link("l_xh", "xena", "hidden", owner="DEU"), link("l_hy", "hidden", "yuri", owner="DEU"),
]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    url = f"sqlite:///{tmp_path / 'analytics.sqlite'}"
    fill(url, changes(WORLD), resolve_all=False)
    with analytics_server(tmp_path, url) as running:
        yield running


@pytest.fixture
def stub(server: RunningServer) -> pb_grpc.AnalyticsServiceStub:
    return pb_grpc.AnalyticsServiceStub(server.channel)


def test_a_path_through_a_resolved_identity_comes_with_its_links(stub: pb_grpc.AnalyticsServiceStub) -> None:
    reply = stub.FindPaths(pb.FindPathsRequest(from_entity_id="anna", to_entity_id="shell", max_hops=2),
                           metadata=country("FRA"))
    steps = reply.paths[0].steps
    assert [(s.from_entity_id, s.to_entity_id) for s in steps] == \
        [("anna", "ivan_fra"), ("ivan_fra", "ivan_deu"), ("ivan_deu", "shell")]
    assert steps[0].link.role == "sister" and steps[0].link.provenance.data_owner == "FRA"
    assert not steps[1].HasField("link") and steps[1].identity_score > 0.9
    assert steps[2].link.link_type == link_pb2.LINK_TYPE_DIRECTOR_OF and not reply.truncated


def test_a_path_only_through_a_hidden_go_between_is_not_returned(stub: pb_grpc.AnalyticsServiceStub) -> None:
    request = pb.FindPathsRequest(from_entity_id="xena", to_entity_id="yuri")
    assert not stub.FindPaths(request, metadata=country("FRA")).paths
    assert [s.to_entity_id for s in stub.FindPaths(request, metadata=country("DEU")).paths[0].steps] == \
        ["hidden", "yuri"]
    around = stub.GetNeighbourhood(pb.GetNeighbourhoodRequest(entity_id="xena"), metadata=country("FRA"))
    assert [n.entity_id for n in around.nodes] == ["xena"] and not around.edges
    with pytest.raises(grpc.RpcError) as raised:
        stub.GetNeighbourhood(pb.GetNeighbourhoodRequest(entity_id="hidden"), metadata=country("FRA"))
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


def test_the_neighbourhood_marks_one_identity_and_its_edge(stub: pb_grpc.AnalyticsServiceStub) -> None:
    around = stub.GetNeighbourhood(pb.GetNeighbourhoodRequest(entity_id="anna", depth=2), metadata=country("FRA"))
    nodes = {n.entity_id: n for n in around.nodes}
    assert around.nodes[0].entity_id == "anna" and nodes["anna"].distance == 0
    assert nodes["ivan_fra"].cluster_id == nodes["ivan_deu"].cluster_id != ""
    assert nodes["ivan_deu"].distance == 1 and nodes["shell"].distance == 2
    assert nodes["shell"].label == "Baltic Trading Ltd" and nodes["ivan_deu"].data_owner == "DEU"
    identity = [e for e in around.edges if not e.link_id]
    assert len(identity) == 1 and identity[0].identity_score > 0.9


def test_ids_not_followed_yet_are_records_of_their_own(stub: pb_grpc.AnalyticsServiceStub) -> None:
    """The gateway asks about every record a search just returned; one the feed has
    not brought yet must not fail the call, and is in no cluster."""
    fra = country("FRA")
    reply = stub.ResolveEntities(pb.ResolveEntitiesRequest(entity_ids=["ent_just_upserted", "ivan_fra", "anna"]),
                                 metadata=fra)
    assert [sorted(c.entity_ids) for c in reply.clusters] == [["ivan_deu", "ivan_fra"]]
    assert reply.clusters[0].pairs[0].score > 0.9 and reply.method and not reply.next_page_token
    alone = stub.ResolveEntities(pb.ResolveEntitiesRequest(entity_ids=["ent_just_upserted"]), metadata=fra)
    assert not alone.clusters and alone.method


def test_a_hidden_id_is_answered_as_an_unknown_one(stub: pb_grpc.AnalyticsServiceStub) -> None:
    def resolve(entity_id: str, caller: str) -> pb.ResolveEntitiesResponse:
        return stub.ResolveEntities(pb.ResolveEntitiesRequest(entity_ids=[entity_id]), metadata=country(caller))

    assert sorted(resolve("ivan_hidden", "DEU").clusters[0].entity_ids) == ["ivan_deu", "ivan_fra", "ivan_hidden"]
    assert resolve("ivan_hidden", "FRA") == resolve("ent_never_seen", "FRA") == resolve("anna", "FRA")
    assert not resolve("ivan_hidden", "FRA").clusters


def test_the_owner_of_a_record_on_a_path_or_in_a_neighbourhood_reads_who_saw_it(server: RunningServer) -> None:
    stub = pb_grpc.AnalyticsServiceStub(server.channel)
    stub.FindPaths(pb.FindPathsRequest(from_entity_id="anna", to_entity_id="shell"), metadata=country("ITA"))
    stub.GetNeighbourhood(pb.GetNeighbourhoodRequest(entity_id="xena"), metadata=country("ESP"))
    audit = audit_grpc.AuditServiceStub(server.channel)

    def seen(owner: str, record_id: str) -> set[tuple[str, str]]:
        reply = audit.ListAuditEvents(audit_pb.ListAuditEventsRequest(record_id=record_id), metadata=country(owner))
        return {(e.country, e.method.rsplit("/", 1)[-1]) for e in reply.events}

    assert seen("DEU", "ivan_deu") == {("ITA", "FindPaths")}  # on the path, owned by DEU
    assert seen("FRA", "anna") == {("ITA", "FindPaths")}  # where the path starts
    assert seen("FRA", "xena") == {("ESP", "GetNeighbourhood")}
    assert seen("DEU", "hidden") == set()  # ESP's neighbourhood of xena does not show it
