from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GeoPoint(_message.Message):
    __slots__ = ("latitude", "longitude")
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    latitude: float
    longitude: float
    def __init__(self, latitude: _Optional[float] = ..., longitude: _Optional[float] = ...) -> None: ...

class Location(_message.Message):
    __slots__ = ("name", "street", "house_number", "postal_code", "locality", "region", "country", "point")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STREET_FIELD_NUMBER: _ClassVar[int]
    HOUSE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    LOCALITY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    POINT_FIELD_NUMBER: _ClassVar[int]
    name: str
    street: str
    house_number: str
    postal_code: str
    locality: str
    region: str
    country: str
    point: GeoPoint
    def __init__(self, name: _Optional[str] = ..., street: _Optional[str] = ..., house_number: _Optional[str] = ..., postal_code: _Optional[str] = ..., locality: _Optional[str] = ..., region: _Optional[str] = ..., country: _Optional[str] = ..., point: _Optional[_Union[GeoPoint, _Mapping]] = ...) -> None: ...
