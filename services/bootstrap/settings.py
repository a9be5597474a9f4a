"""Server settings from ICORE_* environment variables, read once into a frozen
dataclass that is passed down; tests build their own."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

#: Default ports of `icore up`; Kubernetes uses the same inside each pod.
DEFAULT_PORTS = {
    "gateway": 50050,
    "messaging": 50051,
    "biometric": 50052,
    "query": 50053,
    "analytics": 50054,
}

SERVICES = tuple(DEFAULT_PORTS)

#: Largest message a server accepts or sends: a batch of 1,000 biometric
#: templates of 512 float32 is about 2.1 MB, a message with attachments at most
#: 8 MiB of documents; 16 MiB covers both with room for protobuf framing.
DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass(frozen=True)
class Settings:
    """Everything one server process needs to know about its surroundings.

    Every field comes from an environment variable named in its comment; the
    default is what `icore up` on one machine needs.
    """

    #: Which service this process runs: one of SERVICES.
    service: str
    #: ICORE_HOST: interface to listen on.
    host: str = "127.0.0.1"
    #: ICORE_PORT: port to listen on; 0 picks a free one (tests).
    port: int = 0
    #: ICORE_HEALTH_PORT: a second, plaintext port serving only grpc.health.v1,
    #: for probes that cannot present a client certificate (the kubelet's); 0 = off.
    health_port: int = 0
    #: ICORE_DATA_DIR: where embedded SQLite databases and snapshots live.
    data_dir: Path = Path("data")
    #: ICORE_DATABASE_URL (or ICORE_<SERVICE>_DATABASE_URL): SQLAlchemy URL;
    #: empty means SQLite at <data_dir>/<service>.sqlite.
    database_url: str = ""
    #: ICORE_SHUTDOWN_GRACE_S: seconds in-flight calls get to finish on SIGTERM.
    shutdown_grace_s: float = 10.0
    #: ICORE_MAX_MESSAGE_BYTES: largest request or response accepted.
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    #: ICORE_LOG_LEVEL: debug, info, warning or error.
    log_level: str = "info"
    #: ICORE_TLS_DIR: directory with ca.pem and service-<service>[-key].pem
    #: (made by `icore certs`); every caller must present a certificate of that CA.
    tls_dir: Path | None = None
    #: ICORE_PLAINTEXT=1: no TLS, and the caller's country taken from the
    #: `x-icore-country` metadata header. Development and tests only; refused
    #: unless the host is a loopback address.
    plaintext: bool = False
    #: ICORE_RATE_LIMIT_PER_S: sustained requests per second per country.
    rate_limit_per_s: float = 2000.0
    #: ICORE_RATE_LIMIT_BURST: requests a country may make at once after a pause.
    rate_limit_burst: int = 4000
    #: ICORE_MAX_STREAMS_PER_COUNTRY: streams a country may hold open at once.
    max_streams_per_country: int = 32
    #: ICORE_<PEER>_ADDR: addresses of the other services this one calls.
    peers: dict[str, str] = field(default_factory=dict)
    #: ICORE_BIOMETRIC_SHARD_COUNT: N, how many shards the biometric templates
    #: are spread over (k8s/README.md, "The shard contract"); 1 = one index
    #: holding everything, reached at ICORE_BIOMETRIC_ADDR.
    biometric_shard_count: int = 1
    #: ICORE_BIOMETRIC_SHARD_INDEX: on a biometric server, which shard it is,
    #: 0 to N-1; required there when N > 1. Callers ignore it.
    biometric_shard_index: int = 0
    #: ICORE_BIOMETRIC_SHARD_ADDR: the address of shard i with "{index}" in
    #: place of i; required when N > 1.
    biometric_shard_addr: str = ""

    def __post_init__(self) -> None:
        count, index = self.biometric_shard_count, self.biometric_shard_index
        if count < 1:
            raise ValueError(f"ICORE_BIOMETRIC_SHARD_COUNT must be at least 1, not {count}")
        if not 0 <= index < count:
            raise ValueError(f"ICORE_BIOMETRIC_SHARD_INDEX must be 0 to {count - 1} "
                             f"(ICORE_BIOMETRIC_SHARD_COUNT is {count}), not {index}")
        if count > 1 and "{index}" not in self.biometric_shard_addr:
            raise ValueError("ICORE_BIOMETRIC_SHARD_ADDR must contain {index} when ICORE_BIOMETRIC_SHARD_COUNT "
                             f"is {count}, e.g. dns:///biometric-{{index}}.biometric:50052; "
                             f"got {self.biometric_shard_addr!r}")

    @property
    def biometric_shard_addresses(self) -> list[str]:
        """Where each biometric shard is, shard 0 first; with one shard, the
        ordinary biometric address (ICORE_BIOMETRIC_ADDR)."""
        if self.biometric_shard_count == 1:
            return [self.peers.get("biometric", f"127.0.0.1:{DEFAULT_PORTS['biometric']}")]
        return [self.biometric_shard_addr.replace("{index}", str(i)) for i in range(self.biometric_shard_count)]

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / f'{self.service}.sqlite').resolve()}"

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def peer_addresses(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """ICORE_<SERVICE>_ADDR for every service, defaulting to localhost ports."""
    source: Mapping[str, str] = os.environ if env is None else env
    return {
        name: source.get(f"ICORE_{name.upper()}_ADDR", f"127.0.0.1:{port}")
        for name, port in DEFAULT_PORTS.items()
    }


def _int_env(name: str, default: int | None) -> int | None:
    value = _env(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None


def from_env(service: str) -> Settings:
    """Settings for `service` from the environment, with documented defaults.
    Raises ValueError naming the variable when the shard variables disagree."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; expected one of {', '.join(SERVICES)}")
    shard_count = _int_env("ICORE_BIOMETRIC_SHARD_COUNT", 1) or 0
    shard_index = _int_env("ICORE_BIOMETRIC_SHARD_INDEX", None)
    if shard_index is None and shard_count > 1 and service == "biometric":
        # A shard that guessed 0 would index shard 0's templates twice and lose its own.
        raise ValueError(f"ICORE_BIOMETRIC_SHARD_INDEX is required on a biometric server when "
                         f"ICORE_BIOMETRIC_SHARD_COUNT is {shard_count}")
    return Settings(
        service=service,
        host=_env("ICORE_HOST", "127.0.0.1"),
        port=int(_env("ICORE_PORT", str(DEFAULT_PORTS[service]))),
        health_port=int(_env("ICORE_HEALTH_PORT", "0")),
        data_dir=Path(_env("ICORE_DATA_DIR", "data")),
        database_url=_env(f"ICORE_{service.upper()}_DATABASE_URL", _env("ICORE_DATABASE_URL", "")),
        shutdown_grace_s=float(_env("ICORE_SHUTDOWN_GRACE_S", "10")),
        max_message_bytes=int(_env("ICORE_MAX_MESSAGE_BYTES", str(DEFAULT_MAX_MESSAGE_BYTES))),
        log_level=_env("ICORE_LOG_LEVEL", "info"),
        tls_dir=Path(_env("ICORE_TLS_DIR", "")) if _env("ICORE_TLS_DIR", "") else None,
        plaintext=_env("ICORE_PLAINTEXT", "0") == "1",
        rate_limit_per_s=float(_env("ICORE_RATE_LIMIT_PER_S", "2000")),
        rate_limit_burst=int(_env("ICORE_RATE_LIMIT_BURST", "4000")),
        max_streams_per_country=int(_env("ICORE_MAX_STREAMS_PER_COUNTRY", "32")),
        peers=peer_addresses(),
        biometric_shard_count=shard_count,
        # Callers (gateway, messaging) are no shard: the index means nothing there.
        biometric_shard_index=(shard_index or 0) if service == "biometric" else 0,
        biometric_shard_addr=_env("ICORE_BIOMETRIC_SHARD_ADDR", ""),
    )
