"""Blocking: which record pairs are worth comparing, without comparing every pair.

Each record gets blocking keys; two records are candidates when they share one. Keys
come from the shared name analysis (`services.uim.names`: folded words, phonetic codes,
consonant skeletons), so that the variations name matching forgives also meet here.
Every key is built from two words of one name (never from one word alone, which would
put every "Ivan" in one block) or from one word and the year of birth:

- `d` a document or registration number;
- `n` two words of a name, folded and sorted (token order, romanisation variants and
  transliterations meet), and, for a record without a year of birth, the same with
  one letter deleted from either word, SymSpell style, so that one typo still meets
  (with a year, `y` does that in smaller blocks); `t` three words, for long names;
- `p` the Metaphone codes of two words: spellings that folding does not merge;
- `y` one word, with one letter deleted or not, the year of birth and the first letter
  of another word: a typo or a variant in either word, when the year is known;
- `s` consonant skeletons of two words, or of one word with the year of birth: names
  written in a script without short vowels (Arabic) against their Latin spellings;
- `z` one word, with one letter deleted or not, and the full date of birth: a name
  whose other words changed (a new family name, a nickname) or are mistyped;
- `b` the full date of birth and a postcode or town; `a` a street address (house
  number and street) with its postcode or town: records whose names differ
  entirely but that share where and when the person was born or lives;
- `o` single words of organization names and one-word person names.

Keys shared by many records select many wrong pairs: a key gives no pairs once more
than its kind's cap of records share it (`CAPS`); the name-only kinds have low caps
because a common name without a birth date cannot be resolved anyway, and the other
kinds of the same records still pair them. Skeleton keys of Latin names are
*targets*: they are indexed so that an Arabic-script name finds them, but two Latin
names never pair through them, since a skeleton ("mrn") says little between two
spellings that keep their vowels.

Keys are hashed to 64-bit integers and kept in sorted numpy arrays, so a batch of new
records finds its candidates among millions with `searchsorted`, and a whole store
blocks with one sort.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

import numpy as np

from services.analytics.records import ORGANIZATION, IdentityRecord
from services.uim.names.tokens import Token

#: For each key kind, the most records that may share a key and still be paired by it.
CAPS = {"d": 60, "n": 12, "m": 150, "t": 30, "p": 12, "y": 60, "s": 40, "o": 20, "z": 30, "b": 30, "a": 30}
#: Words shorter than this get no one-letter deletions (too many short words collide).
MIN_DELETION_LENGTH = 4
#: Merge the delta into the main arrays when it grows beyond this share of them.
_MERGE_SHARE = 0.1


@dataclass
class Keys:
    """A record's keys by kind: `probes` pair with anything, `targets` only with probes."""

    probes: dict[str, set[str]] = field(default_factory=dict)
    targets: dict[str, set[str]] = field(default_factory=dict)


@lru_cache(maxsize=65536)
def _deletions(word: str) -> tuple[str, ...]:
    """The word and, from MIN_DELETION_LENGTH letters, each one-letter deletion of it."""
    if len(word) < MIN_DELETION_LENGTH:
        return (word,)
    return (word, *dict.fromkeys(word[:i] + word[i + 1 :] for i in range(len(word))))


def _words(tokens: tuple[Token, ...]) -> list[Token]:
    return [t for t in tokens if not t.particle and not t.initial]


def _pair(prefix: str, a: str, b: str) -> str:
    return f"{prefix}|{a}|{b}" if a <= b else f"{prefix}|{b}|{a}"


def block_keys(record: IdentityRecord) -> Keys:
    """The blocking keys of a record (see the module docstring)."""
    prefix = "o" if record.kind == ORGANIZATION else "p"
    birth = record.birth_date
    year = birth.year if birth else 0
    day = f"{birth.year}-{birth.month}-{birth.day}" if birth and birth.day else ""
    arabic = any(name.vowelless for name in record.names)
    probes: dict[str, set[str]] = {kind: set() for kind in CAPS}
    targets: dict[str, set[str]] = {"m": set(), "s": set()}
    probes["d"].update(f"{prefix}|{number}" for number in record.documents)
    for address in record.addresses:
        for place in (p for p in (address.postcode, address.locality) if p):
            if day:
                probes["b"].add(f"{prefix}|{day}|{place}")
            if address.street and any(ch.isdigit() for ch in address.street):
                probes["a"].add(f"{prefix}|{address.street}|{place}")
    n_keys, y_keys, z_keys = probes["n"], probes["y"], probes["z"]
    # Without a year of birth the y keys cannot pair a record, so its exact name pair
    # probes a larger block, in which records with a year are only targets.
    m_keys = targets["m"] if year else probes["m"]
    s_keys = probes["s"] if arabic else targets["s"]
    for name in record.names:
        words = _words(name.tokens)
        if record.kind == ORGANIZATION or len(words) == 1:
            probes["o"].update(f"{prefix}|{t.fold}" for t in words)
        for x, y in combinations(words, 2):
            for a, b in ((x, y), (y, x)):
                other = b.fold
                n_keys.update(_pair(prefix, variant, other) for variant in _deletions(a.fold))
                if year:
                    y_keys.add(f"{prefix}|{a.fold}|{year}|{(b.skeleton or other)[:1]}")
            m_keys.add(_pair(prefix, x.fold, y.fold))
            if x.phonetic and y.phonetic:
                probes["p"].add(_pair(prefix, x.phonetic, y.phonetic))
            if x.skeleton and y.skeleton:
                s_keys.add(_pair(prefix, x.skeleton, y.skeleton))
        if day:
            for t in words:
                z_keys.update(f"{prefix}|{variant}|{day}" for variant in _deletions(t.fold))
        for triple in combinations(sorted(t.fold for t in words), 3):
            probes["t"].add(f"{prefix}|" + "|".join(triple))
        if year:
            s_keys.update(f"{prefix}|{t.skeleton}|{year}" for t in words if len(t.skeleton) >= 2)
    return Keys({k: v for k, v in probes.items() if v}, {k: v for k, v in targets.items() if v})


_TRIANGLES: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _triangle(size: int) -> tuple[np.ndarray, np.ndarray]:
    if size not in _TRIANGLES:
        _TRIANGLES[size] = np.triu_indices(size, 1)
    return _TRIANGLES[size]


def _encode(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    low, high = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
    return np.asarray((low << 32) | high, np.int64)


def decode(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs (a < b) from their encoded form."""
    return (pairs >> 32).astype(np.int64), (pairs & 0xFFFFFFFF).astype(np.int64)


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and length of each run of equal values in a sorted array."""
    if len(keys) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    lengths = np.diff(np.concatenate([starts, [len(keys)]]))
    return starts, lengths


class _Entries:
    """Sorted (key, row, probe) arrays."""

    def __init__(self) -> None:
        self.keys = np.zeros(0, np.int64)
        self.rows = np.zeros(0, np.int64)
        self.probes = np.zeros(0, bool)

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def of(cls, keys: np.ndarray, rows: np.ndarray, probes: np.ndarray) -> _Entries:
        order = np.argsort(keys, kind="stable")
        entries = cls()
        entries.keys, entries.rows, entries.probes = keys[order], rows[order], probes[order]
        return entries

    def extended(self, other: _Entries) -> _Entries:
        return _Entries.of(np.concatenate([self.keys, other.keys]), np.concatenate([self.rows, other.rows]),
                           np.concatenate([self.probes, other.probes]))

    def count(self, keys: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.keys, keys, "right") - np.searchsorted(self.keys, keys, "left")


class _KindIndex:
    """The entries of one key kind: a large sorted main part and a small sorted delta."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.main = _Entries()
        self.delta = _Entries()

    def add(self, new: _Entries) -> list[np.ndarray]:
        found = [self._within(new)]
        for old in (self.main, self.delta):
            if len(old):
                found.append(self._across(new, old))
        self.delta = self.delta.extended(new)
        if len(self.delta) > _MERGE_SHARE * len(self.main):
            self.main, self.delta = self.main.extended(self.delta), _Entries()
        return found

    def rows_sharing(self, keys: np.ndarray) -> np.ndarray:
        """Rows indexed under any of `keys` (once per key shared), skipping the
        blocks too large for pairing."""
        keys = np.unique(keys)
        keys = keys[self._old_count(keys) <= self.cap]
        found = [np.zeros(0, np.int64)]
        for part in (self.main, self.delta):
            low, high = np.searchsorted(part.keys, keys, "left"), np.searchsorted(part.keys, keys, "right")
            found += [part.rows[lo:hi] for lo, hi in zip(low.tolist(), high.tolist(), strict=True) if hi > lo]
        return np.concatenate(found)

    def _old_count(self, keys: np.ndarray) -> np.ndarray:
        return np.asarray(self.main.count(keys) + self.delta.count(keys), np.int64)

    def _within(self, new: _Entries) -> np.ndarray:
        """Pairs among the new records, from every block of a usable size."""
        starts, lengths = _runs(new.keys)
        usable = (lengths >= 2) & (lengths + self._old_count(new.keys[starts]) <= self.cap)
        pieces = [np.zeros(0, np.int64)]
        for size in np.unique(lengths[usable]):
            first = starts[usable & (lengths == size)]
            i, j = _triangle(int(size))
            left, right = (first[:, None] + i[None, :]).ravel(), (first[:, None] + j[None, :]).ravel()
            keep = new.probes[left] | new.probes[right]
            pieces.append(_encode(new.rows[left[keep]], new.rows[right[keep]]))
        return np.concatenate(pieces)

    def _across(self, new: _Entries, old: _Entries) -> np.ndarray:
        """Pairs of a new record and an indexed one sharing a key of a usable size."""
        starts, lengths = _runs(new.keys)
        unique = new.keys[starts]
        low = np.searchsorted(old.keys, unique, "left")
        high = np.searchsorted(old.keys, unique, "right")
        usable = (high > low) & (lengths + self._old_count(unique) <= self.cap)
        pieces = [np.zeros(0, np.int64)]
        for start, length, lo, hi in zip(starts[usable], lengths[usable], low[usable], high[usable], strict=True):
            count = hi - lo
            left = np.repeat(np.arange(start, start + length), count)
            right = np.tile(np.arange(lo, hi), length)
            keep = new.probes[left] | old.probes[right]
            pieces.append(_encode(new.rows[left[keep]], old.rows[right[keep]]))
        return np.concatenate(pieces)


class BlockIndex:
    """Blocking keys of every record seen, by kind, in sorted arrays."""

    def __init__(self, caps: dict[str, int] | None = None) -> None:
        self._kinds = {kind: _KindIndex(cap) for kind, cap in (caps or CAPS).items()}

    def __len__(self) -> int:
        return sum(len(k.main) + len(k.delta) for k in self._kinds.values())

    def add(self, rows: Sequence[int], keys: Sequence[Keys]) -> np.ndarray:
        """Index new records (row numbers and their keys); returns the encoded candidate
        pairs (a < b) they form with each other and with every record indexed before."""
        found = [np.zeros(0, np.int64)]
        empty: set[str] = set()
        for kind, index in self._kinds.items():
            parts_keys: list[np.ndarray] = []
            parts_rows: list[np.ndarray] = []
            parts_probes: list[np.ndarray] = []
            for probe, side in ((True, "probes"), (False, "targets")):
                groups = [getattr(k, side).get(kind, empty) for k in keys]
                counts = np.fromiter(map(len, groups), np.int64, len(groups))
                total = int(counts.sum())
                if total:
                    parts_keys.append(np.fromiter((hash(key) for group in groups for key in group), np.int64, total))
                    parts_rows.append(np.repeat(np.asarray(rows, np.int64), counts))
                    parts_probes.append(np.full(total, probe))
            if parts_keys:
                new = _Entries.of(np.concatenate(parts_keys), np.concatenate(parts_rows), np.concatenate(parts_probes))
                found += index.add(new)
        pairs = np.unique(np.concatenate(found))
        return np.asarray(pairs[(pairs >> 32) != (pairs & 0xFFFFFFFF)], np.int64)

    def rows_sharing(self, keys: Keys) -> np.ndarray:
        """Rows that share a usable block with a record of these keys, which is not
        added: once per key shared, so the most alike come up most often."""
        found = [np.zeros(0, np.int64)]
        for kind, index in self._kinds.items():
            hashes = [hash(key) for side in (keys.probes, keys.targets) for key in side.get(kind, ())]
            if hashes:
                found.append(index.rows_sharing(np.asarray(hashes, np.int64)))
        return np.concatenate(found)
