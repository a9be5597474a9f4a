"""Run mesh services as their own processes for a benchmark, as `icore serve`
runs them in a pod: plaintext on loopback, one free port each, rate limits
lifted (a benchmark is one very busy country)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from services.mesh import wait_serving

ROOT = Path(__file__).resolve().parents[1]
#: The process behind each address `served` yielded, for CPU accounting.
PIDS: dict[str, int] = {}


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(service: str, data_dir: Path, env: Mapping[str, str] | None = None,
           start_timeout_s: float = 600.0) -> Iterator[str]:
    """`icore serve SERVICE` on a free loopback port until the block ends; yields its address."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = dict(os.environ, ICORE_PLAINTEXT="1", ICORE_PORT=str(port), ICORE_DATA_DIR=str(data_dir),
                       ICORE_LOG_LEVEL="warning", ICORE_RATE_LIMIT_PER_S="1000000",
                       ICORE_RATE_LIMIT_BURST="1000000", ICORE_MAX_STREAMS_PER_COUNTRY="1000")
    environment.update(env or {})
    log = (data_dir / f"{service}.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", service], cwd=ROOT,
                               env=environment, stdout=log, stderr=subprocess.STDOUT)
    address = f"127.0.0.1:{port}"
    try:
        if not wait_serving(address, start_timeout_s, process):
            raise RuntimeError(f"{service} did not start; see {data_dir / f'{service}.log'}")
        PIDS[address] = process.pid
        yield address
    finally:
        PIDS.pop(address, None)
        process.terminate()
        try:
            process.wait(120)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
