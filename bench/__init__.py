"""Benchmarks: each area has a package here runnable as `python -m bench.<area>`;
`./dev bench [area ...]` runs them in turn. Figures print beside their target
from the issue and beside a baseline measured in the same run."""
