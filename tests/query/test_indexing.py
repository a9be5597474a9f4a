"""What an entity is indexed under: the fast word-by-word key hashes agree with the
shared name keys, and replacing or deleting an entity leaves none of its old key
rows behind (there is no index by entity; its keys are recomputed to delete them),
whether they are still fresh (SQLite) or merged into the key index."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from icore.uim.v1 import entity_pb2
from services.bootstrap.database import downgrade, migrate, open_database
from services.demo.generator import generate
from services.query.indexing import (
    IndexedEntity,
    hashes,
    index_entity,
    key_hash,
    name_key_hashes,
    search_key_hashes,
    search_keys,
    typo_rows,
)
from services.query.ingest import stored_entity
from services.query.storage import Repository, entities, fresh_keys, typo_words
from services.query.storage import search_keys as key_index
from services.uim.names import index_keys
from services.uim.names.keys import is_typo_key
from tests.query.records import event, person

AWKWARD_NAMES = [
    "José García-López", "Иван Петров", "王小明", "欧阳娜娜", "محمد عبد الرحمن", "عبدالله الأحمد", "Abd al Rahman",
    "de la Cruz", "Le Van Do", "Ben Ali", "J. Smith", "van der  Berg Jan", "Džemal\u00a0Bijedić", "ﬁona ｊｏｈｎ",
    "Παπαδόπουλος", "김민준", "al", "a b c", "y", "Omar ibn al Khattab", "O'Brien-Smith", "  ", "",
]


def test_name_key_hashes_are_the_shared_name_keys_with_typo_keys_left_to_the_word_list() -> None:
    for name in AWKWARD_NAMES:
        words: set[str] = set()
        stored = name_key_hashes(name, words)
        every = index_keys(name)
        assert sorted(stored) == hashes(k for k in every if not is_typo_key(k)), name
        assert {t for t, _ in typo_rows(words)} == set(hashes(k for k in every if is_typo_key(k))), name
        assert all(key_hash(word) in stored for word in words), name  # each found again as a plain key
    words = set()
    name_key_hashes("José García-López", words)
    assert words == {"yose", "garcia", "lopez"}  # folded: J and Y sound alike across languages


def test_every_generated_record_gets_the_keys_of_its_names_and_attributes() -> None:
    checked = 0
    for item in generate(3000, 11):
        if item.entity is not None:
            assert search_key_hashes(item.entity) == hashes(search_keys(item.entity))
            checked += 1
    assert checked > 3000


def _key_rows(engine: sa.Engine, table: sa.Table) -> set[tuple[int, int]]:
    with engine.connect() as connection:
        return {(r.key_hash, r.birth_year) for r in connection.execute(sa.select(table))}


def _indexed(name: str, birth: tuple[int, ...], record_id: str = "K-1") -> IndexedEntity:
    stored = stored_entity(person(record_id, name, birth, nationalities=["FRA"]), "FRA")
    return index_entity(stored, stored.id)


def test_replacing_and_deleting_leave_no_key_rows_behind(database_url: str) -> None:
    engine = open_database(database_url, "query")
    repository = Repository(engine)
    sqlite = engine.dialect.name == "sqlite"

    def rows() -> set[tuple[int, int]]:
        return _key_rows(engine, key_index) | (_key_rows(engine, fresh_keys) if sqlite else set())

    try:
        for merged in (False, True):
            first = _indexed("Jean-Pierre Dupont", (1970, 1, 2))
            repository.upsert_entities([first])
            assert rows() == {(h, 1970) for h in first.key_hashes}
            # SQLite keeps them fresh until a merge; PostgreSQL writes the key index.
            assert bool(_key_rows(engine, key_index)) is not sqlite
            if merged:
                assert repository.merge_fresh_keys() == (len(first.key_hashes) if sqlite else 0)
                assert _key_rows(engine, key_index) == {(h, 1970) for h in first.key_hashes}
            second = _indexed("Marie Curie", (1967,))  # new name and year of birth
            assert repository.upsert_entities([second]).updated == 1
            assert rows() == {(h, 1967) for h in second.key_hashes}
            if merged and sqlite:
                assert _key_rows(engine, key_index) == set()  # the merged keys went with the old name
            assert repository.delete_entity(second.id, "FRA") is not None
            assert rows() == set()
    finally:
        engine.dispose()


def test_fresh_keys_are_merged_once_past_the_threshold_and_found_either_way(tmp_path: Path) -> None:
    """SQLite: keys go to the fresh table, move into the key index in one merge
    once the rows written pass the threshold, and a search finds an entity
    before and after its keys moved."""
    engine = open_database(f"sqlite:///{tmp_path / 'store.sqlite'}", "query")
    try:
        batch = [_indexed(name, (1980,), f"M-{i}") for i, name in enumerate(["Ivan Petrov", "Anna Kowalska"])]
        first_rows = len(batch[0].key_hashes)
        repository = Repository(engine, fresh_keys_merge_rows=first_rows + 1)
        repository.upsert_entities(batch[:1])
        assert len(_key_rows(engine, fresh_keys)) == first_rows  # below the threshold: still fresh
        assert _key_rows(engine, key_index) == set()

        def found(item: IndexedEntity) -> list[int]:
            weights = [(h, 1, i) for i, h in enumerate(item.key_hashes)]
            return [c.weight for c in repository.candidates(weights, [], "FRA", 10)]

        assert found(batch[0])[0] == len(batch[0].key_hashes)
        repository.upsert_entities(batch[1:])  # passes the threshold: both entities' keys move
        assert _key_rows(engine, fresh_keys) == set()
        assert len(_key_rows(engine, key_index)) == len(set(batch[0].key_hashes) | set(batch[1].key_hashes))
        assert found(batch[0])[0] == len(batch[0].key_hashes)
        assert found(batch[1])[0] == len(batch[1].key_hashes)
        assert Repository(engine).merge_fresh_keys() == 0
    finally:
        engine.dispose()


def test_a_stored_body_is_the_record_with_its_times(tmp_path: Path) -> None:
    """The body is the record's bytes without times followed by an entity holding
    only the times: it parses as the record with its provenance times set, and
    the times follow a replacement (created kept, updated moved)."""
    engine = open_database(f"sqlite:///{tmp_path / 'store.sqlite'}", "query")
    try:
        repository = Repository(engine)
        first = _indexed("Jean-Pierre Dupont", (1970, 1, 2))
        repository.upsert_entities([first])
        body, _ = repository.get_entity(first.id, "FRA") or (b"", "")
        stored = entity_pb2.Entity.FromString(body)
        created = stored.provenance.create_time.ToDatetime(dt.UTC)
        assert abs(created - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
        assert stored.provenance.update_time == stored.provenance.create_time
        without_times = entity_pb2.Entity()
        without_times.CopyFrom(stored)
        without_times.provenance.ClearField("create_time")
        without_times.provenance.ClearField("update_time")
        assert without_times.SerializeToString(deterministic=True) == first.body
        assert without_times.person.names[0].full_name == "Jean-Pierre Dupont"
        repository.upsert_entities([_indexed("Marie Curie", (1967,))])
        replaced = entity_pb2.Entity.FromString((repository.get_entity(first.id, "FRA") or (b"", ""))[0])
        assert replaced.person.names[0].full_name == "Marie Curie"
        assert replaced.provenance.create_time == stored.provenance.create_time
        assert replaced.provenance.update_time.ToDatetime(dt.UTC) >= created
    finally:
        engine.dispose()


def test_times_are_stored_as_sqlalchemy_stores_them(tmp_path: Path) -> None:
    """The bulk insert of SQLite rows binds each value through its column's
    processor for the dialect: a time is written as SQLAlchemy writes it (no
    offset), so comparisons with bound times in SQL hold."""
    engine = open_database(f"sqlite:///{tmp_path / 'store.sqlite'}", "query")
    try:
        record = event("E-1", "0101", 1_700_000_000, "Lyon", "FRA")
        stored = stored_entity(record, "FRA")
        Repository(engine).upsert_entities([index_entity(stored, stored.id)])
        with engine.connect() as connection:
            raw = connection.exec_driver_sql(
                "SELECT event_time, create_time, update_time FROM query_entities").one()
            typed = connection.execute(sa.select(entities.c.event_time)).scalar_one()
        as_sqlalchemy = sa.DateTime().dialect_impl(engine.dialect).bind_processor(engine.dialect)
        assert raw[0] == as_sqlalchemy(dt.datetime.fromtimestamp(1_700_000_000, dt.UTC)) == "2023-11-14 22:13:20.000000"
        assert all("+" not in value for value in raw)
        assert typed.replace(tzinfo=dt.UTC) == dt.datetime.fromtimestamp(1_700_000_000, dt.UTC)
    finally:
        engine.dispose()


def _typo_rows(engine: sa.Engine) -> set[tuple[int, int]]:
    with engine.connect() as connection:
        return {(r.typo_hash, r.word_hash) for r in connection.execute(sa.select(typo_words))}


def test_typo_keys_are_written_once_per_word_and_never_per_record(database_url: str) -> None:
    engine = open_database(database_url, "query")
    try:
        repository = Repository(engine)
        first, second = _indexed("Ivan Petrov", (1980,), "W-1"), _indexed("Petrov Ivan", (1981,), "W-2")
        repository.upsert_entities([first])
        Repository(engine).upsert_entities([second])  # another replica: it does not know the words yet
        assert first.typo_words == second.typo_words == ["ivan", "petrov"]
        assert _typo_rows(engine) == set(typo_rows(["ivan", "petrov"]))
        typo_hashes = set(hashes(k for k in index_keys("Ivan Petrov") if is_typo_key(k)))
        sqlite = engine.dialect.name == "sqlite"
        key_rows = _key_rows(engine, key_index) | (_key_rows(engine, fresh_keys) if sqlite else set())
        assert not typo_hashes & {h for h, _ in key_rows}
        statistics = repository.key_statistics([key_hash("ivan")],
                                               [key_hash("d:petov"), key_hash("d:ivan"), key_hash("d:nobody")])
        assert statistics.words_by_typo == {key_hash("d:petov"): [key_hash("petrov")],
                                            key_hash("d:ivan"): [key_hash("ivan")]}
        assert set(statistics.counts) <= {key_hash("ivan"), key_hash("petrov")}  # counted as sampled
        assert repository.delete_entity(first.id, "FRA") is not None
        assert _typo_rows(engine) == set(typo_rows(["ivan", "petrov"]))  # a word list, not per record
    finally:
        engine.dispose()


def test_the_word_list_migration_moves_stored_typo_keys_there_and_back(database_url: str) -> None:
    engine = open_database(database_url, "query")
    try:
        record = _indexed("Ivan Petrov", (1980, 5, 12), "W-3")
        Repository(engine).upsert_entities([record])
        Repository(engine).merge_fresh_keys()
        stored = _key_rows(engine, key_index)
        typo_hashes = {key_hash(k) for k in index_keys("Ivan Petrov") if is_typo_key(k)}
        downgrade(engine, "query", "query_0005")
        assert _key_rows(engine, key_index) == stored | {(h, 1980) for h in typo_hashes}
        migrate(engine, "query")
        assert _key_rows(engine, key_index) == stored
        assert _typo_rows(engine) == set(typo_rows(record.typo_words))
    finally:
        engine.dispose()
