"""UIM validation names each bad field, against the model and the code tables."""

from __future__ import annotations

import numpy as np
import pytest
from google.protobuf import timestamp_pb2

from icore.uim.v1 import access_pb2, biometrics_pb2, dates_pb2, entity_pb2, event_pb2, link_pb2, names_pb2, person_pb2
from services.bootstrap.errors import FieldErrors, InvalidArgumentError
from services.uim import validation

OPEN = access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_MEMBERS)


def _fields(check, *args, **kwargs) -> set[str]:  # type: ignore[no-untyped-def]
    errors = FieldErrors()
    check(errors, *args, **kwargs)
    return {v.field for v in errors.violations}


def _person(**kwargs) -> entity_pb2.Entity:  # type: ignore[no-untyped-def]
    return entity_pb2.Entity(person=person_pb2.Person(**kwargs), access_policy=OPEN)


def test_a_good_person_passes() -> None:
    person = _person(names=[names_pb2.PersonName(full_name="Иван ПЕТРОВ", script="Cyrl")],
                     date_of_birth=dates_pb2.PartialDate(year=1980, month=2),
                     nationalities=["UKR"],
                     documents=[person_pb2.IdentityDocument(document_type="PASSPORT", number="FE 123456",
                                                            issuing_country="UKR")])
    assert _fields(validation.check_entity, person, "entity") == set()


def test_each_bad_field_of_a_person_is_named() -> None:
    person = _person(names=[],
                     date_of_birth=dates_pb2.PartialDate(year=1980, month=2, day=30),
                     nationalities=["XXX"],
                     documents=[person_pb2.IdentityDocument(document_type="SPACESHIP_LICENCE", number="1")])
    assert _fields(validation.check_entity, person, "entities[3]") == {
        "entities[3].person.names",
        "entities[3].person.date_of_birth.day",
        "entities[3].person.nationalities[0]",
        "entities[3].person.documents[0].document_type",
    }


def test_an_entity_needs_a_kind_and_a_policy() -> None:
    assert _fields(validation.check_entity, entity_pb2.Entity(), "") == {"kind", "access_policy.visibility"}


def test_an_event_needs_a_known_iccs_code_and_a_time() -> None:
    event = entity_pb2.Entity(event=event_pb2.Event(iccs_code="9999"), access_policy=OPEN)
    assert _fields(validation.check_entity, event, "e") == {"e.event.iccs_code", "e.event.start_time"}
    good = entity_pb2.Entity(event=event_pb2.Event(iccs_code="0101", start_time=timestamp_pb2.Timestamp(seconds=1)),
                             access_policy=OPEN)
    assert _fields(validation.check_entity, good, "e") == set()


@pytest.mark.parametrize("start_nanos, end_nanos, bad", [
    (0, -1, {"e.event.end_time"}), (-1, 0, {"e.event.start_time"}), (500, 499, {"e.event.end_time"})])
def test_an_event_s_times_are_compared_only_when_both_are_valid(start_nanos: int, end_nanos: int,
                                                                 bad: set[str]) -> None:
    """A time out of range is named, not compared (comparing it raised, an INTERNAL the fuzzer found)."""
    event = event_pb2.Event(iccs_code="0101", start_time=timestamp_pb2.Timestamp(seconds=1, nanos=start_nanos),
                            end_time=timestamp_pb2.Timestamp(seconds=1, nanos=end_nanos))
    assert _fields(validation.check_entity, entity_pb2.Entity(event=event, access_policy=OPEN), "e") == bad


def test_listed_policy_needs_countries() -> None:
    policy = access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ONLY_LISTED, countries=[])
    assert _fields(validation.check_access_policy, policy, "p", required=True) == {"p.countries"}


def test_links_need_two_known_ends_and_a_type() -> None:
    link = link_pb2.Link(from_entity_id="a", to_entity_id="a", access_policy=OPEN)
    assert _fields(validation.check_link, link, "links[0]", known_ids={"a"}) == {
        "links[0].to_entity_id", "links[0].link_type"}
    link = link_pb2.Link(from_entity_id="a", to_entity_id="zz", link_type=link_pb2.LINK_TYPE_ASSOCIATE,
                         access_policy=OPEN)
    assert _fields(validation.check_link, link, "l", known_ids={"a"}) == {"l.to_entity_id"}


@pytest.mark.parametrize(("vector", "problem"), [
    ([0.1] * 3, "has 3 values"),
    ([float("nan")] + [0.1] * 3, "NaN"),
    ([0.0] * 4, "all zeros"),
])
def test_bad_biometric_vectors_are_named(vector: list[float], problem: str) -> None:
    sample = biometrics_pb2.BiometricSample(modality=biometrics_pb2.MODALITY_FACE, vector=vector)
    errors = FieldErrors()
    validation.check_biometric_sample(errors, sample, "probe", {biometrics_pb2.MODALITY_FACE: 4})
    assert [v.field for v in errors.violations] == ["probe.vector"]
    assert problem in errors.violations[0].description
    with pytest.raises(InvalidArgumentError):
        errors.raise_if_any()


@pytest.mark.parametrize("packed", [True, False])
def test_a_packed_vector_is_checked_like_repeated_floats(packed: bool) -> None:
    values = np.array([0.5, 0.5, float("nan"), 0.5], dtype="<f4")
    sample = (biometrics_pb2.BiometricSample(modality=biometrics_pb2.MODALITY_FACE, packed_vector=values.tobytes())
              if packed else biometrics_pb2.BiometricSample(modality=biometrics_pb2.MODALITY_FACE,
                                                            vector=values.tolist()))
    errors = FieldErrors()
    validation.check_biometric_sample(errors, sample, "probe", {biometrics_pb2.MODALITY_FACE: 4})
    assert [(v.field, "NaN" in v.description) for v in errors.violations] == [("probe.vector", True)]


def test_a_sample_with_both_vector_forms_or_torn_bytes_is_refused() -> None:
    both = biometrics_pb2.BiometricSample(modality=biometrics_pb2.MODALITY_FACE, vector=[1.0] * 4,
                                          packed_vector=bytes(16))
    torn = biometrics_pb2.BiometricSample(modality=biometrics_pb2.MODALITY_FACE, packed_vector=bytes(15))
    for sample, problem in ((both, "not both"), (torn, "15 bytes")):
        errors = FieldErrors()
        validation.check_biometric_sample(errors, sample, "probe", {biometrics_pb2.MODALITY_FACE: 4})
        assert [v.field for v in errors.violations] == ["probe.packed_vector"]
        assert problem in errors.violations[0].description
