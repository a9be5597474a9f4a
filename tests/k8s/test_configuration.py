"""The manifests agree with the code: the ports, probe ports, service names,
commands and environment variables that k8s/ sets are the ones that
services/bootstrap reads, and the rules around them (mutual TLS, shard count,
who may call whom) hold in every overlay."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.bootstrap import settings as settings_module
from services.bootstrap.certificates import make_development_pki
from services.bootstrap.settings import DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_PORTS, SERVICES
from services.bootstrap.tls import channel_credentials, server_credentials
from tests.k8s.conftest import Rendered
from tests.k8s.kustomize import Object, containers

ROOT = Path(__file__).resolve().parents[2]

#: Who calls whom (README's mesh diagram); network policies must allow exactly this.
CALLS = {
    "gateway": {"messaging", "biometric", "query", "analytics"},
    "messaging": {"query", "biometric"},
    "analytics": {"query"},
}
#: Services with a database: a Secret URL, a migrations Job, egress to PostgreSQL.
WITH_DATABASE = tuple(s for s in SERVICES if s != "gateway")

#: Variables the manifests already set for code that another change adds.
#: When the code reads one, test_pending_variables_are_still_pending fails:
#: delete it here, and the ordinary check covers it from then on.
PENDING: dict[str, str] = {}


class _RecordingEnviron(dict[str, str]):
    """An empty environment that remembers every name asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return super().__contains__(key)


@pytest.fixture(scope="module")
def names_read_by_code() -> set[str]:
    """Every ICORE_* and OTEL_* variable the code reads: what settings.from_env
    asks the environment for, for each service, and every such name written
    out in the code (for modules that read their own, like tracing)."""
    recorder = _RecordingEnviron()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "environ", recorder)
        for service in SERVICES:
            settings_module.from_env(service)
    pattern = re.compile(r"\b(?:ICORE|OTEL)_[A-Z0-9_]*[A-Z0-9]\b")
    written = {
        name
        for folder in ("services", "gateway")
        for path in (ROOT / folder).rglob("*.py")
        for name in pattern.findall(path.read_text())
    }
    return recorder.asked | written


def icore_containers(rendered: Rendered) -> Iterator[tuple[Object, Object]]:
    """(workload, container) for every container running the icore image."""
    for obj, _spec in rendered.pod_specs():
        for container in containers(obj):
            if container.get("args", [""])[0] in {"serve", "migrate"}:
                yield obj, container


def test_variables_set_are_variables_read(rendered: Rendered, names_read_by_code: set[str]) -> None:
    unknown = {}
    for obj, container in icore_containers(rendered):
        for name in rendered.env(container):
            if name not in names_read_by_code and name not in PENDING:
                unknown[name] = obj["metadata"]["name"]
    assert unknown == {}


def test_pending_variables_are_still_pending(names_read_by_code: set[str]) -> None:
    assert names_read_by_code & set(PENDING) == set(), "now read by the code: remove from PENDING"


def test_each_service_runs_its_server_on_its_default_port(rendered: Rendered) -> None:
    for service in SERVICES:
        workload = rendered.workload(service)
        container = rendered.container(workload)
        assert container["args"] == ["serve", service]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports["grpc"] == DEFAULT_PORTS[service]
        assert "ICORE_PORT" not in rendered.env(container)  # the default is the contract

        (service_object,) = [s for s in rendered.of_kind("Service") if s["metadata"]["name"] == service]
        (port,) = service_object["spec"]["ports"]
        assert port["port"] == DEFAULT_PORTS[service]
        assert port["targetPort"] == "grpc"
        assert service_object["spec"]["selector"] == workload["spec"]["selector"]["matchLabels"]
        headless = service_object["spec"].get("clusterIP") == "None"
        assert headless == (service != "gateway"), "backends headless, so callers balance per call"


def test_selectors_pick_servers_not_migration_jobs(rendered: Rendered) -> None:
    for obj in rendered.of_kind("Service") + rendered.of_kind("PodDisruptionBudget"):
        if obj["metadata"]["name"] == "postgres":
            continue
        selector = obj["spec"]["selector"]
        selector = selector.get("matchLabels", selector)
        matching = [
            o["metadata"]["name"]
            for o, _ in rendered.pod_specs()
            if selector.items() <= o["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert matching == [obj["metadata"]["name"]], obj["kind"]


def test_probes_ask_the_health_service_on_the_health_port(rendered: Rendered) -> None:
    for service in SERVICES:
        container = rendered.container(rendered.workload(service))
        health_port = int(rendered.env(container)["ICORE_HEALTH_PORT"])
        assert health_port not in DEFAULT_PORTS.values()
        assert {"name": "health", "containerPort": health_port} in container["ports"]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["grpc"] == {"port": health_port}, (service, probe)


def test_peer_addresses_name_the_peers_headless_services(rendered: Rendered) -> None:
    namespace = rendered.namespace
    for caller, callees in CALLS.items():
        environment = rendered.env(rendered.container(rendered.workload(caller)))
        for callee in callees:
            address = environment[f"ICORE_{callee.upper()}_ADDR"]
            assert address == f"dns:///{callee}.{namespace}.svc.cluster.local:{DEFAULT_PORTS[callee]}"
            assert rendered.get("Service", callee)["spec"]["clusterIP"] == "None"


def test_pods_serve_mutual_tls_with_the_certificate_files_the_code_reads(
    rendered: Rendered, tmp_path_factory: pytest.TempPathFactory
) -> None:
    made = make_development_pki(tmp_path_factory.mktemp("pki"), countries=())
    for service in SERVICES:
        workload = rendered.workload(service)
        container = rendered.container(workload)
        environment = rendered.env(container)
        assert environment["ICORE_HOST"] == "0.0.0.0"
        assert environment.get("ICORE_PLAINTEXT", "0") != "1"
        (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == environment["ICORE_TLS_DIR"]]
        (volume,) = [v for v in workload["spec"]["template"]["spec"]["volumes"] if v["name"] == mount["name"]]
        files = {
            item["path"]: (source["secret"]["name"], item["key"])
            for source in volume["projected"]["sources"]
            for item in source["secret"]["items"]
        }
        assert files == {
            "ca.pem": ("icore-ca", "ca.crt"),
            f"service-{service}.pem": (f"icore-tls-{service}", "tls.crt"),
            f"service-{service}-key.pem": (f"icore-tls-{service}", "tls.key"),
        }
        # The mounted files, and nothing else, are enough to serve and to call.
        mounted = tmp_path_factory.mktemp(f"tls-{service}")
        for name in files:
            shutil.copy(made / name, mounted / name)
        server_credentials(mounted, service)
        channel_credentials(mounted, service)


def test_writable_data_directory(rendered: Rendered) -> None:
    for service in SERVICES:
        workload = rendered.workload(service)
        container = rendered.container(workload)
        data_dir = rendered.env(container)["ICORE_DATA_DIR"]
        (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == data_dir]
        assert not mount.get("readOnly", False)
        volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"]["volumes"]}
        claims = {c["metadata"]["name"] for c in workload["spec"].get("volumeClaimTemplates", [])}
        assert mount["name"] in claims or "emptyDir" in volumes[mount["name"]]
    biometric = rendered.workload("biometric")
    assert [c["metadata"]["name"] for c in biometric["spec"]["volumeClaimTemplates"]] == ["data"]


def test_databases_come_from_the_secret_and_migrate_in_a_job(rendered: Rendered) -> None:
    for service in SERVICES:
        environment = rendered.env(rendered.container(rendered.workload(service)))
        urls = {name: value for name, value in environment.items() if name.endswith("DATABASE_URL")}
        expected = (
            {}
            if service == "gateway"
            else {f"ICORE_{service.upper()}_DATABASE_URL": {"secretKeyRef": {"name": "icore-database", "key": service}}}
        )
        assert urls == expected
    jobs = {job["metadata"]["name"]: job for job in rendered.of_kind("Job")}
    assert set(jobs) == {f"migrate-{service}" for service in WITH_DATABASE}
    for service in WITH_DATABASE:
        container = rendered.container(jobs[f"migrate-{service}"])
        assert container["args"] == ["migrate", service]
        assert container["env"] == [
            {
                "name": f"ICORE_{service.upper()}_DATABASE_URL",
                "valueFrom": {"secretKeyRef": {"name": "icore-database", "key": service}},
            }
        ]


def test_dev_database_secret_has_a_url_per_service(all_rendered: dict[str, Rendered]) -> None:
    secret = all_rendered["dev"].get("Secret", "icore-database")
    assert set(secret["stringData"]) == set(WITH_DATABASE)
    for service, url in secret["stringData"].items():
        assert url.startswith("postgresql://") and url.endswith(f":5432/{service}")
    assert all(o["metadata"]["name"] != "icore-database" for o in all_rendered["prod"].of_kind("Secret"))


def test_settings_agree_with_code_defaults(rendered: Rendered) -> None:
    config = rendered.get("ConfigMap", "icore-config")["data"]
    # Client channels use the default as a fixed limit, so servers may not differ.
    assert int(config["ICORE_MAX_MESSAGE_BYTES"]) == DEFAULT_MAX_MESSAGE_BYTES
    assert config["ICORE_LOG_LEVEL"] in {"debug", "info", "warning", "error"}


def test_shutdown_drains_within_the_grace_period(rendered: Rendered) -> None:
    for service in SERVICES:
        workload = rendered.workload(service)
        container = rendered.container(workload)
        drain = float(rendered.env(container)["ICORE_SHUTDOWN_GRACE_S"])
        pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert workload["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > pre_stop + drain


def test_biometric_shards_are_numbered_and_counted(rendered: Rendered) -> None:
    shards = rendered.workload("biometric")
    assert shards["kind"] == "StatefulSet"
    assert shards["spec"]["serviceName"] == "biometric"
    count = shards["spec"]["replicas"]
    for service in ("biometric", *sorted(s for s, callees in CALLS.items() if "biometric" in callees)):
        environment = rendered.env(rendered.container(rendered.workload(service)))
        assert environment["ICORE_BIOMETRIC_SHARD_COUNT"] == str(count), service
        assert environment["ICORE_BIOMETRIC_SHARD_ADDR"] == (
            f"dns:///biometric-{{index}}.biometric.{rendered.namespace}.svc.cluster.local:{DEFAULT_PORTS['biometric']}"
        )
    index = rendered.env(rendered.container(shards))["ICORE_BIOMETRIC_SHARD_INDEX"]
    assert index == {"fieldRef": {"fieldPath": "metadata.labels['apps.kubernetes.io/pod-index']"}}


def test_shard_variables_as_the_pods_get_them_are_accepted_by_the_code(
    rendered: Rendered, monkeypatch: pytest.MonkeyPatch
) -> None:
    """settings.from_env checks the shard variables at start-up: what each pod
    gets passes, and every caller reaches exactly the StatefulSet's pods."""
    count = rendered.workload("biometric")["spec"]["replicas"]
    for service in ("biometric", *sorted(s for s, callees in CALLS.items() if "biometric" in callees)):
        environment = rendered.env(rendered.container(rendered.workload(service)))
        plain = {name: value for name, value in environment.items() if isinstance(value, str)}
        if service == "biometric":  # the downward API gives the last pod its ordinal
            plain["ICORE_BIOMETRIC_SHARD_INDEX"] = str(count - 1)
        monkeypatch.setattr(os, "environ", plain)
        settings = settings_module.from_env(service)
        assert settings.biometric_shard_count == count
        assert settings.biometric_shard_addresses == [
            f"dns:///biometric-{i}.biometric.{rendered.namespace}.svc.cluster.local:{DEFAULT_PORTS['biometric']}"
            for i in range(count)
        ]
        if service == "biometric":
            assert settings.biometric_shard_index == count - 1


def test_gateway_and_query_autoscale_and_every_server_has_a_disruption_budget(rendered: Rendered) -> None:
    scaled = {h["spec"]["scaleTargetRef"]["name"]: h for h in rendered.of_kind("HorizontalPodAutoscaler")}
    assert set(scaled) == {"gateway", "query"}
    for name, autoscaler in scaled.items():
        assert autoscaler["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert "replicas" not in rendered.workload(name)["spec"], "the autoscaler owns the count"
        assert 1 <= autoscaler["spec"]["minReplicas"] <= autoscaler["spec"]["maxReplicas"]
    budgets = {b["metadata"]["name"] for b in rendered.of_kind("PodDisruptionBudget")}
    assert budgets == set(SERVICES)


def test_every_pod_is_locked_down(rendered: Rendered) -> None:
    for obj, spec in rendered.pod_specs():
        name = obj["metadata"]["name"]
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] > 0, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in containers(obj):
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["runAsNonRoot"] is True, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) == {"cpu", "memory"}, (name, bound)


def test_one_icore_image_per_overlay(all_rendered: dict[str, Rendered]) -> None:
    images = {overlay: {c["image"] for _, c in icore_containers(r)} for overlay, r in all_rendered.items()}
    assert images["dev"] == {"icore:dev"}
    (prod,) = images["prod"]
    assert ":" in prod.rsplit("/", 1)[-1] and not prod.endswith(":latest")


def test_dev_secrets_script_makes_the_secrets_the_pods_mount(rendered: Rendered) -> None:
    script = (ROOT / "k8s" / "dev-secrets.sh").read_text()
    (listed,) = re.findall(r'^services="([a-z ]+)"$', script, re.MULTILINE)
    assert tuple(listed.split()) == SERVICES
    assert f"namespace={rendered.namespace}\n" in script
    assert 'secret generic icore-ca --from-file=ca.crt="$dir/ca.pem"' in script
    assert 'secret tls "icore-tls-$service"' in script
    assert '--cert="$dir/service-$service.pem" --key="$dir/service-$service-key.pem"' in script
