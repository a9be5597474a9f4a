import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from icore.messaging.v1 import message_pb2 as _message_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Mailbox(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MAILBOX_UNSPECIFIED: _ClassVar[Mailbox]
    MAILBOX_INBOX: _ClassVar[Mailbox]
    MAILBOX_OUTBOX: _ClassVar[Mailbox]
    MAILBOX_ALL: _ClassVar[Mailbox]
MAILBOX_UNSPECIFIED: Mailbox
MAILBOX_INBOX: Mailbox
MAILBOX_OUTBOX: Mailbox
MAILBOX_ALL: Mailbox

class SendMessageRequest(_message.Message):
    __slots__ = ("message", "idempotency_key")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    idempotency_key: str
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SendMessageResponse(_message.Message):
    __slots__ = ("message", "created")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    created: bool
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetMessageRequest(_message.Message):
    __slots__ = ("message_id",)
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    def __init__(self, message_id: _Optional[str] = ...) -> None: ...

class GetMessageResponse(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class ListMessagesRequest(_message.Message):
    __slots__ = ("mailbox", "case_reference", "message_type", "priority", "start_time", "end_time", "overdue_only", "text", "page_size", "page_token")
    MAILBOX_FIELD_NUMBER: _ClassVar[int]
    CASE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_ONLY_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    mailbox: Mailbox
    case_reference: str
    message_type: _message_pb2.MessageType
    priority: _message_pb2.Priority
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    overdue_only: bool
    text: str
    page_size: int
    page_token: str
    def __init__(self, mailbox: _Optional[_Union[Mailbox, str]] = ..., case_reference: _Optional[str] = ..., message_type: _Optional[_Union[_message_pb2.MessageType, str]] = ..., priority: _Optional[_Union[_message_pb2.Priority, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., overdue_only: _Optional[bool] = ..., text: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMessagesResponse(_message.Message):
    __slots__ = ("messages", "next_page_token")
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[_message_pb2.Message]
    next_page_token: str
    def __init__(self, messages: _Optional[_Iterable[_Union[_message_pb2.Message, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class StreamInboxRequest(_message.Message):
    __slots__ = ("cursor",)
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    def __init__(self, cursor: _Optional[str] = ...) -> None: ...

class StreamInboxResponse(_message.Message):
    __slots__ = ("message", "cursor")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    cursor: str
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., cursor: _Optional[str] = ...) -> None: ...

class AcknowledgeMessageRequest(_message.Message):
    __slots__ = ("message_id", "delivery_state")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_STATE_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    delivery_state: _message_pb2.DeliveryState
    def __init__(self, message_id: _Optional[str] = ..., delivery_state: _Optional[_Union[_message_pb2.DeliveryState, str]] = ...) -> None: ...

class AcknowledgeMessageResponse(_message.Message):
    __slots__ = ("recipient_state",)
    RECIPIENT_STATE_FIELD_NUMBER: _ClassVar[int]
    recipient_state: _message_pb2.RecipientState
    def __init__(self, recipient_state: _Optional[_Union[_message_pb2.RecipientState, _Mapping]] = ...) -> None: ...

class GetCaseRequest(_message.Message):
    __slots__ = ("case_reference", "page_size", "page_token")
    CASE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    case_reference: str
    page_size: int
    page_token: str
    def __init__(self, case_reference: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class CaseEntry(_message.Message):
    __slots__ = ("message", "depth", "thread_root_id")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    THREAD_ROOT_ID_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    depth: int
    thread_root_id: str
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., depth: _Optional[int] = ..., thread_root_id: _Optional[str] = ...) -> None: ...

class GetCaseResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[CaseEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[CaseEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
