from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Modality(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODALITY_UNSPECIFIED: _ClassVar[Modality]
    MODALITY_FACE: _ClassVar[Modality]
    MODALITY_FINGERPRINT: _ClassVar[Modality]
    MODALITY_IRIS: _ClassVar[Modality]
MODALITY_UNSPECIFIED: Modality
MODALITY_FACE: Modality
MODALITY_FINGERPRINT: Modality
MODALITY_IRIS: Modality

class BiometricSample(_message.Message):
    __slots__ = ("modality", "vector", "quality", "packed_vector")
    MODALITY_FIELD_NUMBER: _ClassVar[int]
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    PACKED_VECTOR_FIELD_NUMBER: _ClassVar[int]
    modality: Modality
    vector: _containers.RepeatedScalarFieldContainer[float]
    quality: float
    packed_vector: bytes
    def __init__(self, modality: _Optional[_Union[Modality, str]] = ..., vector: _Optional[_Iterable[float]] = ..., quality: _Optional[float] = ..., packed_vector: _Optional[bytes] = ...) -> None: ...
