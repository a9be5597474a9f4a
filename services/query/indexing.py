"""What the repository stores about an entity so that search never scans: the
search keys of its names and attributes, its normalised document numbers, and the
columns access filtering and event filters need.

Keys are hashed to 64-bit integers: a narrow (key, entity) row keeps the index
small and the bulk insert fast; a hash collision only adds a candidate that
scoring then drops. Key kinds:

- name keys from services.uim.names.index_keys (normalised tokens, joined tokens,
  phonetic codes, consonant skeletons) of every name and transliteration of a
  person or organization, of a location's name and town, and of an event's title
  and place;
- "n:FRA" per nationality, "y:1980" per year of birth and "b:1980-05-12" per full
  date of birth, so that structured criteria also find candidates through the index.

The typo keys of index_keys (`d:`, a word and its one-letter deletions) are not
stored per record: they were more than half of every record's keys, and they
depend on the word alone. The repository keeps them once per distinct word
(table query_typo_words: words by typo key); a search turns its typo keys into the
stored words sharing one, and looks those words up as plain keys. A record
matches the same words either way, since every word with typo keys is also
stored as a plain key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from icore.uim.v1 import access_pb2, dates_pb2, entity_pb2
from services.uim.access import Policy
from services.uim.names import index_keys, normalise_document_number
from services.uim.names.keys import MIN_SKELETON_LENGTH, is_typo_key, token_keys, typo_keys
from services.uim.names.latin import to_latin
from services.uim.names.tokens import _AMBIGUOUS_PARTICLES, PARTICLES, fold, make_token, skeleton

KIND_NUMBERS = {"person": entity_pb2.ENTITY_KIND_PERSON, "organization": entity_pb2.ENTITY_KIND_ORGANIZATION,
                "event": entity_pb2.ENTITY_KIND_EVENT, "location": entity_pb2.ENTITY_KIND_LOCATION}
#: One entity in SAMPLE_EVERY contributes to the key statistics (see `sampled`).
SAMPLE_EVERY = 16
#: The statistics row that counts entities.
ALL_ENTITIES_KEY = "*"


@lru_cache(maxsize=1 << 18)
def key_hash(key: str) -> int:
    """A signed 64-bit hash of a search key (the database column type)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def content_hash(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


def sampled(entity_id: str) -> bool:
    """Whether an entity counts in the key statistics. Counting every key of every
    entity would double the writes of an ingest; a fixed sample, chosen by id so that
    updates and deletions undo exactly what was counted, estimates how many rows a
    key has well enough to choose the selective keys of a query."""
    return key_hash(entity_id) % SAMPLE_EVERY == 0


def entity_names(entity: entity_pb2.Entity) -> list[str]:
    """Every name an entity is known by, as written and as transliterated."""
    kind = entity.WhichOneof("kind")
    names: list[str] = []
    if kind == "person":
        for name in entity.person.names:
            full = name.full_name.strip() or f"{name.given_names} {name.family_name}".strip()
            if full:
                names.append(full)
            names.extend(t.text for t in name.transliterations if t.text.strip())
    elif kind == "organization":
        names.extend(n for n in entity.organization.names if n.strip())
        names.extend(t.text for t in entity.organization.transliterations if t.text.strip())
    elif kind == "location":
        location = entity.location
        names.extend(n for n in (location.name, location.locality) if n.strip())
    elif kind == "event":
        event = entity.event
        names.extend(n for n in (event.title, event.location.name, event.location.locality) if n.strip())
    return names


def attribute_keys(entity: entity_pb2.Entity) -> set[str]:
    if entity.WhichOneof("kind") != "person":
        return set()
    person = entity.person
    keys = {f"n:{country}" for country in person.nationalities}
    if person.HasField("date_of_birth"):
        keys |= date_keys(person.date_of_birth)
    return keys


def date_keys(date: dates_pb2.PartialDate) -> set[str]:
    keys = {f"y:{date.year}"}
    if date.month and date.day:
        keys.add(f"b:{date.year:04d}-{date.month:02d}-{date.day:02d}")
    return keys


def document_rows(entity: entity_pb2.Entity) -> list[tuple[str, str, str]]:
    """(normalised number, type, issuing country) of each document or registration."""
    kind = entity.WhichOneof("kind")
    rows: dict[str, tuple[str, str, str]] = {}
    if kind == "person":
        for document in entity.person.documents:
            number = normalise_document_number(document.number)
            if number:
                rows.setdefault(number, (number, document.document_type, document.issuing_country))
    elif kind == "organization":
        for registration in entity.organization.registration_numbers:
            number = normalise_document_number(registration.number)
            if number:
                rows.setdefault(number, (number, "REGISTRATION", registration.country))
    return list(rows.values())


def search_keys(entity: entity_pb2.Entity) -> set[str]:
    """The keys a record stores, as strings (what `search_key_hashes` hashes; kept
    for tests and tools): its attribute keys and its names' keys but the typo keys."""
    keys = attribute_keys(entity)
    for name in entity_names(entity):
        keys |= {k for k in index_keys(name) if not is_typo_key(k)}
    return keys


def search_key_hashes(entity: entity_pb2.Entity, with_typos: set[str] | None = None) -> list[int]:
    """`hashes(search_keys(entity))`, computed word by word: the same keys, faster.
    The (folded) words of its names that have typo keys are added to `with_typos`:
    the entries the entity needs in the word list."""
    found: set[int] = {key_hash(k) for k in attribute_keys(entity)}
    for name in entity_names(entity):
        found.update(name_key_hashes(name, with_typos))
    return sorted(found)


def typo_rows(words: Iterable[str]) -> list[tuple[int, int]]:
    """(typo key hash, word hash) rows of the word list for `words`, sorted."""
    return sorted({(key_hash(k), key_hash(w)) for w in words for k in typo_keys(w)})


# --- name keys, hashed, at ingest speed ----------------------------------------------
#
# `index_keys(name)` analyses the whole name (services.uim.names.prepare) and returns
# strings; at ingest, where nine names in ten are new but their words are not, that
# analysis is most of the CPU an entity costs. `name_key_hashes` gives the same keys,
# hashed, from three caches: the Latin words of each written word, the key hashes of
# each word (by its text and whether it is a particle, all token_keys depends on), and
# those of each joined pair or triple. It follows services.uim.names.tokens.prepare
# and keys.index_keys step by step; tests/query/test_indexing.py checks that both agree.

@lru_cache(maxsize=1 << 17)
def _latin_words(word: str) -> tuple[str, ...]:
    return tuple(to_latin(word).split())


@lru_cache(maxsize=1 << 17)
def _word_hashes(text: str, particle: bool) -> tuple[tuple[int, ...], str]:
    """The hashes of a word's stored keys, and its folded text when it has typo keys."""
    token = make_token(text, particle=particle)
    keys = token_keys(token)
    stored = tuple(key_hash(k) for k in keys if not is_typo_key(k))
    return stored, token.fold if len(stored) < len(keys) else ""


@lru_cache(maxsize=1 << 17)
def _joined_hashes(text: str) -> tuple[int, ...]:
    joined_skeleton = skeleton(text)
    if len(joined_skeleton) >= MIN_SKELETON_LENGTH:
        return key_hash(fold(text)), key_hash(f"s:{joined_skeleton}")
    return (key_hash(fold(text)),)


def name_key_hashes(name: str, with_typos: set[str] | None = None) -> set[int]:
    """The hashes of `index_keys(name)` but its typo keys; the (folded) words that
    have typo keys are added to `with_typos`."""
    words = [t for word in unicodedata.normalize("NFKC", name).split() for t in _latin_words(word)]
    last = len(words) - 1
    particles = [word in PARTICLES and i < last and not (i == 0 and word in _AMBIGUOUS_PARTICLES)
                 for i, word in enumerate(words)]
    found: set[int] = set()
    for i, word in enumerate(words):
        stored, typo_word = _word_hashes(word, particles[i])
        found.update(stored)
        if typo_word and with_typos is not None:
            with_typos.add(typo_word)
        if i < last:
            if particles[i + 1] and i + 2 <= last:
                found.update(_joined_hashes(word + words[i + 1] + words[i + 2]))
            found.update(_joined_hashes(word + words[i + 1]))
    return found


@dataclass
class IndexedEntity:
    """An entity ready to store: its row, its keys and its documents."""

    id: str
    kind: int
    data_owner: str
    visibility: int
    policy_countries: str
    source_system: str
    source_record_id: str
    content_hash: int
    #: The stored record without its times, serialized deterministically (the
    #: content hash is of these bytes); the repository appends the times. Bytes,
    #: not the message: a worker process hands them to the server, and unpickling
    #: a message cost the server more than the rest of what it receives.
    body: bytes
    key_hashes: list[int]
    #: The words of its names that have typo keys (see the module docstring).
    typo_words: list[str]
    documents: list[tuple[str, str, str]]
    event_country: str | None
    event_time: dt.datetime | None
    #: Year of birth of a person, 0 when unknown or not a person: the search keys are
    #: ordered by it under each key (see services.query.search).
    birth_year: int = 0

    @property
    def restricted(self) -> bool:
        """Visible to fewer than all members: access needs a look at the entity row."""
        return self.visibility != access_pb2.VISIBILITY_ALL_MEMBERS


def index_entity(entity: entity_pb2.Entity, entity_id: str) -> IndexedEntity:
    """Index a validated entity whose provenance and id are already the stored ones
    (times aside: `content_hash` ignores them, so an unchanged reload is no change)."""
    kind_name = entity.WhichOneof("kind")
    assert kind_name is not None
    event_country, event_time = None, None
    if kind_name == "event":
        event_country = entity.event.location.country or None
        event_time = entity.event.start_time.ToDatetime(dt.UTC)
    policy = Policy.from_proto(entity.access_policy)
    body = entity.SerializeToString(deterministic=True)
    with_typos: set[str] = set()
    key_hashes = search_key_hashes(entity, with_typos)
    return IndexedEntity(
        id=entity_id,
        kind=KIND_NUMBERS[kind_name],
        data_owner=entity.provenance.data_owner,
        visibility=entity.access_policy.visibility,
        policy_countries=policy.countries_column(),
        source_system=entity.provenance.source_system,
        source_record_id=entity.provenance.source_record_id,
        content_hash=content_hash(body),
        body=body,
        key_hashes=key_hashes,
        typo_words=sorted(with_typos),
        documents=document_rows(entity),
        event_country=event_country,
        event_time=event_time,
        birth_year=entity.person.date_of_birth.year if kind_name == "person" else 0,
    )


def hashes(keys: Iterable[str]) -> list[int]:
    return sorted({key_hash(k) for k in keys})
