"""The fetcher against the farm: limits, redirects, encodings, robots, politeness, SSRF."""
from __future__ import annotations

import threading
import time
import tracemalloc

import pytest

from crawlers.errors import FetchError
from crawlers.fetch import FetchConfig, Fetcher
from tests.crawlers.farm.fixtures import TEST_LIMITS, make_fetcher


def _code(fetcher: Fetcher, url: str) -> str:
    with pytest.raises(FetchError) as info:
        fetcher.fetch(url)
    return info.value.code


def test_fetches_a_farm_page_under_its_domain(fetcher, farm):
    res = fetcher.fetch(farm.url("irs-refund-gov.com"))
    assert res.status == 200
    assert res.final_url == farm.url("irs-refund-gov.com")
    assert res.address == "127.0.0.1"
    assert b"Social Security Number" in res.body
    host, _, headers = farm.seen.requests[-1]
    assert host == "irs-refund-gov.com"
    assert headers["User-Agent"].startswith("fraudwatch-crawler/")


def test_credentials_in_url_are_stripped_and_never_sent(fetcher, farm):
    url = farm.url("irs-refund-gov.com").replace("http://", "http://www.irs.gov:secret@")
    res = fetcher.fetch(url)
    assert res.had_credentials and "@" not in res.final_url
    _, path, headers = farm.seen.requests[-1]
    assert "Authorization" not in headers and "secret" not in path


@pytest.mark.parametrize("url, code", [
    ("ftp://example.com/", "bad_scheme"),
    ("file:///etc/passwd", "bad_scheme"),
    ("javascript:alert(1)", "bad_scheme"),
    ("http://", "bad_url"),
    ("http://exa mple.com/", "bad_url"),
    ("http://example.com:99999/", "bad_url"),
])
def test_bad_urls_are_refused_before_any_network(fetcher, url, code):
    assert _code(fetcher, url) == code


def test_odd_ports_are_refused_by_default(farm):
    with Fetcher(FetchConfig(resolve=farm.resolve_specs(), **TEST_LIMITS)) as f:
        assert _code(f, "http://irs-refund-gov.com:6379/") == "bad_port"
        assert _code(f, "http://irs-refund-gov.com:22/") == "bad_port"


def test_five_redirects_are_followed_six_are_not(fetcher, farm):
    res = fetcher.fetch(farm.url("hostile.test", "/hostile/chain/5"))
    assert res.status == 200 and len(res.redirects) == 5
    assert _code(fetcher, farm.url("hostile.test", "/hostile/chain/6")) == "too_many_redirects"


def test_endless_redirects_stop(fetcher, farm):
    assert _code(fetcher, farm.url("hostile.test", "/hostile/loop/0")) == "too_many_redirects"


@pytest.mark.parametrize("target", [
    "http://127.0.0.2/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/",
    "http://10.0.0.1/", "http://metadata.test/", "http://[::ffff:169.254.169.254]/",
    "gopher://127.0.0.1:6379/_INFO",
])
def test_redirects_to_private_addresses_are_refused(farm, farm_config, target):
    """Only the farm's own address is allowed: every redirect hop is re-checked."""
    with make_fetcher(farm_config, allow_networks=("127.0.0.1/32",),
                      resolve=farm.resolve_specs() + ("metadata.test:*:169.254.169.254",)) as f:
        before = len(farm.seen.requests)
        code = _code(f, farm.url("hostile.test", f"/hostile/redirect?to={target}"))
    assert code in ("blocked_address", "bad_scheme")
    assert len(farm.seen.requests) - before <= 2  # robots.txt and the redirect itself


def test_fifty_megabytes_stop_at_the_limit(fetcher, farm):
    started = time.monotonic()
    assert _code(fetcher, farm.url("hostile.test", "/hostile/big")) == "body_too_large"
    assert _code(fetcher, farm.url("hostile.test", "/hostile/big-declared")) == "body_too_large"
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("path", ["/hostile/gzip-bomb", "/hostile/deflate-bomb"])
def test_compression_bombs_stop_early_in_little_memory(fetcher, farm, path):
    fetcher.fetch(farm.url("hostile.test", "/hostile/gzip-ok"))  # warm up the connection
    from tests.crawlers.farm.server import gzip_bomb
    gzip_bomb()  # built outside the measurement
    tracemalloc.start()
    try:
        assert _code(fetcher, farm.url("hostile.test", path)) == "body_too_large"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024  # 200 MB inflated would be far beyond this


def test_gzip_is_decoded(fetcher, farm):
    res = fetcher.fetch(farm.url("hostile.test", "/hostile/gzip-ok"))
    assert res.body.startswith(b"<html>")


@pytest.mark.parametrize("path", ["/hostile/stacked", "/hostile/br", "/hostile/corrupt-gzip"])
def test_unsupported_or_corrupt_encodings(fetcher, farm, path):
    assert _code(fetcher, farm.url("hostile.test", path)) == "bad_encoding"


@pytest.mark.parametrize("path", ["/hostile/trickle", "/hostile/trickle-headers"])
def test_a_trickling_server_hits_the_total_deadline(farm, farm_config, path):
    with make_fetcher(farm_config, total_timeout=1.2) as f:
        started = time.monotonic()
        assert _code(f, farm.url("hostile.test", path)) == "timeout"
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("path", ["/hostile/octet", "/hostile/exe", "/hostile/no-type",
                                  "/hostile/image"])
def test_wrong_content_types_are_refused(fetcher, farm, path):
    assert _code(fetcher, farm.url("hostile.test", path)) == "bad_content_type"


def test_other_types_can_be_asked_for(fetcher, farm):
    res = fetcher.fetch(farm.url("hostile.test", "/hostile/image"), allowed_types=("image/*",))
    assert res.content_type == "image/png"


def test_error_statuses_are_results_not_errors(fetcher, farm):
    res = fetcher.fetch(farm.url("hostile.test", "/hostile/not-found"))
    assert res.status == 404


def test_robots_disallow_is_obeyed_and_cached(fetcher, farm):
    assert fetcher.fetch(farm.url("robots.example", "/")).status == 200
    assert _code(fetcher, farm.url("robots.example", "/private/page")) == "robots_disallowed"
    assert farm.seen.paths("robots.example").count("/robots.txt") == 1
    assert "/private/page" not in farm.seen.paths("robots.example")


def test_robots_rules_for_our_user_agent(fetcher, farm):
    assert fetcher.fetch(farm.url("www.taxinfo-guide.org", "/guide/scams")).status == 200


def test_robots_can_be_switched_off(farm, farm_config):
    with make_fetcher(farm_config, obey_robots=False) as f:
        assert f.fetch(farm.url("robots.example", "/private/page")).status == 200


def test_one_request_at_a_time_per_host_with_a_delay(farm, farm_config):
    with make_fetcher(farm_config, host_delay=0.15, obey_robots=False) as f:
        url = farm.url("hmrc-taxrefund.co.uk.verify-id.online")
        started = time.monotonic()
        threads = [threading.Thread(target=f.fetch, args=(url,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    assert farm.seen.max_active["hmrc-taxrefund.co.uk.verify-id.online"] == 1
    assert elapsed >= 0.45  # three delays between four requests


def test_a_robots_redirect_to_a_private_address_is_not_followed(farm, farm_config):
    with make_fetcher(farm_config, allow_networks=("127.0.0.1/32",)) as f:
        assert f.fetch(farm.url("robots-redirect.example")).status == 200


def test_browser_style_urls(fetcher, farm):
    url = farm.url("irs-refund-gov.com").replace("/", "\\", 3).replace("http:\\", "http:/") + "\t"
    assert fetcher.fetch(url).final_url == farm.url("irs-refund-gov.com")


@pytest.fixture(scope="module")
def farm_on_127_0_0_2():
    from tests.crawlers.farm.server import FarmServer

    server = FarmServer(host="127.0.0.2").start()
    yield server
    server.stop()


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/", "http://localhost:{port}/",
                                    "http://169.254.169.254/latest/meta-data/"])
def test_redirect_to_loopback_when_only_the_site_network_is_allowed(farm, farm_on_127_0_0_2, target):
    """The site (127.0.0.2) is allowed; 127.0.0.1, where another server listens, is not."""
    other = farm_on_127_0_0_2
    config = FetchConfig(allow_networks=("127.0.0.2/32",), allowed_ports=None,
                         resolve=other.resolve_specs("127.0.0.2"), **TEST_LIMITS)
    before = len(farm.seen.requests)
    with Fetcher(config) as f, pytest.raises(FetchError) as info:
        f.fetch(other.url("hostile.test", "/hostile/redirect?to=" + target.format(port=farm.port)))
    assert info.value.code == "blocked_address"
    assert len(farm.seen.requests) == before  # the server on 127.0.0.1 never saw a request


def test_robots_crawl_delay_is_honoured(fetcher, farm):
    url = farm.url("slow-please.example")
    fetcher.fetch(url)  # robots.txt, then the page: one Crawl-delay between them
    started = time.monotonic()
    fetcher.fetch(url)
    assert time.monotonic() - started >= 0.9
