"""AnalyticsService over gRPC: requests to domain calls and back, and `create_server`.

Every answer is computed for the calling country only (`RepositoryMirror` filters
nodes, links, identities and events by the shared access rule). Domain work runs in
worker threads, so that one large question does not hold up the event loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc

import grpc
import structlog
from google.protobuf import timestamp_pb2

from icore.analytics.v1 import analytics_service_pb2 as pb
from icore.analytics.v1 import analytics_service_pb2_grpc as pb_grpc
from icore.uim.v1 import entity_pb2, link_pb2, location_pb2
from services.analytics import communities, hotspots, trends
from services.analytics.events import EventFilter
from services.analytics.follower import Follower
from services.analytics.mirror import RESOLUTION_METHOD, RepositoryMirror
from services.analytics.paths import Step
from services.analytics.records import described_record
from services.analytics.storage import MirrorStore
from services.bootstrap.audit import MATCH, READ, AuditLog
from services.bootstrap.channels import peer_channel
from services.bootstrap.collector import CPYTHON_THRESHOLDS
from services.bootstrap.database import open_database
from services.bootstrap.errors import FieldErrors, NotFoundError
from services.bootstrap.identity import require_caller
from services.bootstrap.paging import PageRequest
from services.bootstrap.server import Closer, IcoreServer, Registration
from services.bootstrap.settings import Settings
from services.uim.codes import is_country, is_iccs
from services.uim.validation import check_code, check_partial_date

log = structlog.get_logger(__name__)

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["AnalyticsService"].full_name
MAX_ENTITY_IDS = 1000
#: Most buckets a trend query may ask for (a daily series of 27 years).
MAX_BUCKETS = 10_000
_KINDS = (entity_pb2.ENTITY_KIND_UNSPECIFIED, entity_pb2.ENTITY_KIND_PERSON, entity_pb2.ENTITY_KIND_ORGANIZATION)
_BUCKETS = {pb.TIME_BUCKET_UNSPECIFIED: trends.Bucket.WEEK, pb.TIME_BUCKET_DAY: trends.Bucket.DAY,
            pb.TIME_BUCKET_WEEK: trends.Bucket.WEEK, pb.TIME_BUCKET_MONTH: trends.Bucket.MONTH}
_BUCKET_SECONDS = {trends.Bucket.DAY: 86_400, trends.Bucket.WEEK: 7 * 86_400, trends.Bucket.MONTH: 28 * 86_400}


def _check_description(like: pb.IdentityDescription, errors: FieldErrors) -> None:
    errors.check(bool(like.name.strip() or like.document_number.strip()), "like.name",
                 "give a name or a document number")
    errors.check(len(like.name) <= 300, "like.name", "longer than 300 characters")
    errors.check(len(like.document_number) <= 50, "like.document_number", "longer than 50 characters")
    if like.HasField("date_of_birth"):
        check_partial_date(errors, like.date_of_birth, "like.date_of_birth")
    for i, code in enumerate(like.nationalities):
        check_code(errors, "countries", code, f"like.nationalities[{i}]")
    errors.check(like.entity_kind in _KINDS, "like.entity_kind", "must be a person or an organization, or unset")


def _entity_id(value: str, field: str, errors: FieldErrors) -> None:
    if not value:
        errors.add(field, "required")
    elif len(value) > 64:
        errors.add(field, "longer than 64 characters")


def _in_range(value: int, field: str, low: int, high: int, default: int, errors: FieldErrors) -> int:
    """0 means `default`; otherwise `low` to `high`."""
    if value == 0:
        return default
    if not low <= value <= high:
        errors.add(field, f"must be {low} to {high} (0 means {default})")
    return value


def _period(request: pb.GetTrendsRequest | pb.GetHotspotsRequest, errors: FieldErrors) -> tuple[int, int]:
    for field in ("start_time", "end_time"):
        if not request.HasField(field):
            errors.add(field, "required")
    start, end = request.start_time.seconds, request.end_time.seconds
    if request.HasField("start_time") and request.HasField("end_time") and end <= start:
        errors.add("end_time", "must be after start_time")
    return start, end


def _codes(values: list[str], field: str, check: object, what: str, errors: FieldErrors) -> tuple[str, ...]:
    for i, value in enumerate(values):
        if not check(value):  # type: ignore[operator]
            errors.add(f"{field}[{i}]", f"not {what}")
    return tuple(values)


def _timestamp(value: dt.datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


class AnalyticsServicer(pb_grpc.AnalyticsServiceServicer):
    """The INSIGHT RPCs; each answers for the calling country only."""

    def __init__(self, mirror: RepositoryMirror, store: MirrorStore, audit: AuditLog) -> None:
        self._mirror = mirror
        self._store = store
        self._audit = audit

    async def ResolveEntities(self, request: pb.ResolveEntitiesRequest,
                              context: grpc.aio.ServicerContext) -> pb.ResolveEntitiesResponse:
        country = require_caller().country
        errors = FieldErrors()
        if len(request.entity_ids) > MAX_ENTITY_IDS:
            errors.add("entity_ids", f"at most {MAX_ENTITY_IDS}")
        for i, entity_id in enumerate(request.entity_ids[:MAX_ENTITY_IDS]):
            _entity_id(entity_id, f"entity_ids[{i}]", errors)
        errors.check(request.entity_kind in _KINDS, "entity_kind", "must be a person or an organization, or unset")
        min_size = _in_range(request.min_cluster_size, "min_cluster_size", 2, 1_000_000, 2, errors)
        errors.check(request.view in pb.ClusterView.values(), "view", "not a cluster view")
        page = PageRequest.parse(request.page_size, request.page_token, default=100, maximum=500, errors=errors)
        if request.HasField("like"):
            _check_description(request.like, errors)
        errors.raise_if_any()
        like = described_record(request.like) if request.HasField("like") else None
        if request.refresh:
            await asyncio.to_thread(self._mirror.resolve_all, self._store)
        # Ids not followed yet, and hidden ones, are records of their own: no cluster, no error.
        found = await asyncio.to_thread(self._mirror.identities, country, list(request.entity_ids),
                                        request.entity_kind, min_size, like, request.view != pb.CLUSTER_VIEW_BASIC)
        response = pb.ResolveEntitiesResponse(next_page_token=page.next_token(len(found)),
                                              threshold=self._mirror.resolver.model.threshold,
                                              method=RESOLUTION_METHOD)
        for identity in found[page.offset : page.offset + page.size]:
            response.clusters.add(cluster_id=identity.cluster_id, entity_ids=identity.entity_ids, pairs=[
                pb.PairScore(entity_id_a=p.entity_id_a, entity_id_b=p.entity_id_b, score=p.probability,
                             reasons=p.reasons) for p in identity.pairs])
        self._audit_entities(MATCH, [e for c in response.clusters for e in c.entity_ids])
        return response

    async def FindPaths(self, request: pb.FindPathsRequest, context: grpc.aio.ServicerContext) -> pb.FindPathsResponse:
        country = require_caller().country
        errors = FieldErrors()
        _entity_id(request.from_entity_id, "from_entity_id", errors)
        _entity_id(request.to_entity_id, "to_entity_id", errors)
        max_hops = _in_range(request.max_hops, "max_hops", 1, 6, 4, errors)
        max_paths = _in_range(request.max_paths, "max_paths", 1, 50, 10, errors)
        errors.raise_if_any()
        response, disclosed = await asyncio.to_thread(self._find_paths, country, request.from_entity_id,
                                                      request.to_entity_id, max_hops, max_paths)
        self._audit.record(READ, disclosed.items())
        return response

    def _find_paths(self, country: str, source: str, target: str, max_hops: int,
                    max_paths: int) -> tuple[pb.FindPathsResponse, dict[str, str]]:
        """The search, the bodies of its links and the response, in one worker thread;
        also the (entity id, data owner) of every entity on a path, for the audit log."""
        try:
            found = self._mirror.paths(country, source, target, max_hops, max_paths)
        except KeyError as missing:
            raise NotFoundError(f"no entity {missing.args[0]!r}") from None
        graph = self._mirror.graph
        node_ids, owners = graph.node_ids, graph.node_owners
        link_ids = {graph.edge_ids[s.edge] for path in found.paths for s in path if s.edge is not None}
        bodies = self._store.links_by_id(link_ids)
        response = pb.FindPathsResponse(truncated=found.truncated)
        disclosed: dict[str, str] = {}
        for path in found.paths:
            steps = response.paths.add().steps
            for step in path:
                proto = steps.add(from_entity_id=node_ids[step.source], to_entity_id=node_ids[step.target])
                if step.edge is None:
                    proto.identity_score = step.identity_score
                else:
                    proto.link.CopyFrom(self._link(step, bodies))
                disclosed[proto.to_entity_id] = owners[step.target]
        start = graph.node(source)
        if found.paths and start is not None:
            disclosed[source] = owners[start]
        return response, disclosed

    def _link(self, step: Step, bodies: dict[str, bytes]) -> link_pb2.Link:
        graph = self._mirror.graph
        assert step.edge is not None
        link_id = graph.edge_ids[step.edge]
        body = bodies.get(link_id)
        if body is not None:
            found: link_pb2.Link = link_pb2.Link.FromString(body)
            return found
        return link_pb2.Link(id=link_id, from_entity_id=graph.node_ids[graph.edge_sources[step.edge]],
                             to_entity_id=graph.node_ids[graph.edge_targets[step.edge]],
                             link_type=graph.edge_types[step.edge],  # type: ignore[arg-type]
                             role=graph.edge_roles[step.edge])

    async def GetNeighbourhood(self, request: pb.GetNeighbourhoodRequest,
                               context: grpc.aio.ServicerContext) -> pb.GetNeighbourhoodResponse:
        country = require_caller().country
        errors = FieldErrors()
        _entity_id(request.entity_id, "entity_id", errors)
        depth = _in_range(request.depth, "depth", 1, 3, 2, errors)
        max_nodes = _in_range(request.max_nodes, "max_nodes", 1, 2000, 500, errors)
        for i, link_type in enumerate(request.link_types):
            errors.check(link_type in link_pb2.LinkType.values() and link_type != link_pb2.LINK_TYPE_UNSPECIFIED,
                         f"link_types[{i}]", "not a link type")
        errors.raise_if_any()
        response, disclosed = await asyncio.to_thread(self._neighbourhood, country, request.entity_id, depth,
                                                      max_nodes, frozenset(request.link_types))
        self._audit.record(READ, disclosed.items())
        return response

    def _neighbourhood(self, country: str, entity_id: str, depth: int, max_nodes: int,
                       link_types: frozenset[int]) -> tuple[pb.GetNeighbourhoodResponse, dict[str, str]]:
        """The search, the caller's cluster ids and the response, in one worker thread;
        also the (entity id, data owner) of every node, for the audit log. Fields are
        set one by one, and empty ones not at all: a neighbourhood of 500 nodes has
        thousands of edges, and keyword construction costs twice as much per message."""
        try:
            found = self._mirror.neighbourhood(country, entity_id, depth, max_nodes, link_types)
        except KeyError as missing:
            raise NotFoundError(f"no entity {missing.args[0]!r}") from None
        graph = self._mirror.graph
        node_ids, owners, kinds, labels = graph.node_ids, graph.node_owners, graph.node_kinds, graph.node_labels
        edge_ids, edge_types, edge_roles = graph.edge_ids, graph.edge_types, graph.edge_roles
        ids = [node_ids[node] for node, _ in found.nodes]
        clusters = self._mirror.group_cluster_ids(country, ids)
        response = pb.GetNeighbourhoodResponse(truncated=found.truncated)
        disclosed: dict[str, str] = {}
        add_node = response.nodes.add
        for (node, distance), node_id in zip(found.nodes, ids, strict=True):
            proto = add_node()
            proto.entity_id = node_id
            proto.entity_kind = kinds[node]  # type: ignore[assignment]
            proto.label = labels[node]
            proto.data_owner = disclosed[node_id] = owners[node]
            if node_id in clusters:
                proto.cluster_id = clusters[node_id]
            proto.distance = distance
        add_edge = response.edges.add
        for step in found.edges:
            edge = add_edge()
            edge.from_entity_id = node_ids[step.source]
            edge.to_entity_id = node_ids[step.target]
            if step.edge is None:
                edge.identity_score = step.identity_score
            else:
                edge.link_type = edge_types[step.edge]  # type: ignore[assignment]
                edge.link_id = edge_ids[step.edge]
                if edge_roles[step.edge]:
                    edge.role = edge_roles[step.edge]
        return response, disclosed

    async def DetectCommunities(self, request: pb.DetectCommunitiesRequest,
                                context: grpc.aio.ServicerContext) -> pb.DetectCommunitiesResponse:
        country = require_caller().country
        errors = FieldErrors()
        min_size = _in_range(request.min_size, "min_size", 2, 1_000_000, 3, errors)
        key_members = _in_range(request.key_member_count, "key_member_count", 1, 20, 5, errors)
        page = PageRequest.parse(request.page_size, request.page_token, default=50, maximum=200, errors=errors)
        errors.raise_if_any()
        found = await asyncio.to_thread(self._mirror.communities, country, min_size, key_members)
        response = pb.DetectCommunitiesResponse(next_page_token=page.next_token(len(found)), method=communities.METHOD)
        for number, community in enumerate(found[page.offset : page.offset + page.size], start=page.offset + 1):
            response.communities.add(
                community_id=f"com_{number}", entity_ids=community.entity_ids,
                key_members=[pb.KeyMember(entity_id=e, centrality=c) for e, c in community.key_members])
        self._audit_entities(READ, [e for c in response.communities for e in c.entity_ids])
        return response

    async def GetTrends(self, request: pb.GetTrendsRequest, context: grpc.aio.ServicerContext) -> pb.GetTrendsResponse:
        country = require_caller().country
        errors = FieldErrors()
        start, end = _period(request, errors)
        errors.check(request.time_bucket in _BUCKETS, "time_bucket", "not a time bucket")
        bucket = _BUCKETS.get(request.time_bucket, trends.Bucket.WEEK)
        if end > start and (end - start) / _BUCKET_SECONDS[bucket] > MAX_BUCKETS:
            errors.add("time_bucket", f"the period holds more than {MAX_BUCKETS} buckets of this width")
        codes = _codes(list(request.iccs_codes), "iccs_codes", is_iccs, "an ICCS code", errors)
        countries = _codes(list(request.countries), "countries", is_country, "an ISO 3166-1 alpha-3 code", errors)
        errors.raise_if_any()
        found = await asyncio.to_thread(self._mirror.trends, country, start, end, bucket, codes, countries)
        response = pb.GetTrendsResponse(method=trends.METHOD)
        for series in found:
            response.series.add(iccs_code=series.iccs_code, country=series.country, points=[
                pb.TrendPoint(bucket_start_time=_timestamp(p.bucket_start), event_count=p.count,
                              expected_count=p.expected, unusual=p.unusual) for p in series.points])
        return response

    async def GetHotspots(self, request: pb.GetHotspotsRequest,
                          context: grpc.aio.ServicerContext) -> pb.GetHotspotsResponse:
        country = require_caller().country
        errors = FieldErrors()
        start, end = _period(request, errors)
        south, west, north, east = -90.0, -180.0, 90.0, 180.0
        if request.HasField("area"):
            area = request.area
            south, west = area.south_west.latitude, area.south_west.longitude
            north, east = area.north_east.latitude, area.north_east.longitude
            corners = (("area.south_west.latitude", south, 90), ("area.north_east.latitude", north, 90),
                       ("area.south_west.longitude", west, 180), ("area.north_east.longitude", east, 180))
            for field, value, limit in corners:
                errors.check(-limit <= value <= limit, field, f"must be -{limit} to {limit}")
            errors.check(south <= north, "area.north_east.latitude", "must not be south of the south-west corner")
        codes = _codes(list(request.iccs_codes), "iccs_codes", is_iccs, "an ICCS code", errors)
        radius = request.radius_km or 1.0
        errors.check(0.05 <= radius <= 50, "radius_km", "must be 0.05 to 50 (0 means 1)")
        min_events = _in_range(request.min_events, "min_events", 3, 1_000_000, 5, errors)
        errors.raise_if_any()
        where = EventFilter(start, end, codes, (), south, west, north, east, located_only=True)
        found = await asyncio.to_thread(self._mirror.hotspots, country, where, radius, min_events)
        response = pb.GetHotspotsResponse(method=hotspots.METHOD)
        for spot, event_ids in found:
            response.hotspots.add(centre=location_pb2.GeoPoint(latitude=spot.latitude, longitude=spot.longitude),
                                  radius_km=spot.radius_km, event_count=len(event_ids),
                                  event_ids=event_ids[: hotspots.MAX_EVENT_IDS])
        self._audit_entities(READ, [e for h in response.hotspots for e in h.event_ids])
        return response

    def _audit_entities(self, action: int, entity_ids: list[str]) -> None:
        graph = self._mirror.graph
        owners = []
        for entity_id in dict.fromkeys(entity_ids):
            node = graph.node(entity_id)
            if node is not None:
                owners.append((entity_id, graph.node_owners[node]))
        self._audit.record(action, owners)


async def create_server(settings: Settings) -> IcoreServer:
    """Open (and migrate) the analytics database, rebuild the mirror from it, and
    follow the query service from the stored cursor while the server runs."""
    engine = await asyncio.to_thread(open_database, settings.resolved_database_url, "analytics")
    audit = await asyncio.to_thread(AuditLog, engine, "analytics")
    store = MirrorStore(engine)
    mirror = RepositoryMirror()
    cursor = await asyncio.to_thread(mirror.load, store)
    # The mirror is millions of long-lived objects; left to the cyclic garbage collector
    # they make every full collection a pause of 100 ms or more in the middle of a search.
    gc.freeze()
    closers: list[Closer] = []
    address = settings.peers.get("query", "")
    if address:
        channel = peer_channel(settings, "query")
        follower = Follower(mirror, store, channel, cursor)
        follower.start()
        closers += [follower.close, channel.close]
    closers.append(engine.dispose)
    servicer = AnalyticsServicer(mirror, store, audit)
    return IcoreServer(settings, [Registration(SERVICE_NAME, pb_grpc.add_AnalyticsServiceServicer_to_server,
                                               servicer)], closers=closers, audit=audit,
                       collector_thresholds=CPYTHON_THRESHOLDS)
