"""Pairwise quality of resolved identities against the demo generator's truth."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

from services.demo.generator import Truth


def true_pairs(truth: Truth, country: str | None = None) -> set[tuple[str, str]]:
    """Pairs of records of the same true person (both visible to `country`, if given)."""
    pairs: set[tuple[str, str]] = set()
    for ids in truth.persons.values():
        shown = ids if country is None else truth.visible(ids, country)
        pairs.update((a, b) if a < b else (b, a) for a, b in combinations(shown, 2))
    return pairs


def pairwise_quality(clusters: Iterable[Iterable[str]], truth: set[tuple[str, str]]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of predicted clusters against the true pairs."""
    predicted: set[tuple[str, str]] = set()
    for members in clusters:
        predicted.update((a, b) if a < b else (b, a) for a, b in combinations(members, 2))
    found = len(predicted & truth)
    precision = found / len(predicted) if predicted else 1.0
    recall = found / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
