import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from icore.uim.v1 import dates_pb2 as _dates_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SourceReliability(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOURCE_RELIABILITY_UNSPECIFIED: _ClassVar[SourceReliability]
    SOURCE_RELIABILITY_A: _ClassVar[SourceReliability]
    SOURCE_RELIABILITY_B: _ClassVar[SourceReliability]
    SOURCE_RELIABILITY_C: _ClassVar[SourceReliability]
    SOURCE_RELIABILITY_X: _ClassVar[SourceReliability]

class InformationAccuracy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INFORMATION_ACCURACY_UNSPECIFIED: _ClassVar[InformationAccuracy]
    INFORMATION_ACCURACY_1: _ClassVar[InformationAccuracy]
    INFORMATION_ACCURACY_2: _ClassVar[InformationAccuracy]
    INFORMATION_ACCURACY_3: _ClassVar[InformationAccuracy]
    INFORMATION_ACCURACY_4: _ClassVar[InformationAccuracy]
SOURCE_RELIABILITY_UNSPECIFIED: SourceReliability
SOURCE_RELIABILITY_A: SourceReliability
SOURCE_RELIABILITY_B: SourceReliability
SOURCE_RELIABILITY_C: SourceReliability
SOURCE_RELIABILITY_X: SourceReliability
INFORMATION_ACCURACY_UNSPECIFIED: InformationAccuracy
INFORMATION_ACCURACY_1: InformationAccuracy
INFORMATION_ACCURACY_2: InformationAccuracy
INFORMATION_ACCURACY_3: InformationAccuracy
INFORMATION_ACCURACY_4: InformationAccuracy

class Provenance(_message.Message):
    __slots__ = ("data_owner", "source_system", "source_record_id", "create_time", "update_time", "source_reliability", "information_accuracy", "retention_review_date")
    DATA_OWNER_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    SOURCE_RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_RELIABILITY_FIELD_NUMBER: _ClassVar[int]
    INFORMATION_ACCURACY_FIELD_NUMBER: _ClassVar[int]
    RETENTION_REVIEW_DATE_FIELD_NUMBER: _ClassVar[int]
    data_owner: str
    source_system: str
    source_record_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    source_reliability: SourceReliability
    information_accuracy: InformationAccuracy
    retention_review_date: _dates_pb2.PartialDate
    def __init__(self, data_owner: _Optional[str] = ..., source_system: _Optional[str] = ..., source_record_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., source_reliability: _Optional[_Union[SourceReliability, str]] = ..., information_accuracy: _Optional[_Union[InformationAccuracy, str]] = ..., retention_review_date: _Optional[_Union[_dates_pb2.PartialDate, _Mapping]] = ...) -> None: ...
