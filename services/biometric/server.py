"""Wiring of the biometric server: proto to domain and back, around BiometricCore.

With ICORE_BIOMETRIC_SHARD_COUNT > 1 the server is one shard: it indexes and
accepts only its own templates, and every answer is about its part
(services/biometric/shards.py is the callers' side, which fans out and merges).

Blocking work (writes, verify, stats) runs in worker threads; Identify goes
through the core's micro-batcher, which scans off the event loop, so health
checks and other calls never wait behind a scan.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc

from icore.biometric.v1 import biometric_service_pb2 as pb
from icore.biometric.v1 import biometric_service_pb2_grpc as pb_grpc
from icore.biometric.v1 import template_pb2
from icore.uim.v1 import biometrics_pb2
from services.biometric import config as biometric_config
from services.biometric.config import Modality, Shard
from services.biometric.core import BiometricCore, EnrollResult
from services.biometric.engine import IdentifyQuery
from services.biometric.templates import Candidate, Template
from services.bootstrap.audit import DELETE, MATCH, WRITE, AuditLog
from services.bootstrap.database import open_database
from services.bootstrap.errors import FieldErrors, FieldViolation, InvalidArgumentError
from services.bootstrap.identity import require_caller
from services.bootstrap.server import IcoreServer, Registration
from services.bootstrap.settings import Settings
from services.uim.access import Policy
from services.uim.biometrics import sample_vector

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["BiometricService"].full_name
MODALITIES = {biometrics_pb2.MODALITY_FACE: Modality.FACE, biometrics_pb2.MODALITY_FINGERPRINT: Modality.FINGERPRINT,
              biometrics_pb2.MODALITY_IRIS: Modality.IRIS}
PROTO_MODALITY = {m: p for p, m in MODALITIES.items()}
MAX_BATCH = 1000
MAX_REPORTED_ERRORS = 1000


def _modality(value: biometrics_pb2.Modality, field: str, errors: FieldErrors) -> Modality | None:
    errors.check(value in MODALITIES, field, "required: MODALITY_FACE, MODALITY_FINGERPRINT or MODALITY_IRIS")
    return MODALITIES.get(value)


def to_template(message: template_pb2.Template, owner: str, errors: FieldErrors, path: str) -> Template | None:
    """A domain template from the proto; the data owner is the caller, never the request.
    (Runs for every template of a bulk load: each proto field is read once.)"""
    sample = message.sample
    where = f"{path}.sample" if path else "sample"
    modality = _modality(sample.modality, f"{where}.modality", errors)
    vector = sample_vector(sample, errors, where)
    if modality is None or vector is None:
        return None
    return Template(message.template_id, message.subject_id, modality, vector, frozenset(message.watchlists),
                    owner, Policy.from_proto(message.access_policy), sample.quality)


def to_candidate(candidate: Candidate) -> template_pb2.Candidate:
    return template_pb2.Candidate(template_id=candidate.template_id, subject_id=candidate.subject_id,
                                  score=candidate.score, watchlists=list(candidate.watchlists),
                                  data_owner=candidate.data_owner)


def _prefixed(error: InvalidArgumentError, path: str) -> InvalidArgumentError:
    return InvalidArgumentError([FieldViolation(f"{path}.{v.field}", v.description) for v in error.violations])


class BiometricServicer(pb_grpc.BiometricServiceServicer):
    def __init__(self, core: BiometricCore, audit: AuditLog) -> None:
        self._core, self._audit = core, audit

    async def Enroll(self, request: pb.EnrollRequest, context: grpc.aio.ServicerContext) -> pb.EnrollResponse:
        caller = require_caller()
        errors = FieldErrors()
        template = to_template(request.template, caller.country, errors, "template")
        errors.raise_if_any()
        assert template is not None
        try:
            created = await asyncio.to_thread(self._core.enroll_one, template)
        except InvalidArgumentError as error:
            raise _prefixed(error, "template") from None
        self._audit.record(WRITE, [(template.template_id, caller.country)])
        stored = template_pb2.Template()
        stored.CopyFrom(request.template)
        stored.ClearField("sample")
        stored.sample.modality, stored.sample.quality = request.template.sample.modality, template.quality
        stored.data_owner = caller.country
        stored.update_time.GetCurrentTime()
        return pb.EnrollResponse(template=stored, created=created)

    async def EnrollStream(self, request_iterator: AsyncIterator[pb.EnrollStreamRequest],
                           context: grpc.aio.ServicerContext) -> pb.EnrollStreamResponse:
        caller = require_caller()
        reply, offset = pb.EnrollStreamResponse(), 0
        async for request in request_iterator:
            batch, positions = self._convert(request, offset, caller.country, reply)
            offset += len(request.templates)
            if batch:
                result = await asyncio.to_thread(self._core.enroll, batch)
                self._stored(reply, result, positions, caller.country)
        return reply

    def _convert(self, request: pb.EnrollStreamRequest, offset: int, owner: str,
                 reply: pb.EnrollStreamResponse) -> tuple[list[Template], list[int]]:
        """One message's valid templates and their positions in the stream; the rest rejected."""
        batch: list[Template] = []
        positions: list[int] = []
        for i, message in enumerate(request.templates[:MAX_BATCH]):
            errors = FieldErrors()
            template = to_template(message, owner, errors, "")
            if template is None:
                self._reject(reply, offset + i, message.template_id, errors.violations[0])
            else:
                batch.append(template)
                positions.append(offset + i)
        for i, message in enumerate(request.templates[MAX_BATCH:], start=MAX_BATCH):
            self._reject(reply, offset + i, message.template_id,
                         FieldViolation("templates", f"at most {MAX_BATCH} templates per message"))
        return batch, positions

    def _stored(self, reply: pb.EnrollStreamResponse, result: EnrollResult, positions: list[int],
                owner: str) -> None:
        reply.enrolled_count += len(result.enrolled)
        counted: set[int] = set()
        for rejection in result.rejected:  # one per bad field: a template is counted once
            self._reject(reply, positions[rejection.index], rejection.template_id,
                         FieldViolation(rejection.field, rejection.reason), count=rejection.index not in counted)
            counted.add(rejection.index)
        self._audit.record(WRITE, [(t.template_id, owner) for t, _ in result.enrolled])

    @staticmethod
    def _reject(reply: pb.EnrollStreamResponse, index: int, template_id: str, violation: FieldViolation,
                count: bool = True) -> None:
        reply.rejected_count += count
        if len(reply.errors) < MAX_REPORTED_ERRORS:
            reply.errors.add(index=index, template_id=template_id, field=violation.field,
                             description=violation.description)

    async def DeleteTemplate(self, request: pb.DeleteTemplateRequest,
                             context: grpc.aio.ServicerContext) -> pb.DeleteTemplateResponse:
        caller = require_caller()
        errors = FieldErrors()
        errors.check(bool(request.template_id), "template_id", "required")
        errors.raise_if_any()
        await asyncio.to_thread(self._core.delete_template, request.template_id, caller.country)
        self._audit.record(DELETE, [(request.template_id, caller.country)])
        return pb.DeleteTemplateResponse(template_id=request.template_id)

    async def DeleteSubject(self, request: pb.DeleteSubjectRequest,
                            context: grpc.aio.ServicerContext) -> pb.DeleteSubjectResponse:
        caller = require_caller()
        errors = FieldErrors()
        errors.check(bool(request.subject_id), "subject_id", "required")
        errors.raise_if_any()
        deleted = await asyncio.to_thread(self._core.delete_subject, request.subject_id, caller.country)
        self._audit.record(DELETE, [(f"subject:{request.subject_id}", caller.country)])
        return pb.DeleteSubjectResponse(deleted_count=deleted)

    async def Identify(self, request: pb.IdentifyRequest, context: grpc.aio.ServicerContext) -> pb.IdentifyResponse:
        caller = require_caller()
        errors = FieldErrors()
        modality = _modality(request.probe.modality, "probe.modality", errors)
        probe = sample_vector(request.probe, errors, "probe")
        errors.check(0 <= request.top_k <= 100, "top_k", "must be 0 (meaning 10) to 100")
        errors.check(-1.0 <= request.min_score <= 1.0, "min_score", "must be -1 to 1")
        errors.raise_if_any()
        assert modality is not None and probe is not None
        query = IdentifyQuery(probe=probe, modality=modality,
                              top_k=request.top_k or 10, min_score=request.min_score or None,
                              watchlists=tuple(request.watchlists), country=caller.country)
        candidates = await self._core.identify(query)  # its field errors already say "probe.…"
        self._audit.record(MATCH, [(c.template_id, c.data_owner) for c in candidates])
        return pb.IdentifyResponse(candidates=[to_candidate(c) for c in candidates])

    async def Verify(self, request: pb.VerifyRequest, context: grpc.aio.ServicerContext) -> pb.VerifyResponse:
        caller = require_caller()
        errors = FieldErrors()
        modality = _modality(request.probe.modality, "probe.modality", errors)
        probe = sample_vector(request.probe, errors, "probe")
        errors.check(bool(request.subject_id), "subject_id", "required")
        errors.raise_if_any()
        assert modality is not None and probe is not None
        result = await asyncio.to_thread(self._core.verify, probe,
                                         request.subject_id, modality, caller.country)
        return pb.VerifyResponse(match=result.match, best_score=result.best_score,
                                 best_template_id=result.best_template_id, threshold=result.threshold)

    async def GetStats(self, request: pb.GetStatsRequest, context: grpc.aio.ServicerContext) -> pb.GetStatsResponse:
        stats = await asyncio.to_thread(self._core.stats)
        return pb.GetStatsResponse(
            modalities=[pb.ModalityStats(modality=PROTO_MODALITY[m.modality], dimension=m.dimension,
                                         template_count=m.template_count, index_kind=m.index_kind,
                                         memory_bytes=m.memory_bytes, verify_threshold=m.verify_threshold)
                        for m in stats.modalities],
            watchlists=[pb.WatchlistStats(watchlist=name, template_count=count)
                        for name, count in sorted(stats.watchlists.items())],
        )


async def create_server(settings: Settings) -> IcoreServer:
    database = await asyncio.to_thread(open_database, settings.resolved_database_url, "biometric")
    config = biometric_config.from_env(data_dir=settings.data_dir)
    shard = Shard(settings.biometric_shard_index, settings.biometric_shard_count)
    core = await asyncio.to_thread(BiometricCore.open, config, database, shard)
    audit = AuditLog(database, "biometric")

    async def close() -> None:
        """Snapshot the gallery, so that the next start replays nothing."""
        await asyncio.to_thread(core.save_snapshot)
        await asyncio.to_thread(core.close)
        database.dispose()

    servicer = BiometricServicer(core, audit)
    registration = Registration(SERVICE_NAME, pb_grpc.add_BiometricServiceServicer_to_server, servicer)
    return IcoreServer(settings, [registration], closers=[close], audit=audit)
