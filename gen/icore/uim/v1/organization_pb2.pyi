from icore.uim.v1 import location_pb2 as _location_pb2
from icore.uim.v1 import names_pb2 as _names_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrganizationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORGANIZATION_TYPE_UNSPECIFIED: _ClassVar[OrganizationType]
    ORGANIZATION_TYPE_COMPANY: _ClassVar[OrganizationType]
    ORGANIZATION_TYPE_NON_PROFIT: _ClassVar[OrganizationType]
    ORGANIZATION_TYPE_PUBLIC_BODY: _ClassVar[OrganizationType]
    ORGANIZATION_TYPE_CRIMINAL_GROUP: _ClassVar[OrganizationType]
    ORGANIZATION_TYPE_OTHER: _ClassVar[OrganizationType]
ORGANIZATION_TYPE_UNSPECIFIED: OrganizationType
ORGANIZATION_TYPE_COMPANY: OrganizationType
ORGANIZATION_TYPE_NON_PROFIT: OrganizationType
ORGANIZATION_TYPE_PUBLIC_BODY: OrganizationType
ORGANIZATION_TYPE_CRIMINAL_GROUP: OrganizationType
ORGANIZATION_TYPE_OTHER: OrganizationType

class RegistrationNumber(_message.Message):
    __slots__ = ("number", "registry", "country")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    REGISTRY_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    number: str
    registry: str
    country: str
    def __init__(self, number: _Optional[str] = ..., registry: _Optional[str] = ..., country: _Optional[str] = ...) -> None: ...

class Organization(_message.Message):
    __slots__ = ("names", "transliterations", "registration_numbers", "jurisdiction", "organization_type", "addresses")
    NAMES_FIELD_NUMBER: _ClassVar[int]
    TRANSLITERATIONS_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    JURISDICTION_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    transliterations: _containers.RepeatedCompositeFieldContainer[_names_pb2.Transliteration]
    registration_numbers: _containers.RepeatedCompositeFieldContainer[RegistrationNumber]
    jurisdiction: str
    organization_type: OrganizationType
    addresses: _containers.RepeatedCompositeFieldContainer[_location_pb2.Location]
    def __init__(self, names: _Optional[_Iterable[str]] = ..., transliterations: _Optional[_Iterable[_Union[_names_pb2.Transliteration, _Mapping]]] = ..., registration_numbers: _Optional[_Iterable[_Union[RegistrationNumber, _Mapping]]] = ..., jurisdiction: _Optional[str] = ..., organization_type: _Optional[_Union[OrganizationType, str]] = ..., addresses: _Optional[_Iterable[_Union[_location_pb2.Location, _Mapping]]] = ...) -> None: ...
