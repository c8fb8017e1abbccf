"""notify's egress NetworkPolicy (deploy/k8s/base/network/networkpolicies.yaml): agencies
choose its webhook targets, so the cluster keeps it from the private ranges and the cloud's
metadata service even should the webhook guard be got round. Rendered like every overlay
(tests/ops/test_k8s_manifests.py) and evaluated here: which address and port an ipBlock lets
notify reach, and that everything else it may reach is a pod of its own."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from tests.ops.test_k8s_manifests import OVERLAYS, Doc, of_kind, overlay

NOTIFY = {"app.kubernetes.io/name": "samstat", "app.kubernetes.io/component": "notify"}
# Addresses inside the deployment or the cloud: the metadata service, private and shared
# ranges, link-local and unique-local IPv6.
INSIDE = ["169.254.169.254", "169.254.20.10", "10.0.0.1", "10.96.0.10", "172.16.0.1",
          "172.31.255.254", "192.168.1.1", "100.64.0.1", "100.127.255.254", "127.0.0.1",
          "fd00:ec2::254", "fc00::1", "fe80::a9fe:a9fe", "::1"]
PUBLIC = ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]


def notify_egress(docs: tuple[Doc, ...]) -> list[Doc]:
    """The policies that limit notify's egress (an empty podSelector selects it too)."""
    return [p for p in of_kind(docs, "NetworkPolicy")
            if "Egress" in p["spec"].get("policyTypes", [])
            and p["spec"]["podSelector"].get("matchLabels", {}).items() <= NOTIFY.items()]


def in_block(block: dict[str, Any], ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    cidr = ipaddress.ip_network(block["cidr"])
    if address.version != cidr.version or address not in cidr:
        return False
    return not any(address in ipaddress.ip_network(e) for e in block.get("except", [])
                   if ipaddress.ip_network(e).version == address.version)


def allows(rule: dict[str, Any], port: int) -> bool:
    return any(p.get("protocol", "TCP") == "TCP" and p["port"] == port
               for p in rule.get("ports", []))


def reaches(policies: list[Doc], ip: str, port: int) -> bool:
    """Whether an address outside the cluster's pods is reachable on a TCP port: only an
    ipBlock peer names one (a selector matches pods)."""
    return any(allows(rule, port) and any(in_block(peer["ipBlock"], ip)
                                          for peer in rule["to"] if "ipBlock" in peer)
               for policy in policies for rule in policy["spec"]["egress"])


@pytest.mark.parametrize("name", OVERLAYS)
def test_notify_reaches_no_address_inside_on_any_port(name: str) -> None:
    policies = notify_egress(overlay(name))
    assert policies, "no NetworkPolicy limits notify's egress"
    for policy in policies:
        for rule in policy["spec"]["egress"]:
            # A rule without peers or without ports allows every address or every port.
            assert rule.get("to") and rule.get("ports"), (policy["metadata"]["name"], rule)
    for ip in INSIDE:
        for port in (80, 443, 587, 25, 6379, 8080):
            assert not reaches(policies, ip, port), (ip, port)


@pytest.mark.parametrize("name", OVERLAYS)
def test_notify_reaches_the_internet_on_the_web_and_submission_ports_only(name: str) -> None:
    policies = notify_egress(overlay(name))
    for ip in PUBLIC:
        assert all(reaches(policies, ip, port) for port in (443, 80, 587)), ip
        for port in (22, 25, 53, 3306, 5432, 6379, 8080, 9093, 11211):
            assert not reaches(policies, ip, port), (ip, port)


@pytest.mark.parametrize("name", OVERLAYS)
def test_notify_reaches_dns_kafka_and_the_database_by_selector(name: str) -> None:
    rules = [rule for p in notify_egress(overlay(name)) for rule in p["spec"]["egress"]]

    def peers_on(port: int, protocol: str = "TCP") -> list[dict[str, Any]]:
        return [peer for rule in rules for peer in rule["to"]
                if any(p["port"] == port and p.get("protocol", "TCP") == protocol
                       for p in rule["ports"]) and "ipBlock" not in peer]

    dns = peers_on(53, "UDP")
    assert dns and all(peer["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "kube-system"} for peer in dns)
    assert peers_on(53, "TCP")
    assert [peer["podSelector"]["matchLabels"]["strimzi.io/cluster"]
            for peer in peers_on(9093)] == ["samstat-kafka"]
    assert [peer["podSelector"]["matchLabels"] for peer in peers_on(5432)] == [
        {"app.kubernetes.io/name": "samstat-postgres"}]
