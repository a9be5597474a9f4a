"""Gateway benchmark: UnifiedSearch with 1 and 64 concurrent clients, the
gateway's overhead against the slowest backend called alone, and
FrontlineCheck against N enrolled templates.

    python -m bench.gateway --templates=100000 --seconds=10

All five services run in this process's threads on SQLite in a temporary
directory, plaintext on loopback; the demo data set is loaded through the
query service, templates through EnrollStream.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import numpy as np

from icore.biometric.v1 import biometric_service_pb2 as bio_pb
from icore.biometric.v1 import biometric_service_pb2_grpc as bio_grpc
from icore.biometric.v1 import template_pb2
from icore.gateway.v1 import gateway_service_pb2 as pb
from icore.gateway.v1 import gateway_service_pb2_grpc as pb_grpc
from icore.query.v1 import query_service_pb2 as q_pb
from icore.query.v1 import query_service_pb2_grpc as q_grpc
from icore.uim.v1 import access_pb2, biometrics_pb2
from services import demo
from services.bootstrap.settings import Settings, peer_addresses
from services.registry import server_factory

FRA = (("x-icore-country", "FRA"),)
EVERYONE = access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_MEMBERS)


_RUNNING: list[object] = []  # a grpc.aio server without a reference is collected and stops


def start_mesh(root: Path) -> dict[str, str]:
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    peers = peer_addresses({})
    for service in ("query", "biometric", "messaging", "analytics", "gateway"):
        settings = Settings(service=service, data_dir=root / service, peers=dict(peers), plaintext=True,
                            rate_limit_per_s=1e6, rate_limit_burst=10**6)
        server = asyncio.run_coroutine_threadsafe(server_factory(service)(settings), loop).result(600)
        port = asyncio.run_coroutine_threadsafe(server.start(), loop).result(60)
        _RUNNING.append(server)
        peers[service] = f"127.0.0.1:{port}"
    return peers


def enrol(address: str, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` random face templates; returns the first 1,000 vectors as probes' mates."""
    stub = bio_grpc.BiometricServiceStub(grpc.insecure_channel(address, options=[
        ("grpc.max_send_message_length", 64 << 20)]))
    kept = []

    def batches():  # type: ignore[no-untyped-def]
        for start in range(0, count, 1000):
            vectors = rng.standard_normal((min(1000, count - start), 512)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            if start == 0:
                kept.append(vectors.copy())
            yield bio_pb.EnrollStreamRequest(templates=[template_pb2.Template(
                template_id=f"t{start + i}", subject_id=f"s{start + i}", watchlists=["red_notices"],
                access_policy=EVERYONE, sample=biometrics_pb2.BiometricSample(
                    modality=biometrics_pb2.MODALITY_FACE, vector=v.tolist())) for i, v in enumerate(vectors)])

    reply = stub.EnrollStream(batches(), metadata=FRA, timeout=3600)
    assert reply.enrolled_count == count, reply
    return kept[0]


def timed(call, seconds: float, clients: int) -> list[float]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    stop = time.monotonic() + seconds

    def worker(k: int) -> None:
        i = k
        while time.monotonic() < stop:
            started = time.perf_counter()
            call(i)
            latencies.append((time.perf_counter() - started) * 1000)
            i += clients

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, range(clients)))
    return latencies


def report(name: str, latencies: list[float], seconds: float, target: str = "") -> None:
    q = statistics.quantiles(latencies, n=100)
    print(f"{name:<44} n={len(latencies):>6}  {len(latencies) / seconds:8.1f}/s  p50 {q[49]:7.1f} ms  "
          f"p99 {q[98]:7.1f} ms  {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--templates", type=int, default=100_000)
    parser.add_argument("--persons", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        peers = start_mesh(Path(tmp))
        channels = {s: grpc.insecure_channel(a) for s, a in peers.items()}
        print("demo data:", demo.load_if_empty(channels, args.persons))
        started = time.perf_counter()
        mates = enrol(peers["biometric"], args.templates, rng)
        print(f"enrolled {args.templates} templates in {time.perf_counter() - started:.1f} s")
        gateway = pb_grpc.GatewayServiceStub(channels["gateway"])
        query = q_grpc.QueryServiceStub(channels["query"])
        names = ["Ivan Petrov", "Maria Rossi", "Wang Wei", "Ahmed Hassan", "Anna Kowalska", "John Smith"]

        def unified(i: int) -> None:
            gateway.UnifiedSearch(pb.UnifiedSearchRequest(name=names[i % len(names)]), metadata=FRA, timeout=10)

        def backend_alone(i: int) -> None:
            query.Search(q_pb.SearchRequest(name=names[i % len(names)]), metadata=FRA, timeout=10)

        def frontline(i: int) -> None:
            probe = mates[i % len(mates)] + 0.03 * rng.standard_normal(512).astype(np.float32)
            gateway.FrontlineCheck(pb.FrontlineCheckRequest(probe=biometrics_pb2.BiometricSample(
                modality=biometrics_pb2.MODALITY_FACE, vector=(probe / np.linalg.norm(probe)).tolist()),
                document_number="X1234567"), metadata=FRA, timeout=10)

        alone = timed(backend_alone, args.seconds, 1)
        report("baseline: query Search alone, 1 client", alone, args.seconds)
        one = timed(unified, args.seconds, 1)
        report("UnifiedSearch, 1 client", one, args.seconds)
        report("UnifiedSearch, 64 clients", timed(unified, args.seconds, 64), args.seconds)
        ratio = statistics.median(one) / statistics.median(alone)
        print(f"{'gateway overhead (p50 unified / p50 slowest backend alone)':<60} {ratio:5.2f}  target <= 1.2"
              f"  {'met' if ratio <= 1.2 else 'MISSED'}")
        fl = timed(frontline, args.seconds, 1)
        p99 = statistics.quantiles(fl, n=100)[98]
        report(f"FrontlineCheck at {args.templates} templates", fl, args.seconds,
               f"target p99 <= 100 ms at 1M: {'met' if p99 <= 100 else 'MISSED'} at this size")


if __name__ == "__main__":
    main()
