from icore.biometric.v1 import template_pb2 as _template_pb2
from icore.uim.v1 import biometrics_pb2 as _biometrics_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EnrollRequest(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: _template_pb2.Template
    def __init__(self, template: _Optional[_Union[_template_pb2.Template, _Mapping]] = ...) -> None: ...

class EnrollResponse(_message.Message):
    __slots__ = ("template", "created")
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    template: _template_pb2.Template
    created: bool
    def __init__(self, template: _Optional[_Union[_template_pb2.Template, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class EnrollStreamRequest(_message.Message):
    __slots__ = ("templates",)
    TEMPLATES_FIELD_NUMBER: _ClassVar[int]
    templates: _containers.RepeatedCompositeFieldContainer[_template_pb2.Template]
    def __init__(self, templates: _Optional[_Iterable[_Union[_template_pb2.Template, _Mapping]]] = ...) -> None: ...

class EnrollError(_message.Message):
    __slots__ = ("index", "template_id", "field", "description")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    index: int
    template_id: str
    field: str
    description: str
    def __init__(self, index: _Optional[int] = ..., template_id: _Optional[str] = ..., field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class EnrollStreamResponse(_message.Message):
    __slots__ = ("enrolled_count", "rejected_count", "errors")
    ENROLLED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    enrolled_count: int
    rejected_count: int
    errors: _containers.RepeatedCompositeFieldContainer[EnrollError]
    def __init__(self, enrolled_count: _Optional[int] = ..., rejected_count: _Optional[int] = ..., errors: _Optional[_Iterable[_Union[EnrollError, _Mapping]]] = ...) -> None: ...

class DeleteTemplateRequest(_message.Message):
    __slots__ = ("template_id",)
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    template_id: str
    def __init__(self, template_id: _Optional[str] = ...) -> None: ...

class DeleteTemplateResponse(_message.Message):
    __slots__ = ("template_id",)
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    template_id: str
    def __init__(self, template_id: _Optional[str] = ...) -> None: ...

class DeleteSubjectRequest(_message.Message):
    __slots__ = ("subject_id",)
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    def __init__(self, subject_id: _Optional[str] = ...) -> None: ...

class DeleteSubjectResponse(_message.Message):
    __slots__ = ("deleted_count",)
    DELETED_COUNT_FIELD_NUMBER: _ClassVar[int]
    deleted_count: int
    def __init__(self, deleted_count: _Optional[int] = ...) -> None: ...

class IdentifyRequest(_message.Message):
    __slots__ = ("probe", "top_k", "min_score", "watchlists")
    PROBE_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    WATCHLISTS_FIELD_NUMBER: _ClassVar[int]
    probe: _biometrics_pb2.BiometricSample
    top_k: int
    min_score: float
    watchlists: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, probe: _Optional[_Union[_biometrics_pb2.BiometricSample, _Mapping]] = ..., top_k: _Optional[int] = ..., min_score: _Optional[float] = ..., watchlists: _Optional[_Iterable[str]] = ...) -> None: ...

class IdentifyResponse(_message.Message):
    __slots__ = ("candidates",)
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    candidates: _containers.RepeatedCompositeFieldContainer[_template_pb2.Candidate]
    def __init__(self, candidates: _Optional[_Iterable[_Union[_template_pb2.Candidate, _Mapping]]] = ...) -> None: ...

class VerifyRequest(_message.Message):
    __slots__ = ("probe", "subject_id")
    PROBE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    probe: _biometrics_pb2.BiometricSample
    subject_id: str
    def __init__(self, probe: _Optional[_Union[_biometrics_pb2.BiometricSample, _Mapping]] = ..., subject_id: _Optional[str] = ...) -> None: ...

class VerifyResponse(_message.Message):
    __slots__ = ("match", "best_score", "best_template_id", "threshold")
    MATCH_FIELD_NUMBER: _ClassVar[int]
    BEST_SCORE_FIELD_NUMBER: _ClassVar[int]
    BEST_TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    match: bool
    best_score: float
    best_template_id: str
    threshold: float
    def __init__(self, match: _Optional[bool] = ..., best_score: _Optional[float] = ..., best_template_id: _Optional[str] = ..., threshold: _Optional[float] = ...) -> None: ...

class GetStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ModalityStats(_message.Message):
    __slots__ = ("modality", "dimension", "template_count", "index_kind", "memory_bytes", "verify_threshold")
    MODALITY_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_COUNT_FIELD_NUMBER: _ClassVar[int]
    INDEX_KIND_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    VERIFY_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    modality: _biometrics_pb2.Modality
    dimension: int
    template_count: int
    index_kind: str
    memory_bytes: int
    verify_threshold: float
    def __init__(self, modality: _Optional[_Union[_biometrics_pb2.Modality, str]] = ..., dimension: _Optional[int] = ..., template_count: _Optional[int] = ..., index_kind: _Optional[str] = ..., memory_bytes: _Optional[int] = ..., verify_threshold: _Optional[float] = ...) -> None: ...

class WatchlistStats(_message.Message):
    __slots__ = ("watchlist", "template_count")
    WATCHLIST_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_COUNT_FIELD_NUMBER: _ClassVar[int]
    watchlist: str
    template_count: int
    def __init__(self, watchlist: _Optional[str] = ..., template_count: _Optional[int] = ...) -> None: ...

class GetStatsResponse(_message.Message):
    __slots__ = ("modalities", "watchlists")
    MODALITIES_FIELD_NUMBER: _ClassVar[int]
    WATCHLISTS_FIELD_NUMBER: _ClassVar[int]
    modalities: _containers.RepeatedCompositeFieldContainer[ModalityStats]
    watchlists: _containers.RepeatedCompositeFieldContainer[WatchlistStats]
    def __init__(self, modalities: _Optional[_Iterable[_Union[ModalityStats, _Mapping]]] = ..., watchlists: _Optional[_Iterable[_Union[WatchlistStats, _Mapping]]] = ...) -> None: ...
