"""The code style CI holds every commit to: ruff's checks (pyproject.toml's
[tool.ruff]: pycodestyle, pyflakes, import order, pyupgrade, bugbear) over
the whole tree, generated code excepted."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff() -> str:
    local = Path(sys.executable).with_name("ruff")
    found = str(local) if local.exists() else shutil.which("ruff")
    if found is None:
        pytest.fail("ruff not found: run ./dev test, which installs the dev extras")
    return found


def test_ruff_finds_nothing() -> None:
    result = subprocess.run([_ruff(), "check", "--no-cache", "--output-format", "concise", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
