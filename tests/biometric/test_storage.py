"""The template table round-trips and its change log replays in order, on
SQLite and PostgreSQL (the `database_url` fixture gives a fresh database)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from services.biometric.config import Modality
from services.biometric.storage import TemplateStore, create_schema
from services.biometric.templates import validate_template
from services.bootstrap.database import create_engine
from tests.biometric.factories import NOT_ITA, template, unit_vectors

DIMS = {Modality.FACE: 16}


@pytest.fixture
def store(database_url: str) -> Iterator[TemplateStore]:
    engine = create_engine(database_url)
    create_schema(engine)
    yield TemplateStore(engine, batch_size=7)
    engine.dispose()


def test_templates_round_trip_bit_for_bit(store: TemplateStore) -> None:
    vectors = unit_vectors(np.random.default_rng(20), 20, 16)
    saved = [validate_template(template(i, v, watchlists=["red_notices", "missing_persons"], policy=NOT_ITA,
                                        owner="DEU", quality=0.25), DIMS) for i, v in enumerate(vectors)]
    assert store.upsert(saved) == 20
    loaded = store.get("t3")
    assert loaded is not None
    assert loaded.vector.tobytes() == saved[3].vector.tobytes()
    assert (loaded.subject_id, loaded.modality, loaded.data_owner, loaded.quality) == ("s3", Modality.FACE, "DEU", 0.25)
    assert loaded.watchlists == {"red_notices", "missing_persons"} and loaded.policy == NOT_ITA
    assert store.count() == 20 and store.get("nope") is None


def test_changes_replay_in_sequence_order(store: TemplateStore) -> None:
    vectors = unit_vectors(np.random.default_rng(21), 10, 16)
    store.upsert([validate_template(template(i, vectors[i]), DIMS) for i in range(5)])  # seq 1-5
    assert store.delete(["t1", "t2", "absent"]) == 7
    store.upsert([validate_template(template(i, vectors[i + 5]), DIMS) for i in (1, 4)])  # t1 back; t4 replaced
    changes = list(store.changes_since(3))
    assert [(c.seq, c.template_id, c.template is not None) for c in changes] == [
        (4, "t3", True), (6, "t1", False), (7, "t2", False), (8, "t1", True), (9, "t4", True)]
    assert store.count() == 4 and store.last_seq() == 9
    assert store.prune_deletions(7) == 2 and [c.seq for c in store.changes_since(0)] == [1, 4, 8, 9]


def test_a_new_store_continues_the_sequence(store: TemplateStore) -> None:
    vector = unit_vectors(np.random.default_rng(22), 1, 16)[0]
    store.upsert([validate_template(template(1, vector), DIMS)])
    store.delete(["t1"])
    again = TemplateStore(store.engine)
    assert again.upsert([validate_template(template(2, vector), DIMS)]) == 3


def test_warming_up_writes_nothing(store: TemplateStore) -> None:
    vectors = unit_vectors(np.random.default_rng(23), 3, 16)
    store.upsert([validate_template(template(i, vectors[i]), DIMS) for i in range(3)])
    store.delete(["t0"])
    before = [(c.seq, c.template_id, c.template is not None) for c in store.changes_since(0)]
    store.warm_up()
    assert [(c.seq, c.template_id, c.template is not None) for c in store.changes_since(0)] == before
    assert store.count() == 2 and store.last_seq() == 4
