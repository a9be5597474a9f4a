"""Entity resolution against known truth, incrementally and over the whole store."""

from __future__ import annotations

import random

from services.analytics.clustering import LINK_VETO, average_linkage, components, piece_of, split_oversized
from services.analytics.records import IdentityRecord, identity_record
from services.analytics.resolution import Resolver, visible_groups
from services.demo.generator import Truth, generate
from tests.analytics.entities import person
from tests.analytics.quality import pairwise_quality, true_pairs


def _records(entities) -> list[IdentityRecord]:  # type: ignore[no-untyped-def]
    return [r for r in map(identity_record, entities) if r is not None]


def _generated(size: int, seed: int) -> tuple[list[IdentityRecord], Truth]:
    """`size` person records of the demo generator, and the truth about them."""
    truth = Truth()
    entities = []
    for item in generate(size, seed, extras=False):
        truth.add(item)
        entities.append(item.entity)
    return _records(entities), truth


def test_ten_thousand_records_resolve_above_the_quality_floors() -> None:
    records, truth = _generated(10_000, seed=11)
    resolver = Resolver()
    stats = resolver.resolve_all(records)
    precision, recall, f1 = pairwise_quality(resolver.identities(), true_pairs(truth))
    assert stats.records == 10_000
    assert precision >= 0.97 and recall >= 0.95 and f1 >= 0.95, (precision, recall, f1)
    assert stats.candidate_pairs < 10 * stats.records, "blocking must stay selective"


def test_records_arriving_in_batches_resolve_as_well_as_the_whole_store() -> None:
    records, truth = _generated(3_000, seed=5)
    whole = Resolver()
    whole.resolve_all(records)
    incremental = Resolver(model=whole.model)
    for start in range(0, len(records), 200):
        incremental.add(records[start : start + 200])
    pairs = true_pairs(truth)
    f1_whole = pairwise_quality(whole.identities(), pairs)[2]
    f1_incremental = pairwise_quality(incremental.identities(), pairs)[2]
    assert f1_incremental >= 0.95 and abs(f1_whole - f1_incremental) < 0.02


def test_one_bad_pair_does_not_chain_two_people_together() -> None:
    """A1~A2 and B1~B2 are one person each; B1 carries A's passport by a data-entry
    error, so A1~B1 matches too. Connected components would make one person of four."""
    entities = [
        person("a1", "Jean DUPONT", born=(1970, 3, 1), nationality="FRA", passport="AB1111111"),
        person("a2", "Jean Dupont", born=(1970, 3, 1), nationality="FRA"),
        person("b1", "Jean DUPOND", born=(1971, 7, 15), nationality="FRA", passport="AB1111111"),
        person("b2", "Jean Dupond", born=(1971, 7, 15), nationality="FRA", passport="CD2222222"),
    ]
    resolver = Resolver()
    resolver.add(_records(entities))
    assert resolver.explain("a1", "b1").probability >= resolver.model.threshold  # the bad pair
    assert sorted(resolver.members("a1")) == ["a1", "a2"]
    assert sorted(resolver.members("b2")) == ["b1", "b2"]


def test_average_linkage_keeps_apart_what_components_join() -> None:
    probability = {(0, 1): 0.99, (2, 3): 0.99, (1, 2): 0.9}
    edges = {0: [1], 1: [0, 2], 2: [1, 3], 3: [2]}
    assert components([0, 1, 2, 3], edges) == [[0, 1, 2, 3]]
    clusters = average_linkage([0, 1, 2, 3], lambda a, b: probability.get((min(a, b), max(a, b))),
                               lambda a, b: 0.01, threshold=0.5)
    assert sorted(map(sorted, clusters)) == [[0, 1], [2, 3]]


def test_a_pair_that_says_different_people_vetoes_the_merge() -> None:
    """One very strong bad pair (0~2) lifts the mean across {0, 1} x {2, 3} over a low
    threshold; the pair 0~3, which says "different people", keeps them apart."""
    probability = {(0, 1): 0.99, (2, 3): 0.99, (0, 2): 0.99, (0, 3): 0.04, (1, 2): 0.2, (1, 3): 0.2}

    def known(a: int, b: int) -> float | None:
        return probability.get((min(a, b), max(a, b)))

    merged = average_linkage([0, 1, 2, 3], known, lambda a, b: 0.0, threshold=0.3)
    assert sorted(map(sorted, merged)) == [[0, 1, 2, 3]]
    kept = average_linkage([0, 1, 2, 3], known, lambda a, b: 0.0, threshold=0.3, veto=LINK_VETO)
    assert sorted(map(sorted, kept)) == [[0, 1], [2, 3]]


def test_an_oversized_component_is_split_at_its_weakest_pairs() -> None:
    """Forty chains of five records (strong pairs), each joined to the next by one weaker
    pair: one component of 200 that falls apart into the forty chains."""
    matches: dict[int, dict[int, float]] = {}

    def pair(a: int, b: int, p: float) -> None:
        matches.setdefault(a, {})[b] = p
        matches.setdefault(b, {})[a] = p

    for chain in range(40):
        first = chain * 5
        for row in range(first, first + 4):
            pair(row, row + 1, 0.999 - row * 1e-6)
        if chain:
            pair(first - 1, first, 0.8 + chain * 1e-4)
    assert len(components(list(range(200)), matches)) == 1
    pieces = split_oversized(list(range(200)), matches, max_size=5)
    assert sorted(sorted(p) for p in pieces) == [list(range(c * 5, c * 5 + 5)) for c in range(40)]
    assert split_oversized(list(range(200)), matches, max_size=200) == [list(range(200))]


def test_an_oversized_component_of_certain_pairs_stays_whole() -> None:
    certain = {a: {b: 1.0 for b in range(12) if b != a} for a in range(12)}
    assert [sorted(p) for p in split_oversized(list(range(12)), certain, max_size=5)] == [list(range(12))]
    assert sorted(piece_of(3, certain, max_size=5)) == list(range(12))


def test_one_rows_piece_is_the_piece_the_whole_split_gives_it() -> None:
    """`piece_of` (incremental arrivals) must agree with `split_oversized` (whole runs)."""
    rng = random.Random(7)
    matches: dict[int, dict[int, float]] = {}
    for _ in range(900):
        a, b = rng.sample(range(300), 2)
        p = 1.0 - 10 ** -rng.uniform(0.3, 12)
        matches.setdefault(a, {})[b] = matches.setdefault(b, {})[a] = p
    rows = sorted(matches)
    pieces = [piece for part in components(rows, matches) for piece in split_oversized(part, matches, max_size=20)]
    assert max(map(len, pieces)) <= 20 and len(pieces) > len(components(rows, matches))
    for piece in pieces:
        for row in piece:
            assert sorted(piece_of(row, matches, max_size=20)) == sorted(piece)


def test_a_changed_or_removed_record_changes_its_identity() -> None:
    resolver = Resolver()
    resolver.add(_records([person("p1", "Anna Kowalska", born=(1990, 5, 5), passport="PL123456"),
                           person("p2", "KOWALSKA Anna", born=(1990, 5, 5), passport="PL 123456")]))
    assert sorted(resolver.members("p1")) == ["p1", "p2"]
    resolver.add(_records([person("p2", "Zofia Nowak", born=(1961, 1, 1))]))  # the source corrected p2
    assert resolver.members("p1") == ["p1"]
    resolver.add(_records([person("p3", "Anna Kowalska", born=(1990, 5, 5))]))
    assert sorted(resolver.members("p1")) == ["p1", "p3"]
    resolver.remove(["p3"])
    assert resolver.members("p1") == ["p1"] and "p3" not in resolver


def test_explanations_say_what_matched_how() -> None:
    resolver = Resolver()
    resolver.add(_records([person("r1", "Юрий Щербаков", born=(1975, 4, 9), nationality="RUS"),
                           person("r2", "SHCHERBAKOV Yuriy", born=(1975, 4, 9), nationality="RUS")]))
    match = resolver.explain("r1", "r2")
    assert match.probability > 0.9
    assert any("transliterated from Cyrillic" in r for r in match.reasons)
    assert any(r.startswith("birth_date: same date") for r in match.reasons)


def test_a_caller_sees_no_identity_that_holds_only_through_a_hidden_record() -> None:
    matched = {"a": {"h": 0.9}, "h": {"a": 0.9, "b": 0.9}, "b": {"h": 0.9}}
    groups = visible_groups(["a", "h", "b"], lambda m: matched[m], lambda m: m != "h")
    assert sorted(map(sorted, groups)) == [["a"], ["b"]]
    assert visible_groups(["a", "h", "b"], lambda m: matched[m], lambda m: True) == [["a", "h", "b"]]


def test_snapshot_and_restore_keep_identities_without_comparing_again() -> None:
    records, _ = _generated(400, seed=3)
    resolver = Resolver()
    resolver.resolve_all(records)
    pairs, members = resolver.snapshot()
    restored = Resolver(model=resolver.model)
    restored.restore(records, pairs, members)
    assert sorted(map(sorted, restored.identities())) == sorted(map(sorted, resolver.identities()))
