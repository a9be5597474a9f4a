import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from icore.uim.v1 import dates_pb2 as _dates_pb2
from icore.uim.v1 import entity_pb2 as _entity_pb2
from icore.uim.v1 import link_pb2 as _link_pb2
from icore.uim.v1 import location_pb2 as _location_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ClusterView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLUSTER_VIEW_UNSPECIFIED: _ClassVar[ClusterView]
    CLUSTER_VIEW_BASIC: _ClassVar[ClusterView]
    CLUSTER_VIEW_FULL: _ClassVar[ClusterView]

class TimeBucket(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIME_BUCKET_UNSPECIFIED: _ClassVar[TimeBucket]
    TIME_BUCKET_DAY: _ClassVar[TimeBucket]
    TIME_BUCKET_WEEK: _ClassVar[TimeBucket]
    TIME_BUCKET_MONTH: _ClassVar[TimeBucket]
CLUSTER_VIEW_UNSPECIFIED: ClusterView
CLUSTER_VIEW_BASIC: ClusterView
CLUSTER_VIEW_FULL: ClusterView
TIME_BUCKET_UNSPECIFIED: TimeBucket
TIME_BUCKET_DAY: TimeBucket
TIME_BUCKET_WEEK: TimeBucket
TIME_BUCKET_MONTH: TimeBucket

class ResolveEntitiesRequest(_message.Message):
    __slots__ = ("entity_ids", "entity_kind", "min_cluster_size", "page_size", "page_token", "refresh", "like", "view")
    ENTITY_IDS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_KIND_FIELD_NUMBER: _ClassVar[int]
    MIN_CLUSTER_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REFRESH_FIELD_NUMBER: _ClassVar[int]
    LIKE_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    entity_ids: _containers.RepeatedScalarFieldContainer[str]
    entity_kind: _entity_pb2.EntityKind
    min_cluster_size: int
    page_size: int
    page_token: str
    refresh: bool
    like: IdentityDescription
    view: ClusterView
    def __init__(self, entity_ids: _Optional[_Iterable[str]] = ..., entity_kind: _Optional[_Union[_entity_pb2.EntityKind, str]] = ..., min_cluster_size: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., refresh: _Optional[bool] = ..., like: _Optional[_Union[IdentityDescription, _Mapping]] = ..., view: _Optional[_Union[ClusterView, str]] = ...) -> None: ...

class IdentityDescription(_message.Message):
    __slots__ = ("name", "date_of_birth", "nationalities", "document_number", "entity_kind")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_BIRTH_FIELD_NUMBER: _ClassVar[int]
    NATIONALITIES_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ENTITY_KIND_FIELD_NUMBER: _ClassVar[int]
    name: str
    date_of_birth: _dates_pb2.PartialDate
    nationalities: _containers.RepeatedScalarFieldContainer[str]
    document_number: str
    entity_kind: _entity_pb2.EntityKind
    def __init__(self, name: _Optional[str] = ..., date_of_birth: _Optional[_Union[_dates_pb2.PartialDate, _Mapping]] = ..., nationalities: _Optional[_Iterable[str]] = ..., document_number: _Optional[str] = ..., entity_kind: _Optional[_Union[_entity_pb2.EntityKind, str]] = ...) -> None: ...

class PairScore(_message.Message):
    __slots__ = ("entity_id_a", "entity_id_b", "score", "reasons")
    ENTITY_ID_A_FIELD_NUMBER: _ClassVar[int]
    ENTITY_ID_B_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    entity_id_a: str
    entity_id_b: str
    score: float
    reasons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, entity_id_a: _Optional[str] = ..., entity_id_b: _Optional[str] = ..., score: _Optional[float] = ..., reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class IdentityCluster(_message.Message):
    __slots__ = ("cluster_id", "entity_ids", "pairs")
    CLUSTER_ID_FIELD_NUMBER: _ClassVar[int]
    ENTITY_IDS_FIELD_NUMBER: _ClassVar[int]
    PAIRS_FIELD_NUMBER: _ClassVar[int]
    cluster_id: str
    entity_ids: _containers.RepeatedScalarFieldContainer[str]
    pairs: _containers.RepeatedCompositeFieldContainer[PairScore]
    def __init__(self, cluster_id: _Optional[str] = ..., entity_ids: _Optional[_Iterable[str]] = ..., pairs: _Optional[_Iterable[_Union[PairScore, _Mapping]]] = ...) -> None: ...

class ResolveEntitiesResponse(_message.Message):
    __slots__ = ("clusters", "next_page_token", "threshold", "method")
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    clusters: _containers.RepeatedCompositeFieldContainer[IdentityCluster]
    next_page_token: str
    threshold: float
    method: str
    def __init__(self, clusters: _Optional[_Iterable[_Union[IdentityCluster, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., threshold: _Optional[float] = ..., method: _Optional[str] = ...) -> None: ...

class FindPathsRequest(_message.Message):
    __slots__ = ("from_entity_id", "to_entity_id", "max_hops", "max_paths")
    FROM_ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    TO_ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_HOPS_FIELD_NUMBER: _ClassVar[int]
    MAX_PATHS_FIELD_NUMBER: _ClassVar[int]
    from_entity_id: str
    to_entity_id: str
    max_hops: int
    max_paths: int
    def __init__(self, from_entity_id: _Optional[str] = ..., to_entity_id: _Optional[str] = ..., max_hops: _Optional[int] = ..., max_paths: _Optional[int] = ...) -> None: ...

class PathStep(_message.Message):
    __slots__ = ("from_entity_id", "to_entity_id", "link", "identity_score")
    FROM_ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    TO_ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_SCORE_FIELD_NUMBER: _ClassVar[int]
    from_entity_id: str
    to_entity_id: str
    link: _link_pb2.Link
    identity_score: float
    def __init__(self, from_entity_id: _Optional[str] = ..., to_entity_id: _Optional[str] = ..., link: _Optional[_Union[_link_pb2.Link, _Mapping]] = ..., identity_score: _Optional[float] = ...) -> None: ...

class Path(_message.Message):
    __slots__ = ("steps",)
    STEPS_FIELD_NUMBER: _ClassVar[int]
    steps: _containers.RepeatedCompositeFieldContainer[PathStep]
    def __init__(self, steps: _Optional[_Iterable[_Union[PathStep, _Mapping]]] = ...) -> None: ...

class FindPathsResponse(_message.Message):
    __slots__ = ("paths", "truncated")
    PATHS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    paths: _containers.RepeatedCompositeFieldContainer[Path]
    truncated: bool
    def __init__(self, paths: _Optional[_Iterable[_Union[Path, _Mapping]]] = ..., truncated: _Optional[bool] = ...) -> None: ...

class GetNeighbourhoodRequest(_message.Message):
    __slots__ = ("entity_id", "depth", "max_nodes", "link_types")
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    MAX_NODES_FIELD_NUMBER: _ClassVar[int]
    LINK_TYPES_FIELD_NUMBER: _ClassVar[int]
    entity_id: str
    depth: int
    max_nodes: int
    link_types: _containers.RepeatedScalarFieldContainer[_link_pb2.LinkType]
    def __init__(self, entity_id: _Optional[str] = ..., depth: _Optional[int] = ..., max_nodes: _Optional[int] = ..., link_types: _Optional[_Iterable[_Union[_link_pb2.LinkType, str]]] = ...) -> None: ...

class GraphNode(_message.Message):
    __slots__ = ("entity_id", "entity_kind", "label", "data_owner", "cluster_id", "distance")
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    ENTITY_KIND_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DATA_OWNER_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_ID_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    entity_id: str
    entity_kind: _entity_pb2.EntityKind
    label: str
    data_owner: str
    cluster_id: str
    distance: int
    def __init__(self, entity_id: _Optional[str] = ..., entity_kind: _Optional[_Union[_entity_pb2.EntityKind, str]] = ..., label: _Optional[str] = ..., data_owner: _Optional[str] = ..., cluster_id: _Optional[str] = ..., distance: _Optional[int] = ...) -> None: ...

class GraphEdge(_message.Message):
    __slots__ = ("from_entity_id", "to_entity_id", "link_type", "link_id", "role", "identity_score")
    FROM_ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    TO_ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    LINK_TYPE_FIELD_NUMBER: _ClassVar[int]
    LINK_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_SCORE_FIELD_NUMBER: _ClassVar[int]
    from_entity_id: str
    to_entity_id: str
    link_type: _link_pb2.LinkType
    link_id: str
    role: str
    identity_score: float
    def __init__(self, from_entity_id: _Optional[str] = ..., to_entity_id: _Optional[str] = ..., link_type: _Optional[_Union[_link_pb2.LinkType, str]] = ..., link_id: _Optional[str] = ..., role: _Optional[str] = ..., identity_score: _Optional[float] = ...) -> None: ...

class GetNeighbourhoodResponse(_message.Message):
    __slots__ = ("nodes", "edges", "truncated")
    NODES_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[GraphNode]
    edges: _containers.RepeatedCompositeFieldContainer[GraphEdge]
    truncated: bool
    def __init__(self, nodes: _Optional[_Iterable[_Union[GraphNode, _Mapping]]] = ..., edges: _Optional[_Iterable[_Union[GraphEdge, _Mapping]]] = ..., truncated: _Optional[bool] = ...) -> None: ...

class DetectCommunitiesRequest(_message.Message):
    __slots__ = ("min_size", "key_member_count", "page_size", "page_token")
    MIN_SIZE_FIELD_NUMBER: _ClassVar[int]
    KEY_MEMBER_COUNT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    min_size: int
    key_member_count: int
    page_size: int
    page_token: str
    def __init__(self, min_size: _Optional[int] = ..., key_member_count: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class KeyMember(_message.Message):
    __slots__ = ("entity_id", "centrality")
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    CENTRALITY_FIELD_NUMBER: _ClassVar[int]
    entity_id: str
    centrality: float
    def __init__(self, entity_id: _Optional[str] = ..., centrality: _Optional[float] = ...) -> None: ...

class Community(_message.Message):
    __slots__ = ("community_id", "entity_ids", "key_members")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    ENTITY_IDS_FIELD_NUMBER: _ClassVar[int]
    KEY_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    entity_ids: _containers.RepeatedScalarFieldContainer[str]
    key_members: _containers.RepeatedCompositeFieldContainer[KeyMember]
    def __init__(self, community_id: _Optional[str] = ..., entity_ids: _Optional[_Iterable[str]] = ..., key_members: _Optional[_Iterable[_Union[KeyMember, _Mapping]]] = ...) -> None: ...

class DetectCommunitiesResponse(_message.Message):
    __slots__ = ("communities", "next_page_token", "method")
    COMMUNITIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    communities: _containers.RepeatedCompositeFieldContainer[Community]
    next_page_token: str
    method: str
    def __init__(self, communities: _Optional[_Iterable[_Union[Community, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., method: _Optional[str] = ...) -> None: ...

class GetTrendsRequest(_message.Message):
    __slots__ = ("start_time", "end_time", "time_bucket", "iccs_codes", "countries")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    TIME_BUCKET_FIELD_NUMBER: _ClassVar[int]
    ICCS_CODES_FIELD_NUMBER: _ClassVar[int]
    COUNTRIES_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    time_bucket: TimeBucket
    iccs_codes: _containers.RepeatedScalarFieldContainer[str]
    countries: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_bucket: _Optional[_Union[TimeBucket, str]] = ..., iccs_codes: _Optional[_Iterable[str]] = ..., countries: _Optional[_Iterable[str]] = ...) -> None: ...

class TrendPoint(_message.Message):
    __slots__ = ("bucket_start_time", "event_count", "expected_count", "unusual")
    BUCKET_START_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNUSUAL_FIELD_NUMBER: _ClassVar[int]
    bucket_start_time: _timestamp_pb2.Timestamp
    event_count: int
    expected_count: float
    unusual: bool
    def __init__(self, bucket_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_count: _Optional[int] = ..., expected_count: _Optional[float] = ..., unusual: _Optional[bool] = ...) -> None: ...

class TrendSeries(_message.Message):
    __slots__ = ("iccs_code", "country", "points")
    ICCS_CODE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    iccs_code: str
    country: str
    points: _containers.RepeatedCompositeFieldContainer[TrendPoint]
    def __init__(self, iccs_code: _Optional[str] = ..., country: _Optional[str] = ..., points: _Optional[_Iterable[_Union[TrendPoint, _Mapping]]] = ...) -> None: ...

class GetTrendsResponse(_message.Message):
    __slots__ = ("series", "method")
    SERIES_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    series: _containers.RepeatedCompositeFieldContainer[TrendSeries]
    method: str
    def __init__(self, series: _Optional[_Iterable[_Union[TrendSeries, _Mapping]]] = ..., method: _Optional[str] = ...) -> None: ...

class BoundingBox(_message.Message):
    __slots__ = ("south_west", "north_east")
    SOUTH_WEST_FIELD_NUMBER: _ClassVar[int]
    NORTH_EAST_FIELD_NUMBER: _ClassVar[int]
    south_west: _location_pb2.GeoPoint
    north_east: _location_pb2.GeoPoint
    def __init__(self, south_west: _Optional[_Union[_location_pb2.GeoPoint, _Mapping]] = ..., north_east: _Optional[_Union[_location_pb2.GeoPoint, _Mapping]] = ...) -> None: ...

class GetHotspotsRequest(_message.Message):
    __slots__ = ("start_time", "end_time", "area", "iccs_codes", "radius_km", "min_events")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    ICCS_CODES_FIELD_NUMBER: _ClassVar[int]
    RADIUS_KM_FIELD_NUMBER: _ClassVar[int]
    MIN_EVENTS_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    area: BoundingBox
    iccs_codes: _containers.RepeatedScalarFieldContainer[str]
    radius_km: float
    min_events: int
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., area: _Optional[_Union[BoundingBox, _Mapping]] = ..., iccs_codes: _Optional[_Iterable[str]] = ..., radius_km: _Optional[float] = ..., min_events: _Optional[int] = ...) -> None: ...

class Hotspot(_message.Message):
    __slots__ = ("centre", "radius_km", "event_count", "event_ids")
    CENTRE_FIELD_NUMBER: _ClassVar[int]
    RADIUS_KM_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    centre: _location_pb2.GeoPoint
    radius_km: float
    event_count: int
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, centre: _Optional[_Union[_location_pb2.GeoPoint, _Mapping]] = ..., radius_km: _Optional[float] = ..., event_count: _Optional[int] = ..., event_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetHotspotsResponse(_message.Message):
    __slots__ = ("hotspots", "method")
    HOTSPOTS_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    hotspots: _containers.RepeatedCompositeFieldContainer[Hotspot]
    method: str
    def __init__(self, hotspots: _Optional[_Iterable[_Union[Hotspot, _Mapping]]] = ..., method: _Optional[str] = ...) -> None: ...
