"""`icore up` as a user runs it: a subprocess that starts every service,
answers health checks on every port, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from icore.query.v1 import query_service_pb2 as query_pb
from icore.query.v1 import query_service_pb2_grpc as query_grpc
from icore.uim.v1 import code_list_service_pb2 as codes_pb
from icore.uim.v1 import code_list_service_pb2_grpc as codes_grpc
from services.bootstrap.certificates import DEMO_COUNTRIES
from services.mesh import client_channel, mesh_ports, wait_serving

#: A W3C trace id the caller sends; the server must log it as its own.
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def _list_countries(address: str, tls_dir: Path) -> None:
    """As France, over mutual TLS with the certificate `icore up` made."""
    with client_channel(address, tls_dir, "country-FRA") as channel:
        reply = codes_grpc.CodeListServiceStub(channel).ListCodes(
            codes_pb.ListCodesRequest(code_list=codes_pb.CODE_LIST_COUNTRIES, page_size=3),
            metadata=(("traceparent", f"00-{TRACE_ID}-00f067aa0ba902b7-01"),),
            timeout=10)
    assert len(reply.codes) == 3


def _data_owners(address: str, tls_dir: Path) -> set[str]:
    """The data owners of the demo records Germany may see."""
    with client_channel(address, tls_dir, "country-DEU") as channel:
        changes = query_grpc.QueryServiceStub(channel).ExportEntities(query_pb.ExportEntitiesRequest(), timeout=60)
        return {c.entity.provenance.data_owner for c in changes if c.HasField("entity")}


def _free_base_port() -> int:
    """A port with the four ports above it free too."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + 4 >= 65535:
            continue
        sockets = []
        try:
            for port in range(base, base + 5):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no five free consecutive ports")


def _run_example_client(base: int, certs: Path) -> str:
    """examples/member_country_client.py, as a member country's developer runs it."""
    ports = mesh_ports(base)
    result = subprocess.run(
        [sys.executable, "examples/member_country_client.py", "--country", "FRA", "--recipient", "DEU",
         "--certs", str(certs), "--gateway", f"127.0.0.1:{ports['gateway']}",
         "--messaging", f"127.0.0.1:{ports['messaging']}"],
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_icore_up_serves_every_port_and_stops_on_sigterm(tmp_path: Path) -> None:
    base = _free_base_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    log = (tmp_path / "up.log").open("w")  # a file: a pipe could fill up and block the services
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "up", "--data-dir", str(tmp_path), "--base-port", str(base),
         "--demo-size", "200"],
        env=env, stdout=subprocess.PIPE, stderr=log, text=True,
    )
    try:
        certificates = tmp_path / "certs" / f"country-{DEMO_COUNTRIES[-1]}.pem"  # the last one `up` writes
        for _ in range(600):
            if certificates.exists() or process.poll() is not None:
                break
            time.sleep(0.1)
        for service, port in mesh_ports(base).items():
            assert wait_serving(f"127.0.0.1:{port}", 120, process, tmp_path / "certs"), f"{service} not serving"
        # `up` prints the endpoints once the demo data is loaded.
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
        printed, deadline = [], time.monotonic() + 180
        while time.monotonic() < deadline and not any("Ctrl-C stops everything" in line for line in printed):
            try:
                printed.append(lines.get(timeout=1))
            except queue.Empty:
                assert process.poll() is None, "icore up exited early"
        _list_countries(f"127.0.0.1:{base}", tmp_path / "certs")
        owners = _data_owners(f"127.0.0.1:{mesh_ports(base)['query']}", tmp_path / "certs")
        example = _run_example_client(base, tmp_path / "certs")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        log.close()
    stderr = (tmp_path / "up.log").read_text()
    stdout = "".join(printed)
    assert process.returncode == 0, stderr[-3000:]
    assert f"gateway    127.0.0.1:{base}" in stdout
    demo_line = next(line for line in printed if "demo data:" in line)
    assert "case messages sent" in demo_line
    assert "faces on watch lists (a frontline check of one: icore probe ent_" in demo_line, demo_line
    assert "GatewayService/FrontlineCheck" in stdout
    assert len(owners) > 5, "each record is stored as its owner, through its country's certificate"
    assert "sent msg_" in example and "to DEU in case EXAMPLE/" in example
    assert "backend query: BACKEND_STATE_OK" in example and "frontline check: FRONTLINE_OUTCOME_" in example
    assert f"grpcurl -cacert {tmp_path}/certs/ca.pem -cert {tmp_path}/certs/country-FRA.pem" in stdout
    rpc_lines = [json.loads(line) for line in stderr.splitlines()
                 if line.startswith("{") and '"event": "rpc"' in line and "ListCodes" in line]
    assert rpc_lines, "no log line for the ListCodes call"
    line = rpc_lines[-1]
    assert line["method"] == "/icore.uim.v1.CodeListService/ListCodes"
    assert line["country"] == "FRA" and line["code"] == "OK"
    assert line["duration_ms"] >= 0
    assert line["trace_id"] == TRACE_ID, "trace context did not propagate over gRPC metadata"
    assert stderr.count('"event": "server_stopped"') == 5
