"""Cross-check on arrival: every person, organization and identity document in
a message is looked up in the unified repository, and every biometric
template in the watch lists, so that the sender and the recipients learn
what the hub already knows without retyping anything.

Each reader (the sender and each recipient) may see different records, so
the backends are asked on behalf of each reader and every hit remembers who
was shown it; a reader is later given only its own hits. A backend that is
down, or not built yet, leaves the check PENDING: delivery goes on, and
`CrossCheckWorker` retries with a growing pause until every call succeeded.

No grpc here: the backends are reached through the `Backends` protocol
(services.messaging.backends adapts the gRPC stubs to it).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog

from icore.biometric.v1 import biometric_service_pb2 as biometric_pb
from icore.messaging.v1 import message_pb2 as pb
from icore.query.v1 import query_service_pb2 as query_pb
from icore.uim.v1 import entity_pb2
from services.uim.access import may_see
from services.uim.names import written_name

log = structlog.get_logger(__name__)

#: Repository hits scoring below this are noise, not leads.
QUERY_MIN_SCORE = 0.7
#: Candidates asked for per probe.
TOP_HITS = 5
QUERY, BIOMETRIC = "query", "biometric"


class BackendUnavailable(Exception):
    """The backend could not answer now (down, overloaded, not built yet): retry later."""


class BackendRejected(Exception):
    """The backend refused this probe for good (e.g. a template of the wrong
    dimension): retrying cannot help, so the probe counts as checked."""


class Backends(Protocol):
    """The repository and the watch lists, asked on behalf of one country."""

    async def search(self, country: str, request: query_pb.SearchRequest) -> query_pb.SearchResponse: ...

    async def identify(self, country: str, request: biometric_pb.IdentifyRequest) -> biometric_pb.IdentifyResponse: ...

    async def verify_thresholds(self, country: str) -> dict[int, float]:
        """The decision threshold of each modality, from the biometric service."""
        ...


@dataclass(frozen=True)
class Probe:
    """One thing in a message to look up: a search or an identification."""

    entity_id: str
    search: query_pb.SearchRequest | None = None
    identify: biometric_pb.IdentifyRequest | None = None


def _primary_name(entity: entity_pb2.Entity) -> str:
    for name in entity.person.names:
        text = written_name(name)
        if text:
            return text
    return ""


def probes(message: pb.Message) -> list[Probe]:
    """What to look up for a message: each person by name (and date of birth),
    each of their documents by number, each organization by name, and each
    biometric template."""
    found: list[Probe] = []
    for entity in message.content.entities:
        if entity.HasField("person"):
            name = _primary_name(entity)
            if name:
                search = query_pb.SearchRequest(name=name, entity_kinds=[entity_pb2.ENTITY_KIND_PERSON],
                                                page_size=TOP_HITS)
                if entity.person.HasField("date_of_birth"):
                    search.date_of_birth.CopyFrom(entity.person.date_of_birth)
                    search.date_of_birth_tolerance_years = 1
                found.append(Probe(entity.id, search=search))
            for document in entity.person.documents:
                found.append(Probe(entity.id, search=query_pb.SearchRequest(
                    document_number=document.number[:50], page_size=TOP_HITS)))
        elif entity.HasField("organization"):
            names = [n for n in entity.organization.names if n.strip()]
            if names:
                found.append(Probe(entity.id, search=query_pb.SearchRequest(
                    name=names[0][:300], entity_kinds=[entity_pb2.ENTITY_KIND_ORGANIZATION], page_size=TOP_HITS)))
    for i, attachment in enumerate(message.attachments):
        if attachment.HasField("biometric"):
            biometric = attachment.biometric
            found.append(Probe(biometric.subject_entity_id or f"attachment:{i}",
                               identify=biometric_pb.IdentifyRequest(probe=biometric.sample, top_k=TOP_HITS)))
    return found


@dataclass
class Hit:
    """A hit and the readers it was shown to."""

    entity_id: str
    backend: str
    record_id: str
    score: float
    explanation: str
    watchlists: tuple[str, ...] = ()
    readers: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str, str, str]:
        return self.entity_id, self.backend, self.record_id

    def to_proto(self) -> pb.CrossCheckHit:
        return pb.CrossCheckHit(message_entity_id=self.entity_id, backend=self.backend, record_id=self.record_id,
                                score=self.score, explanation=self.explanation, watchlists=self.watchlists)

    def to_json(self) -> dict[str, Any]:
        return {"e": self.entity_id, "b": self.backend, "r": self.record_id, "s": self.score,
                "x": self.explanation, "w": list(self.watchlists), "v": sorted(self.readers)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Hit:
        return cls(data["e"], data["b"], data["r"], float(data["s"]), data["x"], tuple(data["w"]), set(data["v"]))


def hits_for(hits: Iterable[Hit], reader: str) -> list[pb.CrossCheckHit]:
    """The hits `reader` was shown, best first."""
    return [h.to_proto() for h in sorted(hits, key=lambda h: (-h.score, h.key)) if reader in h.readers]


@dataclass
class Outcome:
    """The result of one attempt: the hits so far, and whether every call succeeded."""

    hits: list[Hit]
    complete: bool
    error: str = ""


async def check_message(message: pb.Message, readers: Iterable[str], backends: Backends,
                        concurrency: int = 8) -> Outcome:
    """Ask the backends about every probe of `message` on behalf of each reader."""
    found: dict[tuple[str, str, str], Hit] = {}
    failures: list[str] = []
    gate = asyncio.Semaphore(concurrency)
    all_probes = probes(message)
    thresholds: dict[str, dict[int, float]] = {}

    def keep(hit: Hit, reader: str) -> None:
        known = found.setdefault(hit.key, hit)
        known.score = max(known.score, hit.score)
        known.readers.add(reader)

    down: set[str] = set()  # backends that failed in this attempt: not asked again

    async def one(probe: Probe, reader: str) -> None:
        backend = QUERY if probe.search is not None else BIOMETRIC
        async with gate:
            if backend in down:
                return
            try:
                if probe.search is not None:
                    response = await backends.search(reader, probe.search)
                    for hit in _query_hits(probe.entity_id, response, reader):
                        keep(hit, reader)
                elif probe.identify is not None:
                    if reader not in thresholds:
                        thresholds[reader] = await backends.verify_thresholds(reader)
                    response_ = await backends.identify(reader, probe.identify)
                    threshold = thresholds[reader].get(probe.identify.probe.modality, 1.0)
                    for hit in _biometric_hits(probe.entity_id, response_, threshold):
                        keep(hit, reader)
            except BackendUnavailable as exc:
                down.add(backend)
                failures.append(str(exc))
            except BackendRejected as exc:
                log.warning("cross_check_probe_rejected", entity_id=probe.entity_id, reader=reader, reason=str(exc))

    await asyncio.gather(*(one(probe, reader) for probe in all_probes for reader in sorted(set(readers))))
    return Outcome(list(found.values()), complete=not failures, error=failures[0] if failures else "")


def _query_hits(entity_id: str, response: query_pb.SearchResponse, reader: str) -> list[Hit]:
    hits = []
    for hit in response.hits:
        entity = hit.entity
        # The repository already filters for the reader; checking again costs
        # nothing and keeps a misbehaving backend from widening what it sees.
        if hit.score < QUERY_MIN_SCORE or not may_see(entity.access_policy, entity.provenance.data_owner, reader):
            continue
        explanation = "; ".join(f"{e.criterion}: {e.detail}" if e.detail else e.criterion
                                for e in hit.explanations) or "repository match"
        hits.append(Hit(entity_id, QUERY, entity.id, round(hit.score, 4), explanation))
    return hits


def _biometric_hits(entity_id: str, response: biometric_pb.IdentifyResponse, threshold: float) -> list[Hit]:
    return [Hit(entity_id, BIOMETRIC, c.template_id, round(float(c.score), 4),
                f"biometric match of subject {c.subject_id}, score {c.score:.3f} (threshold {threshold:.3f})",
                tuple(c.watchlists))
            for c in response.candidates if c.score >= threshold]


@dataclass(frozen=True)
class DueCheck:
    """A pending check a worker has claimed: the message and who reads it."""

    message: pb.Message
    readers: tuple[str, ...]
    attempts: int


class CheckStore(Protocol):
    """What the worker needs from storage (services.messaging.storage)."""

    def claim_due_checks(self, now: dt.datetime, lease: dt.timedelta, limit: int) -> list[DueCheck]: ...

    def save_check(self, message_id: str, outcome: Outcome, now: dt.datetime,
                   next_attempt: dt.datetime | None) -> None: ...

    def next_check_time(self) -> dt.datetime | None: ...


Run = Callable[..., Awaitable[Any]]


class CrossCheckWorker:
    """Runs pending checks in the background: at once for a new message, then
    with a doubling pause while a backend stays down. While one is down the
    worker itself pauses too (a circuit breaker), so that an outage costs one
    small batch of calls per pause, not a failed call per message sent.
    Several replicas may each run one: a claimed check is leased, so only one
    works on it."""

    def __init__(self, store: CheckStore, run: Run, backends: Backends, *, retry_s: float, max_retry_s: float,
                 concurrency: int, clock: Callable[[], dt.datetime], lease_s: float = 120.0,
                 batch: int = 16) -> None:
        self._store, self._run, self._backends = store, run, backends
        self._retry_s, self._max_retry_s, self._concurrency = retry_s, max_retry_s, concurrency
        self._clock, self._lease, self._batch = clock, dt.timedelta(seconds=lease_s), batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        #: Consecutive rounds in which a backend was down, and when to try again.
        self._outages = 0
        self._resume_at: dt.datetime | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="cross-check")

    def wake(self) -> None:
        """A message was stored: look for due checks now (unless a backend is down)."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def pause_after(self, attempts: int) -> dt.timedelta:
        """Wait before attempt `attempts + 1`: retry_s, doubling, at most max_retry_s."""
        return dt.timedelta(seconds=min(self._max_retry_s, self._retry_s * 2 ** max(0, attempts - 1)))

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            if self._resume_at is not None and (pause := (self._resume_at - self._clock()).total_seconds()) > 0:
                await asyncio.sleep(pause)
                continue
            next_time = None
            try:
                due = await self._run(self._store.claim_due_checks, self._clock(), self._lease, self._batch)
                if due:
                    complete = await asyncio.gather(*(self._check(item) for item in due))
                    self._outages = 0 if all(complete) else self._outages + 1
                    self._resume_at = self._clock() + self.pause_after(self._outages) if self._outages else None
                    continue
                next_time = await self._run(self._store.next_check_time)
            except Exception:  # noqa: BLE001 - the database may be briefly away; keep the worker alive
                log.exception("cross_check_worker_failed")
            wait = self._max_retry_s if next_time is None else (next_time - self._clock()).total_seconds()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.01, min(wait, self._max_retry_s)))

    async def _check(self, item: DueCheck) -> bool:
        outcome = await check_message(item.message, item.readers, self._backends, self._concurrency)
        now = self._clock()
        next_attempt = None if outcome.complete else now + self.pause_after(item.attempts)
        if not outcome.complete:
            log.info("cross_check_pending", message_id=item.message.id, attempts=item.attempts, error=outcome.error)
        await self._run(self._store.save_check, item.message.id, outcome, now, next_attempt)
        return outcome.complete
