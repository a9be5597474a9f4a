"""A person name as one string, for text that shows or searches it."""

from __future__ import annotations

from icore.uim.v1 import names_pb2


def written_name(name: names_pb2.PersonName) -> str:
    """The full name as written, else the given and family names."""
    return name.full_name or f"{name.given_names} {name.family_name}".strip()
