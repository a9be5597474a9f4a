"""The demo's watch lists and stolen passports, so that `icore up` shows 1:N
identification and the frontline check, not only text search.

One in WATCHLISTED_EVERY of the demo's person records that every member
country may see gets a face template on one of WATCHLISTS, enrolled by the
record's data owner with the record as its subject. The faces are synthetic:
a unit vector drawn from a generator seeded by the record's entity id
(`demo_face`), so a probe of any demo person can be made again anywhere;
`icore probe ENTITY_ID` prints a frontline check of one, with the noise of a
new photograph. One in STOLEN_EVERY of the recorded passports is reported
stolen. Both choices hash the entity id or the number: the same records on
every run, whatever the demo's size.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable

import grpc
import numpy as np

from icore.biometric.v1 import biometric_service_pb2 as biometric_pb
from icore.biometric.v1 import biometric_service_pb2_grpc as biometric_grpc
from icore.biometric.v1 import template_pb2
from icore.uim.v1 import access_pb2, biometrics_pb2, entity_pb2

FACE_DIMENSION = 512
WATCHLISTED_EVERY = 20
WATCHLISTS = ("red_notices", "yellow_notices", "blue_notices", "green_notices")
STOLEN_EVERY = 25
#: A new photograph of an enrolled face: cosine similarity about 0.9 to it.
PROBE_NOISE = 0.5

#: A country and what to call the biometric service with as it: a channel and metadata.
Acting = Callable[[str], tuple[grpc.Channel, tuple[tuple[str, str], ...]]]


def _hashed(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def demo_face(entity_id: str, noise: float = 0.0, shot: int = 0) -> np.ndarray:
    """The demo face of a record: a unit vector seeded by its id. With `noise`,
    photograph number `shot` of it (noise x a random unit vector, normalised)."""
    vector = np.random.default_rng(list(_hashed(entity_id))).standard_normal(FACE_DIMENSION)
    vector /= np.linalg.norm(vector)
    if noise:
        blur = np.random.default_rng([*_hashed(entity_id), shot + 1]).standard_normal(FACE_DIMENSION)
        vector = vector + noise * blur / np.linalg.norm(blur)
        vector /= np.linalg.norm(vector)
    return vector.astype(np.float32)


def watchlist_of(entity: entity_pb2.Entity) -> str | None:
    """The watch list a demo person record's face is on, or None."""
    if not entity.HasField("person") or entity.access_policy.visibility != access_pb2.VISIBILITY_ALL_MEMBERS:
        return None
    digest = _hashed(entity.id)
    return WATCHLISTS[digest[1] % len(WATCHLISTS)] if digest[0] % WATCHLISTED_EVERY == 0 else None


def report_stolen(entity: entity_pb2.Entity) -> None:
    """Mark the record's passports that the demo has reported stolen."""
    for document in entity.person.documents:
        if document.number and _hashed(document.number)[0] % STOLEN_EVERY == 0:
            document.reported_invalid = True


def face_template(entity: entity_pb2.Entity, watchlist: str) -> template_pb2.Template:
    sample = biometrics_pb2.BiometricSample(modality=biometrics_pb2.MODALITY_FACE,
                                            vector=demo_face(entity.id).tolist())
    return template_pb2.Template(template_id=f"demo-face-{entity.id}", subject_id=entity.id, sample=sample,
                                 watchlists=[watchlist], access_policy=entity.access_policy)


def enroll_watchlists(persons: Iterable[tuple[str, entity_pb2.Entity]], acting: Acting) -> list[tuple[str, str]]:
    """Enrol the faces of the watch-listed records, each as its owner, unless the
    biometric store already holds templates; returns (entity id, watch list) of each."""
    enrolled: list[tuple[str, str]] = []
    for owner, entity in persons:
        watchlist = watchlist_of(entity)
        if watchlist is None:
            continue
        channel, metadata = acting(owner)
        stub = biometric_grpc.BiometricServiceStub(channel)
        if not enrolled and _holds_templates(stub, metadata):
            return []
        stub.Enroll(biometric_pb.EnrollRequest(template=face_template(entity, watchlist)), metadata=metadata,
                    timeout=30)
        enrolled.append((entity.id, watchlist))
    return enrolled


def _holds_templates(stub: biometric_grpc.BiometricServiceStub, metadata: tuple[tuple[str, str], ...]) -> bool:
    stats = stub.GetStats(biometric_pb.GetStatsRequest(), metadata=metadata, timeout=30)
    return any(m.template_count for m in stats.modalities)


def frontline_probe_json(entity_id: str, shot: int = 0) -> str:
    """A FrontlineCheckRequest as grpcurl's -d takes it: a new photograph of the record's demo face."""
    vector = demo_face(entity_id, PROBE_NOISE, shot)
    return json.dumps({"probe": {"modality": "MODALITY_FACE", "vector": [round(float(v), 6) for v in vector]}})
