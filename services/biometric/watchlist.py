"""Watch lists as bits: each distinct list name gets one bit of a uint64, so a
gallery row carries its lists in 8 bytes and a watch-list filter over a
million rows is one vectorised AND."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from services.bootstrap.errors import FailedPreconditionError

MAX_WATCHLISTS = 64


class WatchlistBits:
    """Name <-> bit assignment, shared by every modality's gallery.

    Bits are assigned in order of first use and kept in snapshots; 64 distinct
    lists is the limit (police systems have a handful: red notices, stolen
    identities, missing persons, ...).
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._names: list[str] = []
        self._bit: dict[str, int] = {}
        self._decoded: dict[int, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        for name in names:
            self.assign([name])

    @property
    def names(self) -> list[str]:
        """Names in bit order (what a snapshot stores)."""
        return list(self._names)

    def assign(self, names: Iterable[str]) -> int:
        """The mask of `names`, giving a bit to each name not seen before."""
        mask = 0
        for name in names:
            bit = self._bit.get(name)
            if bit is None:
                with self._lock:
                    bit = self._bit.get(name)
                    if bit is None:
                        if len(self._names) >= MAX_WATCHLISTS:
                            raise FailedPreconditionError(f"at most {MAX_WATCHLISTS} distinct watch lists")
                        bit = len(self._names)
                        self._names.append(name)
                        self._bit[name] = bit
            mask |= 1 << bit
        return mask

    def room_for(self, names: Iterable[str]) -> bool:
        """Whether `names` can get bits: check before persisting a template, so
        that the database never holds one the engine would refuse."""
        new = {name for name in names if name not in self._bit}
        return len(self._names) + len(new) <= MAX_WATCHLISTS

    def filter_mask(self, names: Iterable[str]) -> int:
        """The mask a filter on `names` tests against; unknown names match nothing."""
        mask = 0
        for name in names:
            bit = self._bit.get(name)
            if bit is not None:
                mask |= 1 << bit
        return mask

    def decode(self, mask: int) -> tuple[str, ...]:
        """The sorted names of a row's mask (cached: rows share few combinations)."""
        names = self._decoded.get(mask)
        if names is None:
            names = tuple(sorted(self._names[bit] for bit in range(len(self._names)) if mask >> bit & 1))
            self._decoded[mask] = names
        return names
