"""Transport security: mutual TLS credentials for servers and channels from
the files in ICORE_TLS_DIR (ca.pem, service-<name>.pem, service-<name>-key.pem)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import grpc


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _read(directory: Path, name: str) -> bytes:
    path = directory / name
    if not path.exists():
        raise FileNotFoundError(f"missing {path}: run `icore certs` or mount the service's certificates")
    return path.read_bytes()


def server_credentials(directory: Path, service: str) -> grpc.ServerCredentials:
    """Serve as `service`; every client must present a certificate from our CA."""
    return grpc.ssl_server_credentials(
        [(_read(directory, f"service-{service}-key.pem"), _read(directory, f"service-{service}.pem"))],
        root_certificates=_read(directory, "ca.pem"),
        require_client_auth=True,
    )


def channel_credentials(directory: Path, identity: str) -> grpc.ChannelCredentials:
    """Call as `identity`: a service name, or "country-<ISO3>" for a member country."""
    stem = identity if identity.startswith("country-") else f"service-{identity}"
    return grpc.ssl_channel_credentials(
        root_certificates=_read(directory, "ca.pem"),
        private_key=_read(directory, f"{stem}-key.pem"),
        certificate_chain=_read(directory, f"{stem}.pem"),
    )
