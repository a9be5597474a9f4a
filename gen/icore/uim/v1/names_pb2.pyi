from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NameType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NAME_TYPE_UNSPECIFIED: _ClassVar[NameType]
    NAME_TYPE_PRIMARY: _ClassVar[NameType]
    NAME_TYPE_BIRTH: _ClassVar[NameType]
    NAME_TYPE_ALIAS: _ClassVar[NameType]
    NAME_TYPE_NICKNAME: _ClassVar[NameType]
NAME_TYPE_UNSPECIFIED: NameType
NAME_TYPE_PRIMARY: NameType
NAME_TYPE_BIRTH: NameType
NAME_TYPE_ALIAS: NameType
NAME_TYPE_NICKNAME: NameType

class Transliteration(_message.Message):
    __slots__ = ("text", "script", "system")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    text: str
    script: str
    system: str
    def __init__(self, text: _Optional[str] = ..., script: _Optional[str] = ..., system: _Optional[str] = ...) -> None: ...

class PersonName(_message.Message):
    __slots__ = ("full_name", "given_names", "family_name", "script", "name_type", "transliterations")
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    GIVEN_NAMES_FIELD_NUMBER: _ClassVar[int]
    FAMILY_NAME_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    NAME_TYPE_FIELD_NUMBER: _ClassVar[int]
    TRANSLITERATIONS_FIELD_NUMBER: _ClassVar[int]
    full_name: str
    given_names: str
    family_name: str
    script: str
    name_type: NameType
    transliterations: _containers.RepeatedCompositeFieldContainer[Transliteration]
    def __init__(self, full_name: _Optional[str] = ..., given_names: _Optional[str] = ..., family_name: _Optional[str] = ..., script: _Optional[str] = ..., name_type: _Optional[_Union[NameType, str]] = ..., transliterations: _Optional[_Iterable[_Union[Transliteration, _Mapping]]] = ...) -> None: ...
