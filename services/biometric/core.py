"""The biometric core as the server uses it: the database as record of truth,
the in-memory engine kept in step with it, snapshots, and batched identify.

Writes go to the database first and to the engine after the commit, one at a
time, so the engine never holds what the database lacks and the change
sequence numbers are applied in order. A restart loads the current snapshot
and replays the database's changes after its sequence number; without a
snapshot it replays everything.

A core may be one shard of several (config.Shard): it then indexes, accepts
and snapshots only the templates whose id hashes to it, from a database all
shards share; N = 1, the default, is one core holding everything.

Blocking methods (enrol, delete, verify, stats, snapshot) are meant to be
called from a worker thread (`asyncio.to_thread`); `identify` is a coroutine
that batches concurrent probes on the engine's own worker thread.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import structlog
from sqlalchemy.engine import Engine

from services.biometric import snapshot
from services.biometric.batcher import MicroBatcher
from services.biometric.config import WHOLE, BiometricConfig, Modality, Shard, shard_of
from services.biometric.engine import BiometricEngine, IdentifyQuery, Stats
from services.biometric.storage import Change, TemplateStore, create_schema
from services.biometric.templates import Candidate, Rejection, Template, Vector, Verification, validate_templates
from services.biometric.watchlist import MAX_WATCHLISTS
from services.bootstrap.database import WalCheckpointer
from services.bootstrap.errors import (
    FailedPreconditionError,
    FieldViolation,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
)
from services.uim.access import may_see

log = structlog.get_logger(__name__)

REPLAY_BATCH = 10_000


@dataclass
class EnrollResult:
    """What a bulk enrolment did: per stored template whether it was new, and the refusals."""

    enrolled: list[tuple[Template, bool]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


@dataclass
class StreamResult:
    """What an EnrollStream did: counts, and the refusals with their index in
    the whole stream (the templates themselves are not kept: a million of them
    would hold another 2 GB)."""

    enrolled_count: int = 0
    created_count: int = 0
    rejected: list[Rejection] = field(default_factory=list)


def replay(engine: BiometricEngine, changes: Iterable[Change]) -> int:
    """Apply stored changes in order, enrolments in batches; returns how many.
    Templates that no longer fit the settings (a modality dropped or its
    dimension changed) are skipped and counted in the log."""
    pending: list[Template] = []
    last = 0
    count = 0
    unfit = 0

    def flush() -> None:
        if pending:
            engine.enroll(pending, seq=last)
            pending.clear()

    for change in changes:
        count += 1
        if change.template is None:
            flush()
            engine.remove([change.template_id], seq=change.seq)
        elif engine.dimensions.get(change.template.modality) != change.template.vector.shape[0]:
            unfit += 1
            engine.remove([change.template_id], seq=change.seq)
        else:
            pending.append(change.template)
            last = change.seq
            if len(pending) >= REPLAY_BATCH:
                flush()
    flush()
    if unfit:
        log.warning("templates_unfit_for_settings", skipped=unfit)
    return count


def _holds(shard: Shard) -> Callable[[str], bool] | None:
    """The filter of a shard's own templates; None (everything) for one shard."""
    return shard.holds if shard.count > 1 else None


class BiometricCore:
    """Enrol, delete, identify, verify and stats over a persisted gallery."""

    def __init__(self, config: BiometricConfig, engine: BiometricEngine, store: TemplateStore,
                 shard: Shard = WHOLE) -> None:
        self.config = config
        self.engine = engine
        self.store = store
        self.shard = shard
        self.batcher: MicroBatcher[IdentifyQuery, list[Candidate]] = MicroBatcher(
            engine.identify_many, config.max_batch)
        #: Changes replayed from the database when the core was opened.
        self.replayed = 0
        self._write = threading.Lock()
        self._since_snapshot = 0
        self._snapshotting = threading.Lock()
        self._snapshot_thread: threading.Thread | None = None
        #: SQLite checkpoints off the enrolments' path (set by `open`).
        self._checkpoints: WalCheckpointer | None = None

    @classmethod
    def open(cls, config: BiometricConfig, database: Engine, shard: Shard = WHOLE) -> BiometricCore:
        """Load the current snapshot (if any, and only one made for this shard)
        and replay the database's changes to this shard's templates after it."""
        create_schema(database)
        store = TemplateStore(database)
        engine = snapshot.load(config, config.snapshot_dir, shard) if config.snapshot_dir else None
        if engine is not None and engine.applied_seq > store.last_seq():
            # The database is behind the snapshot (replaced or restored): it is
            # the record of truth, so the snapshot is not used.
            log.warning("snapshot_ahead_of_database", snapshot_seq=engine.applied_seq, database_seq=store.last_seq())
            engine.close()
            engine = None
        engine = engine or BiometricEngine(config)
        replayed = replay(engine, store.changes_since(engine.applied_seq, _holds(shard)))
        log.info("biometric_core_opened", seq=engine.applied_seq, replayed=replayed, shard=shard.index,
                 shard_count=shard.count, templates={m.value: g.live for m, g in engine.galleries.items()})
        core = cls(config, engine, store, shard)
        core.replayed = core._since_snapshot = replayed
        core._checkpoints = WalCheckpointer(database)
        store.warm_up()  # after the checkpointer has emptied the connection pool
        # The loaded gallery lives as long as the process: a full collection
        # need not walk its million-entry maps again (54 ms a time at 1M).
        gc.freeze()
        return core

    def close(self) -> None:
        if self._snapshot_thread is not None:
            self._snapshot_thread.join()
        if self._checkpoints is not None:
            self._checkpoints.close()
        self.batcher.close()
        self.engine.close()

    # -- writes ---------------------------------------------------------------

    def enroll(self, templates: Sequence[Template]) -> EnrollResult:
        """Validate, persist and index templates; a bad one is refused alone.
        A template id enrolled by another data owner is refused, not replaced,
        and so is a template of another shard (nothing of it is written)."""
        valid, rejected = validate_templates(templates, self.engine.dimensions)
        if self.shard.count > 1:
            theirs = [(i, t) for i, t in valid if not self.shard.holds(t.template_id)]
            if theirs:
                valid = [(i, t) for i, t in valid if self.shard.holds(t.template_id)]
                rejected = rejected + [Rejection(i, t.template_id, "template_id", self._elsewhere(t.template_id))
                                       for i, t in theirs]
        return self._store(valid, rejected)

    def _elsewhere(self, template_id: str) -> str:
        home = shard_of(template_id, self.shard.count)
        return f"belongs to biometric shard {home} of {self.shard.count}; this server is {self.shard}"

    def enroll_stream(self, batches: Iterable[Sequence[Template]]) -> StreamResult:
        """A bulk load of many batches (EnrollStream), in order, rejection
        indexes counted over the whole stream. (Validating the next batch on a
        second thread while one is written measured slower on 2 cores.)"""
        total = StreamResult()
        offset = 0
        for batch in batches:
            part = self.enroll(batch)
            total.enrolled_count += len(part.enrolled)
            total.created_count += sum(created for _, created in part.enrolled)
            total.rejected.extend(replace(r, index=r.index + offset) for r in part.rejected)
            offset += len(batch)
        return total

    def _store(self, valid: list[tuple[int, Template]], rejected: list[Rejection]) -> EnrollResult:
        result = EnrollResult(rejected=rejected)
        with self._write:
            accepted = []
            owners = self.engine.owners_of([template.template_id for _, template in valid])
            fits: dict[frozenset[str], bool] = {}  # templates of a bulk load share few combinations
            for i, template in valid:
                owner = owners.get(template.template_id)
                if owner is not None and owner != template.data_owner:
                    result.rejected.append(Rejection(i, template.template_id, "template_id",
                                                     "enrolled by another data owner"))
                elif not self._watchlists_fit(template.watchlists, fits):
                    result.rejected.append(Rejection(i, template.template_id, "watchlists",
                                                     f"the service holds at most {MAX_WATCHLISTS} watch lists"))
                else:
                    accepted.append(template)
            if accepted:
                seq = self.store.upsert(accepted)
                created = self.engine.enroll(accepted, seq=seq)
                result.enrolled = list(zip(accepted, created, strict=True))
        result.rejected.sort(key=lambda r: r.index)
        self._changed(len(accepted))
        return result

    def _watchlists_fit(self, names: frozenset[str], known: dict[frozenset[str], bool]) -> bool:
        """Whether `names` have (or now get) watch-list bits; `known` remembers
        the answers of this batch (bits are only ever added, so they hold)."""
        fit = known.get(names)
        if fit is None:
            fit = known[names] = self.engine.watchlists.room_for(names)
            if fit:
                self.engine.watchlists.assign(sorted(names))
        return fit

    def enroll_one(self, template: Template) -> bool:
        """Enrol one template; returns whether it was new. Raises the field error."""
        result = self.enroll([template])
        if result.rejected:
            first = result.rejected[0]
            if first.reason == "enrolled by another data owner":
                raise PermissionDeniedError(f"template {template.template_id!r} is {first.reason}")
            if self.shard.count > 1 and first.reason == self._elsewhere(template.template_id):
                # Not the caller's mistake in the request: it was sent to the wrong server.
                raise FailedPreconditionError(f"template {template.template_id!r} {first.reason}")
            raise InvalidArgumentError([FieldViolation(r.field, r.reason) for r in result.rejected])
        return result.enrolled[0][1]

    def delete_template(self, template_id: str, country: str) -> None:
        """Delete one of the caller's templates. NotFound when the caller cannot
        see it; PermissionDenied when it sees it but does not own it."""
        with self._write:
            found = self.engine.get(template_id)
            if found is None or not may_see(found.policy, found.data_owner, country):
                raise NotFoundError(f"template {template_id!r} not found")
            if found.data_owner != country:
                raise PermissionDeniedError(f"template {template_id!r} belongs to {found.data_owner}")
            seq = self.store.delete([template_id])
            self.engine.remove([template_id], seq=seq)
        self._changed(1)

    def delete_subject(self, subject_id: str, country: str) -> int:
        """Delete the caller's templates of a subject; returns how many."""
        with self._write:
            templates = self.engine.subject_templates(subject_id)
            owned = [t for t, _, owner in templates if owner == country]
            if not owned:
                if any(may_see(policy, owner, country) for _, policy, owner in templates):
                    raise PermissionDeniedError(f"subject {subject_id!r} has no templates of {country}")
                raise NotFoundError(f"subject {subject_id!r} not found")
            seq = self.store.delete(owned)
            self.engine.remove(owned, seq=seq)
        self._changed(len(owned))
        return len(owned)

    # -- reads ----------------------------------------------------------------

    async def identify(self, query: IdentifyQuery) -> list[Candidate]:
        """1:N, batched with concurrent probes off the event loop."""
        return await self.batcher.submit(query)

    def verify(self, probe: Sequence[float] | Vector, subject_id: str, modality: Modality,
               country: str) -> Verification:
        return self.engine.verify(probe, subject_id, modality, country)

    def stats(self) -> Stats:
        return self.engine.stats()

    # -- snapshots ------------------------------------------------------------

    def save_snapshot(self) -> Path | None:
        """Write a snapshot now (None without a snapshot directory) and forget
        the deletions it reflects."""
        if self.config.snapshot_dir is None:
            return None
        with self._snapshotting:
            since = self._since_snapshot
            saved = snapshot.save(self.engine, self.config.snapshot_dir, self.shard)
            self._since_snapshot -= since
            self.store.prune_deletions(saved.seq, _holds(self.shard))
            return saved.path

    def _changed(self, count: int) -> None:
        self._since_snapshot += count
        every = self.config.snapshot_every
        if not every or self.config.snapshot_dir is None or self._since_snapshot < every:
            return
        if self._snapshot_thread is None or not self._snapshot_thread.is_alive():
            self._snapshot_thread = threading.Thread(target=self.save_snapshot, name="biometric-snapshot",
                                                     daemon=True)
            self._snapshot_thread.start()
