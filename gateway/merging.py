"""Merging what the backends found into one list grouped by real-world entity.

Pure functions over protobuf messages: no grpc, no I/O, testable alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from icore.biometric.v1 import template_pb2
from icore.gateway.v1 import gateway_service_pb2 as pb
from icore.messaging.v1 import message_pb2
from icore.query.v1 import query_service_pb2 as query_pb
from icore.uim.v1 import entity_pb2
from services.uim.names import (
    PreparedName,
    name_score,
    normalise_document_number,
    normalise_name,
    prepare,
    written_name,
)

#: A message mentions an entity when a person in it scores at least this on names.
MESSAGE_NAME_MATCH = 0.85


@dataclass
class Group:
    """Records believed to be one real-world entity."""

    result_id: str
    hits: list[pb.SourceHit] = field(default_factory=list)

    @property
    def score(self) -> float:
        """Noisy-OR of the best score per backend: two backends agreeing on an
        entity make it more likely than either alone, never above 1."""
        best: dict[str, float] = {}
        for hit in self.hits:
            best[hit.backend] = max(best.get(hit.backend, 0.0), min(max(hit.score, 0.0), 1.0))
        miss = 1.0
        for score in best.values():
            miss *= 1.0 - score
        return 1.0 - miss

    def entities(self) -> list[entity_pb2.Entity]:
        seen, found = set(), []
        for hit in self.hits:
            if hit.HasField("entity") and hit.entity.id not in seen:
                seen.add(hit.entity.id)
                found.append(hit.entity)
        return found


def query_hit(hit: query_pb.SearchHit) -> pb.SourceHit:
    explanation = "; ".join(f"{e.criterion}: {e.detail}" for e in hit.explanations)
    return pb.SourceHit(backend="query", record_id=hit.entity.id, score=hit.score, entity=hit.entity,
                        explanation=explanation)


def biometric_hit(candidate: template_pb2.Candidate, subject: entity_pb2.Entity | None) -> pb.SourceHit:
    lists = ", ".join(candidate.watchlists) or "no watch list"
    hit = pb.SourceHit(backend="biometric", record_id=candidate.template_id, score=max(0.0, candidate.score),
                       explanation=f"cosine similarity {candidate.score:.3f}; on {lists}")
    if subject is not None:
        hit.entity.CopyFrom(subject)
    return hit


def group_hits(
    query_hits: Iterable[query_pb.SearchHit],
    candidates: Iterable[template_pb2.Candidate],
    subjects: dict[str, entity_pb2.Entity],
    cluster_of: dict[str, str],
) -> list[Group]:
    """Group every hit under its identity cluster (or its own entity id), best first."""
    groups: dict[str, Group] = {}

    def add(entity_id: str, hit: pb.SourceHit) -> None:
        key = cluster_of.get(entity_id, entity_id)
        groups.setdefault(key, Group(result_id=key)).hits.append(hit)

    for hit in query_hits:
        add(hit.entity.id, query_hit(hit))
    for candidate in candidates:
        add(candidate.subject_id, biometric_hit(candidate, subjects.get(candidate.subject_id)))
    for group in groups.values():
        group.hits.sort(key=lambda h: -h.score)
    return sorted(groups.values(), key=lambda g: -g.score)


@dataclass(frozen=True)
class Named:
    """The names and document numbers of some records, prepared once to be
    compared with many messages (or a message with many groups)."""

    names: tuple[PreparedName, ...]
    #: Each name normalised, to be found inside a message's text.
    spellings: tuple[str, ...]
    documents: frozenset[str]

    @classmethod
    def of(cls, entities: Iterable[entity_pb2.Entity]) -> Named:
        written, documents = [], set()
        for entity in entities:
            if entity.HasField("person"):
                written += [written_name(name) for name in entity.person.names]
                documents |= {normalise_document_number(d.number) for d in entity.person.documents if d.number}
            elif entity.HasField("organization"):
                written += list(entity.organization.names)
        written = list(dict.fromkeys(n for n in written if n))
        spellings = tuple(s for s in dict.fromkeys(normalise_name(n) for n in written) if s)
        return cls(tuple(prepare(n) for n in written), spellings, frozenset(documents))


@dataclass(frozen=True)
class MessageText:
    """A message as `mentions` reads it: the records in its content and its
    subject and body, normalised."""

    content: Named
    text: str

    @classmethod
    def of(cls, message: message_pb2.Message) -> MessageText:
        return cls(Named.of(message.content.entities), normalise_name(f"{message.subject} {message.body}"))


def mentions(read: MessageText, named: Named) -> bool:
    """True when the message names one of the records: a document number they
    share, a name in its content scoring at least MESSAGE_NAME_MATCH, or one of
    their names written in its text."""
    if named.documents & read.content.documents:
        return True
    if any(spelling in read.text for spelling in named.spellings):
        return True
    return any(name_score(a, b) >= MESSAGE_NAME_MATCH for a in named.names for b in read.content.names)


def attach_messages(
    groups: list[Group], messages: Iterable[message_pb2.Message]
) -> dict[str, list[message_pb2.Message]]:
    """Messages per group id: each message goes to every group it mentions.
    Each group's names and each message's are prepared once, not once a pair."""
    attached: dict[str, list[message_pb2.Message]] = {g.result_id: [] for g in groups}
    messages = list(messages)
    if not messages:  # most searches: no group's names need preparing
        return attached
    named = [(group.result_id, Named.of(group.entities())) for group in groups]
    for message in messages:
        read = MessageText.of(message)
        for result_id, names in named:
            if mentions(read, names):
                attached[result_id].append(message)
    return attached


def message_results(
    messages: Iterable[message_pb2.Message], attached: dict[str, list[message_pb2.Message]], searched: str
) -> tuple[list[Group], dict[str, list[message_pb2.Message]]]:
    """Results for the messages that mention none of the results: the person a
    message is about may have no record the caller can see, and the search must
    still show that a bureau wrote about them.

    A message whose content holds the person the search names starts a result
    (its id is the message's), joined by the messages whose person has one of
    that person's names (normalised) or document numbers. A message whose text
    alone names the person joins the first result whose name it spells, else
    stands alone. Names are compared as spelt, not scored pair by pair: fifty
    messages about fifty different Marias took 20 ms that way.
    """
    placed = {m.id for found in attached.values() for m in found}
    query = prepare(searched)
    documents = {normalise_document_number(w) for w in (searched, *searched.split()) if any(c.isdigit() for c in w)}
    found = [(m, *_message_hit(m, query, documents)) for m in messages if m.id not in placed]
    results: list[Group] = []
    home_of: dict[str, Group] = {}
    known: dict[str, Group] = {}  # a subject's normalised names and "#" + its document numbers
    spelt: list[tuple[Group, tuple[str, ...]]] = []
    for message, hit, named in found:
        if named is None:
            continue
        keys = [*named.spellings, *("#" + number for number in named.documents)]
        home = next((known[key] for key in keys if key in known), None)
        if home is None:
            home = Group(result_id=message.id)
            results.append(home)
            spelt.append((home, named.spellings))
        for key in keys:
            known.setdefault(key, home)
        home.hits.append(hit)
        home_of[message.id] = home
    for message, hit, named in found:
        if named is not None:
            continue
        text = MessageText.of(message).text
        home = next((group for group, spellings in spelt if any(s in text for s in spellings)), None)
        if home is None:
            home = Group(result_id=message.id)
            results.append(home)
        home.hits.append(hit)
        home_of[message.id] = home
    messages_of: dict[str, list[message_pb2.Message]] = {}
    for message, _, _ in found:  # in the order listed: newest first
        messages_of.setdefault(home_of[message.id].result_id, []).append(message)
    for group in results:
        group.hits.sort(key=lambda h: -h.score)
    return results, messages_of


def _message_hit(message: message_pb2.Message, query: PreparedName,
                 documents: set[str]) -> tuple[pb.SourceHit, Named | None]:
    """The message as a hit, with the names and documents of its subject: the
    person or organization in its content the search names (by document, else
    by the best name), or, when only its subject or body names them, no entity
    at the score the messaging backend matched at."""
    best: tuple[float, str, entity_pb2.Entity | None, Named | None] = (0.0, "", None, None)
    for entity in message.content.entities:
        named = Named.of([entity])
        if documents & named.documents and best[0] < 1.0:
            best = (1.0, "a document in the content", entity, named)
        for name in named.names:
            score = name_score(query, name)
            if score > best[0]:
                best = (score, "the content", entity, named)
    score, where, subject, subject_named = best
    if score < MESSAGE_NAME_MATCH:
        score, where, subject, subject_named = MESSAGE_NAME_MATCH, "the subject or body", None, None
    hit = pb.SourceHit(backend="messaging", record_id=message.id, score=score,
                       explanation=f"named in {where} of the message \"{message.subject}\"")
    if subject is not None:
        hit.entity.CopyFrom(subject)
    return hit, subject_named
