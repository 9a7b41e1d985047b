"""RDAP: the bootstrap and domain answers in RDAP's real shape are read (registrar name, abuse
e-mail and phone); hostile JSON (deep nesting, wrong types, thousands of entities, a huge
answer) gives a clear error or nothing, in linear time; the lookup goes through the guarded
fetcher (a real server on 127.0.0.1), and a refused network is an error, never a crash."""
from __future__ import annotations

import json

import pytest

from crawlers.fetch import FetchConfig, Fetcher
from crawlers.rdap import (
    MAX_ANSWER,
    Contact,
    RdapClient,
    RdapError,
    bootstrap_services,
    load_json,
    parse_domain_answer,
    server_for,
)
from tests.fraudwatch.takedowns.servers import RDAP_HOST, RdapAndSite, domain_answer, jcard
from tests.linear import work

REGISTRAR = "Example Registrar Co., Ltd."


def test_bootstrap_picks_https_and_the_longest_suffix():
    doc = {"services": [[["com", "net"], ["http://rdap.x/com/", "https://rdap.x/com/"]],
                        [["uk"], ["https://rdap.nominet.uk/uk"]], [["co.uk"], ["https://rdap.co.uk/"]],
                        "junk", [[1, None], ["https://x/"]], [["org"], ["ftp://nope/"]]]}
    services = bootstrap_services(doc)
    assert services["com"] == "https://rdap.x/com/" and services["uk"] == "https://rdap.nominet.uk/uk/"
    assert server_for(services, "evil.co.uk") == "https://rdap.co.uk/"
    assert server_for(services, "a.b.example.uk") == "https://rdap.nominet.uk/uk/"
    assert server_for(services, "x.org") is None and server_for(services, "x.cn") is None
    for bad in ({}, [], {"services": "x"}, None):
        with pytest.raises(RdapError):
            bootstrap_services(bad)


def test_domain_answer_gives_registrar_abuse_email_and_phone():
    contacts = parse_domain_answer(domain_answer("etax-refund.test"))
    assert contacts == [Contact("registrar", REGISTRAR, "abuse@registrar.example"),
                        Contact("registrar", REGISTRAR, "+86.4001234567")]
    assert contacts[0].as_dict() == {"party": "registrar", "name": REGISTRAR, "contact": "abuse@registrar.example",
                                     "source": "rdap"}


def test_an_abuse_entity_at_the_top_and_a_registrar_without_one():
    top = {"entities": [{"roles": ["registrar"], "vcardArray": jcard(["fn", {}, "text", "R"])},
                        {"roles": ["abuse"], "vcardArray": jcard(["email", {}, "text", "a@r.example"])}]}
    assert parse_domain_answer(top) == [Contact("registrar", "R", "a@r.example")]
    bare = {"entities": [{"roles": ["registrar"], "vcardArray": jcard(["fn", {}, "text", "Only A Name"])}]}
    assert parse_domain_answer(bare) == [Contact("registrar", "Only A Name", "Only A Name")]
    # an abuse contact of the registrant is not the registrar's
    other = {"entities": [{"roles": ["registrant"], "entities": [
        {"roles": ["abuse"], "vcardArray": jcard(["email", {}, "text", "me@me.example"])}]}]}
    assert parse_domain_answer(other) == []


@pytest.mark.parametrize("doc", [
    {}, {"entities": "x"}, {"entities": [1, None, "x", []]},
    {"entities": [{"roles": "registrar", "vcardArray": "x"}]},
    {"entities": [{"roles": ["registrar"], "vcardArray": ["vcard", "x"]}]},
    {"entities": [{"roles": ["registrar"], "vcardArray": ["vcard", [["fn"], ["fn", {}, "text", 7], None]]}]},
    {"entities": [{"roles": [None, 3], "entities": {"a": 1}}]},
])
def test_malformed_answers_give_nothing_not_a_crash(doc):
    assert parse_domain_answer(doc) == []


def test_hostile_json_is_refused_or_bounded():
    for body in (b"[" * 200_000 + b"]" * 200_000, b"\xff\xfe", b"not json", b"{" * 50):
        with pytest.raises(RdapError) as err:
            load_json(body, 10 * MAX_ANSWER)
        assert err.value.code == "bad_answer"
    with pytest.raises(RdapError):
        load_json(b" " * (MAX_ANSWER + 1), MAX_ANSWER)
    with pytest.raises(RdapError):
        parse_domain_answer([1, 2])
    many = {"entities": [{"roles": ["abuse"], "vcardArray": jcard(["email", {}, "text", f"{n}@x.example"]),
                          "entities": [{"roles": ["registrar"]}] * 100} for n in range(5000)]}
    assert len(parse_domain_answer(many)) <= 10
    long = {"entities": [{"roles": ["registrar"], "vcardArray": jcard(["fn", {}, "text", "x" * 100_000],
                                                                     ["email", {}, "text", "y" * 100_000])}]}
    assert all(len(c.contact) <= 320 and len(c.name) <= 320 for c in parse_domain_answer(long))


def test_parsing_is_linear():
    def parse(text: str) -> object:
        return parse_domain_answer(load_json(text.encode(), 10**8))

    def doc(n: int) -> str:
        entity = {"roles": ["registrar", "abuse"] * 3, "vcardArray": jcard(*[["email", {}, "text", "a@b.c"]] * 5)}
        return json.dumps({"entities": [entity] * n, "notices": [{"description": ["x" * 50]}] * n})

    ratio, growth = work(parse, doc(200), doc(2000), max_ratio=400, max_growth=25)
    assert growth < 25, (ratio, growth)


@pytest.fixture(scope="module")
def server():
    with RdapAndSite() as running:
        yield running


def _fetcher(server, allow: bool = True) -> Fetcher:
    return Fetcher(FetchConfig(allow_networks=("127.0.0.0/8",) if allow else (), allowed_ports=None,
                               resolve=(f"{RDAP_HOST}:*:127.0.0.1",), host_delay=0.0, total_timeout=10.0))


def test_lookup_through_the_guarded_fetcher(server):
    server.served.rdap_body = None
    with _fetcher(server) as fetcher:
        client = RdapClient(fetcher, f"http://{RDAP_HOST}:{server.port}/dns.json")
        assert client.domain_contacts("www.etax-refund.test")[0].contact == "abuse@registrar.example"
        with pytest.raises(RdapError) as err:
            client.domain_contacts("unknown-domain.test")
        assert err.value.code == "not_found"
        with pytest.raises(RdapError) as err:
            client.domain_contacts("site.cn")
        assert err.value.code == "no_server"
        server.served.rdap_body = b"[" * 100_000
        try:
            with pytest.raises(RdapError) as err:
                client.domain_contacts("etax-refund.test")
        finally:
            server.served.rdap_body = None
        assert err.value.code == "bad_answer"
    assert sum(1 for host, path in server.served.requests if path == "/dns.json") == 1  # kept


def test_a_refused_network_is_an_error_with_the_fetchers_code(server):
    with _fetcher(server, allow=False) as fetcher:  # 127.0.0.1 is not a public address
        with pytest.raises(RdapError) as err:
            RdapClient(fetcher, f"http://{RDAP_HOST}:{server.port}/x.json").domain_contacts("a.test")
        assert err.value.code == "blocked_address"
        with pytest.raises(RdapError) as err:
            RdapClient(fetcher, "http://rdap.invalid/dns.json").domain_contacts("a.test")
        assert err.value.code == "dns_error"
