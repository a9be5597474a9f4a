"""`python -m bench.biometric [--n N ...]`: the biometric engine benchmark."""

from __future__ import annotations

import sys

from bench.biometric.engine_bench import main

if __name__ == "__main__":
    sys.exit(main())
