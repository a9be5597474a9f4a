"""The code style CI holds every commit to: ruff's checks (pyproject.toml's
[tool.ruff]: pycodestyle, pyflakes, import order, pyupgrade, bugbear) over
the whole tree, generated code excepted, and mypy over the code that ships
and the benchmarks (the type hints are checked, not only written)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    local = Path(sys.executable).with_name(name)
    found = str(local) if local.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found: run ./dev test, which installs the dev extras")
    return found


def test_ruff_finds_nothing() -> None:
    result = subprocess.run([_tool("ruff"), "check", "--no-cache", "--output-format", "concise", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing() -> None:
    """pyproject.toml's [tool.mypy]; gen/ gives the generated messages' types."""
    result = subprocess.run([_tool("mypy"), "gateway", "services", "bench", "examples", "scripts"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
