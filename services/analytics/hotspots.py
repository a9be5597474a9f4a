"""Hotspots: geographic clusters of events, by DBSCAN (Ester et al. 1996) with
great-circle distances.

An event is a core point when at least `min_events` events (itself included) lie
within `radius_km` of it; core points within `radius_km` of each other join one
cluster, and every other event within `radius_km` of a core point joins that core
point's cluster. Points are placed on the unit sphere as 3-D vectors, so that the
chord between two of them grows with their great-circle (haversine) distance
everywhere, across the poles and the antimeridian alike; a grid of cubes one chord
wide puts every neighbour of a point in its own or one of the 26 adjacent cubes, so
distances are computed between near points only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0088
METHOD = "dbscan-haversine: core points have min_events events within radius_km (great-circle)"
MAX_EVENT_IDS = 100
_CHUNK = 256  # points whose distances are computed at once, to bound memory


@dataclass(frozen=True, slots=True)
class Hotspot:
    latitude: float
    longitude: float
    radius_km: float
    event_rows: tuple[int, ...]  # rows of the input, nearest to the centre first


def _unit_vectors(latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(latitude), np.radians(longitude)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)


def haversine_km(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distances from one point to many."""
    p1, p2 = math.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2) - math.radians(lon1)
    a = np.sin(dlat / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a))), float)


class _Components:
    """Union-find over point numbers."""

    def __init__(self, size: int) -> None:
        self.parent = np.arange(size)

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def hotspots(latitude: np.ndarray, longitude: np.ndarray, radius_km: float, min_events: int) -> list[Hotspot]:
    """DBSCAN clusters of the points, most events first (see the module docstring)."""
    count = len(latitude)
    if count < min_events:
        return []
    points = _unit_vectors(latitude, longitude)
    chord = 2 * math.sin(radius_km / EARTH_RADIUS_KM / 2)
    cells = np.floor(points / chord).astype(np.int64)
    order = np.lexsort((cells[:, 2], cells[:, 1], cells[:, 0]))
    sorted_cells = cells[order]
    change = np.any(sorted_cells[1:] != sorted_cells[:-1], axis=1)
    starts = np.flatnonzero(np.concatenate([[True], change]))
    ends = np.concatenate([starts[1:], [count]])
    members = {tuple(sorted_cells[s]): order[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)}
    offsets = [(dx, dy, dz) for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1)]
    neighbours: dict[int, np.ndarray] = {}
    for cell, inside in members.items():
        around = [members[c] for c in ((cell[0] + dx, cell[1] + dy, cell[2] + dz) for dx, dy, dz in offsets)
                  if c in members]
        candidates = np.concatenate(around)
        for chunk in range(0, len(inside), _CHUNK):
            rows = inside[chunk : chunk + _CHUNK]
            distance = np.linalg.norm(points[rows][:, None, :] - points[candidates][None, :, :], axis=2)
            for n, point in enumerate(rows.tolist()):
                neighbours[point] = candidates[distance[n] <= chord]
    core = np.zeros(count, bool)
    for point, near in neighbours.items():
        core[point] = len(near) >= min_events
    components = _Components(count)
    for point in np.flatnonzero(core).tolist():
        for other in neighbours[point].tolist():
            if core[other]:
                components.union(point, other)
    label = np.full(count, -1)
    for point in np.flatnonzero(core).tolist():
        label[point] = components.find(point)
    for point in np.flatnonzero(~core).tolist():
        near_core = [o for o in neighbours[point].tolist() if core[o]]
        if near_core:
            label[point] = label[near_core[0]]
    found = []
    for root in np.unique(label[label >= 0]).tolist():
        rows = np.flatnonzero(label == root)
        centre = points[rows].mean(axis=0)
        centre /= np.linalg.norm(centre)
        lat = math.degrees(math.asin(max(-1.0, min(1.0, float(centre[2])))))
        lon = math.degrees(math.atan2(float(centre[1]), float(centre[0])))
        distances = haversine_km(lat, lon, latitude[rows], longitude[rows])
        nearest = np.argsort(distances, kind="stable")
        found.append(Hotspot(round(lat, 6), round(lon, 6), round(float(distances.max()), 4),
                             tuple(rows[nearest].tolist())))
    found.sort(key=lambda h: (-len(h.event_rows), h.latitude, h.longitude))
    return found
