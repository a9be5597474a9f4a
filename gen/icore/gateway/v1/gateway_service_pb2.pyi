from icore.messaging.v1 import message_pb2 as _message_pb2
from icore.uim.v1 import biometrics_pb2 as _biometrics_pb2
from icore.uim.v1 import dates_pb2 as _dates_pb2
from icore.uim.v1 import entity_pb2 as _entity_pb2
from icore.uim.v1 import link_pb2 as _link_pb2
from icore.uim.v1 import notices_pb2 as _notices_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BackendState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BACKEND_STATE_UNSPECIFIED: _ClassVar[BackendState]
    BACKEND_STATE_OK: _ClassVar[BackendState]
    BACKEND_STATE_DEADLINE_EXCEEDED: _ClassVar[BackendState]
    BACKEND_STATE_UNAVAILABLE: _ClassVar[BackendState]
    BACKEND_STATE_FAILED: _ClassVar[BackendState]
    BACKEND_STATE_SKIPPED: _ClassVar[BackendState]

class FrontlineOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FRONTLINE_OUTCOME_UNSPECIFIED: _ClassVar[FrontlineOutcome]
    FRONTLINE_OUTCOME_HIT: _ClassVar[FrontlineOutcome]
    FRONTLINE_OUTCOME_POSSIBLE_MATCH: _ClassVar[FrontlineOutcome]
    FRONTLINE_OUTCOME_NO_HIT: _ClassVar[FrontlineOutcome]
BACKEND_STATE_UNSPECIFIED: BackendState
BACKEND_STATE_OK: BackendState
BACKEND_STATE_DEADLINE_EXCEEDED: BackendState
BACKEND_STATE_UNAVAILABLE: BackendState
BACKEND_STATE_FAILED: BackendState
BACKEND_STATE_SKIPPED: BackendState
FRONTLINE_OUTCOME_UNSPECIFIED: FrontlineOutcome
FRONTLINE_OUTCOME_HIT: FrontlineOutcome
FRONTLINE_OUTCOME_POSSIBLE_MATCH: FrontlineOutcome
FRONTLINE_OUTCOME_NO_HIT: FrontlineOutcome

class UnifiedSearchRequest(_message.Message):
    __slots__ = ("text", "name", "date_of_birth", "document_number", "nationality", "probe", "page_size", "page_token")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_BIRTH_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    NATIONALITY_FIELD_NUMBER: _ClassVar[int]
    PROBE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    text: str
    name: str
    date_of_birth: _dates_pb2.PartialDate
    document_number: str
    nationality: str
    probe: _biometrics_pb2.BiometricSample
    page_size: int
    page_token: str
    def __init__(self, text: _Optional[str] = ..., name: _Optional[str] = ..., date_of_birth: _Optional[_Union[_dates_pb2.PartialDate, _Mapping]] = ..., document_number: _Optional[str] = ..., nationality: _Optional[str] = ..., probe: _Optional[_Union[_biometrics_pb2.BiometricSample, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class BackendStatus(_message.Message):
    __slots__ = ("backend", "state", "message", "latency_ms")
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    backend: str
    state: BackendState
    message: str
    latency_ms: float
    def __init__(self, backend: _Optional[str] = ..., state: _Optional[_Union[BackendState, str]] = ..., message: _Optional[str] = ..., latency_ms: _Optional[float] = ...) -> None: ...

class SourceHit(_message.Message):
    __slots__ = ("backend", "record_id", "score", "entity", "explanation")
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    backend: str
    record_id: str
    score: float
    entity: _entity_pb2.Entity
    explanation: str
    def __init__(self, backend: _Optional[str] = ..., record_id: _Optional[str] = ..., score: _Optional[float] = ..., entity: _Optional[_Union[_entity_pb2.Entity, _Mapping]] = ..., explanation: _Optional[str] = ...) -> None: ...

class UnifiedResult(_message.Message):
    __slots__ = ("result_id", "score", "hits", "messages", "linked_entities", "links")
    RESULT_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    LINKED_ENTITIES_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    result_id: str
    score: float
    hits: _containers.RepeatedCompositeFieldContainer[SourceHit]
    messages: _containers.RepeatedCompositeFieldContainer[_message_pb2.Message]
    linked_entities: _containers.RepeatedCompositeFieldContainer[_entity_pb2.Entity]
    links: _containers.RepeatedCompositeFieldContainer[_link_pb2.Link]
    def __init__(self, result_id: _Optional[str] = ..., score: _Optional[float] = ..., hits: _Optional[_Iterable[_Union[SourceHit, _Mapping]]] = ..., messages: _Optional[_Iterable[_Union[_message_pb2.Message, _Mapping]]] = ..., linked_entities: _Optional[_Iterable[_Union[_entity_pb2.Entity, _Mapping]]] = ..., links: _Optional[_Iterable[_Union[_link_pb2.Link, _Mapping]]] = ...) -> None: ...

class UnifiedSearchResponse(_message.Message):
    __slots__ = ("results", "backend_statuses", "next_page_token")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    BACKEND_STATUSES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[UnifiedResult]
    backend_statuses: _containers.RepeatedCompositeFieldContainer[BackendStatus]
    next_page_token: str
    def __init__(self, results: _Optional[_Iterable[_Union[UnifiedResult, _Mapping]]] = ..., backend_statuses: _Optional[_Iterable[_Union[BackendStatus, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class FrontlineCheckRequest(_message.Message):
    __slots__ = ("probe", "document_number", "document_country", "name", "date_of_birth")
    PROBE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_BIRTH_FIELD_NUMBER: _ClassVar[int]
    probe: _biometrics_pb2.BiometricSample
    document_number: str
    document_country: str
    name: str
    date_of_birth: _dates_pb2.PartialDate
    def __init__(self, probe: _Optional[_Union[_biometrics_pb2.BiometricSample, _Mapping]] = ..., document_number: _Optional[str] = ..., document_country: _Optional[str] = ..., name: _Optional[str] = ..., date_of_birth: _Optional[_Union[_dates_pb2.PartialDate, _Mapping]] = ...) -> None: ...

class FrontlineCheckResponse(_message.Message):
    __slots__ = ("outcome", "person", "watchlists", "notice_type", "biometric_score", "biographic_score", "handling_instruction", "backend_statuses")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    WATCHLISTS_FIELD_NUMBER: _ClassVar[int]
    NOTICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    BIOMETRIC_SCORE_FIELD_NUMBER: _ClassVar[int]
    BIOGRAPHIC_SCORE_FIELD_NUMBER: _ClassVar[int]
    HANDLING_INSTRUCTION_FIELD_NUMBER: _ClassVar[int]
    BACKEND_STATUSES_FIELD_NUMBER: _ClassVar[int]
    outcome: FrontlineOutcome
    person: _entity_pb2.Entity
    watchlists: _containers.RepeatedScalarFieldContainer[str]
    notice_type: _notices_pb2.NoticeType
    biometric_score: float
    biographic_score: float
    handling_instruction: str
    backend_statuses: _containers.RepeatedCompositeFieldContainer[BackendStatus]
    def __init__(self, outcome: _Optional[_Union[FrontlineOutcome, str]] = ..., person: _Optional[_Union[_entity_pb2.Entity, _Mapping]] = ..., watchlists: _Optional[_Iterable[str]] = ..., notice_type: _Optional[_Union[_notices_pb2.NoticeType, str]] = ..., biometric_score: _Optional[float] = ..., biographic_score: _Optional[float] = ..., handling_instruction: _Optional[str] = ..., backend_statuses: _Optional[_Iterable[_Union[BackendStatus, _Mapping]]] = ...) -> None: ...
