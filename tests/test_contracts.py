"""The contracts: gen/ is what proto/ generates, and buf's lint and breaking
checks pass with the real buf CLI (npm @bufbuild/buf, installed by ./dev)."""

from __future__ import annotations

import filecmp
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Version stamps differ between grpcio-tools releases without any change in meaning.
_STAMPS = re.compile(rb"(Protobuf Python Version: .*|GRPC_GENERATED_VERSION = .*|^\s+\d+,$)", re.M)


def _buf() -> str:
    local = ROOT / "node_modules" / ".bin" / "buf"
    found = str(local) if local.exists() else shutil.which("buf")
    if not found:
        pytest.fail("buf CLI not found: run ./dev test, which installs it with npm")
    return found


def test_gen_is_fresh(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_stubs.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    fresh = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    committed = {p.relative_to(ROOT / "gen") for p in (ROOT / "gen").rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts}
    assert fresh == committed, "gen/ has other files than proto/ generates: run ./dev gen"
    stale = [str(p) for p in sorted(fresh) if not filecmp.cmp(tmp_path / p, ROOT / "gen" / p, shallow=False)
             and _STAMPS.sub(b"", (tmp_path / p).read_bytes()) != _STAMPS.sub(b"", (ROOT / "gen" / p).read_bytes())]
    assert stale == [], f"gen/ is stale, run ./dev gen: {stale}"


def test_buf_lint_passes() -> None:
    result = subprocess.run([_buf(), "lint"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_breaking_against_previous_commit() -> None:
    """No change of a published contract may break clients: each commit is
    checked against its parent (the previous main, once landed)."""
    parent = subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD~1:proto"], cwd=ROOT, capture_output=True)
    if parent.returncode != 0:
        pytest.skip("no earlier commit with proto/ to compare with")
    result = subprocess.run([_buf(), "breaking", "--against", ".git#ref=HEAD~1"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
