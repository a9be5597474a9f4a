"""`./dev bench [area ...] [-- args]`: run the benchmarks of each area (all by default)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

AREAS = sorted(p.name for p in Path(__file__).parent.iterdir() if (p / "__main__.py").exists())


def main(argv: list[str]) -> int:
    if "--" in argv:  # everything after it goes to each benchmark as it is
        argv, extra = argv[: argv.index("--")], argv[argv.index("--") + 1:]
    else:
        extra = [a for a in argv if a.startswith("-")]
    chosen = [a for a in argv if not a.startswith("-")] or AREAS
    unknown = sorted(set(chosen) - set(AREAS))
    if unknown:
        print(f"unknown benchmark area(s) {unknown}; have {AREAS}", file=sys.stderr)
        return 2
    status = 0
    for area in chosen:
        print(f"=== bench.{area} ===", flush=True)
        status |= subprocess.call([sys.executable, "-m", f"bench.{area}", *extra])
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
