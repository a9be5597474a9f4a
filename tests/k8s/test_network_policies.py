"""The network policies allow exactly the calls of the mesh: each backend only
from its callers, each caller only to its callees, the gateway from anywhere,
PostgreSQL only from the services with a database. A small evaluator of
NetworkPolicy semantics (for pods of one namespace) checks every pair."""

from __future__ import annotations

from typing import Any

from services.bootstrap.settings import DEFAULT_PORTS, SERVICES
from tests.k8s.conftest import Rendered
from tests.k8s.kustomize import Object
from tests.k8s.test_configuration import CALLS, WITH_DATABASE

Labels = dict[str, str]


def selects(selector: dict[str, Any], labels: Labels) -> bool:
    """A label selector (matchLabels and matchExpressions) applied to labels."""
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions", []):
        present = labels.get(expression["key"])
        operator = expression["operator"]
        if operator == "In" and present not in expression["values"]:
            return False
        if operator == "NotIn" and present in expression["values"]:
            return False
        if operator == "Exists" and present is None:
            return False
        if operator == "DoesNotExist" and present is not None:
            return False
    return True


def peer_matches(peer: dict[str, Any], namespace_labels: Labels, pod_labels: Labels) -> bool:
    """Whether a `from`/`to` entry matches a pod of the policy's own namespace."""
    if "ipBlock" in peer:
        return False
    if "namespaceSelector" in peer and not selects(peer["namespaceSelector"], namespace_labels):
        return False
    return selects(peer.get("podSelector", {}), pod_labels)


def rule_allows(rule: dict[str, Any], side: str, namespace_labels: Labels, other: Labels, port: int) -> bool:
    ports = rule.get("ports")
    if ports is not None and not any(p.get("protocol", "TCP") == "TCP" and p["port"] == port for p in ports):
        return False
    peers = rule.get(side)
    return peers is None or any(peer_matches(peer, namespace_labels, other) for peer in peers)


def allowed(
    policies: list[Object], direction: str, namespace_labels: Labels, pod: Labels, other: Labels, port: int
) -> bool:
    """Whether `pod` may receive from (Ingress) or send to (Egress) `other` on TCP `port`."""
    relevant = [p for p in policies if direction in p["spec"]["policyTypes"] and selects(p["spec"]["podSelector"], pod)]
    if not relevant:
        return True  # not isolated in that direction
    key, side = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    return any(
        rule_allows(rule, side, namespace_labels, other, port)
        for policy in relevant
        for rule in policy["spec"].get(key, [])
    )


def pod_labels(rendered: Rendered, name: str) -> Labels:
    (obj,) = [o for o, _ in rendered.pod_specs() if o["metadata"]["name"] == name]
    return dict(obj["spec"]["template"]["metadata"]["labels"])


def namespace_labels(rendered: Rendered) -> Labels:
    return dict(
        rendered.get("Namespace", rendered.namespace)["metadata"]["labels"],
        **{"kubernetes.io/metadata.name": rendered.namespace},
    )


def test_every_pod_is_isolated_both_ways(rendered: Rendered) -> None:
    deny = rendered.get("NetworkPolicy", "default-deny")["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_services_reach_exactly_their_callees(rendered: Rendered) -> None:
    policies, namespace = rendered.of_kind("NetworkPolicy"), namespace_labels(rendered)
    health_port = int(rendered.get("ConfigMap", "icore-config")["data"]["ICORE_HEALTH_PORT"])
    for caller in SERVICES:
        for callee in SERVICES:
            source, target = pod_labels(rendered, caller), pod_labels(rendered, callee)
            expected = callee in CALLS.get(caller, set())
            port = DEFAULT_PORTS[callee]
            assert allowed(policies, "Egress", namespace, source, target, port) == expected, (caller, callee)
            # The gateway takes anyone (test below); the caller's egress still decides.
            open_to_all = callee == "gateway"
            assert allowed(policies, "Ingress", namespace, target, source, port) == (expected or open_to_all), (
                caller,
                callee,
            )
            # The plaintext health port is for the kubelet (the node) only.
            assert not allowed(policies, "Ingress", namespace, target, source, health_port), (caller, callee)


def test_only_the_gateway_is_reachable_from_outside(rendered: Rendered) -> None:
    policies = rendered.of_kind("NetworkPolicy")
    outsider = {"app": "anything"}
    foreign_namespace = {"kubernetes.io/metadata.name": "elsewhere"}
    for service in SERVICES:
        labels = pod_labels(rendered, service)
        reachable = allowed(policies, "Ingress", foreign_namespace, labels, outsider, DEFAULT_PORTS[service])
        assert reachable == (service == "gateway"), service
    gateway_rules = rendered.get("NetworkPolicy", "gateway-ingress")["spec"]["ingress"]
    assert gateway_rules == [{"ports": [{"protocol": "TCP", "port": DEFAULT_PORTS["gateway"]}]}]


def test_every_pod_may_ask_the_cluster_dns(rendered: Rendered) -> None:
    policy = rendered.get("NetworkPolicy", "allow-dns-egress")["spec"]
    assert policy["podSelector"] == {}
    (rule,) = policy["egress"]
    assert {(p["protocol"], p["port"]) for p in rule["ports"]} == {("UDP", 53), ("TCP", 53)}
    (peer,) = rule["to"]
    assert peer["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "kube-system"}


def test_only_services_with_a_database_reach_postgres(rendered: Rendered) -> None:
    policies, namespace = rendered.of_kind("NetworkPolicy"), namespace_labels(rendered)
    (egress,) = [p for p in policies if p["metadata"]["name"] == "database-egress"]
    clients = [pod_labels(rendered, service) for service in SERVICES]
    clients += [pod_labels(rendered, f"migrate-{service}") for service in WITH_DATABASE]
    for labels in clients:
        expected = labels["app.kubernetes.io/name"] in WITH_DATABASE
        assert selects(egress["spec"]["podSelector"], labels) == expected, labels
        assert all(5432 in [p["port"] for p in rule["ports"]] for rule in egress["spec"]["egress"])
    if rendered.overlay == "dev":
        postgres = pod_labels(rendered, "postgres")
        for labels in clients:
            expected = labels["app.kubernetes.io/name"] in WITH_DATABASE
            assert allowed(policies, "Egress", namespace, labels, postgres, 5432) == expected, labels
            assert allowed(policies, "Ingress", namespace, postgres, labels, 5432) == expected, labels
    else:
        (rule,) = egress["spec"]["egress"]
        assert [set(peer) for peer in rule["to"]] == [{"ipBlock"}]
        assert rendered.get("Service", "postgres")["spec"]["type"] == "ExternalName"
