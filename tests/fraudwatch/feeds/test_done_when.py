"""Issue #13's Done-when for the feeds, on real processes (gunicorn + a `fraudwatch worker`,
whose periodic feed sweep is the feeds' only writer): an officer confirms a report through the
API, and within 60 s its URL and domain are in the confirmed CSV, JSON, hosts and RPZ feeds; the
officer dismisses it, and within 60 s they are gone from all four."""
from __future__ import annotations

import csv
import io
import time

import httpx
import pytest

from fraudwatch.infra.extensions import db
from fraudwatch.storage import users
from tests.served import ServedInstance

LIMIT = 60  # seconds from the officer's decision to the feeds
URL = "http://etax-refund-feedcheck.top/login"
HOST = "etax-refund-feedcheck.top"


@pytest.fixture(scope="module")
def served(tmp_path_factory, redis_url, postgres_url):
    """One served instance for the module (PostgreSQL, as the browser journey): web + worker."""
    if postgres_url is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    from tests.conftest import _truncate

    _truncate(postgres_url)
    instance = ServedInstance(postgres_url, redis_url, tmp_path_factory.mktemp("feeds-served"),
                              FRAUDWATCH_FEED_SWEEP_SECONDS="2", FRAUDWATCH_PUBLISH_SWEEP_SECONDS="30",
                              FRAUDWATCH_STATS_REFRESH_SECONDS="3600")
    with instance:
        instance.start_web(workers=1, threads=4)
        instance.start_worker()
        yield instance


def _officer(served) -> dict:
    app = served.app()
    with app.app_context():
        user = users.create_user(db.session, "feeds.officer", "officer")
        token = users.create_token(db.session, user)
        db.session.commit()
    db.dispose(app)
    return {"Authorization": f"Bearer {token}"}


def _in_feeds(client: httpx.Client) -> dict[str, bool]:
    """Whether the URL and the domain are in each confirmed feed now."""
    table = client.get("/feeds/confirmed.csv").text
    values = {row["value"] for row in csv.DictReader(io.StringIO(table, newline=""))}
    entries = {e["value"] for e in client.get("/feeds/confirmed.json").json()["entries"]}
    hosts = client.get("/feeds/confirmed.hosts").text.splitlines()
    zone = client.get("/feeds/confirmed.rpz").text.splitlines()
    return {"csv": {URL, HOST} <= values, "json": {URL, HOST} <= entries, "hosts": f"0.0.0.0 {HOST}" in hosts,
            "rpz": f"{HOST} CNAME ." in zone and f"*.{HOST} CNAME ." in zone,
            "csv_gone": not ({URL, HOST} & values), "json_gone": not ({URL, HOST} & entries)}


def _wait(client: httpx.Client, wanted, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < LIMIT:
        found = _in_feeds(client)
        if wanted(found):
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"{what} not within {LIMIT} s: {found}")


def test_a_confirmed_report_enters_the_feeds_and_a_dismissed_one_leaves_them(served):
    officer = _officer(served)
    with httpx.Client(base_url=served.url, timeout=20) as client:
        created = client.post("/api/v1/reports", json={
            "url": URL, "message_text": f"【国家税务总局】您有一笔退税待领取，请登录 {URL} 办理", "channel": "sms"})
        assert created.status_code == 201, created.text
        report = created.json()["id"]
        assert not any(_in_feeds(client)[k] for k in ("csv", "json", "hosts", "rpz"))
        confirmed = client.post(f"/api/v1/reports/{report}/status", headers=officer,
                                json={"status": "confirmed", "reason": "refund phishing page"})
        assert confirmed.status_code == 200, confirmed.text
        _wait(client, lambda f: f["csv"] and f["json"] and f["hosts"] and f["rpz"], "the confirmed URL and domain")
        dismissed = client.post(f"/api/v1/reports/{report}/status", headers=officer,
                                json={"status": "dismissed", "reason": "confirmed by mistake"})
        assert dismissed.status_code == 200, dismissed.text
        _wait(client, lambda f: f["csv_gone"] and f["json_gone"] and not f["hosts"] and not f["rpz"],
              "the dismissed URL and domain leaving")
        removals = client.get("/feeds/confirmed.json?since=0").json()["entries"]
        assert {(e["value"], e["action"]) for e in removals} >= {(URL, "remove"), (HOST, "remove")}
