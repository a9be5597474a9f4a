"""Events as columns: time, ICCS code, country, coordinates and access policy of every
event in the repository, so that trends and hotspots over a million events are a few
numpy operations, not a million objects.

Rows are appended as events arrive; a changed event appends a new row and retires the
old one, a deleted event retires its row. The numpy views are rebuilt lazily after
writes.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from icore.uim.v1 import entity_pb2
from services.analytics.graph import PolicyRegistry
from services.uim.access import Policy


@dataclass(frozen=True)
class EventFilter:
    """Which events a trend or hotspot query looks at."""

    start: int  # seconds since the epoch, inclusive
    end: int  # exclusive
    iccs_codes: Collection[str] = ()  # a level-1 code includes its level-2 codes ("01" covers "0101")
    countries: Collection[str] = ()
    south: float = -90.0
    west: float = -180.0
    north: float = 90.0
    east: float = 180.0
    located_only: bool = False


class EventTable:
    """Every event's time, code, country, point and policy, as columns."""

    def __init__(self, policies: PolicyRegistry) -> None:
        self.policies = policies
        self._row_of: dict[str, int] = {}
        self.ids: list[str] = []
        self._times: list[int] = []
        self._codes: list[str] = []
        self._countries: list[str] = []
        self._latitudes: list[float] = []
        self._longitudes: list[float] = []
        self._policies: list[int] = []
        self._alive: list[bool] = []
        self._columns: dict[str, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self._row_of)

    def put(self, entity: entity_pb2.Entity) -> bool:
        """Add or replace an event; other kinds are ignored (returns False)."""
        if entity.WhichOneof("kind") != "event":
            self.delete(entity.id)
            return False
        self.delete(entity.id)
        event = entity.event
        location = event.location
        has_point = location.HasField("point") and not (location.point.latitude == 0 and location.point.longitude == 0)
        self._row_of[entity.id] = len(self.ids)
        self.ids.append(entity.id)
        self._times.append(event.start_time.seconds)
        self._codes.append(event.iccs_code)
        self._countries.append(location.country)
        self._latitudes.append(location.point.latitude if has_point else math.nan)
        self._longitudes.append(location.point.longitude if has_point else math.nan)
        self._policies.append(self.policies.intern(Policy.from_proto(entity.access_policy),
                                                   entity.provenance.data_owner))
        self._alive.append(True)
        self._columns = None
        return True

    def delete(self, entity_id: str) -> bool:
        row = self._row_of.pop(entity_id, None)
        if row is None:
            return False
        self._alive[row] = False
        self._columns = None
        return True

    def columns(self) -> dict[str, np.ndarray]:
        if self._columns is None:
            codes, code_index = np.unique(np.asarray(self._codes, dtype=object).astype(str), return_inverse=True) \
                if self._codes else (np.zeros(0, str), np.zeros(0, np.int64))
            countries, country_index = np.unique(np.asarray(self._countries, dtype=object).astype(str),
                                                 return_inverse=True) \
                if self._countries else (np.zeros(0, str), np.zeros(0, np.int64))
            self._columns = {
                "time": np.asarray(self._times, np.int64),
                "code": code_index.astype(np.int64), "codes": codes,
                "country": country_index.astype(np.int64), "countries": countries,
                "latitude": np.asarray(self._latitudes, float),
                "longitude": np.asarray(self._longitudes, float),
                "policy": np.asarray(self._policies, np.int64),
                "alive": np.asarray(self._alive, bool),
            }
        return self._columns

    def select(self, country: str, where: EventFilter) -> np.ndarray:
        """Rows of the events `country` may see that pass the filter."""
        columns = self.columns()
        if len(columns["time"]) == 0:
            return np.zeros(0, np.int64)
        view = np.asarray(self.policies.view(country), bool)
        keep = columns["alive"] & view[columns["policy"]]
        keep &= (columns["time"] >= where.start) & (columns["time"] < where.end)
        if where.iccs_codes:
            wanted = set(where.iccs_codes)
            codes = columns["codes"]
            matching = np.array([c in wanted or c[:2] in wanted for c in codes], bool)
            keep &= matching[columns["code"]]
        if where.countries:
            wanted_countries = np.isin(columns["countries"], list(where.countries))
            keep &= wanted_countries[columns["country"]]
        if where.located_only or (where.south, where.west, where.north, where.east) != (-90.0, -180.0, 90.0, 180.0):
            latitude, longitude = columns["latitude"], columns["longitude"]
            keep &= ~np.isnan(latitude)
            keep &= (latitude >= where.south) & (latitude <= where.north)
            if where.west <= where.east:
                keep &= (longitude >= where.west) & (longitude <= where.east)
            else:  # a box across the antimeridian
                keep &= (longitude >= where.west) | (longitude <= where.east)
        return np.flatnonzero(keep)
