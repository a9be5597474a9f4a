"""The biometric service over gRPC: enrol, identify, verify, delete, filters,
restart, concurrency and bad vectors, on a real server."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import numpy as np
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from icore.biometric.v1 import biometric_service_pb2 as pb
from icore.biometric.v1 import biometric_service_pb2_grpc as pb_grpc
from icore.biometric.v1 import template_pb2
from icore.uim.v1 import access_pb2, biometrics_pb2
from tests.support import RunningServer, country

FACE = biometrics_pb2.MODALITY_FACE
EVERYONE = access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_MEMBERS)
RNG = np.random.default_rng(11)


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


GALLERY = [_unit(RNG.standard_normal(512)) for _ in range(300)]


def _sample(vector: np.ndarray) -> biometrics_pb2.BiometricSample:
    return biometrics_pb2.BiometricSample(modality=FACE, vector=vector.tolist())


def _noisy(i: int, noise: float = 0.03) -> biometrics_pb2.BiometricSample:
    return _sample(_unit(GALLERY[i] + noise * RNG.standard_normal(512)))


def _template(i: int, watchlists: tuple[str, ...] = ("red_notices",),
              policy: access_pb2.AccessPolicy = EVERYONE) -> template_pb2.Template:
    return template_pb2.Template(template_id=f"t{i}", subject_id=f"s{i}", sample=_sample(GALLERY[i]),
                                 watchlists=list(watchlists), access_policy=policy)


def _enrol_all(stub: pb_grpc.BiometricServiceStub) -> pb.EnrollStreamResponse:
    templates = [_template(i, ("missing_persons",) if i % 2 else ("red_notices",)) for i in range(len(GALLERY))]
    batches = [pb.EnrollStreamRequest(templates=templates[k:k + 100]) for k in range(0, len(templates), 100)]
    return stub.EnrollStream(iter(batches), metadata=country("FRA"))


@pytest.fixture
def biometric(start_service: Callable[..., RunningServer], tmp_path: Path) -> pb_grpc.BiometricServiceStub:
    server = start_service("biometric", database_url=f"sqlite:///{tmp_path / 'bio.sqlite'}")
    stub = pb_grpc.BiometricServiceStub(server.channel)
    assert _enrol_all(stub).enrolled_count == len(GALLERY)
    return stub


def test_identify_finds_the_mate_of_a_noisy_probe_at_rank_one(biometric: pb_grpc.BiometricServiceStub) -> None:
    for i in (0, 7, 123, 299):
        found = biometric.Identify(pb.IdentifyRequest(probe=_noisy(i), top_k=5), metadata=country("DEU"))
        assert found.candidates[0].template_id == f"t{i}"
        assert found.candidates[0].score > 0.7 > found.candidates[1].score


def test_verify_accepts_a_mate_and_rejects_an_impostor(biometric: pb_grpc.BiometricServiceStub) -> None:
    mate = biometric.Verify(pb.VerifyRequest(probe=_noisy(5), subject_id="s5"), metadata=country("DEU"))
    impostor = biometric.Verify(pb.VerifyRequest(probe=_noisy(6), subject_id="s5"), metadata=country("DEU"))
    assert mate.match and mate.best_template_id == "t5"
    assert not impostor.match and impostor.best_score < mate.threshold


def test_a_deleted_template_leaves_the_results(biometric: pb_grpc.BiometricServiceStub) -> None:
    biometric.DeleteTemplate(pb.DeleteTemplateRequest(template_id="t9"), metadata=country("FRA"))
    found = biometric.Identify(pb.IdentifyRequest(probe=_noisy(9), top_k=10), metadata=country("FRA"))
    assert "t9" not in {c.template_id for c in found.candidates} and len(found.candidates) == 10
    deleted = biometric.DeleteSubject(pb.DeleteSubjectRequest(subject_id="s10"), metadata=country("FRA"))
    assert deleted.deleted_count == 1
    with pytest.raises(grpc.RpcError) as raised:
        biometric.DeleteTemplate(pb.DeleteTemplateRequest(template_id="t11"), metadata=country("DEU"))
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED, "only the data owner deletes"


def test_watch_list_and_access_filters_hold(biometric: pb_grpc.BiometricServiceStub) -> None:
    only_missing = biometric.Identify(pb.IdentifyRequest(probe=_noisy(4), top_k=20, watchlists=["missing_persons"]),
                                      metadata=country("DEU"))
    assert len(only_missing.candidates) == 20
    assert all("missing_persons" in c.watchlists for c in only_missing.candidates), "a filtered one took a slot"
    hidden = _template(4, policy=access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ONLY_LISTED,
                                                         countries=["ESP"]))
    biometric.Enroll(pb.EnrollRequest(template=hidden), metadata=country("FRA"))
    for who, sees in (("ESP", True), ("DEU", False)):
        found = biometric.Identify(pb.IdentifyRequest(probe=_noisy(4), top_k=5), metadata=country(who))
        assert (found.candidates[0].template_id == "t4") is sees
        assert len(found.candidates) == 5


def test_restart_keeps_everything(start_service: Callable[..., RunningServer], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'restart.sqlite'}"
    first = start_service("biometric", database_url=url, data_dir=tmp_path / "data")
    stub = pb_grpc.BiometricServiceStub(first.channel)
    _enrol_all(stub)
    stub.DeleteTemplate(pb.DeleteTemplateRequest(template_id="t3"), metadata=country("FRA"))
    first.stop(grace=1)
    again = pb_grpc.BiometricServiceStub(start_service("biometric", database_url=url,
                                                       data_dir=tmp_path / "data").channel)
    stats = again.GetStats(pb.GetStatsRequest(), metadata=country("FRA"))
    assert {m.modality: m.template_count for m in stats.modalities}[FACE] == len(GALLERY) - 1
    top = again.Identify(pb.IdentifyRequest(probe=_noisy(8)), metadata=country("FRA")).candidates[0]
    assert top.template_id == "t8"
    assert "t3" not in {c.template_id for c in again.Identify(pb.IdentifyRequest(probe=_noisy(3)),
                                                              metadata=country("FRA")).candidates}


def test_enrol_and_identify_at_once_from_many_clients(biometric: pb_grpc.BiometricServiceStub) -> None:
    extra = [_unit(RNG.standard_normal(512)) for _ in range(40)]

    def enrol(k: int) -> None:
        template = template_pb2.Template(template_id=f"x{k}", subject_id=f"x{k}", sample=_sample(extra[k]),
                                         watchlists=["red_notices"], access_policy=EVERYONE)
        biometric.Enroll(pb.EnrollRequest(template=template), metadata=country("FRA"))

    def identify(i: int) -> str:
        return biometric.Identify(pb.IdentifyRequest(probe=_noisy(i), top_k=1),
                                  metadata=country("DEU")).candidates[0].template_id

    with ThreadPoolExecutor(16) as pool:
        enrolled = [pool.submit(enrol, k) for k in range(40)]
        found = [pool.submit(identify, i) for i in range(40)]
        assert [f.result() for f in found] == [f"t{i}" for i in range(40)]
        for future in enrolled:
            future.result()
    for k in (0, 17, 39):
        top = biometric.Identify(pb.IdentifyRequest(probe=_sample(extra[k]), top_k=1), metadata=country("DEU"))
        assert top.candidates[0].template_id == f"x{k}"


@pytest.mark.parametrize(("vector", "problem"), [
    ([0.1] * 100, "needs 512"), ([float("nan")] * 512, "NaN"), ([0.0] * 512, "zero")])
def test_bad_vectors_are_rejected_by_field(biometric: pb_grpc.BiometricServiceStub, vector: list[float],
                                           problem: str) -> None:
    bad = template_pb2.Template(template_id="bad", subject_id="s", watchlists=["red_notices"], access_policy=EVERYONE,
                                sample=biometrics_pb2.BiometricSample(modality=FACE, vector=vector))
    for call in (lambda: biometric.Enroll(pb.EnrollRequest(template=bad), metadata=country("FRA")),
                 lambda: biometric.Identify(pb.IdentifyRequest(probe=bad.sample), metadata=country("FRA"))):
        with pytest.raises(grpc.RpcError) as raised:
            call()
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        detail = error_details_pb2.BadRequest()
        rpc_status.from_call(raised.value).details[0].Unpack(detail)
        fields = {v.field for v in detail.field_violations}
        assert fields in ({"template.sample.vector"}, {"probe.vector"}), fields
        assert problem.lower() in detail.field_violations[0].description.lower()
    streamed = biometric.EnrollStream(iter([pb.EnrollStreamRequest(templates=[_template(0), bad])]),
                                      metadata=country("FRA"))
    assert streamed.enrolled_count == 1 and streamed.rejected_count == 1
    assert streamed.errors[0].index == 1 and streamed.errors[0].field.endswith("vector")


def test_a_stream_reports_each_bad_template_at_its_place_in_the_stream(
        biometric: pb_grpc.BiometricServiceStub) -> None:
    """Errors name positions in the whole stream, across messages."""
    wrong_dimension = template_pb2.Template(template_id="short", subject_id="s", access_policy=EVERYONE,
                                            sample=biometrics_pb2.BiometricSample(modality=FACE, vector=[0.1] * 100))
    no_modality = template_pb2.Template(template_id="nomod", subject_id="s", access_policy=EVERYONE,
                                        sample=biometrics_pb2.BiometricSample(vector=list(GALLERY[0])))
    first = [_template(i) for i in range(10)]
    second = [_template(i) for i in range(10, 13)] + [wrong_dimension] + [_template(i) for i in range(13, 20)]
    third = [_template(20), no_modality]
    streamed = biometric.EnrollStream(iter([pb.EnrollStreamRequest(templates=m) for m in (first, second, third)]),
                                      metadata=country("FRA"))
    assert (streamed.enrolled_count, streamed.rejected_count) == (21, 2)  # templates, not violations
    assert {(e.index, e.template_id, e.field) for e in streamed.errors} == {
        (13, "short", "sample.vector"), (13, "short", "watchlists"), (22, "nomod", "sample.modality")}


def _packed(vector: np.ndarray) -> biometrics_pb2.BiometricSample:
    return biometrics_pb2.BiometricSample(modality=FACE, packed_vector=vector.astype("<f4").tobytes())


def test_packed_vectors_enrol_identify_and_verify_like_repeated_floats(
        biometric: pb_grpc.BiometricServiceStub) -> None:
    vector = _unit(RNG.standard_normal(512))
    packed = template_pb2.Template(template_id="packed", subject_id="sp", sample=_packed(vector),
                                   watchlists=["red_notices"], access_policy=EVERYONE)
    streamed = biometric.EnrollStream(iter([pb.EnrollStreamRequest(templates=[packed])]), metadata=country("FRA"))
    assert (streamed.enrolled_count, streamed.rejected_count) == (1, 0)
    probe = _unit(vector + 0.03 * RNG.standard_normal(512))
    by_packed = biometric.Identify(pb.IdentifyRequest(probe=_packed(probe), top_k=3), metadata=country("DEU"))
    by_floats = biometric.Identify(pb.IdentifyRequest(probe=_sample(probe), top_k=3), metadata=country("DEU"))
    assert by_packed.candidates[0].template_id == by_floats.candidates[0].template_id == "packed"
    assert by_packed.candidates[0].score == pytest.approx(by_floats.candidates[0].score, abs=1e-6)
    verified = biometric.Verify(pb.VerifyRequest(probe=_packed(probe), subject_id="sp"), metadata=country("DEU"))
    assert verified.match and verified.best_template_id == "packed"


@pytest.mark.parametrize(("sample", "field", "problem"), [
    (biometrics_pb2.BiometricSample(modality=FACE, vector=[0.1] * 512, packed_vector=bytes(2048)),
     "packed_vector", "not both"),
    (biometrics_pb2.BiometricSample(modality=FACE, packed_vector=bytes(2047)), "packed_vector", "4 bytes each"),
    (biometrics_pb2.BiometricSample(modality=FACE, packed_vector=np.ones(100, "<f4").tobytes()), "vector", "needs 512"),
    (biometrics_pb2.BiometricSample(modality=FACE, packed_vector=np.full(512, np.nan, "<f4").tobytes()),
     "vector", "NaN"),
])
def test_bad_packed_vectors_are_rejected_by_field(biometric: pb_grpc.BiometricServiceStub,
                                                  sample: biometrics_pb2.BiometricSample, field: str,
                                                  problem: str) -> None:
    bad = template_pb2.Template(template_id="badpacked", subject_id="s", watchlists=["red_notices"],
                                access_policy=EVERYONE, sample=sample)
    for call, path in ((lambda: biometric.Enroll(pb.EnrollRequest(template=bad), metadata=country("FRA")),
                        "template.sample"),
                       (lambda: biometric.Identify(pb.IdentifyRequest(probe=sample), metadata=country("FRA")),
                        "probe")):
        with pytest.raises(grpc.RpcError) as raised:
            call()
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        detail = error_details_pb2.BadRequest()
        rpc_status.from_call(raised.value).details[0].Unpack(detail)
        assert [v.field for v in detail.field_violations] == [f"{path}.{field}"]
        assert problem.lower() in detail.field_violations[0].description.lower()
    found = biometric.Identify(pb.IdentifyRequest(probe=_sample(GALLERY[0]), top_k=100), metadata=country("FRA"))
    assert "badpacked" not in {c.template_id for c in found.candidates}
