"""The `icore` command: run the mesh on one machine, one service (what a pod
runs), migrations, and the operator tools the later issues add."""

from __future__ import annotations

import argparse
import sys

from services.bootstrap import settings as settings_module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="icore", description="icore police information hub")
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="run all four backends and the gateway with demo data")
    up.add_argument("--data-dir", default="data", help="where the SQLite databases live (default: ./data)")
    up.add_argument("--demo-size", type=int, default=1000, help="persons in the demo data set (default: 1000)")
    up.add_argument("--no-demo", action="store_true", help="start with empty stores")
    up.add_argument("--base-port", type=int, default=settings_module.DEFAULT_PORTS["gateway"],
                    help="gateway port; backends take the next four (default: 50050)")

    up.add_argument("--plaintext", action="store_true",
                    help="no TLS, caller country from metadata (development on loopback only)")

    certs = commands.add_parser("certs", help="make a development CA with per-country and per-service certificates")
    certs.add_argument("--out", default="data/certs", help="directory to write them to (default: data/certs)")
    certs.add_argument("--countries", default="", help="comma-separated ISO 3166-1 alpha-3 codes (default: demo set)")

    serve = commands.add_parser("serve", help="run one service (what a Kubernetes pod runs)")
    serve.add_argument("service", choices=settings_module.SERVICES)

    migrate = commands.add_parser("migrate", help="bring a service's database schema up to date")
    migrate.add_argument("service", choices=[s for s in settings_module.SERVICES if s != "gateway"])

    chart = commands.add_parser("chart", help="draw the neighbourhood of an entity as an SVG link chart")
    chart.add_argument("entity_id", help="id of the entity at the centre")
    chart.add_argument("--depth", type=int, default=2, help="hops from the centre, 1 to 3 (default: 2)")
    chart.add_argument("--max-nodes", type=int, default=150, help="most records to draw, 1 to 2000 (default: 150)")
    chart.add_argument("--link-type", action="append", default=[],
                       help="only links of this type, e.g. MEMBER_OF; repeat for more (default: all)")
    chart.add_argument("--out", default="", help="SVG file to write (default: <entity_id>.svg)")
    chart.add_argument("--country", default="FRA", help="member country to ask as (default: FRA)")
    chart.add_argument("--address", default="", help="analytics service (default: ICORE_ANALYTICS_ADDR or "
                       f"127.0.0.1:{settings_module.DEFAULT_PORTS['analytics']})")
    chart.add_argument("--tls-dir", default="", help="certificates from `icore certs`; plaintext when not given")

    load = commands.add_parser("load", help="import UIM records from JSON lines or CSV into the query service")
    load.add_argument("file", help="JSON lines of icore.uim.v1.Entity (protobuf JSON), or CSV (see services/query/"
                                   "records_file.py for the columns)")
    load.add_argument("--format", choices=("jsonl", "csv"), default="", help="default: from the file name")
    load.add_argument("--address", default=settings_module.peer_addresses()["query"],
                      help="query service address (default: ICORE_QUERY_ADDR or 127.0.0.1:50053)")
    load.add_argument("--country", default="FRA", help="the member country loading, which owns the records")
    load.add_argument("--tls-dir", default="", help="certificates from `icore certs`; without it, plaintext")

    probe = commands.add_parser("probe", help="print a frontline check of a demo person's face, for grpcurl -d")
    probe.add_argument("entity_id", help="id of a demo person record (`icore up` names a watch-listed one)")
    probe.add_argument("--shot", type=int, default=0, help="which new photograph of the face (default: 0)")

    args = parser.parse_args(argv)
    if args.command == "probe":
        from services.demo.watchlists import frontline_probe_json

        print(frontline_probe_json(args.entity_id, args.shot))
        return 0
    if args.command == "load":
        return _load(args)
    if args.command == "chart":
        return _chart(args)
    if args.command == "up":
        from services.mesh import run_mesh

        return run_mesh(args.data_dir, args.base_port, 0 if args.no_demo else args.demo_size, args.plaintext)
    if args.command == "certs":
        from pathlib import Path

        from services.bootstrap.certificates import DEMO_COUNTRIES, make_development_pki

        countries = tuple(c.strip() for c in args.countries.split(",") if c.strip()) or DEMO_COUNTRIES
        directory = make_development_pki(Path(args.out), countries)
        print(f"certificates for {len(countries)} countries and every service in {directory}")
        return 0
    if args.command == "serve":
        from services.bootstrap.server import run

        return run(_serve(args.service))
    if args.command == "migrate":
        from services.bootstrap.database import migrate as run_migrations
        from services.bootstrap.database import open_database

        config = settings_module.from_env(args.service)
        engine = open_database(config.resolved_database_url, args.service)
        run_migrations(engine, "audit")
        print(f"{args.service}: schema up to date at {config.resolved_database_url}")
        return 0
    parser.error(f"unknown command {args.command}")
    return 2


def _chart(args: argparse.Namespace) -> int:
    """`icore chart`: GetNeighbourhood from the analytics service, drawn as SVG."""
    from pathlib import Path

    import grpc

    from icore.analytics.v1 import analytics_service_pb2 as analytics_pb
    from icore.analytics.v1 import analytics_service_pb2_grpc as analytics_grpc
    from services.analytics.link_chart import render
    from services.bootstrap.identity import Caller, identity_metadata
    from services.mesh import client_channel

    link_types = ["LINK_TYPE_" + name.upper().removeprefix("LINK_TYPE_") for name in args.link_type]
    try:  # protobuf takes enum values by name, and refuses an unknown one
        request = analytics_pb.GetNeighbourhoodRequest(entity_id=args.entity_id, depth=args.depth,
                                                       max_nodes=args.max_nodes, link_types=link_types)
    except ValueError as error:
        print(f"icore chart: {error}", file=sys.stderr)
        return 2
    address = args.address or settings_module.peer_addresses()["analytics"]
    tls_dir = Path(args.tls_dir) if args.tls_dir else None
    with client_channel(address, tls_dir, f"country-{args.country}") as channel:
        try:
            reply = analytics_grpc.AnalyticsServiceStub(channel).GetNeighbourhood(
                request, metadata=identity_metadata(Caller(args.country)), timeout=30)
        except grpc.RpcError as error:
            print(f"icore chart: {error.code().name}: {error.details()}", file=sys.stderr)
            return 1
    out = Path(args.out or f"{args.entity_id}.svg")
    out.write_text(render(reply), encoding="utf-8")
    print(f"{out}: {len(reply.nodes)} records, {len(reply.edges)} edges"
          + (" (cut at --max-nodes)" if reply.truncated else ""))
    return 0


def _load(args: argparse.Namespace) -> int:
    from pathlib import Path

    from services.mesh import client_channel
    from services.query.client import QueryClient
    from services.query.loading import Progress, load_file

    path = Path(args.file)
    if not path.is_file():
        print(f"icore load: no file {path}", file=sys.stderr)
        return 2
    tls_dir = Path(args.tls_dir) if args.tls_dir else None
    with client_channel(args.address, tls_dir, f"country-{args.country}") as channel:
        client = QueryClient(channel, "" if tls_dir else args.country)
        report = load_file(path, client, args.format, Progress(path.stat().st_size))
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for error in report.errors:
        print(f"rejected: {error}")
    print(f"{path}: {report.summary()}")
    return 0 if not report.rejected else 1


async def _serve(service: str) -> int:
    from services.bootstrap.collector import collect_less_often
    from services.bootstrap.server import run_until_signal
    from services.registry import server_factory

    collect_less_often()
    server = await server_factory(service)(settings_module.from_env(service))
    await run_until_signal([server])
    return 0


if __name__ == "__main__":
    sys.exit(main())
