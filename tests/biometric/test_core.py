"""The persisted core: restart from snapshot plus later changes (or from the
database alone) keeps everything; owners alone replace and delete; bulk
enrolment refuses bad items one by one. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.engine import Engine

from services.biometric.config import Modality
from services.biometric.core import BiometricCore
from services.biometric.engine import BiometricEngine, IdentifyQuery
from services.bootstrap.database import create_engine, downgrade
from services.bootstrap.errors import InvalidArgumentError, NotFoundError, PermissionDeniedError
from tests.biometric.conftest import FACE_DIM, FINGER_DIM, make_config
from tests.biometric.factories import ONLY_DEU, noisy, template, unit_vectors

Opener = Callable[..., BiometricCore]


@pytest.fixture
def database(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def open_core(database: Engine, tmp_path: Path) -> Iterator[Opener]:
    opened: list[BiometricCore] = []

    def open_(**overrides: object) -> BiometricCore:
        core = BiometricCore.open(make_config(snapshot_dir=tmp_path / "snapshots", **overrides), database)  # type: ignore[arg-type]
        opened.append(core)
        return core

    yield open_
    for core in opened:
        core.close()


def state(engine: BiometricEngine) -> dict[str, tuple[str, str, bytes, tuple[str, ...], str, float]]:
    """Everything the engine holds, by template id."""
    found = {}
    for gallery in engine.galleries.values():
        for template_id in gallery.row_of:
            t = engine.get(template_id)
            assert t is not None
            found[template_id] = (t.subject_id, t.modality.value, t.vector.tobytes(), tuple(sorted(t.watchlists)),
                                  t.data_owner, t.quality)
    return found


def fill(core: BiometricCore, rng: np.random.Generator) -> np.ndarray:
    vectors = unit_vectors(rng, 1000, FACE_DIM)
    result = core.enroll([template(i, vectors[i], subject=f"s{i // 2}", policy=ONLY_DEU if i % 4 == 0 else
                                   template(0, vectors[0]).policy, watchlists=["red_notices"] if i % 3 else
                                   ["missing_persons", "stolen_identities"]) for i in range(1000)])
    assert len(result.enrolled) == 1000 and not result.rejected
    core.enroll([template(f"f{i}", v, modality=Modality.FINGERPRINT)
                 for i, v in enumerate(unit_vectors(rng, 50, FINGER_DIM))])
    return vectors


def change_after_snapshot(core: BiometricCore, rng: np.random.Generator, vectors: np.ndarray) -> None:
    more = unit_vectors(rng, 300, FACE_DIM)
    core.enroll([template(f"n{i}", v, watchlists=["new_list"]) for i, v in enumerate(more)])
    core.enroll([template(i, vectors[i + 500], subject=f"s{i // 2}") for i in range(10)])  # replaced
    for i in range(100, 150):
        core.delete_template(f"t{i}", "FRA")
    assert core.delete_subject("s300", "FRA") == 2


@pytest.mark.parametrize("with_snapshot", [True, False])
def test_restart_keeps_everything(open_core: Opener, with_snapshot: bool) -> None:
    rng = np.random.default_rng(30)
    core = open_core()
    vectors = fill(core, rng)
    if with_snapshot:
        assert core.save_snapshot() is not None
    change_after_snapshot(core, rng, vectors)
    before = state(core.engine)
    probes = [noisy(rng, vectors[i], 1.0) for i in (7, 200, 640)]
    answers = [core.engine.identify(IdentifyQuery(p, Modality.FACE, top_k=10, country="ITA")) for p in probes]
    stats = core.stats()
    core.close()

    again = open_core()
    assert state(again.engine) == before
    assert again.stats().watchlists == stats.watchlists
    assert [m.template_count for m in again.stats().modalities] == [m.template_count for m in stats.modalities]
    for probe, answer in zip(probes, answers, strict=True):
        now = again.engine.identify(IdentifyQuery(probe, Modality.FACE, top_k=10, country="ITA"))
        assert [replace(c, score=0.0) for c in now] == [replace(c, score=0.0) for c in answer]
        assert np.allclose([c.score for c in now], [c.score for c in answer], atol=1e-6)
    assert again.engine.applied_seq == core.store.last_seq()


def test_restart_from_a_snapshot_replays_only_later_changes(open_core: Opener) -> None:
    rng = np.random.default_rng(31)
    core = open_core()
    vectors = fill(core, rng)
    core.save_snapshot()
    change_after_snapshot(core, rng, vectors)
    core.close()
    assert open_core().replayed == 300 + 10 + 50 + 2
    # Settings the snapshot does not fit (fingerprints now 16-d): the snapshot is
    # ignored, the database replayed in full, the unfit templates skipped.
    modalities = make_config().modalities
    other = open_core(modalities={**modalities, Modality.FINGERPRINT: replace(modalities[Modality.FINGERPRINT],
                                                                               dimension=16)})
    assert other.replayed > 1000
    assert other.engine.galleries[Modality.FACE].live == 1000 + 300 - 50 - 2
    assert other.engine.galleries[Modality.FINGERPRINT].live == 0


def test_a_snapshot_ahead_of_the_database_is_not_used(open_core: Opener, database: Engine) -> None:
    core = open_core()
    fill(core, np.random.default_rng(36))
    core.save_snapshot()
    core.close()
    downgrade(database, "biometric")  # the database was replaced: it, not the snapshot, is the truth
    again = open_core()
    assert [m.template_count for m in again.stats().modalities] == [0, 0]


def test_only_the_owner_replaces_or_deletes(open_core: Opener) -> None:
    core = open_core()
    vector = unit_vectors(np.random.default_rng(32), 1, FACE_DIM)[0]
    assert core.enroll_one(template(1, vector, owner="DEU", policy=ONLY_DEU)) is True
    assert core.enroll_one(template(1, vector, owner="DEU")) is False
    with pytest.raises(PermissionDeniedError):
        core.enroll_one(template(1, vector, owner="FRA"))
    with pytest.raises(PermissionDeniedError):
        core.delete_template("t1", "FRA")  # visible (all members now), not owned
    core.enroll_one(template(1, vector, owner="DEU", policy=ONLY_DEU))
    with pytest.raises(NotFoundError):
        core.delete_template("t1", "FRA")  # not even visible
    with pytest.raises(NotFoundError):
        core.delete_subject("s1", "ITA")
    core.delete_template("t1", "DEU")
    assert core.store.count() == 0 and core.engine.get("t1") is None


def test_bulk_enrolment_refuses_bad_items_alone(open_core: Opener) -> None:
    core = open_core()
    good = unit_vectors(np.random.default_rng(33), 3, FACE_DIM)
    result = core.enroll([template(0, good[0]), template(1, np.zeros(FACE_DIM, np.float32)),
                          template(2, good[2], watchlists=[]), template(3, good[1])])
    assert [(r.index, r.template_id, r.field) for r in result.rejected] == [
        (1, "t1", "sample.vector"), (2, "t2", "watchlists")]
    assert [t.template_id for t, created in result.enrolled] == ["t0", "t3"]
    assert core.store.count() == 2
    with pytest.raises(InvalidArgumentError) as caught:
        core.enroll_one(template(9, np.ones(3, np.float32)))
    assert [v.field for v in caught.value.violations] == ["sample.vector"]
    assert core.store.count() == 2


def test_identify_batches_concurrent_probes(open_core: Opener) -> None:
    core = open_core()
    rng = np.random.default_rng(34)
    vectors = fill(core, rng)
    queries = [IdentifyQuery(noisy(rng, vectors[i], 0.5), Modality.FACE, top_k=3) for i in range(0, 1000, 25)]
    queries.append(IdentifyQuery(np.zeros(FACE_DIM, np.float32), Modality.FACE))

    async def ask_all() -> list[object]:
        return await asyncio.gather(*(core.identify(q) for q in queries), return_exceptions=True)

    answers = asyncio.run(ask_all())
    for i, answer in zip(range(0, 1000, 25), answers, strict=False):
        assert isinstance(answer, list) and answer[0].template_id == f"t{i}"
    assert isinstance(answers[-1], InvalidArgumentError)
    assert max(core.batcher.batch_sizes) > 1 and sum(core.batcher.batch_sizes) == len(queries)


def test_snapshots_are_written_in_the_background(open_core: Opener, tmp_path: Path) -> None:
    core = open_core(snapshot_every=500)
    fill(core, np.random.default_rng(35))
    assert core._snapshot_thread is not None
    core._snapshot_thread.join()
    assert (tmp_path / "snapshots" / "CURRENT").exists()



def test_a_snapshot_links_the_chunks_that_did_not_change_since_the_last(open_core: Opener, tmp_path: Path) -> None:
    """Chunks of 256 rows: a bulk load snapshots often, and each snapshot
    writes only the chunks that changed (the others are hard links to the
    previous snapshot's files), also the first one after a restart."""
    rng = np.random.default_rng(38)
    core = open_core()
    fill(core, rng)  # 1,000 faces: chunks 0-2 full, chunk 3 partly used
    first = core.save_snapshot()
    assert first is not None

    def inodes(snapshot: Path) -> dict[str, int]:
        return {p.name: p.stat().st_ino for p in snapshot.glob("*.vectors.npy")}

    before = inodes(first)
    core.enroll([template(f"n{i}", v) for i, v in enumerate(unit_vectors(rng, 100, FACE_DIM))])  # chunk 3 grows
    core.delete_template("t10", "FRA")  # chunk 0 changes
    second = core.save_snapshot()
    assert second is not None and not first.exists()
    after = inodes(second)
    assert {name for name in after if after[name] == before.get(name)} == {
        "face.00001.vectors.npy", "face.00002.vectors.npy", "fingerprint.00000.vectors.npy"}
    kept = state(core.engine)
    core.close()

    again = open_core()
    assert again.replayed == 0 and state(again.engine) == kept
    third = again.save_snapshot()
    assert third is not None
    # Nothing changed since the snapshot it loaded: every full chunk is linked.
    assert {name for name, inode in inodes(third).items() if inode != after[name]} <= {"face.00004.vectors.npy"}


def test_a_65th_watch_list_is_refused_before_anything_is_stored(open_core: Opener) -> None:
    core = open_core()
    vectors = unit_vectors(np.random.default_rng(37), 66, FACE_DIM)
    result = core.enroll([template(i, vectors[i], watchlists=[f"list_{i}"]) for i in range(66)])
    assert len(result.enrolled) == 64
    assert [(r.index, r.field) for r in result.rejected] == [(64, "watchlists"), (65, "watchlists")]
    assert core.store.count() == 64


def test_a_stream_of_batches_is_stored_in_order_with_stream_wide_indexes(open_core: Opener) -> None:
    core = open_core()
    vectors = unit_vectors(np.random.default_rng(38), 30, FACE_DIM)
    batches = [[template(i, vectors[i]) for i in range(start, start + 10)] for start in (0, 10, 20)]
    batches[1][3] = template(13, np.zeros(FACE_DIM, np.float32))
    batches[2][0] = template(5, vectors[20], watchlists=["missing_persons"])  # a later batch replaces t5
    result = core.enroll_stream(iter(batches))
    assert [(r.index, r.template_id, r.field) for r in result.rejected] == [(13, "t13", "sample.vector")]
    assert (result.enrolled_count, result.created_count) == (29, 28) and core.store.count() == 28
    replaced = core.engine.get("t5")
    assert replaced is not None and replaced.watchlists == {"missing_persons"}
    assert np.allclose(replaced.vector, vectors[20])
