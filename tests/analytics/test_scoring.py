"""The Fellegi–Sunter model: EM recovers m and u, weights and probabilities behave."""

from __future__ import annotations

import json

import numpy as np

from services.analytics.comparison import FIELDS, LEVELS
from services.analytics.scoring import THRESHOLD, MatchModel, NameFrequencies, estimate
from services.uim.names import prepare


def _simulated(model: MatchModel, matches: int, others: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = []
    for count, probabilities in ((matches, model.m), (others, model.u)):
        columns = [rng.choice(np.arange(1, len(p) + 1), size=count, p=p) for p in probabilities]
        rows.append(np.stack(columns, axis=1))
    levels = np.concatenate(rows)
    missing = rng.random(levels.shape) < 0.1
    levels[missing] = 0
    return levels


def test_em_recovers_the_weights_it_was_simulated_with() -> None:
    truth = MatchModel(
        m=tuple(np.asarray(p) for p in ([0.6, 0.25, 0.08, 0.04, 0.02, 0.01], [0.8, 0.06, 0.04, 0.03, 0.04, 0.03],
                                        [0.97, 0.03],
                                        [0.9, 0.1], [0.6, 0.05, 0.35], [0.5, 0.2, 0.3])),
        u=tuple(np.asarray(p) for p in ([0.02, 0.03, 0.05, 0.15, 0.35, 0.4], [0.01, 0.01, 0.03, 0.01, 0.04, 0.9],
                                        [0.5, 0.5],
                                        [0.4, 0.6], [0.001, 0.004, 0.995], [0.01, 0.09, 0.9])),
        prior=0.2,
    )
    estimated = estimate(_simulated(truth, 20_000, 80_000))
    assert abs(estimated.prior - 0.2) < 0.02
    for f in (0, 1):  # name and birth date carry most of the evidence
        assert np.allclose(estimated.weights[f], truth.weights[f], atol=0.6), FIELDS[f]


def test_weights_order_the_levels_and_missing_weighs_nothing() -> None:
    model = MatchModel.default()
    for f, weights in enumerate(model.weights):
        assert weights[0] == 0 and len(weights) == len(LEVELS[f])
        assert weights[1] > 0 > weights[-1]
    strong = model.probability(model.weight((1, 1, 1, 1, 1, 1)))
    weak = model.probability(model.weight((5, 5, 2, 2, 0, 0)))
    assert strong > 0.999 and weak < 0.01
    assert abs(model.probability(model.threshold_weight) - THRESHOLD) < 1e-9


def test_a_model_survives_json() -> None:
    model = MatchModel.default()
    again = MatchModel.from_json(model.to_json())
    assert MatchModel.from_json(model.to_json().replace('"threshold": 0.3', '"threshold": 0.5')).threshold == THRESHOLD
    assert all(np.allclose(a, b) for a, b in zip(model.weights, again.weights, strict=True))


def test_a_rare_name_weighs_more_than_a_common_one() -> None:
    frequencies = NameFrequencies()
    for _ in range(40):
        frequencies.add([prepare("Maria Garcia")])
    letters = "bdfgklmnprstvz"
    for a in letters:
        for b in letters:
            frequencies.add([prepare(f"Ka{a}o{b}a Mi{b}e{a}")])
    common = frequencies.frequency([prepare("GARCIA Maria")])
    rare = frequencies.frequency([prepare("Mitefa Kafota")])
    assert common == 40 and rare == 1
    assert frequencies.adjustment(common, common) < 0 < frequencies.adjustment(rare, rare)
    frequencies.remove([prepare("Maria Garcia")])
    assert frequencies.frequency([prepare("Maria Garcia")]) == 39


def test_an_estimate_where_disagreement_counts_for_a_match_is_implausible() -> None:
    from services.analytics.scoring import plausible
    model = MatchModel.default()
    assert plausible(model)
    m = list(model.m)
    m[1] = np.asarray([0.09, 0.04, 0.03, 0.01, 0.05, 0.78])  # the 1M fit: different birth dates "for" a match
    u = list(model.u)
    u[1] = np.asarray([0.012, 0.05, 0.14, 0.007, 0.09, 0.70])
    assert not plausible(MatchModel(tuple(m), tuple(u), 0.32))


def test_a_model_stored_for_other_levels_gives_way_to_the_priors() -> None:
    stored = MatchModel.default()
    older = json.loads(stored.to_json())
    older["m"][1], older["u"][1] = older["m"][1][:5], older["u"][1][:5]  # five birth-date levels, as before
    assert MatchModel.from_json(json.dumps(older)).to_json() == MatchModel.default().to_json()
    assert MatchModel.from_json(stored.to_json()).to_json() == stored.to_json()
