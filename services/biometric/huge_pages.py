"""Transparent huge pages for memory that faiss allocates.

The int8 scan reads every code of the gallery for each probe: 0.5 GB at 1M x
512, 128,000 pages of 4 KiB. numpy asks the kernel for huge pages for its own
large arrays (madvise), but a faiss index's codes are a std::vector that faiss
allocates and zero-fills itself, so where huge pages are given on request
only ("madvise", the default of most distributions) the codes stayed in 4 KiB
pages. Identify at 1M took 34.5-36.2 ms with them so and 28.1-28.2 ms in huge
pages (the 2-core VM, 2026-12-08, two scan threads).

`zeroed_huge_pages` asks for huge pages for such a region while it still holds
only zeros: its small pages are given back (MADV_DONTNEED, so it reads as
zeros still) and the next write to each 2 MiB faults in a huge page. Elsewhere
than on Linux it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable

HUGE_PAGE_BYTES = 2 << 20
_MADV_DONTNEED = 4
_MADV_HUGEPAGE = 14


def _madvise() -> Callable[[int, int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    function = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True).madvise
    function.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    function.restype = ctypes.c_int
    return function


_madvise_function = _madvise()


def zeroed_huge_pages(address: int, size: int) -> bool:
    """Back the whole 2 MiB pages inside [address, address + size), which must
    hold only zeros, with huge pages from their next write on. True when the
    kernel took the advice."""
    start = -(-address // HUGE_PAGE_BYTES) * HUGE_PAGE_BYTES
    end = (address + size) // HUGE_PAGE_BYTES * HUGE_PAGE_BYTES
    if _madvise_function is None or end <= start:
        return False
    if _madvise_function(start, end - start, _MADV_HUGEPAGE) != 0:
        return False  # huge pages are off, or not for this memory
    return _madvise_function(start, end - start, _MADV_DONTNEED) == 0
