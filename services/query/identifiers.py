"""Stable ids of stored entities and links.

An id is derived from the record's data owner and the source's record id, the pair
the repository is idempotent on: reloading a source keeps every id, so links and
followers (the analytics service) never see a record change identity, and a loader
can link the records it has just stored without asking for their ids first.
"""

from __future__ import annotations

import base64
import hashlib

ENTITY_PREFIX = "ent_"
LINK_PREFIX = "lnk_"


def _digest(kind: str, data_owner: str, source_record_id: str) -> str:
    raw = hashlib.blake2b(f"{kind}\x1f{data_owner}\x1f{source_record_id}".encode(), digest_size=16).digest()
    return base64.b32encode(raw).decode().rstrip("=").lower()[:26]


def entity_id(data_owner: str, source_record_id: str) -> str:
    """`ent_` and 26 base32 characters for the entity `source_record_id` of `data_owner`."""
    return ENTITY_PREFIX + _digest("entity", data_owner, source_record_id)


def link_id(data_owner: str, source_record_id: str) -> str:
    """`lnk_` and 26 base32 characters for the link `source_record_id` of `data_owner`."""
    return LINK_PREFIX + _digest("link", data_owner, source_record_id)
