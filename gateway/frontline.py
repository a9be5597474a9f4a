"""FrontlineCheck: what a border or field officer's device asks — is this
person on a watch list? — answered from biometrics and documents together.

The decision (`decide`) is pure: a biometric score at or above the modality's
threshold, or an exact match on a document reported stolen, lost or revoked
(its number, and its issuing country when both say one), whatever name the
traveller gives, is a HIT; a score within `POSSIBLE_MARGIN` below the
threshold, or a strong biographic match, is a POSSIBLE_MATCH an officer must
confirm; anything else is NO_HIT. A hit among the biometric shards that
answered is a hit even when another shard did not answer; a NO_HIT then comes
with the biometric status saying which shard is missing. What the officer
should do comes from the record's own handling instructions, else from the
notice behind the watch list.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from gateway.backends import Backends, Outcome, ask, skipped
from gateway.deadlines import Budget
from icore.biometric.v1 import biometric_service_pb2 as biometric_pb
from icore.gateway.v1 import gateway_service_pb2 as pb
from icore.query.v1 import query_service_pb2 as query_pb
from icore.uim.v1 import biometrics_pb2, entity_pb2, notices_pb2
from services.bootstrap.errors import FieldErrors
from services.query.identifiers import is_record_id
from services.uim.biometrics import has_vector
from services.uim.names import normalise_document_number
from services.uim.validation import check_code

#: Below the biometric threshold by at most this, a candidate is a possible match.
POSSIBLE_MARGIN = 0.10
#: A biographic score (name, date of birth, document) from which an officer
#: should look closer.
BIOGRAPHIC_POSSIBLE = 0.85
#: Threshold used until the biometric service has told its own.
FALLBACK_THRESHOLD = 0.6
#: How long the biometric service's thresholds are trusted before asking again.
THRESHOLD_TTL_S = 60.0
#: Records read for the holders of a checked document number (several agencies
#: may record one passport).
MAX_DOCUMENT_HOLDERS = 10

#: Watch lists are named after the notice or diffusion they carry.
NOTICE_OF_WATCHLIST = {
    "red_notices": notices_pb2.NOTICE_TYPE_RED,
    "wanted_persons": notices_pb2.NOTICE_TYPE_RED,
    "yellow_notices": notices_pb2.NOTICE_TYPE_YELLOW,
    "missing_persons": notices_pb2.NOTICE_TYPE_YELLOW,
    "blue_notices": notices_pb2.NOTICE_TYPE_BLUE,
    "black_notices": notices_pb2.NOTICE_TYPE_BLACK,
    "green_notices": notices_pb2.NOTICE_TYPE_GREEN,
    "orange_notices": notices_pb2.NOTICE_TYPE_ORANGE,
    "un_security_council_sanctions": notices_pb2.NOTICE_TYPE_UN_SECURITY_COUNCIL_SPECIAL,
}

INSTRUCTIONS = {
    notices_pb2.NOTICE_TYPE_RED: "Wanted person: detain if national law allows, do not alert the person, "
                                 "and contact your National Central Bureau at once.",
    notices_pb2.NOTICE_TYPE_YELLOW: "Missing person: ensure the person's safety, do not release them to "
                                    "companions, and contact your National Central Bureau.",
    notices_pb2.NOTICE_TYPE_BLUE: "Person of interest: record the encounter (place, time, companions, "
                                  "travel) and report it to your National Central Bureau; no arrest.",
    notices_pb2.NOTICE_TYPE_GREEN: "Warning: the person is known for criminal activity; take care and "
                                   "report the encounter.",
    notices_pb2.NOTICE_TYPE_ORANGE: "Imminent threat: follow your service's threat procedure at once.",
    notices_pb2.NOTICE_TYPE_UN_SECURITY_COUNCIL_SPECIAL: "UN Security Council sanctions: apply the travel "
                                                         "ban or asset freeze and report.",
}
STOLEN_DOCUMENT = ("The document is reported stolen, lost or revoked: retain it, establish the holder's "
                   "identity, and contact your National Central Bureau.")
CONFIRM = "Possible match: confirm identity by secondary checks before acting; do not detain on this alone."


@dataclass
class Finding:
    """The evidence a decision rests on."""

    biometric_score: float = 0.0
    threshold: float = FALLBACK_THRESHOLD
    watchlists: tuple[str, ...] = ()
    subject_id: str = ""
    biographic_score: float = 0.0
    biographic_entity: entity_pb2.Entity | None = None
    invalid_document_match: bool = False
    #: The record holding the document reported invalid, whoever the name says.
    document_entity: entity_pb2.Entity | None = None


def decide(finding: Finding) -> pb.FrontlineOutcome:
    """HIT, POSSIBLE_MATCH or NO_HIT from the evidence."""
    if finding.subject_id and finding.biometric_score >= finding.threshold:
        return pb.FRONTLINE_OUTCOME_HIT
    if finding.invalid_document_match:
        return pb.FRONTLINE_OUTCOME_HIT
    if finding.subject_id and finding.biometric_score >= finding.threshold - POSSIBLE_MARGIN:
        return pb.FRONTLINE_OUTCOME_POSSIBLE_MATCH
    if finding.biographic_score >= BIOGRAPHIC_POSSIBLE:
        return pb.FRONTLINE_OUTCOME_POSSIBLE_MATCH
    return pb.FRONTLINE_OUTCOME_NO_HIT


def notice_for(watchlists: tuple[str, ...]) -> notices_pb2.NoticeType:
    """The gravest notice among the watch lists (red before yellow before …)."""
    notices = [NOTICE_OF_WATCHLIST[w] for w in watchlists if w in NOTICE_OF_WATCHLIST]
    return min(notices) if notices else notices_pb2.NOTICE_TYPE_UNSPECIFIED


def instruction_for(outcome: pb.FrontlineOutcome, notice: notices_pb2.NoticeType, person: entity_pb2.Entity | None,
                    stolen: bool) -> str:
    if outcome == pb.FRONTLINE_OUTCOME_NO_HIT:
        return ""
    if outcome == pb.FRONTLINE_OUTCOME_POSSIBLE_MATCH:
        return CONFIRM
    own = person.access_policy.handling_instructions if person is not None else ""
    if own:
        return own
    if notice in INSTRUCTIONS:
        return INSTRUCTIONS[notice]
    return STOLEN_DOCUMENT if stolen else CONFIRM


class Thresholds:
    """The biometric service's decision threshold per modality, cached."""

    def __init__(self) -> None:
        self._values: dict[int, float] = {}
        self._fetched = 0.0

    async def get(self, modality: int, backends: Backends, timeout: float) -> float:
        if time.monotonic() - self._fetched > THRESHOLD_TTL_S:
            outcome = await ask("biometric", lambda t: backends.biometric.GetStats(
                biometric_pb.GetStatsRequest(), timeout=t), timeout)
            if outcome.response is not None:  # every shard has the same thresholds
                self._values = {m.modality: m.verify_threshold for m in outcome.response.modalities}
                self._fetched = time.monotonic()
        return self._values.get(modality, FALLBACK_THRESHOLD)


def validate(request: pb.FrontlineCheckRequest, errors: FieldErrors) -> None:
    has_probe = request.HasField("probe")
    errors.check(has_probe or bool(request.document_number.strip()), "probe",
                 "give a biometric probe or a document number")
    if has_probe:
        errors.check(request.probe.modality != biometrics_pb2.MODALITY_UNSPECIFIED, "probe.modality", "required")
        errors.check(has_vector(request.probe), "probe.vector", "required")
    errors.check(len(request.document_number) <= 50, "document_number", "longer than 50 characters")
    check_code(errors, "countries", request.document_country, "document_country")
    errors.check(len(request.name) <= 300, "name", "longer than 300 characters")


async def frontline_check(request: pb.FrontlineCheckRequest, backends: Backends, budget: Budget,
                          thresholds: Thresholds) -> pb.FrontlineCheckResponse:
    errors = FieldErrors()
    validate(request, errors)
    errors.raise_if_any()
    identify, search, holders, threshold = await asyncio.gather(
        _identify(request, backends, budget), _search(request, backends, budget),
        _document_holders(request, backends, budget),
        thresholds.get(request.probe.modality, backends, budget.share(0.5)) if request.HasField("probe")
        else asyncio.sleep(0, FALLBACK_THRESHOLD),
    )
    finding = Finding(threshold=threshold)
    if identify.response is not None and identify.response.candidates:
        best = identify.response.candidates[0]
        finding.biometric_score, finding.subject_id = best.score, best.subject_id
        finding.watchlists = tuple(best.watchlists)
    if search.ok and search.response.hits:
        top = search.response.hits[0]
        finding.biographic_score, finding.biographic_entity = top.score, top.entity
    holders = holders if holders is not None else search
    if holders.ok:
        finding.document_entity = next((h.entity for h in holders.response.hits
                                        if _invalid_document(h.entity, request)), None)
        finding.invalid_document_match = finding.document_entity is not None
    outcome = decide(finding)
    person = await _person(finding, outcome, backends, budget)
    notice = notice_for(finding.watchlists)
    return pb.FrontlineCheckResponse(
        outcome=outcome, person=person, watchlists=finding.watchlists if outcome != pb.FRONTLINE_OUTCOME_NO_HIT else (),
        notice_type=notice if outcome != pb.FRONTLINE_OUTCOME_NO_HIT else notices_pb2.NOTICE_TYPE_UNSPECIFIED,
        biometric_score=finding.biometric_score, biographic_score=finding.biographic_score,
        handling_instruction=instruction_for(outcome, notice, person, finding.invalid_document_match),
        backend_statuses=[identify.status(), (search if holders.ok else holders).status()],
    )


def _invalid_document(entity: entity_pb2.Entity, request: pb.FrontlineCheckRequest) -> bool:
    """True when the record holds the checked document (the same number, issued
    by the same country when both say) and it is reported stolen, lost or revoked."""
    wanted = normalise_document_number(request.document_number) if request.document_number else ""
    issuer = request.document_country
    return bool(wanted) and any(
        d.reported_invalid and normalise_document_number(d.number) == wanted
        and (not issuer or not d.issuing_country or d.issuing_country == issuer)
        for d in entity.person.documents)


async def _identify(request: pb.FrontlineCheckRequest, backends: Backends, budget: Budget) -> Outcome[Any]:
    if not request.HasField("probe"):
        return skipped("biometric", "no biometric probe")
    identify = biometric_pb.IdentifyRequest(probe=request.probe, top_k=5)
    return await ask("biometric", lambda t: backends.biometric.Identify(identify, timeout=t), budget.share(0.7))


async def _search(request: pb.FrontlineCheckRequest, backends: Backends, budget: Budget) -> Outcome[Any]:
    if not (request.document_number.strip() or request.name.strip()):
        return skipped("query", "no document number or name")
    search = query_pb.SearchRequest(name=request.name, document_number=request.document_number,
                                    document_country=request.document_country,
                                    entity_kinds=[entity_pb2.ENTITY_KIND_PERSON], page_size=3)
    if request.HasField("date_of_birth"):
        search.date_of_birth.CopyFrom(request.date_of_birth)
    return await ask("query", lambda t: backends.query.Search(search, timeout=t), budget.share(0.7))


async def _document_holders(request: pb.FrontlineCheckRequest, backends: Backends,
                            budget: Budget) -> Outcome[Any] | None:
    """The records holding the document, by its number alone, when the name or
    date of birth would rank others first: a stolen passport is carried by
    someone else, and a namesake without documents outscores its holder on the
    name. None when the biographic search is already this one."""
    if not request.document_number.strip() or not (request.name.strip() or request.HasField("date_of_birth")):
        return None
    search = query_pb.SearchRequest(document_number=request.document_number,
                                    document_country=request.document_country,
                                    entity_kinds=[entity_pb2.ENTITY_KIND_PERSON], page_size=MAX_DOCUMENT_HOLDERS)
    return await ask("query", lambda t: backends.query.Search(search, timeout=t), budget.share(0.7))


async def _person(finding: Finding, outcome: pb.FrontlineOutcome, backends: Backends,
                  budget: Budget) -> entity_pb2.Entity | None:
    """The matched person's record: the biometric subject's, else the holder of
    the document reported invalid, else the biographic hit."""
    if outcome == pb.FRONTLINE_OUTCOME_NO_HIT:
        return None
    if finding.subject_id and finding.biometric_score >= finding.threshold - POSSIBLE_MARGIN:
        if finding.biographic_entity is not None and finding.biographic_entity.id == finding.subject_id:
            return finding.biographic_entity
        if not is_record_id(finding.subject_id):
            return None  # on the watch list only, with no repository record
        got = await ask("query", lambda t: backends.query.GetEntity(
            query_pb.GetEntityRequest(entity_id=finding.subject_id), timeout=t), budget.left())
        return got.answer.entity if got.answer is not None else None
    if finding.invalid_document_match:
        return finding.document_entity
    return finding.biographic_entity
