"""Names as tokens, each with the forms that matching and indexing compare.

A token keeps four forms:

- `text`: the word in lower-case ASCII Latin, as `normalise_name` shows it.
- `fold`: `text` with the spelling variants of common romanisations merged, so that
  "Yuriy", "Iurii", "Jurij" and "Yury" are all "yuri", "Shcherbakov", "Scherbakow" and
  "Ščerbakov" are all "sherbakov", and "Mueller" is "Müller". Folding only merges
  spellings of one sound (kh/h, x/ks, w/v, j/y before a vowel, -iy/-ij/-y endings,
  doubled letters, ou/u); it never drops a consonant, so different names stay apart.
- `skeleton`: the consonants only. Arabic and Hebrew are written without short vowels
  ("محمد" is "mhmd"), so their tokens are compared to Latin ones by skeleton:
  "Mohammed", "Muhammad" and "mhmd" all have the skeleton "mhmd".
- `phonetic`: the Metaphone code (jellyfish) of the fold, for spellings that sound alike.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import jellyfish

from services.uim.names.latin import script_of, to_latin

# Particles: connecting words that are part of a name but say little about who it is.
PARTICLES = frozenset({
    "al", "el", "ul", "bin", "ibn", "bint", "binti", "ben", "bn", "ould",
    "van", "von", "der", "den", "ter", "ten", "zu",
    "de", "del", "della", "dela", "di", "da", "das", "dos", "do", "du", "la", "le", "lo", "y",
})  # fmt: skip
# Particles that are also names (Ben; Vietnamese Le, Do; Italian Di ...): only
# particles inside a name, never as its first word.
_AMBIGUOUS_PARTICLES = frozenset({"ben", "del", "la", "le", "lo", "do", "da", "di", "y"})
# Scripts written without short vowels: compare their tokens by consonant skeleton.
VOWELLESS_SCRIPTS = frozenset({"Arabic", "Hebrew", "Syriac", "Thaana"})

_PHASE_A = {
    "tsch": "ch", "shch": "sh", "sch": "sh", "tch": "ch", "dzh": "j", "dj": "j",
    "cz": "ch", "sz": "sh", "kh": "h", "ph": "f", "ck": "k", "q": "k", "x": "ks",
    "tz": "ts", "ou": "u", "oo": "u", "ee": "i", "ue": "u", "oe": "o", "ae": "a",
}  # fmt: skip
_PHASE_A_RE = re.compile("|".join(sorted(_PHASE_A, key=len, reverse=True)))
# Each rule with what a token must hold for the rule to match at all: the check costs
# far less than the substitution, and most tokens need few of the rules.
_PHASE_B: list[tuple[Callable[[str], bool], re.Pattern[str], str]] = [
    (lambda t: "j" in t, re.compile("j(?=[aeiou])"), "y"),  # Slavic j: Jurij, Jelena, Natalja
    (lambda t: t[:1] == "i", re.compile("^i(?=[aeou])"), "y"),  # ISO 9 / passport style: Iurii, Iakov
    (lambda t: "y" in t, re.compile("(?<=[^aeiouy])y(?=[aeiou])"), "i"),  # Natalya / Natalia, Fyodor
    (lambda t: "iy" in t, re.compile("iy(?=[aeiou])"), "i"),  # Nataliya / Natalia
    (lambda t: t[-1:] in ("i", "j", "y"), re.compile("(?:ij|iy|ii|yj|yi|y)$"), "i"),  # Yuriy / Yurij / Iurii / Yury
    (lambda t: t[-1:] == "j", re.compile("(?<=[aeou])j$"), "i"),  # Sergej / Sergei, Aleksej
    (lambda t: "w" in t, re.compile("w"), "v"),  # Iwanow / Ivanov
]
_VOWELS = re.compile("[aeiouyw]+")
_DOUBLES = re.compile(r"(.)\1+")
# The same for lower-case ASCII letters, the tokens' alphabet: literal alternatives
# cost a third of the back-reference (measured on 30k words of the demo generator).
_LETTER_DOUBLES = re.compile("|".join(f"{c}{c}+" for c in string.ascii_lowercase))


def _collapse_doubles(token: str) -> str:
    """Doubled letters written once (Mohammed / Mohamed, Hassan / Hasan)."""
    if token.isascii() and token.isalpha() and token.islower():
        return _LETTER_DOUBLES.sub(lambda m: m.group()[0], token)
    return _DOUBLES.sub(r"\1", token)


@lru_cache(maxsize=4096)  # fold and skeleton of one new word ask for it one after the other
def _phase_a(token: str) -> str:
    return _PHASE_A_RE.sub(lambda m: _PHASE_A[m.group()], token)


@lru_cache(maxsize=65536)
def fold(token: str) -> str:
    """Merge romanisation variants of one lower-case ASCII token (see module docstring)."""
    folded = _phase_a(token)
    for applies, pattern, replacement in _PHASE_B:
        if applies(folded):
            folded = pattern.sub(replacement, folded)
    return _collapse_doubles(folded)


@lru_cache(maxsize=65536)
def skeleton(token: str) -> str:
    """Consonants of the token after digraph folding, doubled letters collapsed.

    Computed before j/y and w/v folding, because in Arabic transliteration "y" and "w"
    are often vowels (علي "ly" = Ali, يوسف "ywsf" = Yusuf) and are dropped as vowels.
    """
    return _collapse_doubles(_VOWELS.sub("", _phase_a(token)))


@lru_cache(maxsize=65536)
def phonetic(folded: str) -> str:
    """Metaphone code of a folded token ("" when the token has no letters)."""
    return jellyfish.metaphone(folded) if folded else ""


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a name, in the forms matching compares (see module docstring)."""

    text: str
    fold: str
    skeleton: str
    phonetic: str
    script: str
    particle: bool = False
    vowelless: bool = False

    @property
    def initial(self) -> bool:
        return len(self.text) == 1

    @property
    def weight(self) -> float:
        """How much the token says about identity: particles and initials say less."""
        return 0.25 if self.particle else 0.5 if len(self.text) == 1 else 1.0


def make_token(text: str, script: str = "Latin", particle: bool = False) -> Token:
    folded = fold(text)
    return Token(
        text=text,
        fold=folded,
        skeleton=skeleton(text),
        phonetic=phonetic(folded),
        script=script,
        particle=particle,
        vowelless=script in VOWELLESS_SCRIPTS,
    )


@dataclass(frozen=True, slots=True)
class Joined:
    """Tokens `start` to `start + count - 1` written as one word (a pair, or a pair
    around a particle: "abd al rahman" -> "abdalrahman")."""

    start: int
    count: int
    fold: str
    skeleton: str


def _joins(tokens: tuple[Token, ...]) -> tuple[Joined, ...]:
    joins = []
    for i in range(len(tokens) - 1):
        if tokens[i + 1].particle and i + 2 < len(tokens):
            text = tokens[i].text + tokens[i + 1].text + tokens[i + 2].text
            joins.append(Joined(i, 3, fold(text), skeleton(text)))
        text = tokens[i].text + tokens[i + 1].text
        joins.append(Joined(i, 2, fold(text), skeleton(text)))
    return tuple(joins)


@dataclass(frozen=True, slots=True)
class PreparedName:
    """A name analysed once, so that scoring it against many candidates stays cheap."""

    text: str
    tokens: tuple[Token, ...]
    scripts: frozenset[str]  # the non-Latin scripts the name was written in
    sorted_texts: tuple[str, ...]
    folds: frozenset[str]
    skeletons: frozenset[str]
    joined: tuple[Joined, ...]  # adjacent tokens written together, for compound names
    vowelless: bool  # some token comes from a script written without short vowels


def _words(text: str) -> list[tuple[str, str]]:
    """(latin token, source script) for each token of the name."""
    words: list[tuple[str, str]] = []
    for word in unicodedata.normalize("NFKC", text).split():
        script = script_of(word)
        words.extend((token, script) for token in to_latin(word).split())
    return words


@lru_cache(maxsize=16384)
def prepare(text: str) -> PreparedName:
    """Transliterate, split and fold a name once; the result is immutable and cached."""
    words = _words(text)
    last = len(words) - 1
    tokens = tuple(
        make_token(
            word,
            script,
            particle=word in PARTICLES
            and i < last
            and not (i == 0 and word in _AMBIGUOUS_PARTICLES),
        )
        for i, (word, script) in enumerate(words)
    )
    return PreparedName(
        text=text,
        tokens=tokens,
        scripts=frozenset(t.script for t in tokens if t.script != "Latin"),
        sorted_texts=tuple(sorted(t.text for t in tokens)),
        folds=frozenset(t.fold for t in tokens),
        skeletons=frozenset(t.skeleton for t in tokens if t.skeleton),
        joined=_joins(tokens),
        vowelless=any(t.vowelless for t in tokens),
    )


def normalise_name(text: str) -> str:
    """The name in lower-case ASCII Latin, single spaces: what people see and compare.

    Case, diacritics, punctuation and script are gone ("José García-López" ->
    "jose garcia lopez", "Иван Петров" -> "ivan petrov", "王小明" -> "wang xiaoming");
    spelling variants are kept, so the result is still the name as written.
    """
    return " ".join(t.text for t in prepare(text).tokens)


def name_tokens(text: str) -> list[str]:
    """The words of `normalise_name(text)`."""
    return [t.text for t in prepare(text).tokens]
