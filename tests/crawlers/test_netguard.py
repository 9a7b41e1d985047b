"""SSRF guard: the default configuration refuses every non-public address."""
from __future__ import annotations

import ipaddress

import httpcore
import pytest

from crawlers.errors import FetchError
from crawlers.fetch import FetchConfig, Fetcher
from crawlers.netguard import AddressPolicy, Resolver, check_url, parse_networks
from crawlers.transport import PinnedBackend
from tests.crawlers.farm.fixtures import TEST_LIMITS

PRIVATE = [
    "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "240.0.0.1", "198.18.0.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1",
    "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "2001:db8::1", "fec0::1",
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", PRIVATE)
def test_default_policy_refuses_private_addresses(address):
    assert not AddressPolicy().is_allowed(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_default_policy_allows_public_addresses(address):
    assert AddressPolicy().is_allowed(ipaddress.ip_address(address))


def test_an_allowed_network_is_allowed_and_nothing_else():
    policy = AddressPolicy(parse_networks(["127.0.0.0/8"]))
    assert policy.is_allowed(ipaddress.ip_address("127.0.0.1"))
    assert not policy.is_allowed(ipaddress.ip_address("10.0.0.1"))
    assert not policy.is_allowed(ipaddress.ip_address("::1"))


def test_every_address_of_a_name_is_checked():
    mixed = [ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("10.0.0.1")]
    with pytest.raises(FetchError) as info:
        AddressPolicy().check("mixed.example", mixed)
    assert info.value.code == "blocked_address"


@pytest.mark.parametrize("address", PRIVATE)
def test_default_config_refuses_names_resolving_to_private_addresses(farm, address):
    """The farm listens, but a name pointing at a private address is never contacted."""
    before = len(farm.seen.requests)
    config = FetchConfig(allowed_ports=None, resolve=(f"innocent.example:*:{address}",), **TEST_LIMITS)
    with Fetcher(config) as f, pytest.raises(FetchError) as info:
        f.fetch(f"http://innocent.example:{farm.port}/")
    assert info.value.code == "blocked_address"
    assert len(farm.seen.requests) == before


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/", "http://localhost:{port}/",
                                 "http://[::1]:{port}/", "http://2130706433:{port}/",
                                 "http://0x7f.1:{port}/", "http://127.1:{port}/"])
def test_default_config_refuses_the_farm_by_any_spelling(farm, url):
    before = len(farm.seen.requests)
    with Fetcher(FetchConfig(allowed_ports=None, **TEST_LIMITS)) as f, pytest.raises(FetchError) as info:
        f.fetch(url.format(port=farm.port))
    assert info.value.code in ("blocked_address", "dns_error")
    assert len(farm.seen.requests) == before


class FlippingResolver(Resolver):
    """DNS rebinding: a harmless answer first, a private one afterwards."""

    def __init__(self, answers: list[str]) -> None:
        super().__init__(use_system=False)
        self.answers = answers
        self.calls = 0

    def resolve(self, host, port):
        answer = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        return [ipaddress.ip_address(answer)]


def test_each_resolution_is_checked_so_rebinding_is_refused(farm):
    resolver = FlippingResolver(["127.0.0.1", "169.254.169.254"])
    config = FetchConfig(allow_networks=("127.0.0.1/32",), allowed_ports=None, **TEST_LIMITS)
    with Fetcher(config, resolver=resolver) as f, pytest.raises(FetchError) as info:
        f.fetch(f"http://rebind.test:{farm.port}/")  # robots.txt gets the first answer
    assert info.value.code == "blocked_address"
    assert resolver.calls == 2


def test_the_connection_uses_the_checked_address_not_a_new_lookup(farm):
    """rebind.test is unknown to the system resolver: only the pinned address can work."""
    resolver = Resolver(use_system=False)
    resolver.add(f"rebind.test:{farm.port}:127.0.0.1")
    config = FetchConfig(allow_networks=("127.0.0.0/8",), allowed_ports=None, **TEST_LIMITS)
    with Fetcher(config, resolver=resolver) as f:
        assert f.fetch(f"http://rebind.test:{farm.port}/hostile/gzip-ok").status == 200


def test_the_backend_never_connects_to_an_unpinned_host():
    with pytest.raises(httpcore.ConnectError):
        PinnedBackend().connect_tcp("example.com", 80)


def test_check_url_normalises_and_reports():
    t = check_url("HTTP://user:pw@ЕXAMPLE.com:8080/a?b=1#frag")
    assert t.url.startswith("http://xn--") and t.url.endswith(":8080/a?b=1")
    assert t.had_credentials and t.port == 8080
    assert check_url("https://example.com").url == "https://example.com/"
    with pytest.raises(FetchError):
        check_url("http://example.com:8081/", allowed_ports=frozenset({80, 443}))


def test_resolve_specs_are_validated():
    r = Resolver()
    r.add("Example.COM:443:93.184.216.34,2606:2800:220:1::1")
    assert [str(a) for a in r.resolve("example.com", 443)] == ["93.184.216.34", "2606:2800:220:1::1"]
    for bad in ("example.com", "example.com:80", "example.com:80:not-an-ip"):
        with pytest.raises(ValueError):
            r.add(bad)


def test_a_dead_checked_address_falls_back_to_the_next_checked_one(farm):
    config = FetchConfig(allow_networks=("127.0.0.0/8",), allowed_ports=None,
                         resolve=("two.test:*:127.0.0.2,127.0.0.1",), **TEST_LIMITS)
    with Fetcher(config) as f:
        assert f.fetch(f"http://two.test:{farm.port}/hostile/gzip-ok").status == 200
