"""The demo data set `icore up` loads: generated UIM records with known truth."""

from __future__ import annotations


def load_if_empty(channels: dict[str, grpc.Channel], size: int) -> str:  # noqa: F821
    """Load `size` demo persons into empty stores; returns a one-line summary.

    The generator and loader arrive with the unified query (issue 6); until then
    the stores start empty.
    """
    return "no demo generator yet (it comes with the unified query service); stores start empty"
