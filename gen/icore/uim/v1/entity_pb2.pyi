from icore.uim.v1 import access_pb2 as _access_pb2
from icore.uim.v1 import event_pb2 as _event_pb2
from icore.uim.v1 import location_pb2 as _location_pb2
from icore.uim.v1 import organization_pb2 as _organization_pb2
from icore.uim.v1 import person_pb2 as _person_pb2
from icore.uim.v1 import provenance_pb2 as _provenance_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EntityKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENTITY_KIND_UNSPECIFIED: _ClassVar[EntityKind]
    ENTITY_KIND_PERSON: _ClassVar[EntityKind]
    ENTITY_KIND_ORGANIZATION: _ClassVar[EntityKind]
    ENTITY_KIND_EVENT: _ClassVar[EntityKind]
    ENTITY_KIND_LOCATION: _ClassVar[EntityKind]
ENTITY_KIND_UNSPECIFIED: EntityKind
ENTITY_KIND_PERSON: EntityKind
ENTITY_KIND_ORGANIZATION: EntityKind
ENTITY_KIND_EVENT: EntityKind
ENTITY_KIND_LOCATION: EntityKind

class Entity(_message.Message):
    __slots__ = ("id", "provenance", "access_policy", "person", "organization", "event", "location")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    ACCESS_POLICY_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    id: str
    provenance: _provenance_pb2.Provenance
    access_policy: _access_pb2.AccessPolicy
    person: _person_pb2.Person
    organization: _organization_pb2.Organization
    event: _event_pb2.Event
    location: _location_pb2.Location
    def __init__(self, id: _Optional[str] = ..., provenance: _Optional[_Union[_provenance_pb2.Provenance, _Mapping]] = ..., access_policy: _Optional[_Union[_access_pb2.AccessPolicy, _Mapping]] = ..., person: _Optional[_Union[_person_pb2.Person, _Mapping]] = ..., organization: _Optional[_Union[_organization_pb2.Organization, _Mapping]] = ..., event: _Optional[_Union[_event_pb2.Event, _Mapping]] = ..., location: _Optional[_Union[_location_pb2.Location, _Mapping]] = ...) -> None: ...
