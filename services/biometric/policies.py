"""Access policies as small integers, so that the visibility filter over a
million gallery rows is one gather from a per-country boolean table.

A row stores the id of its (policy, data owner) pair; distinct pairs are few
(a country uses a handful of policies). For each caller country the table of
which pairs it may see is computed once with the shared rule
(`services.uim.access.may_see`) and extended when new pairs appear.
"""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt

from services.uim.access import Policy, may_see

PolicyEntry = tuple[Policy, str]


class PolicyTable:
    """Distinct (policy, data owner) pairs <-> ids, and what each country may see."""

    def __init__(self, entries: list[PolicyEntry] | None = None) -> None:
        self._entries: list[PolicyEntry] = []
        self._ids: dict[PolicyEntry, int] = {}
        self._visible: dict[str, npt.NDArray[np.bool_]] = {}
        self._lock = threading.Lock()
        for entry in entries or []:
            self.id_of(*entry)

    @property
    def entries(self) -> list[PolicyEntry]:
        return list(self._entries)

    def id_of(self, policy: Policy, data_owner: str) -> int:
        key = (policy, data_owner)
        pid = self._ids.get(key)
        if pid is None:
            with self._lock:
                pid = self._ids.get(key)
                if pid is None:
                    pid = len(self._entries)
                    self._entries.append(key)
                    self._ids[key] = pid
        return pid

    def entry(self, pid: int) -> PolicyEntry:
        return self._entries[pid]

    def visible(self, country: str) -> npt.NDArray[np.bool_]:
        """visible(country)[pid]: may `country` see rows with policy id `pid`?

        Rows only ever carry ids that existed when they were written, so a
        cached table that is shorter than the current one is extended, never
        recomputed.
        """
        table = self._visible.get(country)
        size = len(self._entries)
        if table is None or table.shape[0] < size:
            start = 0 if table is None else table.shape[0]
            extra = np.fromiter((may_see(p, owner, country) for p, owner in self._entries[start:size]),
                                dtype=np.bool_, count=size - start)
            table = extra if table is None else np.concatenate([table, extra])
            self._visible[country] = table
        return table
