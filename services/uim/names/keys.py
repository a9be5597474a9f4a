"""Index keys: what a store keeps per name so that a search never scans every row.

A record stores `index_keys(name)` in an indexed (key, record) table; a query computes
the keys of its own name and fetches the records sharing at least one, then scores
those candidates with `name_similarity`. (The typo keys depend on one word alone: a
large store may keep them per distinct word instead, as services.query does.) Every
key is derived from one token (or two adjacent ones), so token order never matters.
The kinds, each chosen to stay selective while catching one class of variation:

- plain `fold` of each token ("yuri", "sherbakov"): exact words and the romanisation
  variants that folding merges (Yuriy/Iurii/Jurij, Scherbakow/Shcherbakov).
- joined adjacent tokens ("garcialopez", "xiaoming", "vandam", "alrashid"): compound
  and particle names written with or without spaces or hyphens.
- `p:` Metaphone code of 3+ letters: spellings that sound alike (Petrof/Petrov,
  Katherine/Catharine); two-letter codes (YN: John, Jean, Jun, Juan) select too much.
- `s:` consonant skeleton of 3+ letters ("s:mhmd"): names from scripts written
  without short vowels (Arabic "محمد") against their Latin spellings (Mohammed, Muhammad).
- `d:` the token and its one-letter deletions (tokens of 5+ letters; the token alone
  from 4): two tokens within one edit (a typo, a missing or doubled letter, a
  transposition) share a `d:` key — the SymSpell idea, without scanning.

Particles and initials get no keys of their own: "de" or "J" would select a large
part of any store. Plain and joined keys are the most selective, then `d:`, then `p:`
and `s:`; `key_weight` gives these priors so a store can rank candidates by the weight
of keys they share before it has statistics of its own (a store with statistics should
also skip keys whose rows are too many to be useful).
"""

from __future__ import annotations

from functools import lru_cache

from services.uim.names.tokens import PreparedName, Token, prepare

MIN_DELETION_LENGTH = 5
MIN_SKELETON_LENGTH = 3
MIN_PHONETIC_LENGTH = 3
TYPO_PREFIX = "d:"
_WEIGHTS = {"d": 0.6, "p": 0.4, "s": 0.4}


@lru_cache(maxsize=65536)
def token_keys(token: Token) -> frozenset[str]:
    """The keys of one token (none for particles and initials)."""
    if token.particle or token.initial:
        return frozenset()
    word = token.fold
    keys = {word}
    if len(token.phonetic) >= MIN_PHONETIC_LENGTH:
        keys.add(f"p:{token.phonetic}")
    if len(token.skeleton) >= MIN_SKELETON_LENGTH:
        keys.add(f"s:{token.skeleton}")
    keys |= typo_keys(word)
    return frozenset(keys)


@lru_cache(maxsize=65536)
def typo_keys(word: str) -> frozenset[str]:
    """The `d:` keys of a folded word: itself from 4 letters, and its one-letter
    deletions from 5. A store may keep these per distinct word rather than per
    record (services.query keeps a word list by typo key)."""
    if len(word) < MIN_DELETION_LENGTH - 1:
        return frozenset()
    keys = {f"{TYPO_PREFIX}{word}"}
    if len(word) >= MIN_DELETION_LENGTH:
        keys.update(f"{TYPO_PREFIX}{word[:i]}{word[i + 1 :]}" for i in range(len(word)))
    return frozenset(keys)


def is_typo_key(key: str) -> bool:
    return key.startswith(TYPO_PREFIX)


def index_keys(name: str | PreparedName) -> set[str]:
    """Keys to store for a name and to look up for a query (see module docstring)."""
    prepared = prepare(name) if isinstance(name, str) else name
    keys: set[str] = set()
    for token in prepared.tokens:
        keys |= token_keys(token)
    for join in prepared.joined:
        keys.add(join.fold)
        if len(join.skeleton) >= MIN_SKELETON_LENGTH:
            keys.add(f"s:{join.skeleton}")
    return keys


def key_weight(key: str) -> float:
    """Prior selectivity of a key by kind: 1.0 for plain and joined tokens, less for
    typo (`d:`), phonetic (`p:`) and skeleton (`s:`) keys."""
    return _WEIGHTS.get(key[0], 1.0) if key[1:2] == ":" else 1.0
