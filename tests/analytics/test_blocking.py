"""Blocking: the same candidates in batches as at once, and keys that meet across
scripts without pairing everything."""

from __future__ import annotations

from services.analytics.blocking import BlockIndex, block_keys, decode
from services.analytics.records import identity_record
from services.demo.generator import generate
from tests.analytics.entities import person


def _pairs(index: BlockIndex, rows: list[int], records) -> set[tuple[int, int]]:  # type: ignore[no-untyped-def]
    a, b = decode(index.add(rows, [block_keys(records[r]) for r in rows]))
    return set(zip(a.tolist(), b.tolist(), strict=True))


def test_batches_find_the_pairs_one_run_finds() -> None:
    records = [identity_record(item.entity) for item in generate(1500, 9, extras=False)]
    at_once = _pairs(BlockIndex(), list(range(len(records))), records)
    batched = BlockIndex()
    found: set[tuple[int, int]] = set()
    for start in range(0, len(records), 100):
        found |= _pairs(batched, list(range(start, min(start + 100, len(records)))), records)
    # A block that outgrows its cap stops pairing newcomers, but keeps the pairs it made
    # while small, so batches may find a few more pairs, never fewer.
    assert at_once <= found and len(found - at_once) <= 0.02 * len(at_once)


def test_a_name_meets_its_transliteration_and_its_typo() -> None:
    records = [identity_record(e) for e in [
        person("a", "Yuriy Shcherbakov"), person("b", "Юрий Щербаков"), person("c", "Yuriy Shcherbakow"),
        person("d", "Mohammed Haddad", born=(1980, 1, 1)), person("e", "محمد حداد", born=(1980, 1, 1)),
        person("f", "Mads Hedda", born=(1980, 1, 1)),
    ]]
    pairs = _pairs(BlockIndex(), list(range(len(records))), records)
    assert {(0, 1), (0, 2), (1, 2), (3, 4)} <= pairs
    # Latin names with the same consonants ("mhmd hdd" / "mds hd") pair only through Arabic script.
    assert (3, 5) not in pairs


def test_a_common_key_gives_no_pairs_beyond_its_cap() -> None:
    records = [identity_record(person(f"p{i}", "Maria Garcia")) for i in range(30)]
    pairs = _pairs(BlockIndex({"n": 12, "m": 20, "p": 12}), list(range(30)), records)
    assert pairs == set()
