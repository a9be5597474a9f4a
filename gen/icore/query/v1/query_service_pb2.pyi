import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from icore.uim.v1 import dates_pb2 as _dates_pb2
from icore.uim.v1 import entity_pb2 as _entity_pb2
from icore.uim.v1 import link_pb2 as _link_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UpsertEntitiesRequest(_message.Message):
    __slots__ = ("entities",)
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    entities: _containers.RepeatedCompositeFieldContainer[_entity_pb2.Entity]
    def __init__(self, entities: _Optional[_Iterable[_Union[_entity_pb2.Entity, _Mapping]]] = ...) -> None: ...

class RejectedRecord(_message.Message):
    __slots__ = ("index", "source_record_id", "field", "description")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    SOURCE_RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    index: int
    source_record_id: str
    field: str
    description: str
    def __init__(self, index: _Optional[int] = ..., source_record_id: _Optional[str] = ..., field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class UpsertEntitiesResponse(_message.Message):
    __slots__ = ("created_count", "updated_count", "rejected_count", "rejected")
    CREATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    created_count: int
    updated_count: int
    rejected_count: int
    rejected: _containers.RepeatedCompositeFieldContainer[RejectedRecord]
    def __init__(self, created_count: _Optional[int] = ..., updated_count: _Optional[int] = ..., rejected_count: _Optional[int] = ..., rejected: _Optional[_Iterable[_Union[RejectedRecord, _Mapping]]] = ...) -> None: ...

class GetEntityRequest(_message.Message):
    __slots__ = ("entity_id",)
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    entity_id: str
    def __init__(self, entity_id: _Optional[str] = ...) -> None: ...

class GetEntityResponse(_message.Message):
    __slots__ = ("entity",)
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    entity: _entity_pb2.Entity
    def __init__(self, entity: _Optional[_Union[_entity_pb2.Entity, _Mapping]] = ...) -> None: ...

class BatchGetEntitiesRequest(_message.Message):
    __slots__ = ("entity_ids", "linked_entity_count", "max_linked_per_entity")
    ENTITY_IDS_FIELD_NUMBER: _ClassVar[int]
    LINKED_ENTITY_COUNT_FIELD_NUMBER: _ClassVar[int]
    MAX_LINKED_PER_ENTITY_FIELD_NUMBER: _ClassVar[int]
    entity_ids: _containers.RepeatedScalarFieldContainer[str]
    linked_entity_count: int
    max_linked_per_entity: int
    def __init__(self, entity_ids: _Optional[_Iterable[str]] = ..., linked_entity_count: _Optional[int] = ..., max_linked_per_entity: _Optional[int] = ...) -> None: ...

class BatchGetEntitiesResponse(_message.Message):
    __slots__ = ("entities", "linked_sets")
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    LINKED_SETS_FIELD_NUMBER: _ClassVar[int]
    entities: _containers.RepeatedCompositeFieldContainer[_entity_pb2.Entity]
    linked_sets: _containers.RepeatedCompositeFieldContainer[RelatedSet]
    def __init__(self, entities: _Optional[_Iterable[_Union[_entity_pb2.Entity, _Mapping]]] = ..., linked_sets: _Optional[_Iterable[_Union[RelatedSet, _Mapping]]] = ...) -> None: ...

class DeleteEntityRequest(_message.Message):
    __slots__ = ("entity_id",)
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    entity_id: str
    def __init__(self, entity_id: _Optional[str] = ...) -> None: ...

class DeleteEntityResponse(_message.Message):
    __slots__ = ("entity_id", "deleted_link_count")
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_LINK_COUNT_FIELD_NUMBER: _ClassVar[int]
    entity_id: str
    deleted_link_count: int
    def __init__(self, entity_id: _Optional[str] = ..., deleted_link_count: _Optional[int] = ...) -> None: ...

class UpsertLinksRequest(_message.Message):
    __slots__ = ("links",)
    LINKS_FIELD_NUMBER: _ClassVar[int]
    links: _containers.RepeatedCompositeFieldContainer[_link_pb2.Link]
    def __init__(self, links: _Optional[_Iterable[_Union[_link_pb2.Link, _Mapping]]] = ...) -> None: ...

class UpsertLinksResponse(_message.Message):
    __slots__ = ("links", "created_count", "updated_count")
    LINKS_FIELD_NUMBER: _ClassVar[int]
    CREATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    links: _containers.RepeatedCompositeFieldContainer[_link_pb2.Link]
    created_count: int
    updated_count: int
    def __init__(self, links: _Optional[_Iterable[_Union[_link_pb2.Link, _Mapping]]] = ..., created_count: _Optional[int] = ..., updated_count: _Optional[int] = ...) -> None: ...

class GetRelatedRequest(_message.Message):
    __slots__ = ("entity_id", "depth", "link_types", "page_size", "page_token")
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    LINK_TYPES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entity_id: str
    depth: int
    link_types: _containers.RepeatedScalarFieldContainer[_link_pb2.LinkType]
    page_size: int
    page_token: str
    def __init__(self, entity_id: _Optional[str] = ..., depth: _Optional[int] = ..., link_types: _Optional[_Iterable[_Union[_link_pb2.LinkType, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class RelatedEntity(_message.Message):
    __slots__ = ("entity", "distance")
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    entity: _entity_pb2.Entity
    distance: int
    def __init__(self, entity: _Optional[_Union[_entity_pb2.Entity, _Mapping]] = ..., distance: _Optional[int] = ...) -> None: ...

class GetRelatedResponse(_message.Message):
    __slots__ = ("related", "links", "next_page_token")
    RELATED_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    related: _containers.RepeatedCompositeFieldContainer[RelatedEntity]
    links: _containers.RepeatedCompositeFieldContainer[_link_pb2.Link]
    next_page_token: str
    def __init__(self, related: _Optional[_Iterable[_Union[RelatedEntity, _Mapping]]] = ..., links: _Optional[_Iterable[_Union[_link_pb2.Link, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class BatchGetRelatedRequest(_message.Message):
    __slots__ = ("entity_ids", "depth", "link_types", "max_related_per_entity")
    ENTITY_IDS_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    LINK_TYPES_FIELD_NUMBER: _ClassVar[int]
    MAX_RELATED_PER_ENTITY_FIELD_NUMBER: _ClassVar[int]
    entity_ids: _containers.RepeatedScalarFieldContainer[str]
    depth: int
    link_types: _containers.RepeatedScalarFieldContainer[_link_pb2.LinkType]
    max_related_per_entity: int
    def __init__(self, entity_ids: _Optional[_Iterable[str]] = ..., depth: _Optional[int] = ..., link_types: _Optional[_Iterable[_Union[_link_pb2.LinkType, str]]] = ..., max_related_per_entity: _Optional[int] = ...) -> None: ...

class RelatedSet(_message.Message):
    __slots__ = ("entity_id", "related", "links", "total_size")
    ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    RELATED_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    entity_id: str
    related: _containers.RepeatedCompositeFieldContainer[RelatedEntity]
    links: _containers.RepeatedCompositeFieldContainer[_link_pb2.Link]
    total_size: int
    def __init__(self, entity_id: _Optional[str] = ..., related: _Optional[_Iterable[_Union[RelatedEntity, _Mapping]]] = ..., links: _Optional[_Iterable[_Union[_link_pb2.Link, _Mapping]]] = ..., total_size: _Optional[int] = ...) -> None: ...

class BatchGetRelatedResponse(_message.Message):
    __slots__ = ("related_sets",)
    RELATED_SETS_FIELD_NUMBER: _ClassVar[int]
    related_sets: _containers.RepeatedCompositeFieldContainer[RelatedSet]
    def __init__(self, related_sets: _Optional[_Iterable[_Union[RelatedSet, _Mapping]]] = ...) -> None: ...

class ExportEntitiesRequest(_message.Message):
    __slots__ = ("cursor", "follow")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    follow: bool
    def __init__(self, cursor: _Optional[str] = ..., follow: _Optional[bool] = ...) -> None: ...

class ExportEntitiesResponse(_message.Message):
    __slots__ = ("cursor", "entity", "link", "deleted_entity_id", "deleted_link_id")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    DELETED_ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_LINK_ID_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    entity: _entity_pb2.Entity
    link: _link_pb2.Link
    deleted_entity_id: str
    deleted_link_id: str
    def __init__(self, cursor: _Optional[str] = ..., entity: _Optional[_Union[_entity_pb2.Entity, _Mapping]] = ..., link: _Optional[_Union[_link_pb2.Link, _Mapping]] = ..., deleted_entity_id: _Optional[str] = ..., deleted_link_id: _Optional[str] = ...) -> None: ...

class SearchRequest(_message.Message):
    __slots__ = ("text", "name", "date_of_birth", "date_of_birth_tolerance_years", "nationality", "document_number", "entity_kinds", "event_country", "start_time", "end_time", "page_size", "page_token", "linked_hit_count", "max_linked_per_hit", "document_country")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_BIRTH_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_BIRTH_TOLERANCE_YEARS_FIELD_NUMBER: _ClassVar[int]
    NATIONALITY_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ENTITY_KINDS_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LINKED_HIT_COUNT_FIELD_NUMBER: _ClassVar[int]
    MAX_LINKED_PER_HIT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    text: str
    name: str
    date_of_birth: _dates_pb2.PartialDate
    date_of_birth_tolerance_years: int
    nationality: str
    document_number: str
    entity_kinds: _containers.RepeatedScalarFieldContainer[_entity_pb2.EntityKind]
    event_country: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    linked_hit_count: int
    max_linked_per_hit: int
    document_country: str
    def __init__(self, text: _Optional[str] = ..., name: _Optional[str] = ..., date_of_birth: _Optional[_Union[_dates_pb2.PartialDate, _Mapping]] = ..., date_of_birth_tolerance_years: _Optional[int] = ..., nationality: _Optional[str] = ..., document_number: _Optional[str] = ..., entity_kinds: _Optional[_Iterable[_Union[_entity_pb2.EntityKind, str]]] = ..., event_country: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., linked_hit_count: _Optional[int] = ..., max_linked_per_hit: _Optional[int] = ..., document_country: _Optional[str] = ...) -> None: ...

class MatchExplanation(_message.Message):
    __slots__ = ("criterion", "score", "detail")
    CRITERION_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    criterion: str
    score: float
    detail: str
    def __init__(self, criterion: _Optional[str] = ..., score: _Optional[float] = ..., detail: _Optional[str] = ...) -> None: ...

class SearchHit(_message.Message):
    __slots__ = ("entity", "score", "explanations", "linked")
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    EXPLANATIONS_FIELD_NUMBER: _ClassVar[int]
    LINKED_FIELD_NUMBER: _ClassVar[int]
    entity: _entity_pb2.Entity
    score: float
    explanations: _containers.RepeatedCompositeFieldContainer[MatchExplanation]
    linked: RelatedSet
    def __init__(self, entity: _Optional[_Union[_entity_pb2.Entity, _Mapping]] = ..., score: _Optional[float] = ..., explanations: _Optional[_Iterable[_Union[MatchExplanation, _Mapping]]] = ..., linked: _Optional[_Union[RelatedSet, _Mapping]] = ...) -> None: ...

class SearchResponse(_message.Message):
    __slots__ = ("hits", "next_page_token")
    HITS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[SearchHit]
    next_page_token: str
    def __init__(self, hits: _Optional[_Iterable[_Union[SearchHit, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
