"""The int8 codes that faiss scans sit in huge pages (services.biometric.huge_pages):
in 4 KiB pages one Identify at 1M took a quarter longer."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

from services.biometric.codecs import ByteCodec
from services.biometric.gallery import Chunk
from services.biometric.huge_pages import HUGE_PAGE_BYTES, zeroed_huge_pages

_THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")
huge_pages_on_request = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not _THP.exists() or "[never]" in _THP.read_text(),
    reason="this kernel gives no transparent huge pages")


def _huge_bytes_in(start: int, end: int) -> int:
    """AnonHugePages of the mappings overlapping [start, end) (/proc/self/smaps):
    the advice splits the allocation's mapping, so its pages are in several."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        mapping = re.match(r"^([0-9a-f]+)-([0-9a-f]+) ", line)
        if mapping:
            inside = int(mapping.group(1), 16) < end and start < int(mapping.group(2), 16)
        elif inside and line.startswith("AnonHugePages:"):
            total += int(line.split()[1]) * 1024
    return total


@huge_pages_on_request
def test_a_chunks_codes_are_written_into_huge_pages() -> None:
    chunk = Chunk(rows=16384, dimension=512, codec=ByteCodec(512))  # 8 MiB of codes
    assert chunk.codes is not None
    assert not chunk.codes.any()  # the pages given back still read as zeros

    chunk.codes[:] = 3

    start = chunk.codes.ctypes.data
    whole_pages = (chunk.codes.nbytes // HUGE_PAGE_BYTES - 1) * HUGE_PAGE_BYTES
    assert _huge_bytes_in(start, start + chunk.codes.nbytes) >= whole_pages
    assert int(chunk.codes.sum()) == 3 * chunk.codes.size


def test_a_region_smaller_than_a_huge_page_is_left_as_it_is() -> None:
    zeros = np.zeros(HUGE_PAGE_BYTES // 2, np.uint8)
    assert not zeroed_huge_pages(zeros.ctypes.data, zeros.nbytes)
