"""Regenerate gen/ from proto/: Python messages, gRPC stubs and .pyi type stubs.

Run with `./dev gen`. gen/ is never edited by hand; tests/test_generated.py fails
when it differs from what this script produces.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"
GEN_DIR = ROOT / "gen"
PACKAGE_DOC = '"""Generated from proto/ by scripts/generate_stubs.py. Do not edit."""\n'


def proto_files() -> list[Path]:
    return sorted(PROTO_DIR.rglob("*.proto"))


def generate(out_dir: Path) -> None:
    """Write the stubs of every proto file under proto/ into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    well_known = Path(protoc.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_DIR}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *(str(p.relative_to(PROTO_DIR)) for p in proto_files()),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for package in [p for p in out_dir.rglob("*") if p.is_dir()] + [out_dir / "icore"]:
        init = package / "__init__.py"
        if not init.exists():
            init.write_text(PACKAGE_DOC)
    (out_dir / "icore" / "py.typed").write_text("")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=GEN_DIR, help="output directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        if args.out.exists():
            shutil.rmtree(args.out)
        shutil.copytree(tmp, args.out)
    print(f"generated {len(proto_files())} proto files into {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
