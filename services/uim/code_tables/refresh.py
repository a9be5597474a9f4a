"""Regenerate the ISO tables (countries, languages, scripts) from pycountry.

Run `python -m services.uim.code_tables.refresh` after `pip install pycountry`.
pycountry packages the Debian iso-codes database, the maintained machine-readable
copy of ISO 3166-1, ISO 639 and ISO 15924; it is imported only here, so it is a
tool of maintainers and not a runtime dependency. The hand-curated tables
(iccs.csv, document_types.csv) are not touched.

Review the diff before committing: a code that disappears may still be stored in
records, and services reject unknown codes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

import pycountry

HERE = Path(__file__).resolve().parent


def write_table(name: str, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Write `name`.csv sorted by its first column (the code); return the row count."""
    ordered = sorted(rows, key=lambda row: row[0])
    with (HERE / f"{name}.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(ordered)
    return len(ordered)


def countries() -> list[tuple[str, str, str, str]]:
    """ISO 3166-1: alpha-3 is the code icore stores; alpha-2 and numeric ride along."""
    return [(c.alpha_3, c.alpha_2, c.numeric, c.name) for c in pycountry.countries]


def languages() -> list[tuple[str, str, str]]:
    """ISO 639-1 two-letter codes only, with their ISO 639-3 equivalent."""
    return [
        (lang.alpha_2, lang.alpha_3, lang.name)
        for lang in pycountry.languages
        if hasattr(lang, "alpha_2")
    ]


def scripts() -> list[tuple[str, str, str]]:
    """ISO 15924, the four-letter codes (Latn, Cyrl, Hans, ...) and their numbers."""
    return [(s.alpha_4, s.numeric, s.name) for s in pycountry.scripts]


def main() -> None:
    counts = {
        "countries": write_table("countries", ("code", "alpha2", "numeric", "name"), countries()),
        "languages": write_table("languages", ("code", "alpha3", "name"), languages()),
        "scripts": write_table("scripts", ("code", "numeric", "name"), scripts()),
    }
    for name, count in counts.items():
        print(f"{name}.csv: {count} rows")


if __name__ == "__main__":
    main()
