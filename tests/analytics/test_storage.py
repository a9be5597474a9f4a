"""The analytics database on SQLite and PostgreSQL: a batch of the feed with its
cursor and identities in one transaction, read back at start; a whole-store
resolution on demand replaces the identities and saves the model."""

from __future__ import annotations

from pathlib import Path

from icore.analytics.v1 import analytics_service_pb2 as pb
from icore.analytics.v1 import analytics_service_pb2_grpc as pb_grpc
from services.analytics.mirror import RepositoryMirror
from services.analytics.scoring import THRESHOLD
from services.analytics.storage import CURSOR, MODEL, MirrorStore
from services.bootstrap.database import open_database
from tests.analytics.entities import link, person
from tests.analytics.servers import analytics_server, changes
from tests.support import country

RECORDS = [
    person("p1", "Anna KOWALSKA", born=(1990, 5, 5), passport="PL123456"),
    person("p2", "Kowalska Anna", owner="DEU", born=(1990, 5, 5), passport="PL 123456"),
    person("p3", "Jan Nowak", born=(1961, 1, 1)),
    link("l1", "p1", "p3"),
]


def test_a_batch_round_trips_and_a_restart_resumes_from_its_cursor(database_url: str) -> None:
    engine = open_database(database_url, "analytics")
    store = MirrorStore(engine)
    mirror = RepositoryMirror()
    store.write(mirror.apply(changes(RECORDS)))
    assert store.read_state(CURSOR) == "seq-4"
    deletion = [changes(RECORDS)[0]]
    deletion[0].Clear()
    deletion[0].cursor, deletion[0].deleted_entity_id = "seq-5", "p3"
    store.write(mirror.apply(deletion))

    again = RepositoryMirror()
    assert again.load(store) == "seq-5"
    assert "p3" not in again.graph or not again.visible("p3", "FRA")
    assert sorted(again.resolver.members("p1")) == ["p1", "p2"]
    assert store.links_by_id(["l1"]) == {}  # gone with its entity
    engine.dispose()


def test_resolving_the_whole_store_on_demand_saves_the_model(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'analytics.sqlite'}"
    engine = open_database(url, "analytics")
    MirrorStore(engine).write(RepositoryMirror().apply(changes(RECORDS)))
    with analytics_server(tmp_path, url) as server:
        stub = pb_grpc.AnalyticsServiceStub(server.channel)
        reply = stub.ResolveEntities(pb.ResolveEntitiesRequest(refresh=True), metadata=country("FRA"))
    assert [sorted(c.entity_ids) for c in reply.clusters] == [["p1", "p2"]]
    assert reply.threshold == THRESHOLD and reply.method.startswith("fellegi-sunter")
    assert any(r.startswith("document: number shared") for r in reply.clusters[0].pairs[0].reasons)
    assert MirrorStore(engine).read_state(MODEL)
    engine.dispose()
