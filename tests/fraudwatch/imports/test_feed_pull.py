"""Scheduled pulls against a real HTTP server on 127.0.0.1: conditional GET (ETag / 304 and
Last-Modified), gzip, a MISP feed folder, failures recorded on the run and never raised, the
periodic task, the address guard, and `sources pull`."""
from __future__ import annotations

import gzip
import http.server
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.jobs import import_pull, periodic
from fraudwatch.storage import imports as store
from fraudwatch.storage.models import ImportRun, ImportSource, utcnow
from tests.conftest import cleanup_redis, make_test_app
from tests.fraudwatch.imports import feedfiles as ff

LAST_MODIFIED = "Sun, 29 Nov 2026 10:00:00 GMT"


class FeedServer(http.server.ThreadingHTTPServer):
    """Serves `files` (path -> bytes) with an ETag per body and a Last-Modified; answers 304 to a
    matching If-None-Match or If-Modified-Since; gzip when asked; records the request headers."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.seen: list[dict[str, str]] = []
        self.etags = True
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        server: FeedServer = self.server  # type: ignore[assignment]
        server.seen.append({k.lower(): v for k, v in self.headers.items()} | {"path": self.path})
        body = server.files.get(self.path)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        etag = f'"{len(body)}-{hash(body) & 0xffff}"'
        fresh = (self.headers.get("If-None-Match") == etag if server.etags
                 else self.headers.get("If-Modified-Since") == LAST_MODIFIED)
        if fresh:
            self.send_response(304)
            self.end_headers()
            return
        gz = "gzip" in self.headers.get("Accept-Encoding", "")
        data = gzip.compress(body) if gz else body
        self.send_response(200)
        self.send_header("Content-Type", "text/csv" if self.path.endswith(".csv") else "application/json")
        if gz:
            self.send_header("Content-Encoding", "gzip")
        if server.etags:
            self.send_header("ETag", etag)
        self.send_header("Last-Modified", LAST_MODIFIED)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def feed_server():
    server = FeedServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def pull_app(database_url, redis_url, tmp_path):
    app = make_test_app(database_url, redis_url, tmp_path / "instance", CRAWL_ALLOW_NETWORKS=("127.0.0.0/8",),
                        CRAWL_ALLOWED_PORTS="any", CRAWL_HOST_DELAY=0.0, IMPORT_SWEEP_SECONDS=60)
    yield app
    cleanup_redis(app)


def _add(app, name: str, fmt: str, url: str, **more) -> None:
    with app.app_context():
        store.add_source(db.session, name=name, format=fmt, url=url, confidence=0.9, licence="made up",
                         interval_seconds=600, **more)
        db.session.commit()


def _runs(app, name: str) -> list[ImportRun]:
    with app.app_context():
        runs = db.session.scalars(sa.select(ImportRun).where(ImportRun.source == name).order_by(ImportRun.id)).all()
        db.session.expunge_all()
        return runs


def test_a_pull_uses_etag_then_gets_304_then_the_new_body(pull_app, feed_server):
    feed_server.files["/urlhaus.csv"] = ff.urlhaus_csv(5).encode()
    _add(pull_app, "urlhaus", "urlhaus_csv", feed_server.url + "/urlhaus.csv")
    with pull_app.app_context():
        first = import_pull.pull_named("urlhaus")
        assert (first.rows, first.new, first.error) == (5, 5, None)
        assert "gzip" in feed_server.seen[-1]["accept-encoding"]
        second = import_pull.pull_named("urlhaus")
        assert second.not_modified and feed_server.seen[-1]["if-none-match"].startswith('"')
        assert feed_server.seen[-1]["if-modified-since"] == LAST_MODIFIED
        feed_server.files["/urlhaus.csv"] = ff.urlhaus_csv(7).encode()
        third = import_pull.pull_named("urlhaus")
        assert (third.rows, third.new, third.sighted, third.not_modified) == (7, 2, 5, False)
    runs = _runs(pull_app, "urlhaus")
    assert [r.not_modified for r in runs] == [False, True, False]
    assert runs[1].rows == 0 and runs[1].finished_at is not None and runs[0].confidence == 0.9


def test_last_modified_alone_is_honoured(pull_app, feed_server):
    feed_server.files["/openphish.txt"] = ff.openphish(2).encode()
    feed_server.etags = False
    try:
        _add(pull_app, "openphish", "openphish", feed_server.url + "/openphish.txt")
        with pull_app.app_context():
            assert import_pull.pull_named("openphish").new == 2
            again = import_pull.pull_named("openphish")
            assert again.not_modified and "if-none-match" not in feed_server.seen[-1]
    finally:
        feed_server.etags = True


def test_a_misp_feed_folder_is_pulled_event_by_event(pull_app, feed_server, tmp_path):
    folder = ff.misp_feed(tmp_path / "misp")
    for path in folder.iterdir():
        feed_server.files[f"/misp/{path.name}"] = path.read_bytes()
    feed_server.files.pop(f"/misp/{ff.EVENT_UUID2}.json")
    _add(pull_app, "cert-misp", "misp", feed_server.url + "/misp/")
    with pull_app.app_context():
        result = import_pull.pull_named("cert-misp")
    assert result.imported == 8 and result.error.startswith("1 MISP event(s) not fetched")
    assert _runs(pull_app, "cert-misp")[-1].error == result.error


def test_failures_are_recorded_on_the_run_and_never_raised(pull_app, feed_server):
    feed_server.files["/page.csv"] = b"<!DOCTYPE html><html><body>login</body></html>"
    _add(pull_app, "html", "urlhaus_csv", feed_server.url + "/page.csv")
    _add(pull_app, "gone", "stix", feed_server.url + "/missing.json")
    _add(pull_app, "private", "openphish", "http://10.255.255.1/feed.txt")
    _add(pull_app, "off", "openphish", feed_server.url + "/none", enabled=False)
    with pull_app.app_context():
        ran = periodic.run_due(["import_pull"])
        assert ran == ["import_pull"]
        sources = {s.name: s for s in store.list_sources(db.session)}
        assert sources["html"].last_pull_at and sources["html"].etag is None
        assert sources["off"].last_pull_at is None
        assert store.due_sources(db.session) == []
        assert [s.name for s in store.due_sources(db.session, utcnow() + timedelta(seconds=601))] == [
            "html", "gone", "private"]
    pull_app.config["IMPORT_MAX_BYTES"] = 1000
    feed_server.files["/big.txt"] = ff.openphish(100).encode()
    _add(pull_app, "big", "openphish", feed_server.url + "/big.txt")
    with pull_app.app_context():
        assert import_pull.pull_named("big").error.startswith("body_too_large")
    errors = {name: _runs(pull_app, name)[-1].error for name in ("html", "gone", "private")}
    assert errors["html"].startswith("wrong_format: not a urlhaus_csv feed")
    assert errors["gone"] == "http_status: the source answered 404"
    assert errors["private"].startswith("blocked_address")
    assert _runs(pull_app, "off") == []


def test_sources_pull_command(pull_app, feed_server):
    feed_server.files["/pt.json"] = ff.phishtank_json(2).encode()
    cli = pull_app.test_cli_runner()
    assert cli.invoke(args=["sources", "add", "phishtank", feed_server.url + "/pt.json", "--format",
                            "phishtank_json"]).exit_code == 0
    result = cli.invoke(args=["sources", "pull", "phishtank"])
    assert result.exit_code == 0 and "2 rows, 2 imported (2 new, 0 sightings)" in result.output
    assert "not modified" in cli.invoke(args=["sources", "pull", "phishtank"]).output
    assert cli.invoke(args=["sources", "pull", "nobody"]).exit_code == 2
    with pull_app.app_context():
        assert db.session.scalar(sa.select(ImportSource.etag).where(ImportSource.name == "phishtank"))
