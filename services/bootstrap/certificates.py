"""`icore certs`: a development certificate authority with one client
certificate per member country and one certificate per service.

A country certificate names its country twice: as the subject's common name
and as the URI `urn:icore:country:<ISO3>` in its subject alternative names;
a service certificate carries `urn:icore:service:<name>` and DNS names for
localhost and Kubernetes. Servers read the caller's identity from these
(services.bootstrap.identity.CertificateIdentity). Production deployments
issue the same shapes from their own PKI.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from services.bootstrap.settings import SERVICES

COUNTRY_URI = "urn:icore:country:"
SERVICE_URI = "urn:icore:service:"
#: Countries `icore up` makes certificates for: the demo data's data owners.
DEMO_COUNTRIES = ("FRA", "DEU", "ITA", "ESP", "NLD", "POL", "UKR", "GRC", "TUR", "GBR", "USA", "CHN", "EGY", "RUS")
VALID_DAYS = 397


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write(path: Path, data: bytes, private: bool = False) -> None:
    path.write_bytes(data)
    if private:
        path.chmod(0o600)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject: x509.Name, issuer: x509.Name, public_key: object) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(public_key).serial_number(x509.random_serial_number())  # type: ignore[arg-type]
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=VALID_DAYS)))


class CertificateAuthority:
    """A CA that signs country and service certificates into one directory."""

    def __init__(self, directory: Path, organization: str = "icore development CA") -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        key_path, cert_path = directory / "ca-key.pem", directory / "ca.pem"
        if cert_path.exists() and key_path.exists():
            self.key = serialization.load_pem_private_key(key_path.read_bytes(), None)
            self.cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            return
        self.key = _key()
        name = _name(organization, organization)
        self.cert = (_builder(name, name, self.key.public_key())
                     .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                     .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                                    critical=True)
                     .sign(self.key, hashes.SHA256()))
        _write(key_path, _pem_key(self.key), private=True)
        _write(cert_path, self.cert.public_bytes(serialization.Encoding.PEM))

    def _issue(self, stem: str, common_name: str, organization: str,
               alt_names: list[x509.GeneralName], usages: list[x509.ObjectIdentifier]) -> Path:
        key = _key()
        cert = (_builder(_name(common_name, organization), self.cert.subject, key.public_key())
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
                .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
                .sign(self.key, hashes.SHA256()))  # type: ignore[arg-type]
        _write(self.directory / f"{stem}-key.pem", _pem_key(key), private=True)
        _write(self.directory / f"{stem}.pem", cert.public_bytes(serialization.Encoding.PEM))
        return self.directory / f"{stem}.pem"

    def issue_country(self, country: str) -> Path:
        """A client certificate for member country `country` (ISO 3166-1 alpha-3)."""
        return self._issue(f"country-{country}", country, "icore member country",
                           [x509.UniformResourceIdentifier(COUNTRY_URI + country)],
                           [ExtendedKeyUsageOID.CLIENT_AUTH])

    def issue_service(self, service: str, extra_dns: tuple[str, ...] = ()) -> Path:
        """A server-and-client certificate for an icore service."""
        dns = [service, f"{service}.icore", f"{service}.icore.svc", f"{service}.icore.svc.cluster.local",
               # each pod of a StatefulSet (the biometric shards) behind its headless service
               f"*.{service}.icore.svc.cluster.local", f"*.{service}.icore.svc", f"*.{service}",
               "localhost", *extra_dns]
        names: list[x509.GeneralName] = [x509.UniformResourceIdentifier(SERVICE_URI + service)]
        names += [x509.DNSName(d) for d in dns]
        names += [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.IPAddress(ipaddress.ip_address("::1"))]
        return self._issue(f"service-{service}", service, "icore service", names,
                           [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH])


def make_development_pki(directory: Path, countries: tuple[str, ...] = DEMO_COUNTRIES) -> Path:
    """The CA, every service's certificate and the given countries' certificates."""
    authority = CertificateAuthority(directory)
    for service in SERVICES:
        if not (directory / f"service-{service}.pem").exists():
            authority.issue_service(service)
    for country in countries:
        if not (directory / f"country-{country}.pem").exists():
            authority.issue_country(country)
    return directory
