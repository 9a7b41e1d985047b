"""The feeds over HTTP (SQLite and PostgreSQL): full and incremental answers with their cursor,
ETag / Last-Modified / 304, gzip, keys for the keyed feeds, and clear 4xx for bad or hostile
requests; the /feeds/ page and index.json; the RPZ answer checked by named-checkzone."""
from __future__ import annotations

import csv
import gzip
import io
import shutil
import subprocess
from datetime import UTC

import pytest

from fraudwatch.infra.extensions import db
from fraudwatch.storage import feeds as store
from tests.fraudwatch.feeds.helpers import add_indicator, set_columns, sweep

CHECKZONE = shutil.which("named-checkzone") or "/usr/bin/named-checkzone"


@pytest.fixture
def feeds_app(app):
    return app


@pytest.fixture
def listed(feeds_app):
    """Two confirmed indicators and a suspected one, swept; their ids."""
    with feeds_app.app_context():
        ids = {"url": add_indicator("url", "http://etax-refund-cn.top/login", "confirmed_fraud"),
               "domain": add_indicator("domain", "etax-refund-cn.top", "confirmed_fraud"),
               "idn": add_indicator("domain", "税务退税.top", "confirmed_fraud"),
               "phone": add_indicator("phone", "13812345678", "suspected")}
        sweep(feeds_app)
    return ids


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))


def test_full_then_incremental_with_removals(feeds_app, listed):
    client = feeds_app.test_client()
    full = client.get("/feeds/confirmed.csv")
    assert full.status_code == 200 and full.mimetype == "text/csv"
    cursor = int(full.headers["X-Feed-Cursor"])
    assert {r["value"] for r in _csv(full)} == {"http://etax-refund-cn.top/login", "etax-refund-cn.top",
                                                 "xn--zfr703gba585t.top"}
    assert {r["action"] for r in _csv(full)} == {"add"}
    with feeds_app.app_context():  # dates the database formatted are the entries' own, in UTC
        stored = {e.value: e for e in store.iter_entries(db.engine, "confirmed")}
    for line in _csv(full):
        entry = stored[line["value"]]
        assert line["first_seen"] == entry.first_seen.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert line["changed_at"] == entry.changed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert line["valid_until"] > line["last_seen"]
    body = client.get("/feeds/confirmed.json").get_json()
    assert body["cursor"] == cursor and body["since"] is None and len(body["entries"]) == 3
    assert client.get("/feeds/confirmed.txt").get_data(as_text=True) == "http://etax-refund-cn.top/login\n"
    hosts = client.get("/feeds/confirmed.hosts").get_data(as_text=True)
    assert "0.0.0.0 etax-refund-cn.top\n" in hosts and "0.0.0.0 xn--zfr703gba585t.top\n" in hosts
    with feeds_app.app_context():
        set_columns(listed["url"], status="dismissed")
        add_indicator("email", "refund@etax-refund-cn.top", "confirmed_fraud")
        sweep(feeds_app)
    changes = client.get(f"/feeds/confirmed.csv?since={cursor}")
    assert int(changes.headers["X-Feed-Cursor"]) > cursor
    assert [(r["action"], r["value"]) for r in _csv(changes)] == [  # in seq order: listings, then removals
        ("add", "refund@etax-refund-cn.top"), ("remove", "http://etax-refund-cn.top/login")]
    again = client.get(f"/feeds/confirmed.json?since={changes.headers['X-Feed-Cursor']}").get_json()
    assert again["entries"] == [] and again["cursor"] == int(changes.headers["X-Feed-Cursor"])
    assert client.get("/feeds/confirmed.txt").get_data(as_text=True) == ""


def test_etag_last_modified_and_gzip(feeds_app, listed):
    client = feeds_app.test_client()
    first = client.get("/feeds/confirmed.csv", headers={"Accept-Encoding": "gzip, deflate"})
    assert first.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in first.headers["Vary"]
    text = gzip.decompress(first.get_data()).decode()
    assert text == client.get("/feeds/confirmed.csv").get_data(as_text=True)
    assert first.headers["Cache-Control"] == "public, max-age=10"
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"x", {etag}'}, {"If-Modified-Since": modified}):
        unchanged = client.get("/feeds/confirmed.csv", headers=headers)
        assert unchanged.status_code == 304 and unchanged.get_data() == b""
        assert unchanged.headers["X-Feed-Cursor"] == first.headers["X-Feed-Cursor"]
    assert client.get("/feeds/confirmed.json", headers={"If-None-Match": etag}).status_code == 200  # other format
    assert client.get("/feeds/confirmed.csv", headers={"If-None-Match": '"nope"'}).status_code == 200
    plain = client.get("/feeds/confirmed.csv", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in plain.headers
    with feeds_app.app_context():
        set_columns(listed["domain"], status="dismissed")
        sweep(feeds_app)
    changed = client.get("/feeds/confirmed.csv", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_keyed_feed_needs_an_enterprise_officer_or_admin_key(feeds_app, listed, make_user):
    client = feeds_app.test_client()
    refused = client.get("/feeds/suspected.csv")
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "key_required"
    assert client.get("/feeds/suspected.json", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/feeds/suspected.json", headers={"Authorization": "Basic abc"}).status_code == 401
    editor = client.get("/feeds/suspected.json", headers=make_user("ed", "editor"))
    assert editor.status_code == 403 and editor.get_json()["error"]["code"] == "forbidden"
    answer = client.get("/feeds/suspected.csv", headers=make_user("bank", "enterprise"))
    assert answer.status_code == 200 and [r["value"] for r in _csv(answer)] == ["'+8613812345678"]
    assert answer.headers["Cache-Control"] == "no-store"  # a keyed answer is not for shared caches
    officer = client.get("/feeds/suspected.json", headers={"X-API-Key": make_user("o", "officer")["Authorization"][7:]})
    assert officer.status_code == 200
    feeds_app.config["FEEDS_REQUIRE_KEY"] = ("confirmed",)
    assert client.get("/feeds/confirmed.hosts").status_code == 401
    assert client.get("/feeds/suspected.txt").status_code == 200


BAD_AND_HOSTILE = [
    ("/feeds/confirmed.csv?since=abc", 400), ("/feeds/confirmed.csv?since=-1", 400),
    ("/feeds/confirmed.csv?since=1e3", 400), ("/feeds/confirmed.csv?since=" + "9" * 19, 400),
    ("/feeds/confirmed.csv?since=%EF%BC%91", 400), ("/feeds/confirmed.json?since=", 400),
    ("/feeds/confirmed.json?since=1&since=2", 400), ("/feeds/confirmed.json?since=999999", 400),
    ("/feeds/confirmed.hosts?since=0", 400), ("/feeds/confirmed.rpz?since=0", 400),
    ("/feeds/confirmed.txt?since=0", 400), ("/feeds/confirmed.csv?sinse=1", 400),
    ("/feeds/confirmed.csv?" + "&".join(f"p{i}=1" for i in range(300)), 400),
    ("/feeds/confirmed.csv?since=1%00", 400), ("/feeds/confirmed.csv?%E2%80%AE=1", 400),
    ("/feeds/confirmed.csv?since=" + "1" * 8000, 400), ("/feeds/confirmed.xml", 404),
    ("/feeds/everything.csv", 404), ("/feeds/confirmed.csv/..%2f..%2fetc", 404), ("/feeds/confirmed.", 404),
    ("/feeds/confirmed.json?since=0", 200), ("/feeds/confirmed.csv?since=00", 200),
]


def test_bad_and_hostile_requests_get_a_clear_error(feeds_app, listed):
    client = feeds_app.test_client()
    for path, status in BAD_AND_HOSTILE:
        answer = client.get(path)
        assert answer.status_code == status, (path, answer.get_data(as_text=True)[:300])
        if status == 400:
            error = answer.get_json()["error"]
            assert error["code"] in ("invalid", "unknown_parameter", "cursor_ahead") and error["message"], path
            assert answer.headers["Cache-Control"] == "no-store"
    assert client.post("/feeds/confirmed.csv").status_code == 405


@pytest.mark.backend("sqlite")
def test_rpz_answer_passes_named_checkzone(feeds_app, listed, tmp_path):
    answer = feeds_app.test_client().get("/feeds/confirmed.rpz")
    assert answer.status_code == 200 and answer.mimetype == "text/dns"
    zone = answer.get_data(as_text=True)
    assert "xn--zfr703gba585t.top CNAME .\n*.xn--zfr703gba585t.top CNAME ." in zone
    path = tmp_path / "zone"
    path.write_text(zone)
    origin = zone.split("$ORIGIN ", 1)[1].split("\n", 1)[0]
    done = subprocess.run([CHECKZONE, "-k", "fail", origin, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"serial {answer.headers['X-Feed-Cursor']}" in done.stdout


@pytest.mark.backend("sqlite")
def test_feeds_page_and_index(feeds_app, listed):
    client = feeds_app.test_client()
    index = client.get("/feeds/index.json").get_json()["feeds"]
    names = {f["name"]: f for f in index}
    for feed in ("confirmed", "suspected"):
        for fmt in ("csv", "json", "txt", "hosts", "rpz"):
            entry = names[f"{feed}.{fmt}"]
            assert entry["url"].endswith(f"/feeds/{feed}.{fmt}") and entry["format"] == fmt
            assert entry["access"] == ("key" if feed == "suspected" else "public")
            assert entry["incremental"] == (fmt in ("csv", "json")) and entry["description"]
    assert {"advisories.atom", "advisories.rss", "examples.atom", "examples.rss"} <= set(names)
    assert {name: names[name]["incremental"] for name in ("confirmed.stix.json", "taxii2", "misp", "advisories.atom")} \
        == {"confirmed.stix.json": True, "taxii2": True, "misp": False, "advisories.atom": False}
    assert names["suspected.stix.json"]["access"] == "key"
    assert client.get("/feeds/index.json?x=1").status_code == 400
    zh = client.get("/feeds/").get_data(as_text=True)
    en = client.get("/feeds/?lang=en").get_data(as_text=True)
    assert "/feeds/confirmed.rpz" in zh and "/feeds/advisories.atom" in zh and 'lang="zh-CN"' in zh
    assert "Following a feed" in en and 'lang="en"' in en
    assert client.get("/feeds/advisories.atom").status_code == 200
    assert client.get("/feeds/examples.rss").status_code == 200
    with feeds_app.app_context():
        assert db.engine is not None
