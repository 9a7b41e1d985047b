"""Redirects to URLs that pass the URL check but that httpx or IDNA refuse are a `bad_url`
fetch error, never an exception that ends a crawl or `scan` (issue #8 row 9: a redirect to
`http:127.0.0.1` crashed `scan` with httpx.InvalidURL, which is not an httpx.HTTPError)."""
from __future__ import annotations

import http.server
import threading

import pytest

from crawlers.errors import FetchError
from crawlers.fetch import FetchConfig, Fetcher

LOCATIONS = ["http:127.0.0.1", "\\\\evil.example", "http://xn--/", "http://[::1", "http://ex\u0000ample.com",
             "http://a b/", "https:///x", "http://127.0.0.1:99999/", "http:", "//", "http://%zz/", "http://" + "a" * 70 + ".com/"]


class _Redirector(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # the name http.server calls
        self.send_response(302)
        self.send_header("Location", LOCATIONS[int(self.path.strip("/"))])
        self.end_headers()

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture(scope="module")
def redirector():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.parametrize("n", range(len(LOCATIONS)))
def test_a_redirect_nobody_can_follow_is_a_fetch_error(redirector, n):
    fetcher = Fetcher(FetchConfig(allow_networks=("127.0.0.0/8",), obey_robots=False, allowed_ports=None, host_delay=0))
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(f"{redirector}/{n}")
    assert caught.value.code in ("bad_url", "too_many_redirects", "http_error", "blocked_address", "connect_error")
