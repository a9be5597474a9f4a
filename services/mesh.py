"""`icore up`: the whole mesh on one machine, each service in its own process
on embedded SQLite, with the demo data loaded into empty stores.

By default every service speaks mutual TLS with certificates from a
development CA made in <data dir>/certs (`icore certs`); `--plaintext` runs
without TLS on loopback, for debugging, and says so."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.bootstrap.certificates import make_development_pki

#: Start order: the backends first, the gateway (which calls them) last.
START_ORDER = ("query", "biometric", "messaging", "analytics", "gateway")
_OFFSETS = {"gateway": 0, "messaging": 1, "biometric": 2, "query": 3, "analytics": 4}


def mesh_ports(base_port: int) -> dict[str, int]:
    return {service: base_port + offset for service, offset in _OFFSETS.items()}


def client_channel(address: str, tls_dir: Path | None, identity: str = "country-FRA") -> grpc.Channel:
    """A blocking channel to a mesh service, as `identity` when TLS is on."""
    if tls_dir is None:
        return grpc.insecure_channel(address)
    stem = identity if identity.startswith("country-") else f"service-{identity}"
    credentials = grpc.ssl_channel_credentials((tls_dir / "ca.pem").read_bytes(),
                                               (tls_dir / f"{stem}-key.pem").read_bytes(),
                                               (tls_dir / f"{stem}.pem").read_bytes())
    return grpc.secure_channel(address, credentials)


def wait_serving(address: str, timeout_s: float, process: subprocess.Popen[bytes] | None = None,
                 tls_dir: Path | None = None) -> bool:
    """Poll the standard health service until it says SERVING."""
    deadline = time.monotonic() + timeout_s
    with client_channel(address, tls_dir) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                return False
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=1.0)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return True
            except grpc.RpcError:
                pass
            time.sleep(0.1)
    return False


def _service_env(service: str, port: int, data_dir: Path, ports: dict[str, int],
                 tls_dir: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ICORE_PORT=str(port),
        ICORE_HOST="127.0.0.1",
        ICORE_DATA_DIR=str(data_dir),
        OTEL_SERVICE_NAME=f"icore-{service}",
    )
    if tls_dir is None:
        env["ICORE_PLAINTEXT"] = "1"
        env.pop("ICORE_TLS_DIR", None)
    else:
        env["ICORE_TLS_DIR"] = str(tls_dir)
        env.pop("ICORE_PLAINTEXT", None)
    for peer, peer_port in ports.items():
        env[f"ICORE_{peer.upper()}_ADDR"] = f"127.0.0.1:{peer_port}"
    return env


def run_mesh(data_dir: str, base_port: int, demo_size: int, plaintext: bool = False) -> int:
    """Start every service, load demo data, print the endpoints, and stop
    everything cleanly on Ctrl-C or SIGTERM. Returns the exit status."""
    root = Path(data_dir).resolve()
    root.mkdir(parents=True, exist_ok=True)
    tls_dir = None if plaintext else make_development_pki(root / "certs")
    if plaintext:
        print("icore: PLAINTEXT development mode: no TLS, caller country taken from metadata", file=sys.stderr)
    ports = mesh_ports(base_port)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    status = 0
    try:
        for service in START_ORDER:
            command = [sys.executable, "-m", "services.cli", "serve", service]
            env = _service_env(service, ports[service], root, ports, tls_dir)
            processes[service] = subprocess.Popen(command, env=env)
            if not wait_serving(f"127.0.0.1:{ports[service]}", 60, processes[service], tls_dir) or stopping:
                if not stopping:
                    print(f"icore: {service} did not start; see its log above", file=sys.stderr)
                    status = 1
                return status
        if demo_size:
            _load_demo(ports, demo_size, tls_dir)
        _print_endpoints(ports, root, tls_dir, demo=demo_size > 0)
        while not stopping:
            for service, process in processes.items():
                if process.poll() is not None:
                    print(f"icore: {service} exited with {process.returncode}; stopping", file=sys.stderr)
                    return 1
            time.sleep(0.2)
        return 0
    finally:
        _stop_all(processes)


def _load_demo(ports: dict[str, int], size: int, tls_dir: Path | None) -> None:
    from services import demo

    channels = {s: client_channel(f"127.0.0.1:{p}", tls_dir) for s, p in ports.items()}
    acting: dict[tuple[str, str], grpc.Channel] = {}

    def channel_for(service: str, country: str) -> grpc.Channel:
        """A channel with `country`'s certificate (France's where `up` made none for it)."""
        assert tls_dir is not None
        if (service, country) not in acting:
            identity = f"country-{country}" if (tls_dir / f"country-{country}.pem").exists() else "country-FRA"
            acting[service, country] = client_channel(f"127.0.0.1:{ports[service]}", tls_dir, identity)
        return acting[service, country]

    try:
        summary = demo.load_if_empty(channels, size, channel_for=channel_for if tls_dir else None)
        demo.wait_until_cross_checked(channels, channel_for if tls_dir else None)
    finally:
        for channel in [*channels.values(), *acting.values()]:
            channel.close()
    print(f"icore: demo data: {summary}", flush=True)


def _print_endpoints(ports: dict[str, int], data_dir: Path, tls_dir: Path | None, demo: bool) -> None:
    transport = "plaintext" if tls_dir is None else f"mutual TLS, certificates in {tls_dir}"
    lines = ["", f"icore is up (embedded SQLite in {data_dir}; {transport}):"]
    for service in ("gateway", "messaging", "biometric", "query", "analytics"):
        lines.append(f"  {service:<10} 127.0.0.1:{ports[service]}")
    gateway = ports["gateway"]
    if tls_dir is None:
        flags = "-plaintext -H 'x-icore-country: FRA'"
    else:
        flags = f"-cacert {tls_dir}/ca.pem -cert {tls_dir}/country-FRA.pem -key {tls_dir}/country-FRA-key.pem"
    lines += [
        "",
        "Try it (as France):",
        f"  grpcurl {flags} 127.0.0.1:{gateway} list",
        f"  grpcurl {flags} -d '{{\"code_list\": \"CODE_LIST_COUNTRIES\", \"page_size\": 3}}' "
        f"127.0.0.1:{gateway} icore.uim.v1.CodeListService/ListCodes",
    ]
    if demo:
        lines += [
            f"  grpcurl {flags} -d '{{\"name\": \"Tsvetkov\", \"page_size\": 3}}' "
            f"127.0.0.1:{gateway} icore.gateway.v1.GatewayService/UnifiedSearch",
            "A frontline check of a watch-listed face (ENTITY_ID from the demo data line above):",
            f"  ./dev icore probe ENTITY_ID | grpcurl {flags} -d @ "
            f"127.0.0.1:{gateway} icore.gateway.v1.GatewayService/FrontlineCheck",
        ]
    lines += ["", "Ctrl-C stops everything."]
    print("\n".join(lines), flush=True)


def _stop_all(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    """SIGTERM in reverse start order, so the gateway drains before its backends."""
    for service in reversed(list(processes)):
        if processes[service].poll() is None:
            processes[service].send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
