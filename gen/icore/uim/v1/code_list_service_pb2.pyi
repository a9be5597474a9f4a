from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CodeList(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CODE_LIST_UNSPECIFIED: _ClassVar[CodeList]
    CODE_LIST_COUNTRIES: _ClassVar[CodeList]
    CODE_LIST_LANGUAGES: _ClassVar[CodeList]
    CODE_LIST_SCRIPTS: _ClassVar[CodeList]
    CODE_LIST_ICCS: _ClassVar[CodeList]
    CODE_LIST_DOCUMENT_TYPES: _ClassVar[CodeList]
CODE_LIST_UNSPECIFIED: CodeList
CODE_LIST_COUNTRIES: CodeList
CODE_LIST_LANGUAGES: CodeList
CODE_LIST_SCRIPTS: CodeList
CODE_LIST_ICCS: CodeList
CODE_LIST_DOCUMENT_TYPES: CodeList

class Code(_message.Message):
    __slots__ = ("code", "name", "parent", "level")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARENT_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    parent: str
    level: int
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., parent: _Optional[str] = ..., level: _Optional[int] = ...) -> None: ...

class ListCodesRequest(_message.Message):
    __slots__ = ("code_list", "parent", "page_size", "page_token")
    CODE_LIST_FIELD_NUMBER: _ClassVar[int]
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    code_list: CodeList
    parent: str
    page_size: int
    page_token: str
    def __init__(self, code_list: _Optional[_Union[CodeList, str]] = ..., parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCodesResponse(_message.Message):
    __slots__ = ("codes", "next_page_token", "total_size")
    CODES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    codes: _containers.RepeatedCompositeFieldContainer[Code]
    next_page_token: str
    total_size: int
    def __init__(self, codes: _Optional[_Iterable[_Union[Code, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...
