"""How alike two names are, as a score from 0 to 1 with a short explanation.

Each token of one name is paired with at most one token of the other (greedy on the
best pairs, which for names of a few words is the optimal assignment in practice), so
"SMITH John" and "John SMITH" score 1.0. A pair scores:

- 1.0 equal; 0.96 equal after folding romanisation variants ("yuriy" / "iurii");
- 0.9 when a token from a script written without short vowels has the same
  consonants ("mhmd" / "mohammed");
- 0.9 one edit apart (rapidfuzz's optimal string alignment: a wrong, missing, extra
  or swapped letter; 0.78 in three-letter words, nothing in two-letter ones), 0.8 two
  edits apart in words of seven letters or more;
- 0.85 at most two edits apart with the same Metaphone code of 3+ letters
  ("katherine" / "catharine");
- 0.6 for an initial and a word starting with its letter.

Pairs below 0.75 are not matches. Edit distance rather than Jaro-Winkler, because a
shared prefix is not a typo: Ivanov is not Ivanenko. Adjacent tokens are joined first
when the joined word is a token of the other name ("Garcia Lopez" / "GarciaLopez",
"Xiao Ming" / "Xiaoming", "Abd al-Rahman" / "Abdulrahman").

The name score is how much of the shorter name is matched (tokens weighted: 1, an
initial 0.5, a particle 0.25), reduced by 10% per unmatched word of the longer name:
a missing middle name costs little, a different surname costs half.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz.distance import OSA

from services.uim.names.tokens import Joined, PreparedName, Token, make_token, prepare

MATCH_THRESHOLD = 0.75
INITIAL_SCORE = 0.6
EXTRA_WORD_PENALTY = 0.1

_EXACT, _VARIANT, _VOWELS, _SOUND, _TYPO, _INITIAL = range(6)


@dataclass(frozen=True, slots=True)
class NameScore:
    """Similarity of two names (0 to 1) and what matched how, for people to read."""

    score: float
    explanation: str

    def __float__(self) -> float:
        return self.score


def _pair(x: Token, y: Token) -> tuple[float, int]:
    """Score of one token pair and the kind of match (0.0 when not a match)."""
    if x.text == y.text:
        return 1.0, _EXACT
    if x.initial or y.initial:
        return (INITIAL_SCORE, _INITIAL) if x.text[0] == y.text[0] else (0.0, _TYPO)
    if x.fold == y.fold:
        return 0.96, _VARIANT
    if (x.vowelless or y.vowelless) and x.skeleton and x.skeleton == y.skeleton:
        return 0.9, _VOWELS
    longest = max(len(x.fold), len(y.fold))
    edits = OSA.distance(x.fold, y.fold, score_cutoff=2)
    if edits > 1:  # folding can move a typo ("eelni" folds to "ilni"): count it as typed
        edits = min(edits, OSA.distance(x.text, y.text, score_cutoff=2))
    if edits == 1:
        score = 0.9 if longest >= 4 else 0.78 if longest == 3 else 0.0
    elif edits == 2 and longest >= 7:
        score = 0.8
    else:
        score = 0.0
    kind = _TYPO
    if edits <= 2 and x.phonetic and x.phonetic == y.phonetic:
        # Metaphone ignores vowels, so it only lifts near spellings (Mahmoud is not
        # Mohamed), and two-letter codes (MR: Maria, Mira) agree too easily to lift much.
        lifted = 0.85 if len(x.phonetic) > 2 else min(0.9, score + 0.05) if score else 0.0
        if lifted > score:
            score, kind = lifted, _SOUND
    return (score, kind) if score >= MATCH_THRESHOLD else (0.0, _TYPO)


def _every_part_counts(join: Joined, tokens: tuple[Token, ...]) -> bool:
    parts = tokens[join.start : join.start + join.count]
    return all(t.skeleton and t.skeleton != join.skeleton for t in parts)


def _merge(name: PreparedName, other: PreparedName) -> tuple[tuple[Token, ...], list[str]]:
    """Join adjacent tokens of `name` whose joined form is one token of `other`."""
    tokens = name.tokens
    # Same consonants suffice when vowels are unreliable (a vowel-less script) or when
    # four or more consonants agree ("abd al rahman" / "abdulrahman"), provided every
    # part adds consonants of its own ("wei zhang" is not the skeleton "zhng").
    min_bones = 1 if name.vowelless or other.vowelless else 4
    hits = [
        j
        for j in name.joined
        if j.fold in other.folds
        or (
            len(j.skeleton) >= min_bones
            and j.skeleton in other.skeletons
            and _every_part_counts(j, tokens)
        )
    ]
    if not hits and len(tokens) > len(other.tokens):
        # More words than the other name: maybe a compound written with a typo.
        hits = [
            j
            for j in name.joined
            if len(j.fold) >= 8
            and any(OSA.distance(j.fold, t.fold, score_cutoff=1) <= 1 for t in other.tokens)
        ]
    if not hits:
        return tokens, []
    merged: list[Token] = []
    notes: list[str] = []
    starts: dict[int, Joined] = {}
    for hit in hits:  # the longer join first when two start at the same token
        starts.setdefault(hit.start, hit)
    i = 0
    while i < len(tokens):
        join = starts.get(i)
        if join is None:
            merged.append(tokens[i])
            i += 1
            continue
        parts = tokens[i : i + join.count]
        merged.append(make_token("".join(t.text for t in parts), parts[0].script))
        notes.append("compound '" + " ".join(t.text for t in parts) + "'")
        i += join.count
    return tuple(merged), notes


def _describe(x: Token, y: Token, kind: int) -> str:
    if kind == _VARIANT:
        return f"spelling variant '{x.text}'~'{y.text}'"
    if kind == _VOWELS:
        return f"same consonants '{x.text}'~'{y.text}'"
    edits = OSA.distance(x.text, y.text)
    if kind == _SOUND and edits > 1:
        return f"sounds alike '{x.text}'~'{y.text}'"
    if kind == _INITIAL:
        short, full = (x, y) if x.initial else (y, x)
        return f"initial '{short.text}' for '{full.text}'"
    return f"{edits} typo{'s' if edits > 1 else ''} '{x.text}'~'{y.text}'"


def _as_prepared(name: str | PreparedName) -> PreparedName:
    return prepare(name) if isinstance(name, str) else name


def name_similarity(a: str | PreparedName, b: str | PreparedName) -> NameScore:
    """Score how alike two names are (0 to 1) and say why; see the module docstring.

    Pass `prepare(text)` results instead of strings when one name is scored against
    many, so each is transliterated and folded once.
    """
    return _scored(_as_prepared(a), _as_prepared(b), explain=True)


def name_score(a: str | PreparedName, b: str | PreparedName) -> float:
    """`name_similarity(a, b).score` without building the explanation, for
    pairs nobody reads the reason of (a sixth of a partly matching pair's
    time, less for the usual pair that shares no word)."""
    return _scored(_as_prepared(a), _as_prepared(b), explain=False).score


def _scored(left: PreparedName, right: PreparedName, explain: bool) -> NameScore:
    if not left.tokens or not right.tokens:
        return NameScore(0.0, "empty name")
    if left.sorted_texts == right.sorted_texts:
        if not explain:
            return NameScore(1.0, "")
        same_order = [t.text for t in left.tokens] == [t.text for t in right.tokens]
        reasons = _scripts(left, right) + ([] if same_order else ["token order differs"])
        return NameScore(1.0, "; ".join(reasons) or "exact")

    tokens_a, notes_a = _merge(left, right)
    tokens_b, notes_b = _merge(right, left)
    pairs = []
    for i, x in enumerate(tokens_a):
        for j, y in enumerate(tokens_b):
            score, kind = _pair(x, y)
            if score:
                pairs.append((score, -i, -j, kind))
    pairs.sort(reverse=True)

    used_a: set[int] = set()
    used_b: set[int] = set()
    matches: list[tuple[int, int, float, int]] = []
    for score, ni, nj, kind in pairs:
        i, j = -ni, -nj
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            matches.append((i, j, score, kind))
    if not matches:
        return NameScore(0.0, "; ".join([*_scripts(left, right), "no word matches"]) if explain else "")

    weight_a = sum(t.weight for t in tokens_a)
    weight_b = sum(t.weight for t in tokens_b)
    matched = sum(s * min(tokens_a[i].weight, tokens_b[j].weight) for i, j, s, _ in matches)
    unmatched_a = [t for i, t in enumerate(tokens_a) if i not in used_a]
    unmatched_b = [t for j, t in enumerate(tokens_b) if j not in used_b]
    extra_a = sum(t.weight for t in unmatched_a)
    extra_b = sum(t.weight for t in unmatched_b)
    if weight_a == weight_b:
        extra = max(extra_a, extra_b)
    else:
        extra = extra_a if weight_a > weight_b else extra_b
    coverage = matched / min(weight_a, weight_b)
    score = min(1.0, coverage * max(0.5, 1.0 - EXTRA_WORD_PENALTY * extra))
    if not explain:
        return NameScore(score, "")

    reasons = _scripts(left, right) + notes_a + notes_b
    matches.sort()
    if any(later[1] < earlier[1] for earlier, later in pairwise(matches)):
        reasons.append("token order differs")
    reasons.extend(
        _describe(tokens_a[i], tokens_b[j], kind) for i, j, _, kind in matches if kind != _EXACT
    )
    missing = [t.text for t in unmatched_a + unmatched_b if not t.particle]
    if missing:
        reasons.append("no match for " + ", ".join(f"'{m}'" for m in missing))
    return NameScore(score, "; ".join(reasons) or "exact")


def _scripts(left: PreparedName, right: PreparedName) -> list[str]:
    return [f"transliterated from {s}" for s in sorted(left.scripts ^ right.scripts)]


def score_many(
    query: str | PreparedName, candidates: Iterable[str | PreparedName]
) -> list[NameScore]:
    """`name_similarity(query, c)` for each candidate, preparing the query once."""
    prepared = _as_prepared(query)
    return [name_similarity(prepared, candidate) for candidate in candidates]
