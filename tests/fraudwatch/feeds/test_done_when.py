"""Issue #13's Done-when on real processes (gunicorn + a `fraudwatch worker`, whose periodic
feed sweep is the feeds' only writer), PostgreSQL: an officer confirms a report through the API,
and within 60 s its URL and domain are in the confirmed CSV, JSON, hosts and RPZ feeds, in the
STIX bundle (which passes the OASIS stix2-validator), in the TAXII objects fetched by
taxii2-client and in the MISP feed loaded by PyMISP; the officer dismisses it, and within 60 s
they have left every one of them. A second confirmed site's owner appeals the listing of its
domain: lookups say `disputed` while it is open; an officer accepts it, and within 60 s the
domain has left every export, the hosts file and RPZ zone included (its URL, not appealed, stays
in the URL exports), and lookups give its delisting."""
from __future__ import annotations

import csv
import io
import time

import httpx
import orjson
import pytest
from pymisp import MISPEvent
from taxii2client.v21 import Collection, as_pages

from fraudwatch.infra.extensions import db
from fraudwatch.services import appeals
from fraudwatch.services.taxii import collection_id
from fraudwatch.storage import users
from tests.fraudwatch.sharing.stix_check import assert_objects_valid, assert_valid, removed
from tests.served import ServedInstance

LIMIT = 60  # seconds from the officer's decision to the feeds
URL = "http://etax-refund-feedcheck.top/login"
HOST = "etax-refund-feedcheck.top"
URL2 = "https://hmrc-rebate-claim.top/verify"
HOST2 = "hmrc-rebate-claim.top"
EXPORTS = ("csv", "json", "hosts", "rpz", "stix", "taxii", "misp")


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


@pytest.fixture(scope="module")
def officer(served) -> dict:
    app = served.app()
    with app.app_context():
        user = users.create_user(db.session, "feeds.officer", "officer")
        token = users.create_token(db.session, user)
        db.session.commit()
    db.dispose(app)
    return {"Authorization": f"Bearer {token}"}


def _stix_values(objects: list[dict]) -> set[str]:
    """The values of the indicators listed (not ended) among STIX objects."""
    return {o["pattern"].split(" = '", 1)[1][:-2].replace("\\'", "'").replace("\\\\", "\\")
            for o in objects if o["type"] == "indicator" and not removed(o)}


def _exports(client: httpx.Client, base: str) -> dict[str, set[str]]:
    """The values listed now in each confirmed export (hosts and RPZ: host names)."""
    table = client.get("/feeds/confirmed.csv").text
    found = {"csv": {row["value"] for row in csv.DictReader(io.StringIO(table, newline=""))},
             "json": {e["value"] for e in client.get("/feeds/confirmed.json").json()["entries"]},
             "hosts": {line.split()[1] for line in client.get("/feeds/confirmed.hosts").text.splitlines()
                       if line.startswith("0.0.0.0 ")},
             "rpz": {line.split()[0] for line in client.get("/feeds/confirmed.rpz").text.splitlines()
                     if line.endswith(" CNAME .") and not line.startswith("*.")}}
    found["stix"] = _stix_values(assert_valid(client.get("/feeds/confirmed.stix.json").content)["objects"])
    collection = Collection(f"{base}/taxii2/fraudwatch/collections/{collection_id('confirmed')}/")
    objects = [o for page in as_pages(collection.get_objects, per_request=50) for o in page.get("objects", [])]
    assert_objects_valid(objects)
    found["taxii"] = _stix_values(objects)
    misp = set()
    for event_id in orjson.loads(client.get("/feeds/misp/manifest.json").content):
        event = MISPEvent()
        event.load(client.get(f"/feeds/misp/{event_id}.json").text)
        misp |= {a.value for a in event.attributes if not a.deleted}
    found["misp"] = misp
    return found


def _wanted(url: str, host: str) -> dict[str, set[str]]:
    return {name: {host} if name in ("hosts", "rpz") else {url, host} for name in EXPORTS}


def _wait(client: httpx.Client, base: str, check, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < LIMIT:
        found = _exports(client, base)
        if check(found):
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"{what} not within {LIMIT} s: {found}")


def _in_all(url: str, host: str):
    return lambda found: all(_wanted(url, host)[name] <= found[name] for name in EXPORTS)


def _in_none(*values: str):
    return lambda found: all(not (set(values) & found[name]) for name in EXPORTS)


def _report(client: httpx.Client, url: str, text: str) -> int:
    created = client.post("/api/v1/reports", json={"url": url, "message_text": text, "channel": "sms"})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def _status(client: httpx.Client, officer: dict, report: int, status: str, reason: str) -> None:
    changed = client.post(f"/api/v1/reports/{report}/status", headers=officer, json={"status": status, "reason": reason})
    assert changed.status_code == 200, changed.text


def test_a_confirmed_report_enters_every_export_and_a_dismissed_one_leaves_them(served, officer):
    with httpx.Client(base_url=served.url, timeout=20) as client:
        report = _report(client, URL, f"【国家税务总局】您有一笔退税待领取，请登录 {URL} 办理")
        assert _in_none(URL, HOST)(_exports(client, served.url))
        _status(client, officer, report, "confirmed", "refund phishing page")
        entered = _wait(client, served.url, _in_all(URL, HOST), "the confirmed URL and domain in every export")
        _status(client, officer, report, "dismissed", "confirmed by mistake")
        left = _wait(client, served.url, _in_none(URL, HOST), "the dismissed URL and domain leaving every export")
        removals = client.get("/feeds/confirmed.json?since=0").json()["entries"]
        assert {(e["value"], e["action"]) for e in removals} >= {(URL, "remove"), (HOST, "remove")}
    print(f"\nconfirmed -> in all {len(EXPORTS)} exports in {entered:.1f} s; dismissed -> out in {left:.1f} s")


def test_an_accepted_appeal_delists_the_domain_from_every_export(served, officer):
    with httpx.Client(base_url=served.url, timeout=20) as client:
        report = _report(client, URL2, f"HMRC: you are due a tax rebate of 326.40 GBP, claim at {URL2}")
        _status(client, officer, report, "confirmed", "HMRC rebate phishing")
        _wait(client, served.url, _in_all(URL2, HOST2), "the second site in every export")
        filed = client.post("/api/v1/appeals", json={
            "type": "domain", "value": HOST2, "owner_name": "Rebate Claim Ltd", "contact_email": "legal@example.com",
            "explanation": "This domain was registered by our company and never served this page; it was hijacked."})
        assert filed.status_code == 201, filed.text
        looked = client.get("/api/v1/lookup", params={"type": "domain", "value": HOST2}).json()
        assert looked["disputed"] is True and looked["status"] == "confirmed_fraud", looked
        app = served.app()
        with app.app_context():
            (appeal,), _ = appeals.queue("open")
            appeals.decide(appeal.id, "accept", "the registrant showed the hijack", "feeds.officer")
        db.dispose(app)
        left = _wait(client, served.url, lambda found: _in_none(HOST2)(found) and all(
            URL2 in found[name] for name in EXPORTS if name not in ("hosts", "rpz")), "the delisted domain leaving")
        looked = client.get("/api/v1/lookup", params={"type": "domain", "value": HOST2}).json()
        # delisted; a confirmed URL on it (not appealed) still makes the domain `suspected` in lookups
        assert looked["status"] in ("delisted", "suspected") and looked["disputed"] is False, looked
        assert looked["delisted_at"] and looked["status"] != "confirmed_fraud", looked
    print(f"\nappeal accepted -> the domain out of every export in {left:.1f} s")
