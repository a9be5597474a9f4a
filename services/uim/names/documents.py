"""Identity-document numbers in the one form that stores and queries compare."""

from __future__ import annotations

import unicodedata

#: Letters written apart before a document number's digits ("XP 5320800").
MAX_SERIES_LETTERS = 3


def normalise_document_number(number: str) -> str:
    """Drop spaces and punctuation and upper-case the rest: "ab 123-456" -> "AB123456".

    Letters and digits are kept as they are: O and 0, or I and 1, are not merged,
    because in many numbering schemes both occur and a silent fix would make two
    different documents equal. NFKC first, so full-width digits count as digits.
    """
    if number.isascii():  # NFKC leaves ASCII as it is
        return number.upper() if number.isalnum() else "".join(ch for ch in number if ch.isalnum()).upper()
    return "".join(ch for ch in unicodedata.normalize("NFKC", number) if ch.isalnum()).upper()


def is_document_series(word: str, following: str) -> bool:
    """True when `word` is the letters of a document number written apart from
    its digits, as passports print them ("XP" in "XP 5320800"): at most
    MAX_SERIES_LETTERS letters before a word of digits alone that is not a
    year ("Li 1985" is a name and a year of birth)."""
    return (word.isalpha() and len(word) <= MAX_SERIES_LETTERS
            and following.isdigit() and following.isascii() and len(following) != 4)
