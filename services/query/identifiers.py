"""Stable ids of stored entities and links.

An id is derived from the record's data owner and the source's record id, the pair
the repository is idempotent on: reloading a source keeps every id, so links and
followers (the analytics service) never see a record change identity, and a loader
can link the records it has just stored without asking for their ids first.
"""

from __future__ import annotations

import hashlib
import re

ENTITY_PREFIX = "ent_"
LINK_PREFIX = "lnk_"
#: What a stored entity or link id can look like ("ent_" or "lnk_" and hex digits,
#: or another service's ids of the same alphabet).
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def is_record_id(value: str) -> bool:
    """Whether `value` can be the id of a record in the repository. Other
    services' ids need not be: a biometric subject id may be any printable
    text of up to 128 characters, and such a subject has no repository record."""
    return bool(ID_PATTERN.match(value))


def _digest(kind: str, data_owner: str, source_record_id: str) -> str:
    """26 hex characters (104 bits): no collision in any store this side of 10^12 records."""
    return hashlib.blake2b(f"{kind}\x1f{data_owner}\x1f{source_record_id}".encode(), digest_size=13).hexdigest()


def entity_id(data_owner: str, source_record_id: str) -> str:
    """`ent_` and 26 hexadecimal characters for the entity `source_record_id` of `data_owner`."""
    return ENTITY_PREFIX + _digest("entity", data_owner, source_record_id)


def link_id(data_owner: str, source_record_id: str) -> str:
    """`lnk_` and 26 hexadecimal characters for the link `source_record_id` of `data_owner`."""
    return LINK_PREFIX + _digest("link", data_owner, source_record_id)
