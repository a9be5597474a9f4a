"""Look-up tables of the UIM: the large or evolving code lists that are data, not enums.

Each table is a CSV file in `services/uim/code_tables/` (UTF-8, a header row, sorted
by code). Columns `code` and `name` are required; `level` and `parent` describe a
hierarchy (ICCS); every other column lands in `Code.extra` (a country's alpha-2 and
numeric code, a document type's ICAO 9303 letter). The files are read through
`importlib.resources`, so an installed wheel works as well as a checkout, and each
only once, when first asked for.

Codes are compared exactly as ISO writes them: countries in upper case ("FRA"),
languages in lower case ("ru"), scripts in title case ("Latn"). "fra" is not a
country code: a service rejects it, so that the sender learns of the mistake and
every stored record holds the canonical form, instead of each reader guessing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType

TABLE_NAMES = ("countries", "languages", "scripts", "iccs", "document_types")
"""Every table icore ships, by the name clients pass to `ListCodes`."""

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Code:
    """One entry of a code table; `parent` is None at the top of a hierarchy."""

    code: str
    name: str
    parent: str | None = None
    level: int = 1
    extra: Mapping[str, str] = field(default_factory=lambda: _EMPTY, compare=False, hash=False)


class CodeTable:
    """An ordered, read-only table of codes with exact (case-sensitive) look-up."""

    __slots__ = ("_by_code", "_codes", "name")

    def __init__(self, name: str, codes: tuple[Code, ...]) -> None:
        self.name = name
        self._codes = codes
        self._by_code = {code.code: code for code in codes}
        if len(self._by_code) != len(codes):
            raise ValueError(f"code table {name!r} repeats a code")

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self) -> Iterator[Code]:
        return iter(self._codes)

    def __len__(self) -> int:
        return len(self._codes)

    def __repr__(self) -> str:
        return f"CodeTable({self.name!r}, {len(self)} codes)"

    def get(self, code: str) -> Code | None:
        """The entry for `code`, or None when the table has no such code."""
        return self._by_code.get(code)

    def codes(self) -> tuple[Code, ...]:
        """Every entry, in the order of the file (sorted by code)."""
        return self._codes

    def children(self, parent: str) -> tuple[Code, ...]:
        """Entries directly below `parent` (ICCS level 2 under a section)."""
        return tuple(code for code in self._codes if code.parent == parent)


def _parse(row: dict[str, str]) -> Code:
    code = row.pop("code")
    name = row.pop("name")
    parent = row.pop("parent", "") or None
    level = int(row.pop("level", "") or 1)
    extra = MappingProxyType(dict(row)) if row else _EMPTY
    return Code(code=code, name=name, parent=parent, level=level, extra=extra)


@cache
def load_table(name: str) -> CodeTable:
    """Read `<name>.csv` once; later calls return the same table."""
    if name not in TABLE_NAMES:
        raise KeyError(f"no code table named {name!r}")
    source = resources.files("services.uim.code_tables").joinpath(f"{name}.csv")
    rows = csv.DictReader(io.StringIO(source.read_text(encoding="utf-8"), newline=""))
    codes = tuple(_parse(row) for row in rows)
    return CodeTable(name, codes)


@cache
def code_tables() -> Mapping[str, CodeTable]:
    """Every table by name: countries, languages, scripts, iccs, document_types."""
    return MappingProxyType({name: load_table(name) for name in TABLE_NAMES})


def is_country(code: str) -> bool:
    """True for a current ISO 3166-1 alpha-3 code in upper case ("FRA")."""
    return code in load_table("countries")


def is_language(code: str) -> bool:
    """True for an ISO 639-1 two-letter code in lower case ("ru")."""
    return code in load_table("languages")


def is_script(code: str) -> bool:
    """True for an ISO 15924 code in title case ("Cyrl")."""
    return code in load_table("scripts")


def is_iccs(code: str) -> bool:
    """True for an ICCS level 1 ("01") or level 2 ("0101") code."""
    return code in load_table("iccs")


def is_document_type(code: str) -> bool:
    """True for an identity-document type such as "PASSPORT"."""
    return code in load_table("document_types")
