"""The shipped code tables: complete, well-formed, and looked up exactly."""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

from services.uim.codes import (
    TABLE_NAMES,
    Code,
    code_tables,
    is_country,
    is_document_type,
    is_iccs,
    is_language,
    is_script,
)


def test_registry_has_every_table_by_name() -> None:
    tables = code_tables()
    assert tuple(tables) == ("countries", "languages", "scripts", "iccs", "document_types")
    assert tables["countries"] is code_tables()["countries"]


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_files_are_sorted_by_code_and_unique(name: str) -> None:
    source = resources.files("services.uim.code_tables").joinpath(f"{name}.csv")
    rows = list(csv.DictReader(io.StringIO(source.read_text(encoding="utf-8"), newline="")))
    codes = [row["code"] for row in rows]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    assert all(row["name"].strip() for row in rows)


def test_countries() -> None:
    countries = code_tables()["countries"]
    assert {"FRA", "DEU", "UKR", "CHN", "RUS", "USA"} <= {c.code for c in countries}
    assert len(countries) >= 249
    assert "XXX" not in countries
    france = countries.get("FRA")
    assert france is not None
    assert france.name == "France"
    assert france.extra == {"alpha2": "FR", "numeric": "250"}


def test_codes_are_exact_not_folded() -> None:
    assert is_country("FRA")
    assert not is_country("fra")
    assert not is_country(" FRA")
    assert not is_country("FR")
    assert is_language("ru") and not is_language("RU")
    assert is_script("Cyrl") and not is_script("CYRL")


def test_languages_and_scripts() -> None:
    languages = code_tables()["languages"]
    for code in ("ru", "zh", "ar", "en", "uk", "el"):
        assert code in languages
    assert languages.get("zh") == Code("zh", "Chinese", extra={"alpha3": "zho"})
    for script in ("Latn", "Cyrl", "Grek", "Arab", "Hans", "Hant", "Hebr"):
        assert is_script(script)


def test_iccs_hierarchy() -> None:
    iccs = code_tables()["iccs"]
    sections = [c for c in iccs if c.level == 1]
    assert [c.code for c in sections] == [f"{n:02d}" for n in range(1, 12)]
    assert all(c.parent is None for c in sections)
    divisions = [c for c in iccs if c.level == 2]
    assert divisions, "level 2 is shipped"
    for division in divisions:
        assert division.parent in iccs
        assert division.code[:2] == division.parent
        assert len(division.code) == 4
    for section in sections:
        assert iccs.children(section.code), f"section {section.code} has no divisions"
    assert iccs.get("0101") == Code("0101", "Intentional homicide", "01", 2)
    assert is_iccs("0102") and not is_iccs("01011") and not is_iccs("12")


def test_document_types() -> None:
    documents = code_tables()["document_types"]
    for code in ("PASSPORT", "NATIONAL_ID_CARD", "RESIDENCE_PERMIT", "DRIVING_LICENCE", "VISA"):
        assert is_document_type(code)
    passport = documents.get("PASSPORT")
    assert passport is not None and passport.extra["icao_code"] == "P"
    assert not is_document_type("passport")


def test_unknown_table_is_an_error() -> None:
    with pytest.raises(KeyError):
        code_tables()["planets"]
