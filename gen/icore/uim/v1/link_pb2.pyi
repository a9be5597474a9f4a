from icore.uim.v1 import access_pb2 as _access_pb2
from icore.uim.v1 import dates_pb2 as _dates_pb2
from icore.uim.v1 import provenance_pb2 as _provenance_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LinkType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LINK_TYPE_UNSPECIFIED: _ClassVar[LinkType]
    LINK_TYPE_FAMILY: _ClassVar[LinkType]
    LINK_TYPE_ASSOCIATE: _ClassVar[LinkType]
    LINK_TYPE_MEMBER_OF: _ClassVar[LinkType]
    LINK_TYPE_OWNER_OF: _ClassVar[LinkType]
    LINK_TYPE_DIRECTOR_OF: _ClassVar[LinkType]
    LINK_TYPE_EMPLOYEE_OF: _ClassVar[LinkType]
    LINK_TYPE_PARTICIPANT_IN: _ClassVar[LinkType]
    LINK_TYPE_VICTIM_OF: _ClassVar[LinkType]
    LINK_TYPE_SUSPECT_IN: _ClassVar[LinkType]
    LINK_TYPE_WITNESS_OF: _ClassVar[LinkType]
    LINK_TYPE_LOCATED_AT: _ClassVar[LinkType]
    LINK_TYPE_RESIDES_AT: _ClassVar[LinkType]
    LINK_TYPE_COMMUNICATES_WITH: _ClassVar[LinkType]
    LINK_TYPE_TRANSFERRED_FUNDS_TO: _ClassVar[LinkType]
LINK_TYPE_UNSPECIFIED: LinkType
LINK_TYPE_FAMILY: LinkType
LINK_TYPE_ASSOCIATE: LinkType
LINK_TYPE_MEMBER_OF: LinkType
LINK_TYPE_OWNER_OF: LinkType
LINK_TYPE_DIRECTOR_OF: LinkType
LINK_TYPE_EMPLOYEE_OF: LinkType
LINK_TYPE_PARTICIPANT_IN: LinkType
LINK_TYPE_VICTIM_OF: LinkType
LINK_TYPE_SUSPECT_IN: LinkType
LINK_TYPE_WITNESS_OF: LinkType
LINK_TYPE_LOCATED_AT: LinkType
LINK_TYPE_RESIDES_AT: LinkType
LINK_TYPE_COMMUNICATES_WITH: LinkType
LINK_TYPE_TRANSFERRED_FUNDS_TO: LinkType

class Link(_message.Message):
    __slots__ = ("id", "from_entity_id", "to_entity_id", "link_type", "role", "validity", "provenance", "access_policy")
    ID_FIELD_NUMBER: _ClassVar[int]
    FROM_ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    TO_ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    LINK_TYPE_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    VALIDITY_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    ACCESS_POLICY_FIELD_NUMBER: _ClassVar[int]
    id: str
    from_entity_id: str
    to_entity_id: str
    link_type: LinkType
    role: str
    validity: _dates_pb2.DateRange
    provenance: _provenance_pb2.Provenance
    access_policy: _access_pb2.AccessPolicy
    def __init__(self, id: _Optional[str] = ..., from_entity_id: _Optional[str] = ..., to_entity_id: _Optional[str] = ..., link_type: _Optional[_Union[LinkType, str]] = ..., role: _Optional[str] = ..., validity: _Optional[_Union[_dates_pb2.DateRange, _Mapping]] = ..., provenance: _Optional[_Union[_provenance_pb2.Provenance, _Mapping]] = ..., access_policy: _Optional[_Union[_access_pb2.AccessPolicy, _Mapping]] = ...) -> None: ...
