"""Identify is exact and its filters hold: mates at rank 1, the same answers
as a brute-force scan on both scans and both index kinds, and no candidate
the caller may not see (or that was deleted) ever takes a top-k slot."""

from __future__ import annotations

import numpy as np
import pytest

from services.biometric.config import BiometricConfig, Modality
from services.biometric.engine import BiometricEngine, IdentifyQuery
from services.biometric.identification import Probe, scan_codes, scan_float32
from services.biometric.templates import validate_template
from services.uim.access import Policy, may_see
from tests.biometric.conftest import FACE_DIM, make_config
from tests.biometric.factories import EVERYONE, NOT_ITA, ONLY_DEU, brute_force, noisy, template, unit_vectors

N = 2000
LISTS = ("red_notices", "stolen_identities", "missing_persons")
POLICIES = (EVERYONE, ONLY_DEU, NOT_ITA)
OWNERS = ("FRA", "DEU", "ITA")


def enrol_gallery(engine: BiometricEngine, rng: np.random.Generator, n: int = N,
                  dimension: int = FACE_DIM) -> tuple[np.ndarray, list[tuple[Policy, str, frozenset[str]]]]:
    vectors = unit_vectors(rng, n, dimension)
    meta = [(POLICIES[i % 3], OWNERS[i % 5 % 3], frozenset({LISTS[i % 3], LISTS[i % 7 % 3]})) for i in range(n)]
    engine.enroll([validate_template(template(i, vectors[i], owner=owner, policy=policy, watchlists=lists),
                                     engine.dimensions) for i, (policy, owner, lists) in enumerate(meta)])
    return vectors, meta


def visible_mask(meta: list[tuple[Policy, str, frozenset[str]]], country: str | None,
                 lists: tuple[str, ...] = ()) -> np.ndarray:
    return np.array([(country is None or may_see(p, owner, country)) and (not lists or bool(wl & set(lists)))
                     for p, owner, wl in meta])


@pytest.mark.parametrize("dimension", [64, 512])
def test_mate_of_a_noisy_probe_is_at_rank_one(dimension: int) -> None:
    config = make_config(modalities={Modality.FACE: make_config().modalities[Modality.FACE].__class__(dimension, 0.5)})
    engine = BiometricEngine(config)
    rng = np.random.default_rng(1)
    vectors, _ = enrol_gallery(engine, rng, dimension=dimension)
    for i in rng.choice(N, 20, replace=False):
        found = engine.identify(IdentifyQuery(noisy(rng, vectors[i], 0.5), Modality.FACE, top_k=5))
        assert found[0].template_id == f"t{i}" and found[0].subject_id == f"s{i}"
        assert found[0].score > 0.8 > found[1].score
    engine.close()


@pytest.mark.parametrize("batch", [1, 6])
def test_answers_equal_brute_force_with_every_filter(any_kind_config: BiometricConfig, batch: int) -> None:
    """batch 1 takes the compact scan (int8, float16) or one sgemv; 6 probes one sgemm."""
    engine = BiometricEngine(any_kind_config)
    rng = np.random.default_rng(2)
    vectors, meta = enrol_gallery(engine, rng)
    cases = [(None, (), None), ("ITA", (), None), ("DEU", ("missing_persons",), None), ("ESP", (), 0.2),
             ("ITA", ("red_notices", "stolen_identities"), None), ("FRA", (), 0.35)]
    for country, lists, min_score in cases:
        probes = [noisy(rng, vectors[rng.integers(N)], 1.5) for _ in range(batch)]
        queries = [IdentifyQuery(p, Modality.FACE, top_k=10, min_score=min_score, watchlists=lists,
                                 country=country) for p in probes]
        for probe, answer in zip(probes, engine.identify_many(queries), strict=True):
            assert not isinstance(answer, BaseException)
            expected = brute_force(vectors, probe, visible_mask(meta, country, lists), 10, min_score)
            assert [c.template_id for c in answer] == [f"t{i}" for i, _ in expected]
            assert np.allclose([c.score for c in answer], [s for _, s in expected], atol=1e-5)
    engine.close()


def test_bound_finds_the_exact_order_among_near_duplicates(any_kind_config: BiometricConfig) -> None:
    """200 near-copies of one vector (closer together than the compact copies
    resolve) spread over many chunks: the float32 rescoring ranks them exactly."""
    engine = BiometricEngine(any_kind_config)
    rng = np.random.default_rng(3)
    base = unit_vectors(rng, 1, FACE_DIM)[0]
    copies = np.stack([noisy(rng, base, 1e-3) for _ in range(200)])
    others = unit_vectors(rng, 1500, FACE_DIM)
    vectors = np.concatenate([others[:700], copies, others[700:]])
    engine.enroll([validate_template(template(i, v), engine.dimensions) for i, v in enumerate(vectors)])
    for k in (1, 5, 50):
        found = engine.identify(IdentifyQuery(base, Modality.FACE, top_k=k))
        expected = brute_force(vectors, base, np.ones(len(vectors), bool), k)
        assert np.allclose([c.score for c in found], [s for _, s in expected], atol=1e-6)
        assert {c.template_id for c in found} <= {f"t{i}" for i in range(700, 900)}
    engine.close()


def test_hidden_and_unlisted_candidates_never_take_a_slot(engine: BiometricEngine) -> None:
    """Fifty near-copies of the probe that ITA may not see, or that are on
    another list, would fill the top 5; ITA still gets 5 candidates it may see."""
    rng = np.random.default_rng(4)
    probe = unit_vectors(rng, 1, FACE_DIM)[0]
    hidden = [template(f"h{i}", noisy(rng, probe, 0.05), policy=ONLY_DEU) for i in range(50)]
    unlisted = [template(f"u{i}", noisy(rng, probe, 0.05), watchlists=["missing_persons"]) for i in range(50)]
    visible = [template(f"v{i}", noisy(rng, probe, 3.0), watchlists=["red_notices"]) for i in range(300)]
    engine.enroll([validate_template(t, engine.dimensions) for t in hidden + unlisted + visible])
    for batch in (1, 5):
        answers = engine.identify_many([IdentifyQuery(probe, Modality.FACE, top_k=5, country="ITA",
                                                      watchlists=["red_notices"])] * batch)
        for answer in answers:
            assert not isinstance(answer, BaseException)
            assert len(answer) == 5 and all(c.template_id.startswith("tv") for c in answer)
    deu = engine.identify(IdentifyQuery(probe, Modality.FACE, top_k=5, country="DEU", watchlists=["red_notices"]))
    assert all(c.template_id.startswith("th") for c in deu)
    owner = engine.identify(IdentifyQuery(probe, Modality.FACE, top_k=5, country="FRA", watchlists=["red_notices"]))
    assert all(c.template_id.startswith("th") for c in owner)  # the data owner always sees its own


def test_deleted_templates_never_take_a_slot(engine: BiometricEngine) -> None:
    rng = np.random.default_rng(5)
    probe = unit_vectors(rng, 1, FACE_DIM)[0]
    close = [template(f"c{i}", noisy(rng, probe, 0.05)) for i in range(40)]
    far = [template(f"f{i}", noisy(rng, probe, 3.0)) for i in range(500)]
    engine.enroll([validate_template(t, engine.dimensions) for t in close + far])
    assert engine.remove([t.template_id for t in close]) == [t.template_id for t in close]
    for batch in (1, 5):
        for answer in engine.identify_many([IdentifyQuery(probe, Modality.FACE, top_k=10)] * batch):
            assert not isinstance(answer, BaseException)
            assert len(answer) == 10 and all(c.template_id.startswith("tf") for c in answer)


def test_unknown_watch_list_matches_nothing(engine: BiometricEngine) -> None:
    rng = np.random.default_rng(6)
    enrol_gallery(engine, rng, n=100)
    assert engine.identify(IdentifyQuery(unit_vectors(rng, 1, FACE_DIM)[0], Modality.FACE,
                                         watchlists=["no_such_list"])) == []


def test_candidates_carry_watch_lists_and_owner(engine: BiometricEngine) -> None:
    vector = unit_vectors(np.random.default_rng(7), 1, FACE_DIM)[0]
    engine.enroll([validate_template(template(1, vector, watchlists=["stolen_identities", "red_notices"],
                                              owner="DEU"), engine.dimensions)])
    (found,) = engine.identify(IdentifyQuery(vector, Modality.FACE, top_k=3))
    assert found.watchlists == ("red_notices", "stolen_identities")
    assert found.data_owner == "DEU" and abs(found.score - 1.0) < 1e-6


def test_rows_appended_after_a_view_neither_appear_nor_take_a_slot(engine: BiometricEngine) -> None:
    """A search works on the rows published when it started: near-copies of
    the probe appended meanwhile (same chunk) must not push its rows out."""
    rng = np.random.default_rng(8)
    probe = unit_vectors(rng, 1, FACE_DIM)[0]
    early = unit_vectors(rng, 100, FACE_DIM)
    engine.enroll([validate_template(template(i, v), engine.dimensions) for i, v in enumerate(early)])
    gallery = engine.galleries[Modality.FACE]
    view = gallery.view()
    engine.enroll([validate_template(template(f"late{i}", noisy(rng, probe, 0.01)), engine.dimensions)
                   for i in range(50)])
    expected = [i for i, _ in brute_force(early, probe, np.ones(100, bool), 5)]
    top = scan_codes(gallery, view, Probe(probe, 5), None, None, 1)
    assert [row for row, _ in top.ranked()] == expected
    (top,) = scan_float32(view, [Probe(probe, 5)], [None])
    assert [row for row, _ in top.ranked()] == expected


def test_rows_the_int8_copy_cannot_hold_are_scored_exactly() -> None:
    """A spiky vector (one component near 1) overflows int8's clipping range:
    it is exact-only, found at its exact score, and does not loosen the bound."""
    config = make_config(modalities={Modality.FACE: make_config().modalities[Modality.FACE].__class__(512, 0.5)})
    engine = BiometricEngine(config)
    rng = np.random.default_rng(9)
    vectors = unit_vectors(rng, 600, 512)
    spiky = np.zeros(512, np.float32)
    spiky[[3, 100]] = [0.99, np.sqrt(1 - 0.99**2)]
    vectors[417] = spiky
    engine.enroll([validate_template(template(i, v), engine.dimensions) for i, v in enumerate(vectors)])
    gallery = engine.galleries[Modality.FACE]
    assert sum(c.exceptions for c in gallery.chunks) == 1 and gallery.code_error < 0.03
    for probe in (spiky, noisy(rng, spiky, 0.3), vectors[5]):
        found = engine.identify(IdentifyQuery(probe, Modality.FACE, top_k=5))
        expected = brute_force(vectors, probe, np.ones(600, bool), 5)
        assert [c.template_id for c in found] == [f"t{i}" for i, _ in expected]
    engine.close()
