"""A small blocking client of QueryService for loaders: the demo data, `icore load`
and the benchmarks. It batches, streams and sums up; it holds no policy of its own."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

import grpc

from icore.query.v1 import query_service_pb2 as pb
from icore.query.v1 import query_service_pb2_grpc as pb_grpc
from icore.uim.v1 import entity_pb2, link_pb2
from services.bootstrap.identity import Caller, identity_metadata

BATCH = 1000


@dataclass
class LoadSummary:
    created: int = 0
    updated: int = 0
    rejected: list[pb.RejectedRecord] = field(default_factory=list)
    rejected_count: int = 0

    def add(self, response: pb.UpsertEntitiesResponse, offset: int = 0) -> None:
        self.created += response.created_count
        self.updated += response.updated_count
        self.rejected_count += response.rejected_count
        for rejection in response.rejected:
            copy = pb.RejectedRecord()
            copy.CopyFrom(rejection)
            copy.index += offset
            self.rejected.append(copy)


def batches(items: Iterable[entity_pb2.Entity], size: int = BATCH) -> Iterator[pb.UpsertEntitiesRequest]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield pb.UpsertEntitiesRequest(entities=chunk)


class QueryClient:
    """QueryService as one member country (or as whoever the channel's certificate says)."""

    def __init__(self, channel: grpc.Channel, country: str = "") -> None:
        self.stub = pb_grpc.QueryServiceStub(channel)
        self.metadata = identity_metadata(Caller(country)) if country else ()

    def upsert_entities(self, entities: Iterable[entity_pb2.Entity], batch: int = BATCH,
                        timeout: float | None = None) -> pb.UpsertEntitiesResponse:
        """Stream the entities in batches over one UpsertEntities call."""
        return self.stub.UpsertEntities(batches(entities, batch), metadata=self.metadata,
                                        timeout=timeout)

    def upsert_links(self, links: Iterable[link_pb2.Link], batch: int = BATCH) -> tuple[int, int]:
        created = updated = 0
        iterator = iter(links)
        while chunk := list(islice(iterator, batch)):
            response = self.stub.UpsertLinks(pb.UpsertLinksRequest(links=chunk), metadata=self.metadata, timeout=120)
            created += response.created_count
            updated += response.updated_count
        return created, updated

    def get_entity(self, entity_id: str) -> entity_pb2.Entity | None:
        try:
            reply = self.stub.GetEntity(pb.GetEntityRequest(entity_id=entity_id), metadata=self.metadata, timeout=30)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return reply.entity

    def is_empty(self) -> bool:
        """True when the caller sees no change at all in the repository."""
        replies = self.stub.ExportEntities(pb.ExportEntitiesRequest(), metadata=self.metadata, timeout=30)
        try:
            for _ in replies:
                return False
            return True
        finally:
            replies.cancel()

    def entity_ids(self) -> dict[str, str]:
        """Source record id -> stored id of every entity the caller sees."""
        ids: dict[str, str] = {}
        for reply in self.stub.ExportEntities(pb.ExportEntitiesRequest(), metadata=self.metadata, timeout=300):
            if reply.HasField("entity"):
                ids[reply.entity.provenance.source_record_id] = reply.entity.id
        return ids
