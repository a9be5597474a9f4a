from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Visibility(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VISIBILITY_UNSPECIFIED: _ClassVar[Visibility]
    VISIBILITY_ALL_MEMBERS: _ClassVar[Visibility]
    VISIBILITY_ONLY_LISTED: _ClassVar[Visibility]
    VISIBILITY_ALL_EXCEPT_LISTED: _ClassVar[Visibility]

class HandlingCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HANDLING_CODE_UNSPECIFIED: _ClassVar[HandlingCode]
    HANDLING_CODE_H0: _ClassVar[HandlingCode]
    HANDLING_CODE_H1: _ClassVar[HandlingCode]
    HANDLING_CODE_H2: _ClassVar[HandlingCode]
    HANDLING_CODE_H3: _ClassVar[HandlingCode]
VISIBILITY_UNSPECIFIED: Visibility
VISIBILITY_ALL_MEMBERS: Visibility
VISIBILITY_ONLY_LISTED: Visibility
VISIBILITY_ALL_EXCEPT_LISTED: Visibility
HANDLING_CODE_UNSPECIFIED: HandlingCode
HANDLING_CODE_H0: HandlingCode
HANDLING_CODE_H1: HandlingCode
HANDLING_CODE_H2: HandlingCode
HANDLING_CODE_H3: HandlingCode

class AccessPolicy(_message.Message):
    __slots__ = ("visibility", "countries", "handling_code", "handling_instructions")
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    COUNTRIES_FIELD_NUMBER: _ClassVar[int]
    HANDLING_CODE_FIELD_NUMBER: _ClassVar[int]
    HANDLING_INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    visibility: Visibility
    countries: _containers.RepeatedScalarFieldContainer[str]
    handling_code: HandlingCode
    handling_instructions: str
    def __init__(self, visibility: _Optional[_Union[Visibility, str]] = ..., countries: _Optional[_Iterable[str]] = ..., handling_code: _Optional[_Union[HandlingCode, str]] = ..., handling_instructions: _Optional[str] = ...) -> None: ...
