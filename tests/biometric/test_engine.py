"""Verify, replacement, deletion, compaction, statistics and concurrent use of
the in-memory engine."""

from __future__ import annotations

import threading

import numpy as np

from services.biometric.config import Modality
from services.biometric.engine import BiometricEngine, IdentifyQuery
from services.biometric.templates import validate_template
from tests.biometric.conftest import FACE_DIM, FINGER_DIM, make_config
from tests.biometric.factories import ONLY_DEU, brute_force, noisy, template, unit_vectors


def enrol(engine: BiometricEngine, templates: list) -> list[bool]:  # type: ignore[type-arg]
    return engine.enroll([validate_template(t, engine.dimensions) for t in templates])


def test_verify_accepts_a_mate_and_rejects_an_impostor(engine: BiometricEngine) -> None:
    rng = np.random.default_rng(10)
    vectors = unit_vectors(rng, 300, FACE_DIM)
    enrol(engine, [template(i, vectors[i], subject=f"s{i // 3}") for i in range(300)])  # 3 templates each
    mate = engine.verify(noisy(rng, vectors[31], 0.5), "s10", Modality.FACE, "ITA")
    assert mate.match and mate.best_template_id == "t31" and mate.best_score > 0.8 and mate.threshold == 0.5
    impostor = engine.verify(unit_vectors(rng, 1, FACE_DIM)[0], "s10", Modality.FACE, "ITA")
    assert not impostor.match and impostor.best_score < 0.5


def test_verify_sees_only_visible_templates_of_the_modality(engine: BiometricEngine) -> None:
    rng = np.random.default_rng(11)
    face, finger = unit_vectors(rng, 1, FACE_DIM)[0], unit_vectors(rng, 1, FINGER_DIM)[0]
    enrol(engine, [template(1, face, subject="s", policy=ONLY_DEU),
                   template(2, finger, subject="s", modality=Modality.FINGERPRINT)])
    assert engine.verify(face, "s", Modality.FACE, "DEU").match
    hidden = engine.verify(face, "s", Modality.FACE, "ITA")
    assert not hidden.match and hidden.best_template_id == ""
    assert engine.verify(finger, "s", Modality.FINGERPRINT, "ITA").threshold == 0.6
    assert engine.verify(face, "nobody", Modality.FACE, "DEU").best_template_id == ""


def test_enrolling_an_id_again_replaces_the_template(engine: BiometricEngine) -> None:
    rng = np.random.default_rng(12)
    old, new = unit_vectors(rng, 2, FACE_DIM)
    assert enrol(engine, [template(1, old)]) == [True]
    assert enrol(engine, [template(1, new, watchlists=["missing_persons"])]) == [False]
    found = engine.identify(IdentifyQuery(old, Modality.FACE, top_k=5))
    assert [c.template_id for c in found] == ["t1"] and found[0].score < 0.9
    assert found[0].watchlists == ("missing_persons",)
    stats = engine.stats()
    assert stats.modalities[0].template_count == 1 and stats.watchlists == {"missing_persons": 1}


def test_a_template_may_change_modality(engine: BiometricEngine) -> None:
    rng = np.random.default_rng(13)
    enrol(engine, [template(1, unit_vectors(rng, 1, FACE_DIM)[0])])
    enrol(engine, [template(1, unit_vectors(rng, 1, FINGER_DIM)[0], modality=Modality.FINGERPRINT)])
    counts = {s.modality: s.template_count for s in engine.stats().modalities}
    assert counts == {Modality.FACE: 0, Modality.FINGERPRINT: 1}


def test_stats_count_per_modality_and_watch_list(engine: BiometricEngine) -> None:
    rng = np.random.default_rng(14)
    enrol(engine, [template(i, v, watchlists=["red_notices"] + (["missing_persons"] if i % 2 else []))
                   for i, v in enumerate(unit_vectors(rng, 10, FACE_DIM))])
    enrol(engine, [template(f"f{i}", v, modality=Modality.FINGERPRINT, watchlists=["stolen_identities"])
                   for i, v in enumerate(unit_vectors(rng, 4, FINGER_DIM))])
    engine.remove(["t0", "t1"])
    stats = engine.stats()
    face = stats.modalities[0]
    assert (face.modality, face.dimension, face.template_count) == (Modality.FACE, FACE_DIM, 8)
    assert face.index_kind == "exact-inner-product" and face.memory_bytes > 256 * FACE_DIM * 4
    assert stats.watchlists == {"missing_persons": 4, "red_notices": 8, "stolen_identities": 4}


def test_compaction_keeps_every_answer(engine: BiometricEngine) -> None:
    rng = np.random.default_rng(15)
    vectors = unit_vectors(rng, 1500, FACE_DIM)
    enrol(engine, [template(i, v, subject=f"s{i % 500}") for i, v in enumerate(vectors)])
    gone = rng.choice(1500, 700, replace=False)
    engine.remove([f"t{i}" for i in gone])
    engine.compact()
    gallery = engine.galleries[Modality.FACE]
    assert gallery.count == 800 and gallery.deleted == 0 and len(gallery.chunks) == 4
    keep = np.ones(1500, bool)
    keep[gone] = False
    for probe in unit_vectors(rng, 5, FACE_DIM):
        expected = brute_force(vectors, probe, keep, 20)
        for answer in engine.identify_many([IdentifyQuery(probe, Modality.FACE, top_k=20)] * 4 + [
                IdentifyQuery(probe, Modality.FACE, top_k=20)]):
            assert not isinstance(answer, BaseException)
            assert [c.template_id for c in answer] == [f"t{i}" for i, _ in expected]
    kept = int(np.flatnonzero(keep)[0])
    assert engine.verify(vectors[kept], f"s{kept % 500}", Modality.FACE, "FRA").best_template_id == f"t{kept}"


def test_growth_never_moves_existing_rows(engine: BiometricEngine) -> None:
    rng = np.random.default_rng(16)
    enrol(engine, [template(i, v) for i, v in enumerate(unit_vectors(rng, 10, FACE_DIM))])
    first = engine.galleries[Modality.FACE].chunks[0].vectors
    enrol(engine, [template(f"x{i}", v) for i, v in enumerate(unit_vectors(rng, 2000, FACE_DIM))])
    assert engine.galleries[Modality.FACE].chunks[0].vectors is first


def test_concurrent_enrol_delete_and_identify_are_consistent() -> None:
    """Writers enrol, replace and delete while readers search, verify and read
    and background compaction moves rows. Every candidate a reader gets is a
    template that was enrolled, with the score of its whole vector (a
    half-written or moved row would score differently), never twice in one
    answer; a template read back is whole."""
    engine = BiometricEngine(make_config(compact_min=50))
    rng = np.random.default_rng(17)
    vectors = unit_vectors(rng, 3000, FACE_DIM)
    enrol(engine, [template(i, vectors[i]) for i in range(500)])
    errors: list[BaseException] = []
    done = threading.Event()

    def writer(offset: int) -> None:
        try:
            for start in range(500 + offset, 3000, 200):
                enrol(engine, [template(i, vectors[i]) for i in range(start, min(start + 100, 3000))])
                enrol(engine, [template(i, vectors[i]) for i in range(start - 200, start - 190)])
                engine.remove([f"t{i}" for i in range(start - 400, start - 380)])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def reader(seed: int) -> None:
        local = np.random.default_rng(seed)
        try:
            while not done.is_set():
                probe = noisy(local, vectors[local.integers(3000)], 1.0)
                batch = int(local.integers(1, 7))
                for answer in engine.identify_many([IdentifyQuery(probe, Modality.FACE, top_k=10)] * batch):
                    assert not isinstance(answer, BaseException), answer
                    ids = [c.template_id for c in answer]
                    assert len(ids) == len(set(ids))
                    for c in answer:
                        assert abs(c.score - float(vectors[int(c.template_id[1:])] @ probe)) < 1e-4
                i = int(local.integers(3000))
                found = engine.get(f"t{i}")
                assert found is None or np.allclose(found.vector, vectors[i], atol=1e-6)
                verdict = engine.verify(vectors[i], f"s{i}", Modality.FACE, "FRA")
                assert verdict.best_template_id in ("", f"t{i}")
                assert verdict.best_template_id == "" or verdict.match
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(o,)) for o in (0, 100)]
    readers = [threading.Thread(target=reader, args=(s,)) for s in range(4)]
    for t in threads + readers:
        t.start()
    for t in threads:
        t.join()
    done.set()
    for t in readers:
        t.join()
    assert not errors, errors[0]
    engine.compact()
    deleted = {i for start in range(500, 3000, 100) for i in range(start - 400, start - 380)}
    alive = [i for i in range(3000) if i not in deleted]
    assert engine.stats().modalities[0].template_count == len(alive)
    for i in rng.choice(alive, 50, replace=False):
        assert engine.identify(IdentifyQuery(vectors[i], Modality.FACE, top_k=1))[0].template_id == f"t{i}"
    engine.close()
