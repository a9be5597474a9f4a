"""Bad vectors and bad fields are refused field by field."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from services.biometric.config import Modality
from services.biometric.engine import BiometricEngine, IdentifyQuery
from services.biometric.templates import normalise_vector, validate_template, validate_templates
from services.bootstrap.errors import InvalidArgumentError, InvalidFieldError
from services.uim.access import Policy
from tests.biometric.factories import template

DIMS = {Modality.FACE: 8}
GOOD = template(1, np.arange(1, 9, dtype=np.float32))


@pytest.mark.parametrize(("vector", "reason"), [
    (np.ones(7, np.float32), "has 7 values; the modality needs 8"),
    (np.array([1, 2, np.nan, 4, 5, 6, 7, 8], np.float32), "contains NaN or infinity"),
    (np.array([1, 2, np.inf, 4, 5, 6, 7, 8], np.float32), "contains NaN or infinity"),
    (np.zeros(8, np.float32), "is all zeros"),
])
def test_bad_vectors_name_the_field(vector: np.ndarray, reason: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        validate_template(replace(GOOD, vector=vector), DIMS)
    assert [(v.field, v.description) for v in caught.value.violations] == [("sample.vector", reason)]


def test_vectors_are_normalised() -> None:
    valid = validate_template(GOOD, DIMS)
    assert valid.vector.dtype == np.float32
    assert abs(float(np.linalg.norm(valid.vector)) - 1.0) < 1e-6
    tiny = normalise_vector(np.full(8, 1e-30), 8, "v")  # float64 norm: no underflow to zero
    assert abs(float(np.linalg.norm(tiny)) - 1.0) < 1e-6


def test_every_bad_field_is_reported_at_once() -> None:
    bad = replace(GOOD, template_id="", subject_id="x" * 200, watchlists=frozenset({"Red Notices"}),
                  data_owner="XXX", policy=Policy(2, frozenset()), quality=1.5, vector=np.zeros(8, np.float32))
    with pytest.raises(InvalidArgumentError) as caught:
        validate_template(bad, DIMS)
    assert {v.field for v in caught.value.violations} == {
        "template_id", "subject_id", "watchlists[0]", "data_owner", "access_policy.countries",
        "sample.quality", "sample.vector"}


def test_unconfigured_modality_is_refused() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        validate_template(replace(GOOD, modality=Modality.IRIS), DIMS)
    assert [v.field for v in caught.value.violations] == ["sample.modality"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"probe": np.zeros(64, np.float32)}, "probe.vector"),
    ({"probe": np.full(64, np.nan, np.float32)}, "probe.vector"),
    ({"probe": np.ones(63, np.float32)}, "probe.vector"),
    ({"top_k": 0}, "top_k"),
    ({"min_score": 1.5}, "min_score"),
    ({"modality": Modality.IRIS}, "probe.modality"),
])
def test_bad_probes_name_the_field(engine: BiometricEngine, changes: dict[str, object], field: str) -> None:
    query = replace(IdentifyQuery(np.ones(64, np.float32), Modality.FACE), **changes)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError) as caught:
        engine.identify(query)
    assert [v.field for v in caught.value.violations] == [field]
    with pytest.raises(InvalidFieldError):
        engine.verify(np.zeros(64, np.float32), "s1", Modality.FACE, "FRA")


def test_bulk_validation_agrees_with_one_by_one() -> None:
    batch = [GOOD, replace(GOOD, vector=np.zeros(8, np.float32)), replace(GOOD, vector=np.ones(3, np.float32)),
             replace(GOOD, vector=np.full(8, np.nan, np.float32), template_id=""), replace(GOOD, data_owner="xx"),
             replace(GOOD, modality=Modality.IRIS), replace(GOOD, vector=np.full(8, 3e38, np.float32))]
    valid, rejected = validate_templates(batch, DIMS)
    expected: list[tuple[int, str, str]] = []
    for i, t in enumerate(batch):
        try:
            single = validate_template(t, DIMS)
            assert valid[0][0] == i and valid[0][1].vector.tobytes() == single.vector.tobytes()
            valid.pop(0)
        except InvalidArgumentError as exc:
            expected.extend((i, v.field, v.description) for v in exc.violations)
    assert not valid
    assert [(r.index, r.field, r.reason) for r in rejected] == expected
