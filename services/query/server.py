"""QueryService over gRPC: requests to domain calls and back, and `create_server`.

Storage work runs in worker threads (`asyncio.to_thread`), so one slow query never
holds up the event loop and its other calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Sequence

import grpc
import structlog

from icore.query.v1 import query_service_pb2 as pb
from icore.query.v1 import query_service_pb2_grpc as pb_grpc
from icore.uim.v1 import entity_pb2, link_pb2
from services.bootstrap.audit import DELETE, MATCH, READ, WRITE, AuditLog
from services.bootstrap.database import open_database
from services.bootstrap.errors import (
    FieldErrors,
    InvalidFieldError,
    NotFoundError,
    PermissionDeniedError,
)
from services.bootstrap.identity import current_caller, require_caller
from services.bootstrap.paging import PageRequest
from services.bootstrap.server import IcoreServer, Registration
from services.bootstrap.settings import Settings
from services.query.changes import ChangeSignal, decode_cursor, encode_cursor
from services.query.criteria import Criteria, parse_search
from services.query.followers import full_follower
from services.query.identifiers import is_record_id
from services.query.indexers import Indexers
from services.query.indexing import IndexedEntity
from services.query.ingest import MAX_BATCH, Rejection, check_id, check_links, stored_link
from services.query.related import Related, related, related_many
from services.query.search import Hit, Searcher
from services.query.storage import ANALYZE_MIN_ROWS, ChangeOp, Repository, UpsertOutcome

log = structlog.get_logger(__name__)

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["QueryService"].full_name
#: Rejections listed in one UpsertEntitiesResponse; the count covers them all.
MAX_REJECTIONS_LISTED = 1000
#: Entities of the messages that arrived while a write was in flight, written
#: together in one transaction: on SQLite each commit rewrites every page of the
#: key index it touched, and a batch of 1,000 persons touches most of them.
MAX_WRITE_GROUP = 8 * MAX_BATCH
EXPORT_PAGE = 500
MAX_DEPTH = 3
#: Entities one BatchGetEntities may ask for.
MAX_BATCH_ENTITIES = 100
#: Start entities one BatchGetRelated may ask for.
MAX_BATCH_RELATED = 50
#: Hits of one Search, or entities of one BatchGetEntities, whose linked entities may be asked for with it.
MAX_LINKED_STARTS = 20
#: Statistics are refreshed when a server starts (see Repository.analyze_if_grown).
ANALYZE_ON_START = ANALYZE_MIN_ROWS


def _entity_id(value: str, field: str = "entity_id") -> str:
    errors = FieldErrors()
    check_id(errors, value, field)
    errors.raise_if_any()
    return value


def _check_entity_ids(entity_ids: Sequence[str], most: int, errors: FieldErrors) -> None:
    """A batch call's `entity_ids`: 1 to `most`, each an id."""
    errors.check(1 <= len(entity_ids) <= most, "entity_ids", f"give 1 to {most} ids")
    for i, entity_id in enumerate(entity_ids[:most]):
        check_id(errors, entity_id, f"entity_ids[{i}]")


class QueryServicer(pb_grpc.QueryServiceServicer):
    """The unified repository's RPCs; each acts for the calling country only."""

    def __init__(self, repository: Repository, audit: AuditLog, plaintext: bool = False,
                 indexers: Indexers | None = None) -> None:
        self._repository = repository
        self._indexers = indexers or Indexers(0)
        self._plaintext = plaintext
        self._searcher = Searcher(repository)
        self._audit = audit
        self._changed = ChangeSignal()
        self._background: set[asyncio.Task[None]] = set()

    def _in_background(self, work: Callable[..., None], *args: object) -> None:
        """Housekeeping that no caller should wait for, kept referenced until done."""
        task = asyncio.create_task(asyncio.to_thread(work, *args))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def UpsertEntities(self, request_iterator: AsyncIterator[pb.UpsertEntitiesRequest],
                             context: grpc.aio.ServicerContext) -> pb.UpsertEntitiesResponse:
        """Each message is checked and indexed while the messages before it are
        written, so the CPU-bound and the database-bound halves of an ingest
        overlap; the messages checked while a write is in flight are written
        together next, in one transaction (see MAX_WRITE_GROUP)."""
        owner = require_caller().country
        response = pb.UpsertEntitiesResponse()
        position = 0
        writing: asyncio.Task[UpsertOutcome] | None = None
        waiting: list[IndexedEntity] = []  # checked, not yet being written
        waiting_ids: set[str] = set()
        try:
            async for request in request_iterator:
                if len(request.entities) > MAX_BATCH:
                    raise InvalidFieldError("entities", f"at most {MAX_BATCH} entities per message")
                accepted, rejected = await self._indexers.prepare(request, owner, position)
                position += len(request.entities)
                self._rejected(rejected, response)
                # A record sent twice in one stream is written twice, in order, as before grouping.
                if len(waiting) + len(accepted) > MAX_WRITE_GROUP or not waiting_ids.isdisjoint(
                        item.id for item in accepted):
                    writing = await self._write_next(owner, writing, waiting, response)
                    waiting, waiting_ids = [], set()
                waiting.extend(accepted)
                waiting_ids.update(item.id for item in accepted)
                if waiting and (writing is None or writing.done()):
                    writing = await self._write_next(owner, writing, waiting, response)
                    waiting, waiting_ids = [], set()
        except BaseException:
            if writing is not None:  # the stream failed: the write in flight finishes alone
                writing.add_done_callback(lambda task: task.cancelled() or task.exception())
            raise
        writing = await self._write_next(owner, writing, waiting, response)
        if writing is not None:
            self._written(owner, await writing, response)
        return response

    async def _write_next(self, owner: str, writing: asyncio.Task[UpsertOutcome] | None,
                          batch: list[IndexedEntity], response: pb.UpsertEntitiesResponse,
                          ) -> asyncio.Task[UpsertOutcome] | None:
        """Wait for the write in flight, then start writing `batch` (if any)."""
        if writing is not None:
            self._written(owner, await writing, response)
        if not batch:
            return None
        return asyncio.create_task(asyncio.to_thread(self._repository.upsert_entities, batch))

    @staticmethod
    def _rejected(rejected: list[Rejection], response: pb.UpsertEntitiesResponse) -> None:
        for rejection in rejected:
            response.rejected_count += 1
            if len(response.rejected) < MAX_REJECTIONS_LISTED:
                more = f" (and {rejection.more} more problems)" if rejection.more else ""
                response.rejected.add(index=rejection.index, source_record_id=rejection.source_record_id,
                                      field=rejection.violation.field,
                                      description=rejection.violation.description + more)

    def _written(self, owner: str, outcome: UpsertOutcome, response: pb.UpsertEntitiesResponse) -> None:
        response.created_count += outcome.created
        response.updated_count += outcome.updated
        if outcome.written:
            self._audit.record(WRITE, [(entity_id, owner) for entity_id in outcome.written])
            self._changed.notify()
            self._in_background(self._repository.analyze_if_grown, len(outcome.written))

    async def GetEntity(self, request: pb.GetEntityRequest, context: grpc.aio.ServicerContext) -> pb.GetEntityResponse:
        country = require_caller().country
        found = await asyncio.to_thread(self._repository.get_entity, _entity_id(request.entity_id), country)
        if found is None:
            raise NotFoundError(f"no entity {request.entity_id!r}")
        body, owner = found
        self._audit.record(READ, [(request.entity_id, owner)])
        return pb.GetEntityResponse(entity=entity_pb2.Entity.FromString(body))

    async def BatchGetEntities(self, request: pb.BatchGetEntitiesRequest,
                               context: grpc.aio.ServicerContext) -> pb.BatchGetEntitiesResponse:
        country = require_caller().country
        errors = FieldErrors()
        _check_entity_ids(request.entity_ids, MAX_BATCH_ENTITIES, errors)
        errors.check(0 <= request.linked_entity_count <= MAX_LINKED_STARTS, "linked_entity_count",
                     f"must be 0 to {MAX_LINKED_STARTS}")
        errors.check(0 <= request.max_linked_per_entity <= 100, "max_linked_per_entity",
                     "must be 1 to 100 (0 means 10)")
        errors.raise_if_any()
        ids = list(dict.fromkeys(request.entity_ids))
        found, linked = await asyncio.to_thread(self._entities_and_linked, ids, country, request.linked_entity_count,
                                                request.max_linked_per_entity or 10)
        response = pb.BatchGetEntitiesResponse()
        for entity_id in (i for i in ids if i in found):
            pk, body = found[entity_id]
            response.entities.append(entity_pb2.Entity.FromString(body))
            if pk in linked:
                _fill_related_set(response.linked_sets.add(), entity_id, linked[pk])
        self._audit.record(READ, [(e.id, e.provenance.data_owner) for e in response.entities])
        self._audit_related(response.linked_sets)
        return response

    def _audit_related(self, related_sets: Iterable[pb.RelatedSet]) -> None:
        """The entities of related sets were read by the caller."""
        self._audit.record(READ, [(r.entity.id, r.entity.provenance.data_owner)
                                  for related_set in related_sets for r in related_set.related])

    def _entities_and_linked(self, ids: list[str], country: str, linked_count: int,
                             per_entity: int) -> tuple[dict[str, tuple[int, bytes]], dict[int, Related]]:
        """The entities the caller may see, and what the first `linked_count` of
        them link to (one hop), in one worker thread."""
        found = self._repository.entity_bodies(ids, country)
        starts = [found[i][0] for i in ids if i in found][:linked_count]
        linked = related_many(self._repository, starts, 1, [], country, 0, per_entity) if starts else {}
        return found, linked

    async def DeleteEntity(self, request: pb.DeleteEntityRequest,
                           context: grpc.aio.ServicerContext) -> pb.DeleteEntityResponse:
        country = require_caller().country
        entity_id = _entity_id(request.entity_id)
        owner = await asyncio.to_thread(self._repository.owner_of, entity_id, country)
        if owner is None:
            raise NotFoundError(f"no entity {entity_id!r}")
        if owner != country:
            raise PermissionDeniedError(f"only its data owner {owner} may delete {entity_id}")
        deleted = await asyncio.to_thread(self._repository.delete_entity, entity_id, country)
        if deleted is None:
            raise NotFoundError(f"no entity {entity_id!r}")
        self._audit.record(DELETE, [(entity_id, owner)])
        self._changed.notify()
        return pb.DeleteEntityResponse(entity_id=entity_id, deleted_link_count=deleted[1])

    async def UpsertLinks(self, request: pb.UpsertLinksRequest,
                          context: grpc.aio.ServicerContext) -> pb.UpsertLinksResponse:
        owner = require_caller().country
        errors = FieldErrors()
        check_links(list(request.links), errors)
        if len(request.links) > MAX_BATCH:
            errors.raise_if_any()
        ends = {end for link in request.links for end in (link.from_entity_id, link.to_entity_id)
                if is_record_id(end)}
        pks = await asyncio.to_thread(self._repository.visible_pks, ends, owner)
        named = {v.field for v in errors.violations}
        for i, link in enumerate(request.links):
            for end in ("from_entity_id", "to_entity_id"):
                field = f"links[{i}].{end}"
                if field not in named:
                    errors.check(getattr(link, end) in pks, field, f"no entity {getattr(link, end)!r} that you can see")
        errors.raise_if_any()
        batch = []
        for link in request.links:
            stored, digest = stored_link(link, owner)
            batch.append((stored, pks[link.from_entity_id], pks[link.to_entity_id], digest))
        created, updated, bodies = await asyncio.to_thread(self._repository.upsert_links, batch, owner)
        self._audit.record(WRITE, [(link.id, owner) for link, _, _, _ in batch])
        self._changed.notify()
        return pb.UpsertLinksResponse(links=[link_pb2.Link.FromString(b) for b in bodies],
                                      created_count=created, updated_count=updated)

    async def GetRelated(self, request: pb.GetRelatedRequest,
                         context: grpc.aio.ServicerContext) -> pb.GetRelatedResponse:
        country = require_caller().country
        errors = FieldErrors()
        check_id(errors, request.entity_id, "entity_id")
        errors.check(0 <= request.depth <= MAX_DEPTH, "depth", f"must be 1 to {MAX_DEPTH} (0 means 1)")
        _check_link_types(request.link_types, errors)
        page = PageRequest.parse(request.page_size, request.page_token, default=100, maximum=500, errors=errors)
        errors.raise_if_any()
        start = await asyncio.to_thread(self._repository.visible_pks, [request.entity_id], country)
        if not start:
            raise NotFoundError(f"no entity {request.entity_id!r}")
        found = await asyncio.to_thread(related, self._repository, start[request.entity_id], request.depth or 1,
                                        list(request.link_types), country, page)
        response = pb.GetRelatedResponse(next_page_token=page.next_token(found.total))
        for _, distance, body in found.entities:
            response.related.add(entity=entity_pb2.Entity.FromString(body), distance=distance)
        response.links.extend(link_pb2.Link.FromString(link.body) for link in found.links)
        self._audit.record(READ, [(r.entity.id, r.entity.provenance.data_owner) for r in response.related])
        return response

    async def BatchGetRelated(self, request: pb.BatchGetRelatedRequest,
                              context: grpc.aio.ServicerContext) -> pb.BatchGetRelatedResponse:
        country = require_caller().country
        errors = FieldErrors()
        _check_entity_ids(request.entity_ids, MAX_BATCH_RELATED, errors)
        errors.check(0 <= request.depth <= MAX_DEPTH, "depth", f"must be 1 to {MAX_DEPTH} (0 means 1)")
        _check_link_types(request.link_types, errors)
        errors.check(0 <= request.max_related_per_entity <= 100, "max_related_per_entity", "must be 1 to 100 "
                     "(0 means 10)")
        errors.raise_if_any()
        ids = list(dict.fromkeys(request.entity_ids))
        starts = await asyncio.to_thread(self._repository.visible_pks, ids, country)
        found = await asyncio.to_thread(related_many, self._repository, list(starts.values()), request.depth or 1,
                                        list(request.link_types), country, 0, request.max_related_per_entity or 10)
        response = pb.BatchGetRelatedResponse()
        for entity_id in (i for i in ids if i in starts):
            _fill_related_set(response.related_sets.add(), entity_id, found[starts[entity_id]])
        self._audit_related(response.related_sets)
        return response

    async def ExportEntities(self, request: pb.ExportEntitiesRequest,
                             context: grpc.aio.ServicerContext) -> AsyncIterator[pb.ExportEntitiesResponse]:
        country: str | None = self._follower_or_country(context)
        start = decode_cursor(request.cursor)
        if start is None:
            raise InvalidFieldError("cursor", "not a cursor from a previous response")
        seq: int = start
        while True:
            wake = self._changed.current()
            found, seq = await asyncio.to_thread(self._repository.changes_after, seq, country, EXPORT_PAGE)
            touched = []
            for change in found:
                reply = pb.ExportEntitiesResponse(cursor=encode_cursor(change.seq))
                if change.op == ChangeOp.ENTITY_UPSERTED and change.body is not None:
                    reply.entity.ParseFromString(change.body)
                    touched.append((reply.entity.id, reply.entity.provenance.data_owner))
                elif change.op == ChangeOp.LINK_UPSERTED and change.body is not None:
                    reply.link.ParseFromString(change.body)
                elif change.op == ChangeOp.ENTITY_DELETED:
                    reply.deleted_entity_id = change.target_id
                else:
                    reply.deleted_link_id = change.target_id
                yield reply
            if touched:
                self._audit.record(READ, touched)
            if len(found) == EXPORT_PAGE:
                continue
            if not request.follow:
                return
            await self._changed.wait(wake)

    def _follower_or_country(self, context: grpc.aio.ServicerContext) -> str | None:
        """The caller's country, or None for a service that follows everything."""
        caller = current_caller()
        if caller is not None:
            return caller.country
        metadata = {k: v for k, v in (context.invocation_metadata() or ()) if isinstance(v, str)}
        if full_follower(metadata, context.auth_context(), self._plaintext) is None:
            require_caller()  # UNAUTHENTICATED
        return None

    async def Search(self, request: pb.SearchRequest, context: grpc.aio.ServicerContext) -> pb.SearchResponse:
        country = require_caller().country
        errors = FieldErrors()
        criteria = parse_search(request, errors)
        errors.check(0 <= request.linked_hit_count <= MAX_LINKED_STARTS, "linked_hit_count",
                     f"must be 0 to {MAX_LINKED_STARTS}")
        errors.check(0 <= request.max_linked_per_hit <= 100, "max_linked_per_hit", "must be 1 to 100 (0 means 10)")
        errors.raise_if_any()
        hits, total, linked = await asyncio.to_thread(self._search, criteria, country, request.linked_hit_count,
                                                      request.max_linked_per_hit or 10)
        response = pb.SearchResponse(next_page_token=criteria.page.next_token(total))
        for hit in hits:
            proto = response.hits.add(entity=hit.entity, score=hit.scored.score, explanations=[
                pb.MatchExplanation(criterion=e.criterion, score=e.score, detail=e.detail)
                for e in hit.scored.explanations])
            if hit.pk in linked:
                _fill_related_set(proto.linked, hit.entity.id, linked[hit.pk])
        self._audit.record(MATCH, [(h.entity.id, h.entity.provenance.data_owner) for h in hits])
        self._audit_related(h.linked for h in response.hits)
        return response

    def _search(self, criteria: Criteria, country: str, linked_hits: int,
                per_hit: int) -> tuple[list[Hit], int, dict[int, Related]]:
        """The search and the linked entities of its best hits, in one worker thread."""
        hits, total = self._searcher.search(criteria, country)
        starts = [hit.pk for hit in hits[:linked_hits]]
        linked = related_many(self._repository, starts, 1, [], country, 0, per_hit) if starts else {}
        return hits, total, linked


async def create_server(settings: Settings) -> IcoreServer:
    """Open (and migrate) the repository database and wire the servicer."""
    engine = await asyncio.to_thread(open_database, settings.resolved_database_url, "query")
    audit = await asyncio.to_thread(AuditLog, engine, "query")
    repository = Repository(engine)
    await asyncio.to_thread(repository.analyze_if_grown, ANALYZE_ON_START)
    indexers = Indexers.from_env()
    servicer = QueryServicer(repository, audit, settings.plaintext, indexers)
    return IcoreServer(settings, [Registration(SERVICE_NAME, pb_grpc.add_QueryServiceServicer_to_server, servicer)],
                       closers=[indexers.close, engine.dispose], audit=audit)


def _fill_related_set(related_set: pb.RelatedSet, entity_id: str, reached: Related) -> None:
    related_set.entity_id, related_set.total_size = entity_id, reached.total
    for _, distance, body in reached.entities:
        related_set.related.add(entity=entity_pb2.Entity.FromString(body), distance=distance)
    related_set.links.extend(link_pb2.Link.FromString(link.body) for link in reached.links)


def _check_link_types(link_types: Sequence[int], errors: FieldErrors) -> None:
    for i, link_type in enumerate(link_types):
        errors.check(link_type in link_pb2.LinkType.values() and link_type != link_pb2.LINK_TYPE_UNSPECIFIED,
                     f"link_types[{i}]", "not a link type")
