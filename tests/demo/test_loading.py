"""`load_if_empty` stores the demo set through the real QueryService, once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from icore.query.v1 import query_service_pb2 as pb
from icore.query.v1 import query_service_pb2_grpc as pb_grpc
from services.bootstrap.certificates import make_development_pki
from services.demo import load_if_empty
from services.demo.generator import DEFAULT_SEED, Truth, generate
from services.mesh import client_channel
from tests.support import RunningServer, country


def test_demo_data_loads_into_an_empty_store_once(start_service: Callable[..., RunningServer]) -> None:
    server = start_service("query")
    summary = load_if_empty({"query": server.channel}, 300)
    truth = Truth()
    for item in generate(300, DEFAULT_SEED):
        truth.add(item)
    assert summary.startswith(f"{truth.entities} entities") and f"{truth.links} links" in summary
    assert "already holds data" in load_if_empty({"query": server.channel}, 300)

    stub = pb_grpc.QueryServiceStub(server.channel)
    member = truth.networks[0][-1]  # a network member: the owner sees its links
    owner = truth.policies[member][1]
    related = stub.GetRelated(pb.GetRelatedRequest(entity_id=member), metadata=country(owner))
    assert set(r.entity.id for r in related.related) & set(truth.networks[0])
    burst = stub.GetEntity(pb.GetEntityRequest(entity_id=truth.burst[0]), metadata=country("ESP")).entity
    assert burst.provenance.data_owner == "FRA" and burst.event.iccs_code == "0501"


def test_under_tls_the_certificate_country_owns_the_demo_and_links_follow_the_ids(
        start_service: Callable[..., RunningServer], tmp_path: Path) -> None:
    pki = make_development_pki(tmp_path / "pki", ("DEU",))
    server = start_service("query", plaintext=False, tls_dir=pki)
    with client_channel(f"127.0.0.1:{server.port}", pki, "country-DEU") as channel:
        summary = load_if_empty({"query": channel}, 120)
        changes = list(pb_grpc.QueryServiceStub(channel).ExportEntities(pb.ExportEntitiesRequest(), timeout=30))
    truth = Truth()
    for item in generate(120, DEFAULT_SEED):
        truth.add(item)
    assert f"{truth.links} links" in summary
    owners = {c.entity.provenance.data_owner for c in changes if c.HasField("entity")}
    assert owners == {"DEU"}
    assert sum(1 for c in changes if c.HasField("link")) == truth.links
