"""The `icore` command: run the mesh on one machine, one service (what a pod
runs), migrations, and the operator tools the later issues add."""

from __future__ import annotations

import argparse
import asyncio
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

    args = parser.parse_args(argv)
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
        return asyncio.run(_serve(args.service))
    if args.command == "migrate":
        from services.bootstrap.database import create_engine
        from services.bootstrap.database import migrate as run_migrations

        config = settings_module.from_env(args.service)
        engine = create_engine(config.resolved_database_url)
        run_migrations(engine, args.service)
        run_migrations(engine, "audit")
        print(f"{args.service}: schema up to date at {config.resolved_database_url}")
        return 0
    parser.error(f"unknown command {args.command}")
    return 2


async def _serve(service: str) -> int:
    from services.bootstrap.server import run_until_signal
    from services.registry import server_factory

    server = await server_factory(service)(settings_module.from_env(service))
    await run_until_signal([server])
    return 0


if __name__ == "__main__":
    sys.exit(main())
