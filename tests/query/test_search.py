"""Candidate generation without a database: which keys a search reads, in which
groups, within which budget and years of birth."""

from __future__ import annotations

import math

from icore.query.v1 import query_service_pb2 as pb
from services.bootstrap.errors import FieldErrors
from services.query.criteria import Criteria, parse_search
from services.query.indexing import key_hash
from services.query.search import ROW_BUDGET, birth_years, choose_keys, query_keys, stored_hashes
from tests.query.records import partial_date


def _criteria(**fields: object) -> Criteria:
    errors = FieldErrors()
    criteria = parse_search(pb.SearchRequest(**fields), errors)  # type: ignore[arg-type]
    assert errors.violations == []
    return criteria


def test_each_word_is_a_group_and_attributes_only_count_without_a_name() -> None:
    keys = query_keys(_criteria(name="Ivan Petrov", date_of_birth=partial_date((1980, 5, 12)), nationality="RUS"))
    groups = {group for _, group in keys.values()}
    assert keys["ivan"][1] != keys["petrov"][1] and keys["d:petrov"][1] == keys["petrov"][1]
    assert "b:1980-05-12" in keys and len(groups) >= 3
    assert not [k for k in keys if k.startswith(("y:", "n:"))]  # read by the year filter and by scoring
    alone = query_keys(_criteria(date_of_birth=partial_date((1980,)), nationality="RUS"))
    assert set(alone) == {"y:1980", "n:RUS"}


def test_the_years_read_are_the_tolerance_a_year_either_side_and_unknown() -> None:
    assert birth_years(_criteria(name="x", date_of_birth=partial_date((1980, 1, 1)))) == [0, 1979, 1980, 1981]
    tolerant = _criteria(name="x", date_of_birth=partial_date((1980,)), date_of_birth_tolerance_years=2)
    assert birth_years(tolerant) == [0, *range(1977, 1984)]
    assert birth_years(_criteria(name="x")) == []


def test_keys_are_chosen_rarest_first_within_the_row_budget() -> None:
    priors = {"rare": (1.0, 0), "common": (1.0, 1), "huge": (0.4, 1)}
    counts = {key_hash("rare"): 10, key_hash("common"): ROW_BUDGET // 2, key_hash("huge"): ROW_BUDGET}
    chosen = {h: (w, g) for h, w, g in choose_keys(priors, counts, 1_000_000)}
    assert set(chosen) == {key_hash("rare"), key_hash("common")}
    assert chosen[key_hash("rare")][0] > chosen[key_hash("common")][0]  # rarer weighs more
    read_a_fifth = {h for h, _, _ in choose_keys(priors, counts, 1_000_000, share=0.2)}
    assert key_hash("huge") in read_a_fifth


def test_a_typo_key_reads_the_stored_words_sharing_it_as_one_key() -> None:
    priors = query_keys(_criteria(name="Ivan Petrof"))
    words = {key_hash("d:petro"): [key_hash("petrov"), key_hash("petrof")], key_hash("d:ivan"): [key_hash("ivan")]}
    stored = stored_hashes(priors, words)
    assert stored["d:petro"] == (key_hash("petrov"), key_hash("petrof"))
    assert stored["d:petrf"] == ()  # no stored word within a typo that way
    assert stored["petrof"] == (key_hash("petrof"),) and stored["p:PTRF"] == (key_hash("p:PTRF"),)
    counts = {key_hash("petrov"): 30, key_hash("petrof"): 10, key_hash("ivan"): 500}
    chosen = choose_keys(priors, counts, 1_000_000, stored=stored)
    petro = [(h, w, g) for h, w, g in chosen if h == key_hash("petrov")]
    # The typo key's rows are its words' rows together (40): both words get its weight, in its group.
    assert petro == [(key_hash("petrov"), round(100 * 0.6 * (math.log(1_000_001 / 41) + 1)), priors["d:petro"][1])]
    # The query's own word is read once in its group, at the better of its weights (plain, rarer).
    petrof = [(w, g) for h, w, g in chosen if h == key_hash("petrof")]
    assert petrof == [(round(100 * (math.log(1_000_001 / 11) + 1)), priors["petrof"][1])]
    assert len(chosen) == len(set((h, g) for h, _, g in chosen))
