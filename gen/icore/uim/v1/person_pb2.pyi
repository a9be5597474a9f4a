from icore.uim.v1 import dates_pb2 as _dates_pb2
from icore.uim.v1 import location_pb2 as _location_pb2
from icore.uim.v1 import names_pb2 as _names_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Sex(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEX_UNSPECIFIED: _ClassVar[Sex]
    SEX_MALE: _ClassVar[Sex]
    SEX_FEMALE: _ClassVar[Sex]
    SEX_OTHER: _ClassVar[Sex]
SEX_UNSPECIFIED: Sex
SEX_MALE: Sex
SEX_FEMALE: Sex
SEX_OTHER: Sex

class IdentityDocument(_message.Message):
    __slots__ = ("document_type", "number", "issuing_country", "issue_date", "expiry_date", "reported_invalid")
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    ISSUING_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    ISSUE_DATE_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    REPORTED_INVALID_FIELD_NUMBER: _ClassVar[int]
    document_type: str
    number: str
    issuing_country: str
    issue_date: _dates_pb2.PartialDate
    expiry_date: _dates_pb2.PartialDate
    reported_invalid: bool
    def __init__(self, document_type: _Optional[str] = ..., number: _Optional[str] = ..., issuing_country: _Optional[str] = ..., issue_date: _Optional[_Union[_dates_pb2.PartialDate, _Mapping]] = ..., expiry_date: _Optional[_Union[_dates_pb2.PartialDate, _Mapping]] = ..., reported_invalid: _Optional[bool] = ...) -> None: ...

class PhysicalDescription(_message.Message):
    __slots__ = ("height_cm", "weight_kg", "eye_colour", "hair_colour", "distinguishing_marks")
    HEIGHT_CM_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_KG_FIELD_NUMBER: _ClassVar[int]
    EYE_COLOUR_FIELD_NUMBER: _ClassVar[int]
    HAIR_COLOUR_FIELD_NUMBER: _ClassVar[int]
    DISTINGUISHING_MARKS_FIELD_NUMBER: _ClassVar[int]
    height_cm: int
    weight_kg: int
    eye_colour: str
    hair_colour: str
    distinguishing_marks: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, height_cm: _Optional[int] = ..., weight_kg: _Optional[int] = ..., eye_colour: _Optional[str] = ..., hair_colour: _Optional[str] = ..., distinguishing_marks: _Optional[_Iterable[str]] = ...) -> None: ...

class Person(_message.Message):
    __slots__ = ("names", "sex", "date_of_birth", "place_of_birth", "nationalities", "documents", "physical_description", "addresses")
    NAMES_FIELD_NUMBER: _ClassVar[int]
    SEX_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_BIRTH_FIELD_NUMBER: _ClassVar[int]
    PLACE_OF_BIRTH_FIELD_NUMBER: _ClassVar[int]
    NATIONALITIES_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    PHYSICAL_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedCompositeFieldContainer[_names_pb2.PersonName]
    sex: Sex
    date_of_birth: _dates_pb2.PartialDate
    place_of_birth: _location_pb2.Location
    nationalities: _containers.RepeatedScalarFieldContainer[str]
    documents: _containers.RepeatedCompositeFieldContainer[IdentityDocument]
    physical_description: PhysicalDescription
    addresses: _containers.RepeatedCompositeFieldContainer[_location_pb2.Location]
    def __init__(self, names: _Optional[_Iterable[_Union[_names_pb2.PersonName, _Mapping]]] = ..., sex: _Optional[_Union[Sex, str]] = ..., date_of_birth: _Optional[_Union[_dates_pb2.PartialDate, _Mapping]] = ..., place_of_birth: _Optional[_Union[_location_pb2.Location, _Mapping]] = ..., nationalities: _Optional[_Iterable[str]] = ..., documents: _Optional[_Iterable[_Union[IdentityDocument, _Mapping]]] = ..., physical_description: _Optional[_Union[PhysicalDescription, _Mapping]] = ..., addresses: _Optional[_Iterable[_Union[_location_pb2.Location, _Mapping]]] = ...) -> None: ...
