"""What a case message must satisfy before it is stored: the UIM rules for its
content, the look-up tables for its codes, and the messaging rules (who it
goes to, what it answers, how large it may be).

Every mistake is collected with its full field path
("message.content.entities[2].person.names"), so that a national bureau
fixes its message in one round trip and nothing half-valid is ever stored.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from icore.messaging.v1 import message_pb2 as pb
from icore.messaging.v1 import messaging_service_pb2 as service_pb
from icore.uim.v1 import biometrics_pb2, notices_pb2
from services.bootstrap.errors import FieldErrors
from services.messaging.threads import Original
from services.uim.biometrics import sample_vector
from services.uim.codes import code_tables
from services.uim.validation import check_access_policy, check_code, check_entity, check_length, check_link

MAX_RECIPIENTS = 250
MAX_CASE_REFERENCE = 100
MAX_SUBJECT = 300
MAX_BODY = 100_000
MAX_ENTITIES = 200
MAX_LINKS = 500
MAX_ATTACHMENTS = 20
MAX_FILE_NAME = 255
#: One document: 4 MiB; all documents of a message: 8 MiB (see message.proto).
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
MAX_DOCUMENTS_BYTES = 8 * 1024 * 1024
#: Longest biometric template accepted; the biometric service checks the exact
#: dimension of each modality when the cross-check sends it there.
MAX_TEMPLATE_VALUES = 4096
MAX_IDEMPOTENCY_KEY = 128

_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_NEEDS_ORIGINAL = (pb.MESSAGE_TYPE_REPLY, pb.MESSAGE_TYPE_ACKNOWLEDGEMENT_OF_RECEIPT)
_MODALITIES = frozenset(v for v in biometrics_pb2.Modality.values() if v != biometrics_pb2.MODALITY_UNSPECIFIED)


def check_send(
    request: service_pb.SendMessageRequest, sender: str, original: Original | None, errors: FieldErrors
) -> None:
    """Every rule of SendMessage; `original` is the message `in_reply_to`
    names if the sender may see it, else None."""
    key = request.idempotency_key
    errors.check(bool(key.strip()), "idempotency_key", "required: a key unique per sent message")
    check_length(errors, key, MAX_IDEMPOTENCY_KEY, "idempotency_key")
    message = request.message
    _check_recipients(errors, message, sender)
    _check_kind(errors, message)
    check_length(errors, message.case_reference, MAX_CASE_REFERENCE, "message.case_reference")
    errors.check(bool(message.subject.strip()), "message.subject", "required")
    check_length(errors, message.subject, MAX_SUBJECT, "message.subject")
    check_length(errors, message.body, MAX_BODY, "message.body")
    check_code(errors, "languages", message.language, "message.language", required=True)
    ids = _check_content(errors, message.content)
    _check_attachments(errors, message.attachments, ids)
    check_access_policy(errors, message.access_policy, "message.access_policy", required=False)
    _check_original(errors, message, original)


def _check_recipients(errors: FieldErrors, message: pb.Message, sender: str) -> None:
    path = "message.recipient_countries"
    if message.broadcast:
        errors.check(not message.recipient_countries, path, "must be empty when broadcast is set")
        return
    errors.check(len(message.recipient_countries) > 0, path, "name at least one recipient country, or broadcast")
    errors.check(len(message.recipient_countries) <= MAX_RECIPIENTS, path, f"at most {MAX_RECIPIENTS}")
    seen: set[str] = set()
    for i, country in enumerate(message.recipient_countries[:MAX_RECIPIENTS + 1]):
        check_code(errors, "countries", country, f"{path}[{i}]", required=True)
        errors.check(country not in seen, f"{path}[{i}]", f"{country} is listed twice")
        errors.check(country != sender, f"{path}[{i}]", "the sender cannot be a recipient")
        seen.add(country)


def _check_kind(errors: FieldErrors, message: pb.Message) -> None:
    kind = message.message_type
    errors.check(kind in pb.MessageType.values() and kind != pb.MESSAGE_TYPE_UNSPECIFIED,
                 "message.message_type", "required: one of the message types")
    errors.check(message.priority in pb.Priority.values() and message.priority != pb.PRIORITY_UNSPECIFIED,
                 "message.priority", "required: routine, urgent or immediate")
    notice, diffusion = message.notice_type, message.diffusion_type
    if kind == pb.MESSAGE_TYPE_NOTICE_REQUEST:
        errors.check(notice in notices_pb2.NoticeType.values() and notice != notices_pb2.NOTICE_TYPE_UNSPECIFIED,
                     "message.notice_type", "required for a notice request")
    else:
        errors.check(notice == notices_pb2.NOTICE_TYPE_UNSPECIFIED, "message.notice_type",
                     "only for a notice request")
    if kind == pb.MESSAGE_TYPE_DIFFUSION:
        errors.check(diffusion in notices_pb2.DiffusionType.values()
                     and diffusion != notices_pb2.DIFFUSION_TYPE_UNSPECIFIED,
                     "message.diffusion_type", "required for a diffusion")
    else:
        errors.check(diffusion == notices_pb2.DIFFUSION_TYPE_UNSPECIFIED, "message.diffusion_type",
                     "only for a diffusion")


def _check_content(errors: FieldErrors, content: pb.MessageContent) -> set[str]:
    """The UIM rules for each entity and link; returns the entity ids."""
    errors.check(len(content.entities) <= MAX_ENTITIES, "message.content.entities", f"at most {MAX_ENTITIES}")
    errors.check(len(content.links) <= MAX_LINKS, "message.content.links", f"at most {MAX_LINKS}")
    ids: set[str] = set()
    for i, entity in enumerate(content.entities[:MAX_ENTITIES]):
        path = f"message.content.entities[{i}]"
        check_entity(errors, entity, path, policy_required=False)
        if not entity.id:
            errors.add(f"{path}.id", "required: a local id that links and cross-check hits refer to")
        elif entity.id in ids:
            errors.add(f"{path}.id", f"id {entity.id!r} is used twice")
        ids.add(entity.id)
    for i, link in enumerate(content.links[:MAX_LINKS]):
        check_link(errors, link, f"message.content.links[{i}]", known_ids=ids, policy_required=False)
    return ids


def _check_attachments(errors: FieldErrors, attachments: Sequence[pb.Attachment], ids: set[str]) -> None:
    errors.check(len(attachments) <= MAX_ATTACHMENTS, "message.attachments", f"at most {MAX_ATTACHMENTS}")
    total = 0
    for i, attachment in enumerate(attachments[:MAX_ATTACHMENTS]):
        path = f"message.attachments[{i}]"
        kind = attachment.WhichOneof("kind")
        if kind == "document":
            document = attachment.document
            size = len(document.content)
            total += size
            errors.check(size > 0, f"{path}.document.content", "required")
            errors.check(size <= MAX_DOCUMENT_BYTES, f"{path}.document.content",
                         f"{size} bytes; at most {MAX_DOCUMENT_BYTES} per document")
            errors.check(bool(_MEDIA_TYPE.match(document.media_type)), f"{path}.document.media_type",
                         "required: an IANA media type such as application/pdf")
            check_length(errors, document.file_name, MAX_FILE_NAME, f"{path}.document.file_name")
        elif kind == "biometric":
            biometric = attachment.biometric
            subject = biometric.subject_entity_id
            errors.check(not subject or subject in ids, f"{path}.biometric.subject_entity_id",
                         f"no entity {subject!r} in message.content")
            _check_sample(errors, biometric.sample, f"{path}.biometric.sample")
        else:
            errors.add(f"{path}.kind", "set a document or a biometric template")
    errors.check(total <= MAX_DOCUMENTS_BYTES, "message.attachments",
                 f"documents total {total} bytes; at most {MAX_DOCUMENTS_BYTES} per message")


def _check_sample(errors: FieldErrors, sample: biometrics_pb2.BiometricSample, path: str) -> None:
    errors.check(sample.modality in _MODALITIES, f"{path}.modality", "required: face, fingerprint or iris")
    values = sample_vector(sample, errors, path)
    if values is None:
        pass
    elif not 0 < len(values) <= MAX_TEMPLATE_VALUES:
        errors.add(f"{path}.vector", f"needs 1 to {MAX_TEMPLATE_VALUES} values")
    elif not np.isfinite(values).all():
        errors.add(f"{path}.vector", "contains NaN or infinity")
    elif not values.any():
        errors.add(f"{path}.vector", "is all zeros")
    errors.check(0.0 <= sample.quality <= 1.0, f"{path}.quality", "must be 0 to 1")


def _check_original(errors: FieldErrors, message: pb.Message, original: Original | None) -> None:
    path = "message.in_reply_to"
    if not message.in_reply_to:
        errors.check(message.message_type not in _NEEDS_ORIGINAL, path,
                     "required for a reply or an acknowledgement of receipt")
        return
    if original is None:
        errors.add(path, "no message with this id that the sender may see")
        return
    if message.case_reference and original.case_reference and message.case_reference != original.case_reference:
        errors.add("message.case_reference",
                   f"the original belongs to case {original.case_reference!r}; a thread stays in one case")


def broadcast_recipients(sender: str) -> list[str]:
    """Every member country but the sender, for a broadcast."""
    return [code.code for code in code_tables()["countries"] if code.code != sender]


def fingerprint(message: pb.Message) -> str:
    """A digest of what the sender asked to send, to recognise a reused
    idempotency key that comes with a different message."""
    return hashlib.sha256(message.SerializeToString(deterministic=True)).hexdigest()
