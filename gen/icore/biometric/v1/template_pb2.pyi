import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from icore.uim.v1 import access_pb2 as _access_pb2
from icore.uim.v1 import biometrics_pb2 as _biometrics_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Template(_message.Message):
    __slots__ = ("template_id", "subject_id", "sample", "watchlists", "data_owner", "access_policy", "update_time")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_FIELD_NUMBER: _ClassVar[int]
    WATCHLISTS_FIELD_NUMBER: _ClassVar[int]
    DATA_OWNER_FIELD_NUMBER: _ClassVar[int]
    ACCESS_POLICY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    template_id: str
    subject_id: str
    sample: _biometrics_pb2.BiometricSample
    watchlists: _containers.RepeatedScalarFieldContainer[str]
    data_owner: str
    access_policy: _access_pb2.AccessPolicy
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, template_id: _Optional[str] = ..., subject_id: _Optional[str] = ..., sample: _Optional[_Union[_biometrics_pb2.BiometricSample, _Mapping]] = ..., watchlists: _Optional[_Iterable[str]] = ..., data_owner: _Optional[str] = ..., access_policy: _Optional[_Union[_access_pb2.AccessPolicy, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Candidate(_message.Message):
    __slots__ = ("template_id", "subject_id", "score", "watchlists", "data_owner")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    WATCHLISTS_FIELD_NUMBER: _ClassVar[int]
    DATA_OWNER_FIELD_NUMBER: _ClassVar[int]
    template_id: str
    subject_id: str
    score: float
    watchlists: _containers.RepeatedScalarFieldContainer[str]
    data_owner: str
    def __init__(self, template_id: _Optional[str] = ..., subject_id: _Optional[str] = ..., score: _Optional[float] = ..., watchlists: _Optional[_Iterable[str]] = ..., data_owner: _Optional[str] = ...) -> None: ...
