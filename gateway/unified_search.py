"""UnifiedSearch: one request to every backend at once, one ranked answer.

A biographic search is the repository's Search (with the linked entities of
its best hits in the same call) and the messages (ListMessages by text), at
once; as soon as Search answers, analytics' identity clusters of its hits
(ResolveEntities by id) group them by real-world identity. (The clusters of
the records most like the description, ResolveEntities `like`, asked for
beside the search, left most hits out: a record found by one fuzzy word, a
surname or a typo, is rarely among them, and in 210 of 300 searches two
records of one person came back as two results.) A biometric probe adds
Identify to the first calls, and its candidates need two more: their
repository records with their links (one BatchGetEntities) and the
identities of those the search did not return. Those start as soon as
Identify answers, beside whatever text call is still running, so a slow
repository or message search does not hold them back; only Identify keeps
part of the budget for them. Every call has its own deadline cut from the
caller's; a backend that fails or is late shows in `backend_statuses` and
the answer goes on without it. When some biometric shards do not answer,
the candidates of the others are used and the biometric status says which
shards are missing. Cancelling the caller's RPC cancels the tasks, and with
them every backend call in flight.

Each message found goes to the results it names (merging.attach_messages).
Messages that name none of them are results of their own, those about one
person together: a bureau may write about someone with no record the caller
can see, and the search must still show it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from gateway import merging
from gateway.backends import Backends, Outcome, ask, skipped
from gateway.deadlines import Budget
from gateway.frontline import POSSIBLE_MARGIN, Thresholds
from icore.analytics.v1 import analytics_service_pb2 as analytics_pb
from icore.biometric.v1 import biometric_service_pb2 as biometric_pb
from icore.gateway.v1 import gateway_service_pb2 as pb
from icore.messaging.v1 import messaging_service_pb2 as messaging_pb
from icore.query.v1 import query_service_pb2 as query_pb
from icore.uim.v1 import biometrics_pb2, entity_pb2
from services.bootstrap.errors import FieldErrors
from services.bootstrap.paging import PageRequest, encode_token
from services.query.identifiers import is_record_id
from services.uim.biometrics import has_vector

#: How much of the budget Identify may use: its candidates' records, identities and links follow it.
IDENTIFY_SHARE = 0.6
#: A record's linked entities and the links to them.
Linked = tuple[list[Any], list[Any]]
#: Records whose linked entities a page brings, best first: Search's and
#: BatchGetEntities' most, so that every result of a page of 20 has them.
#: (Five until 2026-12-08: at the demo's size twenty cost Search 0.05 ms more.)
LINKED_FOR_TOP = 20
#: Repository hits and watch-list candidates a search groups at most (Search's
#: and Identify's largest page): results beyond them are not reached by paging.
MAX_HITS = 100
#: Biometric subjects whose repository records are fetched, best first: one
#: BatchGetEntities, which takes at most 100 ids (a page holds at most 100 results).
MAX_SUBJECTS_FETCHED = 100


def validate(request: pb.UnifiedSearchRequest, errors: FieldErrors) -> PageRequest:
    criteria = (request.text, request.name, request.document_number, request.nationality)
    has_probe = request.HasField("probe")
    errors.check(any(c.strip() for c in criteria) or has_probe or request.HasField("date_of_birth"),
                 "text", "give text, a name, a document number, a date of birth, a nationality or a probe")
    errors.check(len(request.text) <= 500, "text", "longer than 500 characters")
    errors.check(len(request.name) <= 300, "name", "longer than 300 characters")
    errors.check(len(request.document_number) <= 50, "document_number", "longer than 50 characters")
    if has_probe:
        errors.check(request.probe.modality != biometrics_pb2.MODALITY_UNSPECIFIED, "probe.modality", "required")
        errors.check(has_vector(request.probe), "probe.vector", "required")
    return PageRequest.parse(request.page_size, request.page_token, default=20, maximum=100, errors=errors)


def _text_criteria(request: pb.UnifiedSearchRequest) -> bool:
    return any((request.text.strip(), request.name.strip(), request.document_number.strip(),
                request.nationality, request.HasField("date_of_birth")))


@dataclass
class WatchlistFollowUp:
    """What the calls made for a probe's candidates gave: the records of their
    subjects, the subjects' identities and their linked entities."""

    subjects: dict[str, entity_pb2.Entity] = field(default_factory=dict)
    identities: Outcome[Any] | None = None
    related: dict[str, Linked] = field(default_factory=dict)


async def unified_search(
    request: pb.UnifiedSearchRequest, backends: Backends, budget: Budget, thresholds: Thresholds
) -> pb.UnifiedSearchResponse:
    errors = FieldErrors()
    page = validate(request, errors)
    errors.raise_if_any()
    wanted = page.offset + page.size
    fetch = hits_to_fetch(page)
    calls: list[asyncio.Task[Any]] = []

    def start(call: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        calls.append(asyncio.ensure_future(call))
        return calls[-1]

    try:
        searching = start(_search_repository(request, backends, fetch, page.offset == 0, budget.left()))
        reading = start(_search_messages(request, backends, budget.left()))
        grouping = start(_hit_identities(searching, backends, budget))
        watching = start(_identify_and_follow(request, backends, fetch, budget, thresholds, searching))
        query, messages = await searching, await reading
        hit_identities, (biometric, follow_up) = await grouping, await watching
    finally:  # the caller cancelled, or a call failed: nothing is left running
        for call in calls:
            call.cancel()

    hits = list(query.response.hits) if query.ok else []
    # Partial (some shards missing, said in the status) is better than none.
    candidates = list(biometric.response.candidates) if biometric.response is not None else []
    related = {h.entity.id: _linked_of(h.linked) for h in hits if h.HasField("linked")}
    made = [o for o in (hit_identities, follow_up.identities) if o is not None]
    cluster_of = {entity_id: cluster for o in made for entity_id, cluster in _clusters(o).items()}
    # A failed call leaves some records ungrouped: its status is analytics'.
    analytics = next((o for o in made if not o.ok), made[0] if made else skipped("analytics", "nothing to resolve"))
    related = follow_up.related | related

    groups = merging.group_hits(hits, candidates, follow_up.subjects, cluster_of)
    found = messages.response.messages if messages.ok else []
    attached = merging.attach_messages(groups[:wanted], found)
    about_others, their_messages = merging.message_results(found, attached, _searched_in_messages(request))
    if about_others:
        groups = sorted(groups + about_others, key=lambda g: -g.score)
        attached |= their_messages
    shown = groups[page.offset:wanted]
    if page.offset and shown:  # Search brought the linked entities of the first page's best hits only
        related |= await _linked(shown, related, backends, budget)
    more = len(groups) > wanted or (fetch < MAX_HITS and (
        bool(query.ok and query.response.next_page_token) or len(candidates) >= fetch))
    return pb.UnifiedSearchResponse(
        results=[_result(group, attached, related) for group in shown],
        backend_statuses=[o.status() for o in (query, messages, biometric, analytics)],
        next_page_token=encode_token({"o": page.offset + len(shown)}) if more and shown else "")


def _result(group: merging.Group, attached: dict[str, list[Any]],
            related: dict[str, Linked]) -> pb.UnifiedResult:
    result = pb.UnifiedResult(result_id=group.result_id, score=group.score, hits=group.hits,
                              messages=attached.get(group.result_id, []))
    for entity in group.entities():
        if entity.id in related:
            linked, links = related[entity.id]
            result.linked_entities.extend(linked)
            result.links.extend(links)
    return result


def hits_to_fetch(page: PageRequest) -> int:
    """Repository hits and watch-list candidates to ask for to fill a page of
    grouped results: more than the results wanted, since one identity's
    records group into one result, and at most MAX_HITS."""
    return min(MAX_HITS, page.offset + page.size + max(5, page.size // 2))


def _clusters(outcome: Outcome[Any]) -> dict[str, str]:
    """Entity id -> identity cluster id, from a ResolveEntities outcome."""
    answer = outcome.answer
    if answer is None:
        return {}
    return {entity_id: cluster.cluster_id for cluster in answer.clusters for entity_id in cluster.entity_ids}


async def _search_repository(request: pb.UnifiedSearchRequest, backends: Backends, fetch: int, first_page: bool,
                             timeout: float) -> Outcome[Any]:
    if not _text_criteria(request):
        return skipped("query", "no biographic criteria")
    search = query_pb.SearchRequest(text=request.text, name=request.name, nationality=request.nationality,
                                    document_number=request.document_number, page_size=fetch,
                                    linked_hit_count=LINKED_FOR_TOP if first_page else 0, max_linked_per_hit=10)
    if request.HasField("date_of_birth"):
        search.date_of_birth.CopyFrom(request.date_of_birth)
    return await ask("query", lambda t: backends.query.Search(search, timeout=t), timeout)


def _searched_in_messages(request: pb.UnifiedSearchRequest) -> str:
    return (request.name or request.text or request.document_number).strip()[:200]


async def _search_messages(request: pb.UnifiedSearchRequest, backends: Backends, timeout: float) -> Outcome[Any]:
    text = _searched_in_messages(request)
    if not text:
        return skipped("messaging", "no text to look for in messages")
    listing = messaging_pb.ListMessagesRequest(mailbox=messaging_pb.MAILBOX_ALL, text=text, page_size=50)
    return await ask("messaging", lambda t: backends.messaging.ListMessages(listing, timeout=t), timeout)


async def _identify_and_follow(
    request: pb.UnifiedSearchRequest, backends: Backends, fetch: int, budget: Budget, thresholds: Thresholds,
    searching: asyncio.Task[Outcome[Any]],
) -> tuple[Outcome[Any], WatchlistFollowUp]:
    """Identify, then at once the calls its candidates need. What the
    repository's search has already brought (when it has answered by then) is
    not asked for again: records, links, and identities, which its hits get
    from `_hit_identities`."""
    biometric = await _identify(request, backends, fetch, budget.share(IDENTIFY_SHARE), thresholds)
    candidates = biometric.response.candidates if biometric.response is not None else []
    if not candidates:
        return biometric, WatchlistFollowUp()
    search = _answered(searching)
    hits = list(search.hits) if search is not None else []
    known = list(dict.fromkeys(h.entity.id for h in hits))
    linked = {h.entity.id for h in hits if h.HasField("linked")}
    # A subject whose id cannot be a repository id is on the watch list only: no record to read.
    subject_ids = list(dict.fromkeys(c.subject_id for c in candidates if is_record_id(c.subject_id)))
    identities, (subjects, related) = await asyncio.gather(
        _resolve([i for i in subject_ids if i not in known], backends, budget),
        _subjects(subject_ids, set(known), linked, backends, budget),
    )
    return biometric, WatchlistFollowUp(subjects, identities, related)


async def _hit_identities(searching: asyncio.Task[Outcome[Any]], backends: Backends,
                          budget: Budget) -> Outcome[Any] | None:
    """The identity clusters of the repository's hits, once it has answered."""
    await asyncio.wait([searching])
    search = _answered(searching)
    return await _resolve(list(dict.fromkeys(h.entity.id for h in search.hits)) if search is not None else [],
                          backends, budget)


def _answered(task: asyncio.Task[Outcome[Any]]) -> Any | None:
    """The response of a call that has already succeeded; None while it runs or
    when it failed (a failure is the caller's to see, not this task's)."""
    if not task.done() or task.cancelled() or task.exception() is not None:
        return None
    return task.result().answer


async def _identify(request: pb.UnifiedSearchRequest, backends: Backends, fetch: int, timeout: float,
                    thresholds: Thresholds) -> Outcome[Any]:
    """Watch-list candidates that are at least possible matches (the frontline check's
    floor): the nearest templates of a stranger are not results."""
    if not request.HasField("probe"):
        return skipped("biometric", "no biometric probe")
    started = time.monotonic()
    floor = await thresholds.get(request.probe.modality, backends, timeout / 2) - POSSIBLE_MARGIN
    identify = biometric_pb.IdentifyRequest(probe=request.probe, top_k=fetch, min_score=floor)
    left = timeout - (time.monotonic() - started)
    return await ask("biometric", lambda t: backends.biometric.Identify(identify, timeout=t), left)


async def _resolve(entity_ids: list[str], backends: Backends, budget: Budget) -> Outcome[Any] | None:
    """The identity clusters of `entity_ids`; None when there are none to ask for."""
    if not entity_ids:
        return None
    resolve = analytics_pb.ResolveEntitiesRequest(entity_ids=entity_ids, page_size=500,
                                                  view=analytics_pb.CLUSTER_VIEW_BASIC)
    return await ask("analytics", lambda t: backends.analytics.ResolveEntities(resolve, timeout=t), budget.left())


async def _subjects(subject_ids: list[str], known: set[str], linked: set[str], backends: Backends,
                    budget: Budget) -> tuple[dict[str, entity_pb2.Entity], dict[str, Linked]]:
    """Repository records of the biometric subjects that the search did not
    return, and the linked entities of the best LINKED_FOR_TOP subjects whose
    links it did not bring, in one BatchGetEntities (a subject the caller may
    not see is left out). One call, not a BatchGetRelated beside it: at 1M
    templates a search with a probe took p50 25.5 ms against 26.7 with two."""
    to_link = [i for i in subject_ids if i not in linked][:LINKED_FOR_TOP]
    wanted = list(dict.fromkeys(to_link + [i for i in subject_ids if i not in known]))[:MAX_SUBJECTS_FETCHED]
    answer = await _read_with_links(wanted, len(to_link), backends, budget)
    if answer is None:
        return {}, {}
    subjects = {entity.id: entity for entity in answer.entities if entity.id not in known}
    return subjects, {s.entity_id: _linked_of(s) for s in answer.linked_sets if s.entity_id in to_link}


async def _linked(shown: list[merging.Group], related: dict[str, Linked], backends: Backends,
                  budget: Budget) -> dict[str, Linked]:
    """The linked entities of the best LINKED_FOR_TOP records of a later page's
    results that have none yet, in one BatchGetEntities."""
    wanted = [e.id for group in shown for e in group.entities() if e.id not in related and is_record_id(e.id)]
    wanted = list(dict.fromkeys(wanted))[:LINKED_FOR_TOP]
    answer = await _read_with_links(wanted, len(wanted), backends, budget)
    return {} if answer is None else {s.entity_id: _linked_of(s) for s in answer.linked_sets}


async def _read_with_links(entity_ids: list[str], linked_count: int, backends: Backends,
                           budget: Budget) -> Any | None:
    """BatchGetEntities of `entity_ids`, with the linked entities of the first
    `linked_count`; None when there is nothing to read or the call failed."""
    if not entity_ids:
        return None
    request = query_pb.BatchGetEntitiesRequest(entity_ids=entity_ids, linked_entity_count=linked_count,
                                               max_linked_per_entity=10)
    outcome = await ask("query", lambda t: backends.query.BatchGetEntities(request, timeout=t), budget.left())
    return outcome.answer


def _linked_of(related_set: Any) -> Linked:
    """The entities one link away and the links, from a RelatedSet."""
    return [r.entity for r in related_set.related], list(related_set.links)
