"""The link chart: one node per identity, shapes and colours with legends, valid
SVG; and `icore chart` drawing it from a real analytics server."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from icore.analytics.v1 import analytics_service_pb2 as pb
from icore.uim.v1 import entity_pb2, link_pb2
from services.analytics.link_chart import render
from services.cli import main
from tests.analytics.entities import link, organization, person
from tests.analytics.servers import analytics_server, changes, fill

SVG = "{http://www.w3.org/2000/svg}"


def _neighbourhood() -> pb.GetNeighbourhoodResponse:
    reply = pb.GetNeighbourhoodResponse()
    reply.nodes.add(entity_id="a", entity_kind=entity_pb2.ENTITY_KIND_PERSON, label="Anna Weber", data_owner="FRA")
    for entity_id, owner in (("b1", "FRA"), ("b2", "DEU")):
        reply.nodes.add(entity_id=entity_id, entity_kind=entity_pb2.ENTITY_KIND_PERSON, label="Ivan Petrov",
                        data_owner=owner, cluster_id="idc_ivan", distance=1)
    reply.nodes.add(entity_id="c", entity_kind=entity_pb2.ENTITY_KIND_ORGANIZATION, label="Baltic Trading",
                    data_owner="DEU", distance=2)
    reply.nodes.add(entity_id="d", entity_kind=entity_pb2.ENTITY_KIND_EVENT, label="Robbery in Lyon",
                    data_owner="FRA", distance=1)
    reply.edges.add(from_entity_id="a", to_entity_id="b1", link_type=link_pb2.LINK_TYPE_FAMILY, link_id="l1",
                    role="brother")
    reply.edges.add(from_entity_id="b1", to_entity_id="b2", identity_score=0.97)
    reply.edges.add(from_entity_id="b2", to_entity_id="c", link_type=link_pb2.LINK_TYPE_DIRECTOR_OF, link_id="l2")
    reply.edges.add(from_entity_id="a", to_entity_id="d", link_type=link_pb2.LINK_TYPE_SUSPECT_IN, link_id="l3")
    return reply


def test_a_resolved_identity_is_drawn_as_one_node() -> None:
    svg = render(_neighbourhood())
    root = ElementTree.fromstring(svg)
    titled = [g for g in root.iter(f"{SVG}g") if g.find(f"{SVG}title") is not None]
    titles = [g.findtext(f"{SVG}title") or "" for g in titled]
    assert len(titled) == 4
    identity = next(t for t in titles if "b1" in t)
    assert "b2" in identity and "FRA, DEU" in identity
    paths = [p for p in root.iter(f"{SVG}path") if p.find(f"{SVG}title") is not None]
    assert sorted(p.findtext(f"{SVG}title") or "" for p in paths) == ["director of", "family: brother", "suspect in"]
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"Anna Weber", "Ivan Petrov", "FRA", "DEU", "person", "event", "family", "director of"} <= texts
    assert "one identity of n records" in texts


def test_an_empty_neighbourhood_still_makes_an_svg() -> None:
    assert ElementTree.fromstring(render(pb.GetNeighbourhoodResponse())).tag == f"{SVG}svg"


@pytest.fixture
def small_world(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'analytics.sqlite'}"
    records = [
        person("anna", "Anna Weber"), person("ivan_fra", "Ivan PETROV", born=(1980, 1, 2), passport="721234567"),
        person("ivan_deu", "Иван Петров", owner="DEU", born=(1980, 1, 2), passport="72 1234567"),
        organization("shell", "Baltic Trading Ltd"),
        link("l_ai", "anna", "ivan_fra", link_pb2.LINK_TYPE_FAMILY, role="sister"),
        link("l_is", "ivan_deu", "shell", link_pb2.LINK_TYPE_DIRECTOR_OF, owner="DEU"),
    ]
    fill(url, changes(records), resolve_all=False)
    return url


def test_icore_chart_draws_the_neighbourhood_from_the_service(small_world: str, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "anna.svg"
    with analytics_server(tmp_path, small_world) as server:
        assert main(["chart", "anna", "--address", server.address, "--out", str(out)]) == 0
        assert main(["chart", "nobody", "--address", server.address, "--out", str(tmp_path / "x.svg")]) == 1
    assert "anna.svg: 4 records" in capsys.readouterr().out
    with analytics_server(tmp_path, small_world) as server:
        family = tmp_path / "family.svg"
        assert main(["chart", "anna", "--address", server.address, "--link-type", "family", "--out", str(family)]) == 0
        # the company behind a DIRECTOR_OF link is left out
        assert main(["chart", "anna", "--address", server.address, "--link-type", "cousin", "--out", str(family)]) == 2
    printed = capsys.readouterr()
    assert "family.svg: 3 records" in printed.out and 'unknown enum label "LINK_TYPE_COUSIN"' in printed.err
    root = ElementTree.fromstring(out.read_text(encoding="utf-8"))
    titles = [g.findtext(f"{SVG}title") or "" for g in root.iter(f"{SVG}g") if g.find(f"{SVG}title") is not None]
    assert len(titles) == 3 and any("ivan_fra" in t and "ivan_deu" in t for t in titles)
