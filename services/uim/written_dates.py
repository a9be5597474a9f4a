"""Dates as people write them in free text, for the services that read it (the
query's free-text search, messaging's text filter): YYYY, YYYY-MM, YYYY-MM-DD
or DD.MM.YYYY (also with slashes)."""

from __future__ import annotations

import re

from icore.uim.v1 import dates_pb2
from services.bootstrap.errors import FieldErrors
from services.uim.validation import check_partial_date

_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DOTTED_DATE = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")


def written_date(word: str) -> dates_pb2.PartialDate | None:
    """The valid date a word writes, as precise as it is written; None when the word is no date."""
    found = _ISO_DATE.match(word) or _DOTTED_DATE.match(word)
    if not found:
        return None
    parts = [int(p) if p else 0 for p in found.groups()]
    year, month, day = (parts[2], parts[1], parts[0]) if found.re is _DOTTED_DATE else parts
    candidate = dates_pb2.PartialDate(year=year, month=month, day=day)
    errors = FieldErrors()
    check_partial_date(errors, candidate, "date")
    return None if errors else candidate
