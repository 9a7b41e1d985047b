"""The client against a hostile or broken server (a real HTTP server on 127.0.0.1 answering
what each test scripts): bounded retries and waits, unreadable Retry-After, non-JSON errors,
huge messages, bad arguments."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fraudwatch.client import Client, FraudwatchError, retry_after
from tests.served import free_port


class Script(BaseHTTPRequestHandler):
    answers: list = []
    seen: list = []

    def _answer(self) -> None:
        self.seen.append(self.path)
        status, headers, body = self.answers[min(len(self.seen) - 1, len(self.answers) - 1)]
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Script)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    Script.seen = []
    yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _script(*answers) -> None:
    Script.answers = list(answers)


LIMITED = (429, {"Retry-After": "0", "Content-Type": "application/json"},
           b'{"error": {"code": "rate_limited", "message": "slow down", "fields": {}}}')


def test_retries_are_bounded(server):
    _script(LIMITED)
    sleeps = []
    with Client(server[1], max_retries=2, sleep=sleeps.append) as client, pytest.raises(FraudwatchError) as err:
        client.lookup("domain", "example.com")
    assert (err.value.status, err.value.code, err.value.retry_after) == (429, "rate_limited", 0)
    assert len(Script.seen) == 3 and sleeps == [0, 0]


def test_waits_over_max_wait_or_unreadable_are_not_slept(server):
    sleeps = []
    for header in ("99999999999", "abc", "-5", "1" * 100, "Wed, 99 Foo 2099"):
        _script((503, {"Retry-After": header}, b"<html>busy</html>"))
        with Client(server[1], max_wait=30, sleep=sleeps.append) as client, pytest.raises(FraudwatchError) as err:
            client.check("12366")
        assert (err.value.status, err.value.code) == (503, "http_error")
    assert sleeps == []
    assert retry_after("99999999999") == 3600 and retry_after("Thu, 01 Jan 1970 00:00:00 GMT") == 0


def test_bad_answers_become_clear_errors(server):
    _script((500, {"Content-Type": "application/json"},
             b'{"error": {"code": "' + b"c" * 500 + b'", "message": "' + b"m" * 100_000 + b'", "fields": 5}}'))
    with Client(server[1]) as client:
        with pytest.raises(FraudwatchError) as err:
            client.lookup("domain", "example.com")
        assert err.value.status == 500 and len(err.value.code) == 100 and len(err.value.message) == 2000
        _script((200, {"Content-Type": "application/json"}, b"[1, 2]"))
        with pytest.raises(FraudwatchError) as err:
            client.lookup("domain", "example.com")
        assert err.value.code == "bad_answer"
        _script((200, {}, b"\xff\xfe not json"))
        with pytest.raises(FraudwatchError):
            client.check("x")


def test_feed_redirects_and_not_modified(server, tmp_path):
    target = tmp_path / "feed.csv"
    target.write_bytes(b"old")
    with Client(server[1]) as client:
        _script((304, {"ETag": '"e1"'}, b""))
        result = client.feed("/feeds/confirmed.csv", target, since=5, etag='"e1"')
        assert not result.modified and target.read_bytes() == b"old" and Script.seen[-1].endswith("since=5")
        _script((302, {"Location": "http://169.254.169.254/"}, b""))
        with pytest.raises(FraudwatchError) as err:
            client.feed("/feeds/confirmed.csv", target)
        assert err.value.code == "unexpected_status" and target.read_bytes() == b"old"
        _script((200, {"ETag": '"e2"'}, b"a,b\n" * 50_000))
        result = client.feed("/feeds/confirmed.csv", target)
        assert result.modified and result.bytes == 200_000 == target.stat().st_size
        assert not (tmp_path / "feed.csv.part").exists()


def test_bad_arguments_and_no_server(tmp_path):
    for key in ("", "a\nb", "a b", "退税", "k" * 201):
        with pytest.raises(ValueError):
            Client("http://127.0.0.1:1", key)
    for url in ("ftp://example.com", "file:///etc/passwd", "not a url"):
        with pytest.raises(ValueError):
            Client(url)
    with Client(f"http://127.0.0.1:{free_port()}", timeout=2) as client:
        with pytest.raises(ValueError):
            client.feed("//evil.example/x", tmp_path / "x")
        with pytest.raises(FraudwatchError) as err:
            client.lookup("domain", "example.com")
        assert (err.value.status, err.value.code) == (0, "connection_error")
