"""Which messages mention a name or a document number: the `text` filter of
ListMessages, which the gateway's unified search uses to attach messages to
the persons it finds.

Two steps, so that a search never reads every message. When a message is
stored, `index_terms` gives the keys it is found by: the UIM name keys
(services.uim.names: folded, phonetic, consonant-skeleton and one-typo keys,
from any script) of each person's and organization's names, the folded and
skeleton key of each word of the subject and body, and each document number
in the content or the text. A query looks up the keys of its own text
(`query_terms`), and `MentionQuery` then scores each candidate message: the same
document number, a name in the content scoring at least NAME_MATCH against
the query, or a run of words in the subject or body that does.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from icore.messaging.v1 import message_pb2 as pb
from services.uim.names import (
    index_keys,
    is_document_series,
    name_score,
    normalise_document_number,
    prepare,
    written_name,
)
from services.uim.names.keys import MIN_SKELETON_LENGTH, token_keys
from services.uim.names.tokens import Token
from services.uim.written_dates import written_date

#: A name in a message matches the query from this score (services.uim.names scale).
NAME_MATCH = 0.85
#: Distinct words of subject and body that get index keys; the rest of a very
#: long body is still scored, but a message is only found by its first words.
MAX_INDEXED_WORDS = 1000
#: Words of the text looked at when scoring a candidate.
MAX_SCORED_WORDS = 20_000
MAX_TERM = 64
DOCUMENT = "doc:"
TEXT = "t:"

_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9]+$")


def content_names(message: pb.Message) -> list[str]:
    """Every name of a person or organization in the message's content."""
    names: list[str] = []
    for entity in message.content.entities:
        if entity.HasField("person"):
            for name in entity.person.names:
                names.append(written_name(name))
                names.extend(t.text for t in name.transliterations)
        elif entity.HasField("organization"):
            names.extend(entity.organization.names)
    return [n for n in names if n.strip()]


def content_documents(message: pb.Message) -> set[str]:
    """Normalised numbers of the identity documents in the content."""
    return {number for entity in message.content.entities if entity.HasField("person")
            for document in entity.person.documents
            if (number := normalise_document_number(document.number))}


def text_documents(text: str, limit: int = MAX_SCORED_WORDS) -> set[str]:
    """Things in the first `limit` words of free text that may be document
    numbers: words with a digit, alone and joined with a neighbour ("AB 123456"
    is also "AB123456").

    Only words with a digit and their neighbours are normalised: an ASCII word
    without one cannot gain one (NFKC leaves ASCII as it is), and normalising
    every word of a 1,000-word body took 2.7 ms of the event loop a send."""
    words = [m.group() for m in itertools.islice(_WORD.finditer(text), limit)]
    normalised: dict[int, str] = {}

    def word_at(i: int) -> str:
        if i not in normalised:
            normalised[i] = normalise_document_number(words[i])
        return normalised[i]

    found: set[str] = set()
    for i, raw in enumerate(words):
        if raw.isascii() and not _DIGIT.search(raw):
            continue
        word = word_at(i)
        if not _DIGIT.search(word):
            continue
        found.add(word)
        if i > 0:
            found.add(word_at(i - 1) + word)
        if i + 1 < len(words):
            found.add(word + word_at(i + 1))
    return {w for w in found if 4 <= len(w) <= 50 and _DOCUMENT_NUMBER.match(w)}


def _text_words(text: str, limit: int) -> Iterator[tuple[str, tuple[Token, ...]]]:
    """The words of free text with their name tokens, word by word so that the
    name cache holds words, never whole bodies."""
    for count, word in enumerate(_WORD.finditer(text)):
        if count >= limit:
            return
        yield word.group(), prepare(word.group()).tokens


def _word_keys(token: Token) -> set[str]:
    keys = {f"{TEXT}{token.fold}"}
    if len(token.skeleton) >= MIN_SKELETON_LENGTH:
        keys.add(f"{TEXT}s:{token.skeleton}")
    return keys


def index_terms(message: pb.Message) -> set[str]:
    """The keys a stored message is found by."""
    terms: set[str] = set()
    for name in content_names(message):
        terms |= index_keys(name)
    text = f"{message.subject}\n{message.body}"
    terms |= {DOCUMENT + n for n in content_documents(message) | text_documents(text, MAX_INDEXED_WORDS)}
    words: set[Token] = set()
    for _, tokens in _text_words(text, MAX_SCORED_WORDS):
        if len(words) >= MAX_INDEXED_WORDS:
            break
        words.update(tokens)
    for token in words:
        terms |= _word_keys(token)
    return {t[:MAX_TERM] for t in terms if t}


def query_terms(text: str) -> set[str]:
    """The keys to look up for a query: its name keys, matched against names in
    the content, its words' keys, matched against subject and body, and its
    document number."""
    prepared = prepare(text)
    terms = set(index_keys(prepared))
    for token in prepared.tokens:
        terms |= _word_keys(token)
    whole, number, _ = _split_query(text)
    terms |= {DOCUMENT + n for n in (whole, number) if n}
    return {t[:MAX_TERM] for t in terms if t}


def _split_query(text: str) -> tuple[str, str, str]:
    """(the whole query as a document number, its words with digits as one,
    its other words): "Petrov 724411983" -> ("PETROV724411983", "724411983",
    "Petrov"). The letters of a number written apart from its digits belong to
    the number: "Tsvetkov XP 5320800" -> (…, "XP5320800", "Tsvetkov"). The
    numbers are empty when the query has no digit. A date ("Petrov 1980-03-14",
    as the gateway's unified search passes its free text on) is left out:
    messages are not searched by dates of birth."""
    words = [w for w in text.split() if written_date(w.strip(",;")) is None]
    numbered = {i for i, w in enumerate(words) if _DIGIT.search(w)}
    if not numbered:
        return "", "", " ".join(words)
    numbered |= {i for i in range(len(words) - 1) if i + 1 in numbered and is_document_series(words[i], words[i + 1])}
    names = " ".join(w for i, w in enumerate(words) if i not in numbered)
    number = "".join(w for i, w in enumerate(words) if i in numbered)
    return normalise_document_number(" ".join(words)), normalise_document_number(number), names


class MentionQuery:
    """What a query text names, prepared once to score every candidate of a
    ListMessages call against it. It remembers, for this query only, which
    words share a key with it and which runs of words score NAME_MATCH: case
    messages repeat their words (a subject's name again in the body, the same
    phrases message after message), and scoring was most of a text search's CPU."""

    def __init__(self, text: str) -> None:
        self.whole, self.number, names = _split_query(text)
        self.name = prepare(names)
        self._wanted = frozenset(index_keys(self.name)) | self.name.folds
        self._words: dict[str, tuple[int, bool]] = {}
        self._runs: dict[str, bool] = {}

    def found_in(self, message: pb.Message) -> bool:
        """True when the message names what the query names (see the module docstring).

        A query with digits names a document: "AB 123456" matches that number
        however it is spaced; otherwise its numbered words must match a document
        and its other words a name ("Petrov 724411983" needs both)."""
        body = f"{message.subject}\n{message.body}"
        if self.number:
            documents = content_documents(message) | text_documents(body)
            if self.whole in documents:
                return True
            if self.number not in documents:
                return False
        if not self.name.tokens:
            return bool(self.number)
        if any(self._scores(name) for name in content_names(message)):
            return True
        return self._in_text(body)

    def _scores(self, written: str) -> bool:
        """Whether a name, or a run of words, scores NAME_MATCH against the query."""
        known = self._runs.get(written)
        if known is None:
            known = self._runs[written] = name_score(self.name, written) >= NAME_MATCH
        return known

    def _word(self, word: str) -> tuple[int, bool]:
        """A word's number of name tokens, and whether one shares a key with the query."""
        known = self._words.get(word)
        if known is None:
            tokens = prepare(word).tokens
            shares = any(t.fold in self._wanted or not token_keys(t).isdisjoint(self._wanted) for t in tokens)
            known = self._words[word] = (len(tokens), shares)
        return known

    def _in_text(self, text: str) -> bool:
        """A run of words with as many name tokens as the query, scoring
        NAME_MATCH or more. Only runs through a word that shares a key with the
        query are scored, and they are scored as written, so that their script
        counts; never a shorter run, which would match "Ana Petrova" on "Ana"."""
        words = [m.group() for m in itertools.islice(_WORD.finditer(text), MAX_SCORED_WORDS)]
        counts = [self._word(w) for w in words]
        size = len(self.name.tokens)
        tried: set[int] = set()
        for i, (_, shares) in enumerate(counts):
            if not shares:
                continue
            for start in range(max(0, i - size + 1), i + 1):
                if start in tried:
                    continue
                tried.add(start)
                end, count = start, 0
                while end < len(words) and count < size:
                    count += counts[end][0]
                    end += 1
                if count < size or end <= i:
                    continue
                if self._scores(" ".join(words[start:end])):
                    return True
        return False
