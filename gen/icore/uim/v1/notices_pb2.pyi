from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class NoticeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTICE_TYPE_UNSPECIFIED: _ClassVar[NoticeType]
    NOTICE_TYPE_RED: _ClassVar[NoticeType]
    NOTICE_TYPE_YELLOW: _ClassVar[NoticeType]
    NOTICE_TYPE_BLUE: _ClassVar[NoticeType]
    NOTICE_TYPE_BLACK: _ClassVar[NoticeType]
    NOTICE_TYPE_GREEN: _ClassVar[NoticeType]
    NOTICE_TYPE_ORANGE: _ClassVar[NoticeType]
    NOTICE_TYPE_PURPLE: _ClassVar[NoticeType]
    NOTICE_TYPE_UN_SECURITY_COUNCIL_SPECIAL: _ClassVar[NoticeType]

class DiffusionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DIFFUSION_TYPE_UNSPECIFIED: _ClassVar[DiffusionType]
    DIFFUSION_TYPE_WANTED: _ClassVar[DiffusionType]
    DIFFUSION_TYPE_MISSING_PERSON: _ClassVar[DiffusionType]
    DIFFUSION_TYPE_INFORMATION: _ClassVar[DiffusionType]
    DIFFUSION_TYPE_UNIDENTIFIED_BODY: _ClassVar[DiffusionType]
    DIFFUSION_TYPE_WARNING: _ClassVar[DiffusionType]
    DIFFUSION_TYPE_THREAT: _ClassVar[DiffusionType]
NOTICE_TYPE_UNSPECIFIED: NoticeType
NOTICE_TYPE_RED: NoticeType
NOTICE_TYPE_YELLOW: NoticeType
NOTICE_TYPE_BLUE: NoticeType
NOTICE_TYPE_BLACK: NoticeType
NOTICE_TYPE_GREEN: NoticeType
NOTICE_TYPE_ORANGE: NoticeType
NOTICE_TYPE_PURPLE: NoticeType
NOTICE_TYPE_UN_SECURITY_COUNCIL_SPECIAL: NoticeType
DIFFUSION_TYPE_UNSPECIFIED: DiffusionType
DIFFUSION_TYPE_WANTED: DiffusionType
DIFFUSION_TYPE_MISSING_PERSON: DiffusionType
DIFFUSION_TYPE_INFORMATION: DiffusionType
DIFFUSION_TYPE_UNIDENTIFIED_BODY: DiffusionType
DIFFUSION_TYPE_WARNING: DiffusionType
DIFFUSION_TYPE_THREAT: DiffusionType
