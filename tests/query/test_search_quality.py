"""Search quality against the generator's truth: 1,000 searches, each for a real
person as yet another source would write them (other script or romanisation,
typos, order, partial date of birth), through the real service on SQLite and
PostgreSQL. Recall@10 counts every record of that person the caller may see."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable

import grpc
import pytest

from icore.query.v1 import query_service_pb2 as pb
from icore.query.v1 import query_service_pb2_grpc as pb_grpc
from icore.uim.v1 import entity_pb2
from services.demo.generator import Truth, generate, search_query
from services.query.client import QueryClient
from tests.support import RunningServer, country

SEED = 4242
PERSON_RECORDS = 4000
QUERIES = 1000
CALLER = "FRA"


def _load(channel: grpc.Channel) -> Truth:
    truth = Truth()
    by_owner: dict[str, list[entity_pb2.Entity]] = defaultdict(list)
    for item in generate(PERSON_RECORDS, SEED):
        if item.entity is not None:
            truth.add(item)
            by_owner[item.owner].append(item.entity)
    for owner, records in by_owner.items():
        assert QueryClient(channel, owner).upsert_entities(records).rejected_count == 0
    return truth


@pytest.mark.slow
def test_recall_at_10_and_precision_at_1_over_1000_generated_queries(
        database_url: str, start_service: Callable[..., RunningServer]) -> None:
    channel = start_service("query", database_url=database_url).channel
    truth = _load(channel)
    stub = pb_grpc.QueryServiceStub(channel)
    persons = sorted(truth.persons)
    random.Random(SEED).shuffle(persons)
    recall, first = [], []
    for person in persons:
        relevant = set(truth.visible(truth.persons[person], CALLER))
        if not relevant:
            continue
        query = search_query(SEED, person)
        request = pb.SearchRequest(name=query.name, nationality=query.nationality,
                                   document_number=query.document_number, page_size=10)
        if query.date_of_birth is not None:
            request.date_of_birth.CopyFrom(query.date_of_birth)
        found = [hit.entity.id for hit in stub.Search(request, metadata=country(CALLER), timeout=30).hits]
        recall.append(len(relevant & set(found)) / len(relevant))
        first.append(bool(found) and found[0] in relevant)
        if len(recall) == QUERIES:
            break
    assert len(recall) == QUERIES
    recall_at_10, precision_at_1 = sum(recall) / QUERIES, sum(first) / QUERIES
    print(f"recall@10 {recall_at_10:.4f}, precision@1 {precision_at_1:.4f}")
    assert recall_at_10 >= 0.98
    assert precision_at_1 >= 0.95
