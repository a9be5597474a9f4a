"""The analytics RPCs on a real server over a real channel, on the demo generator's
data with known truth: resolution quality, planted network, burst and hotspot, and
that nothing reveals an entity the caller may not see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from icore.analytics.v1 import analytics_service_pb2 as pb
from icore.analytics.v1 import analytics_service_pb2_grpc as pb_grpc
from icore.uim.v1 import entity_pb2, location_pb2
from services.demo import generator
from services.demo.generator import Truth, generate
from services.uim.access import may_see
from tests.analytics.quality import pairwise_quality, true_pairs
from tests.analytics.servers import analytics_server, changes, fill
from tests.support import RunningServer, country

SIZE = 10_000


@dataclass
class Generated:
    server: RunningServer
    stub: pb_grpc.AnalyticsServiceStub
    truth: Truth
    entities: dict[str, entity_pb2.Entity]

    def visible(self, entity_id: str, caller: str) -> bool:
        policy, owner = self.truth.policies[entity_id]
        return may_see(policy, owner, caller)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    """10,000 generated person records with their organizations, events and links,
    mirrored into an analytics database, and a real server on it."""
    directory = tmp_path_factory.mktemp("analytics")
    url = f"sqlite:///{directory / 'analytics.sqlite'}"
    truth = Truth()
    records = []
    for item in generate(SIZE):
        truth.add(item)
        records.append(item.entity if item.entity is not None else item.link)
    fill(url, changes(records))  # type: ignore[arg-type]
    entities = {r.id: r for r in records if isinstance(r, entity_pb2.Entity)}
    with analytics_server(directory, url) as server:
        yield Generated(server, pb_grpc.AnalyticsServiceStub(server.channel), truth, entities)


def _all_clusters(stub: pb_grpc.AnalyticsServiceStub, caller: str, **request: object) -> list[pb.IdentityCluster]:
    clusters: list[pb.IdentityCluster] = []
    token = ""
    while True:
        page = stub.ResolveEntities(pb.ResolveEntitiesRequest(page_size=500, page_token=token, **request),
                                    metadata=country(caller), timeout=60)
        clusters += page.clusters
        token = page.next_page_token
        if not token:
            return clusters


def test_resolution_of_ten_thousand_generated_records_meets_the_floors(generated: Generated) -> None:
    clusters = _all_clusters(generated.stub, "FRA")
    assert generated.truth.person_records >= SIZE
    precision, recall, f1 = pairwise_quality([c.entity_ids for c in clusters], true_pairs(generated.truth, "FRA"))
    assert precision >= 0.95 and recall >= 0.93 and f1 >= 0.95, (precision, recall, f1)
    some = next(c for c in clusters if len(c.entity_ids) >= 3)
    assert some.pairs and all(0.5 <= p.score <= 1 and p.reasons for p in some.pairs)
    assert some.cluster_id.startswith("idc_")


def test_a_description_brings_the_clusters_of_the_records_a_search_for_it_finds(generated: Generated) -> None:
    """ResolveEntities `like`: the gateway groups a search's hits with it before they come."""
    clusters = [c for c in _all_clusters(generated.stub, "FRA") if len(c.entity_ids) >= 2][:40]
    found = 0
    for cluster in clusters:
        person = generated.entities[cluster.entity_ids[-1]].person
        name = person.names[0].full_name or f"{person.names[0].given_names} {person.names[0].family_name}"
        like = pb.IdentityDescription(name=name)
        if person.HasField("date_of_birth"):
            like.date_of_birth.CopyFrom(person.date_of_birth)
        answer = generated.stub.ResolveEntities(pb.ResolveEntitiesRequest(like=like, page_size=500),
                                                metadata=country("FRA"))
        assert len({c.cluster_id for c in answer.clusters}) == len(answer.clusters) <= 200
        found += cluster.cluster_id in {c.cluster_id for c in answer.clusters}
        for caller in ("DEU", "TUR"):
            seen = generated.stub.ResolveEntities(pb.ResolveEntitiesRequest(like=like, page_size=500),
                                                  metadata=country(caller))
            assert all(generated.visible(e, caller) for c in seen.clusters for e in c.entity_ids)
    assert found >= 0.95 * len(clusters), (found, len(clusters))
    nothing = pb.ResolveEntitiesRequest(like=pb.IdentityDescription(name="-- ?"), page_size=500)
    assert not generated.stub.ResolveEntities(nothing, metadata=country("FRA")).clusters, "not the whole store"


def test_clusters_name_no_record_the_caller_may_not_see(generated: Generated) -> None:
    for caller in ("DEU", "TUR"):
        for cluster in _all_clusters(generated.stub, caller):
            assert all(generated.visible(e, caller) for e in cluster.entity_ids)
            assert all(generated.visible(p.entity_id_a, caller) and generated.visible(p.entity_id_b, caller)
                       for p in cluster.pairs)



def test_the_basic_view_gives_the_same_clusters_without_their_pairs(generated: Generated) -> None:
    ids = [e for members in list(generated.truth.persons.values())[:40] for e in members]
    asked = {"entity_ids": ids, "page_size": 500}
    full = generated.stub.ResolveEntities(pb.ResolveEntitiesRequest(**asked), metadata=country("FRA"))
    basic = generated.stub.ResolveEntities(pb.ResolveEntitiesRequest(view=pb.CLUSTER_VIEW_BASIC, **asked),
                                           metadata=country("FRA"))
    assert len(full.clusters) >= 10 and all(c.pairs for c in full.clusters)
    assert [(c.cluster_id, list(c.entity_ids)) for c in basic.clusters] == \
        [(c.cluster_id, list(c.entity_ids)) for c in full.clusters]
    assert not any(c.pairs for c in basic.clusters)

def test_a_hidden_record_is_not_found_by_any_rpc(generated: Generated) -> None:
    hidden = next(e for ids in generated.truth.persons.values() for e in ids
                  if not generated.visible(e, "GBR") and any(generated.visible(o, "GBR") for o in ids if o != e))
    stub = generated.stub
    # ResolveEntities answers a hidden id as one it never heard of: in no cluster.
    resolved = stub.ResolveEntities(pb.ResolveEntitiesRequest(entity_ids=[hidden]), metadata=country("GBR"))
    assert resolved == stub.ResolveEntities(pb.ResolveEntitiesRequest(entity_ids=["ent_unknown"]),
                                            metadata=country("GBR"))
    assert not resolved.clusters
    calls = [
        lambda: stub.GetNeighbourhood(pb.GetNeighbourhoodRequest(entity_id=hidden), metadata=country("GBR")),
        lambda: stub.FindPaths(pb.FindPathsRequest(from_entity_id=hidden, to_entity_id=generated.truth.burst[0]),
                               metadata=country("GBR")),
    ]
    for call in calls:
        with pytest.raises(grpc.RpcError) as raised:
            call()
        assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    owner = generated.truth.policies[hidden][1]
    seen = stub.GetNeighbourhood(pb.GetNeighbourhoodRequest(entity_id=hidden), metadata=country(owner))
    assert seen.nodes[0].entity_id == hidden


def test_communities_recover_the_planted_crime_networks(generated: Generated) -> None:
    reply = generated.stub.DetectCommunities(pb.DetectCommunitiesRequest(min_size=5, page_size=200),
                                            metadata=country("FRA"), timeout=120)
    assert reply.method.startswith("louvain")
    networks = generated.truth.networks
    for network, members in networks.items():
        planted = set(generated.truth.visible(members, "FRA"))
        best = max(reply.communities, key=lambda c: len(set(c.entity_ids) & planted))
        assert len(set(best.entity_ids) & planted) >= 0.9 * len(planted)
        assert not any(set(others) & set(best.entity_ids) for n, others in networks.items() if n != network)
        keys = [k.entity_id for k in best.key_members]
        assert len(keys) == 5 and sum(k in planted for k in keys) >= 4, network
        assert best.key_members[0].centrality == 1.0


def test_the_planted_burst_is_flagged(generated: Generated) -> None:
    request = pb.GetTrendsRequest(time_bucket=pb.TIME_BUCKET_WEEK, iccs_codes=["05"], countries=["FRA"])
    request.start_time.FromDatetime(dt.datetime(2023, 6, 1, tzinfo=dt.UTC))
    request.end_time.FromDatetime(dt.datetime(2024, 12, 1, tzinfo=dt.UTC))
    reply = generated.stub.GetTrends(request, metadata=country("DEU"))
    assert reply.method.startswith("poisson")
    burglary = next(s for s in reply.series if s.iccs_code == generator.BURST_ICCS and s.country == "FRA")
    unusual = [p for p in burglary.points if p.unusual]
    week = generator.BURST_START - dt.timedelta(days=generator.BURST_START.weekday())
    assert [p.bucket_start_time.ToDatetime(dt.UTC) for p in unusual] == [week]
    assert unusual[0].event_count >= generator.BURST_EVENTS
    flagged = sum(p.unusual for s in reply.series for p in s.points)
    assert flagged <= 2  # the burst, and at most one chance alarm among all other buckets


def test_the_planted_cluster_of_events_is_a_hotspot(generated: Generated) -> None:
    request = pb.GetHotspotsRequest(iccs_codes=["0601"], radius_km=0.5, min_events=8)
    request.start_time.FromDatetime(dt.datetime(2022, 1, 1, tzinfo=dt.UTC))
    request.end_time.FromDatetime(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    reply = generated.stub.GetHotspots(request, metadata=country("ITA"))
    assert reply.method.startswith("dbscan")
    top = reply.hotspots[0]
    assert set(generated.truth.hotspot) <= set(top.event_ids) or \
        len(set(generated.truth.hotspot) & set(top.event_ids)) >= 0.9 * generator.HOTSPOT_EVENTS
    assert abs(top.centre.latitude - generator.HOTSPOT_CENTER[0]) < 0.005
    assert abs(top.centre.longitude - generator.HOTSPOT_CENTER[1]) < 0.005
    assert top.radius_km < 0.5


def test_a_bounding_box_limits_the_hotspots(generated: Generated) -> None:
    request = pb.GetHotspotsRequest(radius_km=0.5, min_events=8, area=pb.BoundingBox(
        south_west=location_pb2.GeoPoint(latitude=40, longitude=-5),
        north_east=location_pb2.GeoPoint(latitude=50, longitude=3)))
    request.start_time.FromDatetime(dt.datetime(2022, 1, 1, tzinfo=dt.UTC))
    request.end_time.FromDatetime(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    reply = generated.stub.GetHotspots(request, metadata=country("ITA"))
    assert all(40 <= h.centre.latitude <= 50 and -5 <= h.centre.longitude <= 3 for h in reply.hotspots)


def _bad_fields(call) -> set[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as raised:
        call()
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(raised.value)
    assert status is not None
    fields = set()
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            fields |= {v.field for v in bad.field_violations}
    return fields


def test_bad_arguments_are_named(generated: Generated) -> None:
    stub, fra = generated.stub, country("FRA")
    assert _bad_fields(lambda: stub.FindPaths(pb.FindPathsRequest(to_entity_id="x", max_hops=9), metadata=fra)) == \
        {"from_entity_id", "max_hops"}
    assert _bad_fields(lambda: stub.GetNeighbourhood(pb.GetNeighbourhoodRequest(entity_id="x", depth=4,
                                                                                link_types=[99]), metadata=fra)) == \
        {"depth", "link_types[0]"}
    bad_resolution = pb.ResolveEntitiesRequest(min_cluster_size=1, page_size=-1, entity_kind=3, view=7)
    assert _bad_fields(lambda: stub.ResolveEntities(bad_resolution, metadata=fra)) == \
        {"min_cluster_size", "page_size", "entity_kind", "view"}
    bad_description = pb.IdentityDescription(name="x" * 301, document_number="1" * 51, nationalities=["XXX"],
                                             date_of_birth={"year": 1990, "month": 13}, entity_kind=3)
    assert _bad_fields(lambda: stub.ResolveEntities(pb.ResolveEntitiesRequest(like=bad_description), metadata=fra)) == \
        {"like.name", "like.document_number", "like.nationalities[0]", "like.date_of_birth.month", "like.entity_kind"}
    assert _bad_fields(lambda: stub.ResolveEntities(pb.ResolveEntitiesRequest(like=pb.IdentityDescription(
        nationalities=["FRA"])), metadata=fra)) == {"like.name"}
    assert _bad_fields(lambda: stub.GetTrends(pb.GetTrendsRequest(iccs_codes=["9999"], countries=["fra"]),
                                              metadata=fra)) == \
        {"start_time", "end_time", "iccs_codes[0]", "countries[0]"}
    assert _bad_fields(lambda: stub.GetHotspots(pb.GetHotspotsRequest(radius_km=80, min_events=2), metadata=fra)) >= \
        {"radius_km", "min_events"}
    assert _bad_fields(lambda: stub.DetectCommunities(pb.DetectCommunitiesRequest(key_member_count=21),
                                                      metadata=fra)) == {"key_member_count"}


def test_without_a_country_nothing_is_answered(generated: Generated) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        generated.stub.DetectCommunities(pb.DetectCommunitiesRequest())
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_restarted_server_answers_the_same(generated: Generated, tmp_path: Path) -> None:
    first = generated.stub.ResolveEntities(pb.ResolveEntitiesRequest(page_size=50), metadata=country("FRA"))
    settings = generated.server.server.settings
    with analytics_server(tmp_path, settings.database_url) as again:
        second = pb_grpc.AnalyticsServiceStub(again.channel).ResolveEntities(pb.ResolveEntitiesRequest(page_size=50),
                                                                              metadata=country("FRA"))
    assert [c.entity_ids for c in first.clusters] == [c.entity_ids for c in second.clusters]
