import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from icore.uim.v1 import access_pb2 as _access_pb2
from icore.uim.v1 import biometrics_pb2 as _biometrics_pb2
from icore.uim.v1 import entity_pb2 as _entity_pb2
from icore.uim.v1 import link_pb2 as _link_pb2
from icore.uim.v1 import notices_pb2 as _notices_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MessageType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MESSAGE_TYPE_UNSPECIFIED: _ClassVar[MessageType]
    MESSAGE_TYPE_REQUEST_FOR_INFORMATION: _ClassVar[MessageType]
    MESSAGE_TYPE_REPLY: _ClassVar[MessageType]
    MESSAGE_TYPE_NOTICE_REQUEST: _ClassVar[MessageType]
    MESSAGE_TYPE_DIFFUSION: _ClassVar[MessageType]
    MESSAGE_TYPE_ALERT: _ClassVar[MessageType]
    MESSAGE_TYPE_ACKNOWLEDGEMENT_OF_RECEIPT: _ClassVar[MessageType]

class Priority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRIORITY_UNSPECIFIED: _ClassVar[Priority]
    PRIORITY_ROUTINE: _ClassVar[Priority]
    PRIORITY_URGENT: _ClassVar[Priority]
    PRIORITY_IMMEDIATE: _ClassVar[Priority]

class DeliveryState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_STATE_UNSPECIFIED: _ClassVar[DeliveryState]
    DELIVERY_STATE_QUEUED: _ClassVar[DeliveryState]
    DELIVERY_STATE_DELIVERED: _ClassVar[DeliveryState]
    DELIVERY_STATE_READ: _ClassVar[DeliveryState]
    DELIVERY_STATE_ACKNOWLEDGED: _ClassVar[DeliveryState]

class CrossCheckState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CROSS_CHECK_STATE_UNSPECIFIED: _ClassVar[CrossCheckState]
    CROSS_CHECK_STATE_PENDING: _ClassVar[CrossCheckState]
    CROSS_CHECK_STATE_COMPLETE: _ClassVar[CrossCheckState]
MESSAGE_TYPE_UNSPECIFIED: MessageType
MESSAGE_TYPE_REQUEST_FOR_INFORMATION: MessageType
MESSAGE_TYPE_REPLY: MessageType
MESSAGE_TYPE_NOTICE_REQUEST: MessageType
MESSAGE_TYPE_DIFFUSION: MessageType
MESSAGE_TYPE_ALERT: MessageType
MESSAGE_TYPE_ACKNOWLEDGEMENT_OF_RECEIPT: MessageType
PRIORITY_UNSPECIFIED: Priority
PRIORITY_ROUTINE: Priority
PRIORITY_URGENT: Priority
PRIORITY_IMMEDIATE: Priority
DELIVERY_STATE_UNSPECIFIED: DeliveryState
DELIVERY_STATE_QUEUED: DeliveryState
DELIVERY_STATE_DELIVERED: DeliveryState
DELIVERY_STATE_READ: DeliveryState
DELIVERY_STATE_ACKNOWLEDGED: DeliveryState
CROSS_CHECK_STATE_UNSPECIFIED: CrossCheckState
CROSS_CHECK_STATE_PENDING: CrossCheckState
CROSS_CHECK_STATE_COMPLETE: CrossCheckState

class DocumentAttachment(_message.Message):
    __slots__ = ("file_name", "media_type", "content", "size_bytes")
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    media_type: str
    content: bytes
    size_bytes: int
    def __init__(self, file_name: _Optional[str] = ..., media_type: _Optional[str] = ..., content: _Optional[bytes] = ..., size_bytes: _Optional[int] = ...) -> None: ...

class BiometricAttachment(_message.Message):
    __slots__ = ("subject_entity_id", "sample")
    SUBJECT_ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_FIELD_NUMBER: _ClassVar[int]
    subject_entity_id: str
    sample: _biometrics_pb2.BiometricSample
    def __init__(self, subject_entity_id: _Optional[str] = ..., sample: _Optional[_Union[_biometrics_pb2.BiometricSample, _Mapping]] = ...) -> None: ...

class Attachment(_message.Message):
    __slots__ = ("document", "biometric")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    BIOMETRIC_FIELD_NUMBER: _ClassVar[int]
    document: DocumentAttachment
    biometric: BiometricAttachment
    def __init__(self, document: _Optional[_Union[DocumentAttachment, _Mapping]] = ..., biometric: _Optional[_Union[BiometricAttachment, _Mapping]] = ...) -> None: ...

class MessageContent(_message.Message):
    __slots__ = ("entities", "links")
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    entities: _containers.RepeatedCompositeFieldContainer[_entity_pb2.Entity]
    links: _containers.RepeatedCompositeFieldContainer[_link_pb2.Link]
    def __init__(self, entities: _Optional[_Iterable[_Union[_entity_pb2.Entity, _Mapping]]] = ..., links: _Optional[_Iterable[_Union[_link_pb2.Link, _Mapping]]] = ...) -> None: ...

class RecipientState(_message.Message):
    __slots__ = ("country", "delivery_state", "update_time", "reply_message_id", "overdue")
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_STATE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REPLY_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    country: str
    delivery_state: DeliveryState
    update_time: _timestamp_pb2.Timestamp
    reply_message_id: str
    overdue: bool
    def __init__(self, country: _Optional[str] = ..., delivery_state: _Optional[_Union[DeliveryState, str]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reply_message_id: _Optional[str] = ..., overdue: _Optional[bool] = ...) -> None: ...

class CrossCheckHit(_message.Message):
    __slots__ = ("message_entity_id", "backend", "record_id", "score", "explanation", "watchlists")
    MESSAGE_ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    WATCHLISTS_FIELD_NUMBER: _ClassVar[int]
    message_entity_id: str
    backend: str
    record_id: str
    score: float
    explanation: str
    watchlists: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, message_entity_id: _Optional[str] = ..., backend: _Optional[str] = ..., record_id: _Optional[str] = ..., score: _Optional[float] = ..., explanation: _Optional[str] = ..., watchlists: _Optional[_Iterable[str]] = ...) -> None: ...

class CrossCheck(_message.Message):
    __slots__ = ("state", "hits", "update_time")
    STATE_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    state: CrossCheckState
    hits: _containers.RepeatedCompositeFieldContainer[CrossCheckHit]
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, state: _Optional[_Union[CrossCheckState, str]] = ..., hits: _Optional[_Iterable[_Union[CrossCheckHit, _Mapping]]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Message(_message.Message):
    __slots__ = ("id", "sender_country", "recipient_countries", "broadcast", "message_type", "priority", "case_reference", "subject", "body", "language", "content", "attachments", "access_policy", "in_reply_to", "notice_type", "diffusion_type", "create_time", "response_due_time", "recipient_states", "cross_check")
    ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_COUNTRIES_FIELD_NUMBER: _ClassVar[int]
    BROADCAST_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    CASE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    ACCESS_POLICY_FIELD_NUMBER: _ClassVar[int]
    IN_REPLY_TO_FIELD_NUMBER: _ClassVar[int]
    NOTICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    DIFFUSION_TYPE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_STATES_FIELD_NUMBER: _ClassVar[int]
    CROSS_CHECK_FIELD_NUMBER: _ClassVar[int]
    id: str
    sender_country: str
    recipient_countries: _containers.RepeatedScalarFieldContainer[str]
    broadcast: bool
    message_type: MessageType
    priority: Priority
    case_reference: str
    subject: str
    body: str
    language: str
    content: MessageContent
    attachments: _containers.RepeatedCompositeFieldContainer[Attachment]
    access_policy: _access_pb2.AccessPolicy
    in_reply_to: str
    notice_type: _notices_pb2.NoticeType
    diffusion_type: _notices_pb2.DiffusionType
    create_time: _timestamp_pb2.Timestamp
    response_due_time: _timestamp_pb2.Timestamp
    recipient_states: _containers.RepeatedCompositeFieldContainer[RecipientState]
    cross_check: CrossCheck
    def __init__(self, id: _Optional[str] = ..., sender_country: _Optional[str] = ..., recipient_countries: _Optional[_Iterable[str]] = ..., broadcast: _Optional[bool] = ..., message_type: _Optional[_Union[MessageType, str]] = ..., priority: _Optional[_Union[Priority, str]] = ..., case_reference: _Optional[str] = ..., subject: _Optional[str] = ..., body: _Optional[str] = ..., language: _Optional[str] = ..., content: _Optional[_Union[MessageContent, _Mapping]] = ..., attachments: _Optional[_Iterable[_Union[Attachment, _Mapping]]] = ..., access_policy: _Optional[_Union[_access_pb2.AccessPolicy, _Mapping]] = ..., in_reply_to: _Optional[str] = ..., notice_type: _Optional[_Union[_notices_pb2.NoticeType, str]] = ..., diffusion_type: _Optional[_Union[_notices_pb2.DiffusionType, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., response_due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recipient_states: _Optional[_Iterable[_Union[RecipientState, _Mapping]]] = ..., cross_check: _Optional[_Union[CrossCheck, _Mapping]] = ...) -> None: ...
