"""Hotspots: DBSCAN with great-circle distances finds planted clusters, nothing else."""

from __future__ import annotations

import math

import numpy as np

from services.analytics.hotspots import haversine_km, hotspots


def _around(rng: np.random.Generator, lat: float, lon: float, radius_km: float, count: int) -> np.ndarray:
    angle = rng.uniform(0, 2 * math.pi, count)
    distance = radius_km * np.sqrt(rng.uniform(0, 1, count)) / 111.0
    return np.stack([lat + distance * np.sin(angle), lon + distance * np.cos(angle) / math.cos(math.radians(lat))], 1)


def test_haversine_knows_the_distance_from_paris_to_london() -> None:
    assert abs(float(haversine_km(48.8566, 2.3522, np.asarray([51.5074]), np.asarray([-0.1278]))[0]) - 343.5) < 1.0


def test_planted_clusters_are_found_and_scattered_points_are_not() -> None:
    rng = np.random.default_rng(4)
    rotterdam = _around(rng, 51.9225, 4.47, 0.25, 30)
    lyon = _around(rng, 45.764, 4.8357, 0.3, 12)
    scattered = np.stack([rng.uniform(36, 60, 300), rng.uniform(-9, 30, 300)], 1)
    points = np.concatenate([rotterdam, lyon, scattered])
    found = hotspots(points[:, 0], points[:, 1], radius_km=0.5, min_events=5)
    assert [len(h.event_rows) for h in found] == [30, 12]
    assert set(found[0].event_rows) == set(range(30))
    assert abs(found[0].latitude - 51.9225) < 0.003 and abs(found[0].longitude - 4.47) < 0.003
    assert found[0].radius_km <= 0.3


def test_clusters_across_the_antimeridian_and_near_the_pole_hold_together() -> None:
    rng = np.random.default_rng(5)
    dateline = _around(rng, -17.0, 179.999, 0.3, 10)
    dateline[:, 1] = (dateline[:, 1] + 180) % 360 - 180
    polar = _around(rng, 89.99, 0.0, 0.2, 8)
    polar[:, 0] = np.minimum(polar[:, 0], 90)
    points = np.concatenate([dateline, polar])
    found = hotspots(points[:, 0], points[:, 1], radius_km=1.0, min_events=5)
    assert sorted(len(h.event_rows) for h in found) == [8, 10]
