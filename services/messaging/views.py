"""What a country sees of a message: the message itself, every recipient's
progress if it is the sender but only its own if it is a recipient, and only
the cross-check hits it may see."""

from __future__ import annotations

import datetime as dt

from icore.messaging.v1 import message_pb2 as pb
from services.messaging.cross_check import hits_for
from services.messaging.deadlines import is_overdue
from services.messaging.storage import Delivery, StoredMessage


def recipient_state(delivery: Delivery, now: dt.datetime) -> pb.RecipientState:
    state = pb.RecipientState(country=delivery.country, delivery_state=delivery.state,  # type: ignore[arg-type]
                              reply_message_id=delivery.reply_message_id or "",
                              overdue=is_overdue(delivery.response_due_time, delivery.reply_time, now))
    state.update_time.FromDatetime(delivery.update_time)
    return state


def render(stored: StoredMessage, reader: str, now: dt.datetime, *, documents: bool = True) -> pb.Message:
    """The message as `reader` may see it (`stored` holds only what the reader may see
    of the deliveries; hits are filtered here). Without `documents`, document
    attachments come without their bytes, as lists return them."""
    message = stored.message()
    if not documents:
        for attachment in message.attachments:
            if attachment.HasField("document"):
                attachment.document.ClearField("content")
    own_only = message.sender_country != reader
    message.recipient_states.extend(recipient_state(d, now) for d in stored.deliveries
                                    if not own_only or d.country == reader)
    if stored.check is not None:
        message.cross_check.state = stored.check.state  # type: ignore[assignment]
        message.cross_check.hits.extend(hits_for(stored.check.hits, reader))
        if stored.check.update_time is not None:
            message.cross_check.update_time.FromDatetime(stored.check.update_time)
    return message
