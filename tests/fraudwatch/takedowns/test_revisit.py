"""Opening and revisiting takedowns: the periodic sweep opens one per confirmed URL and domain
(not for suspected ones, a feed's confirmations or delisted ones; never twice) and queues the
checks that are due; a check against a real server on 127.0.0.1 that serves the scam page, then
a 404, then the page again moves the takedown open -> down -> back (down_at the first check
that found it gone); a refused network, an unresolvable name while the network is down, or a
server error is `unknown` and changes nothing; RDAP contacts are recorded, or `unavailable`."""
from __future__ import annotations

from datetime import timedelta

import pytest

from crawlers.revisit import GONE, SERVING, UNKNOWN, is_parked, judge_revisit
from fraudwatch.infra.extensions import db
from fraudwatch.jobs import periodic
from fraudwatch.jobs import takedowns as job
from fraudwatch.jobs.crawling import crawl_queue
from fraudwatch.services import takedown_checks
from fraudwatch.storage import takedowns as store
from fraudwatch.storage.models import Indicator, Takedown, utcnow
from tests.conftest import run_jobs
from tests.fraudwatch.takedowns.conftest import GONE as GONE_HOST
from tests.fraudwatch.takedowns.conftest import SITE, confirm
from tests.linear import work

BASE = {"content_hash": "h1", "title": "Refund", "forms": [{"action": "https://x.test/p", "asks": ["bank_card"]}]}


def _up() -> bool:
    return True


def _down() -> bool:
    return False


@pytest.mark.parametrize(("result", "state", "reason"), [
    ({"http_status": 200, "content_hash": "h1"}, SERVING, "same_content"),
    ({"http_status": 200, "content_hash": "h2", "title": " Refund "}, SERVING, "same_title"),
    ({"http_status": 200, "forms": [{"action": "https://x.test/p", "asks": ["bank_card"]}]}, SERVING, "same_form"),
    ({"http_status": 200, "verdict": {"label": "scam"}}, SERVING, "scam_signals"),
    ({"http_status": 200, "verdict": {"label": "suspicious"}, "forms": [{"sensitive": ["password"]}]},
     SERVING, "scam_signals"),
    ({"http_status": 200, "title": "Welcome", "verdict": {"label": "unknown"}}, GONE, "different_content"),
    ({"http_status": 200, "title": "x", "text_excerpt": "This domain is FOR SALE"}, GONE, "parked"),
    ({"http_status": 200, "text_excerpt": "该域名已被暂停解析"}, GONE, "parked"),
    ({"http_status": 404}, GONE, "http_404"), ({"http_status": 410}, GONE, "http_410"),
    ({"http_status": 403, "text_excerpt": "Account has been suspended"}, GONE, "suspended"),
    ({"http_status": 403}, UNKNOWN, "http_403"), ({"http_status": 503}, UNKNOWN, "http_503"),
    ({"http_status": None}, UNKNOWN, "no_status"),
    ({"error": {"code": "connect_error", "transient": True}}, UNKNOWN, "connect_error"),
    ({"error": {"code": "blocked_address", "transient": False}}, UNKNOWN, "blocked_address"),
    ({"error": {"code": "dns_error", "transient": True}}, UNKNOWN, "dns_error"),
    ({"error": {"code": "dns_error", "transient": False}}, GONE, "dns_error"),
])
def test_judge(result, state, reason):
    assert judge_revisit(result, BASE, _up) == (state, reason)


def test_judge_without_network_or_baseline():
    assert judge_revisit({"error": {"code": "dns_error"}}, None, _down) == (UNKNOWN, "network_unavailable")
    assert judge_revisit({"http_status": 200, "title": "Refund"}, None, _up) == (GONE, "different_content")
    hostile = {"http_status": 200, "title": None, "forms": "x", "verdict": None, "text_excerpt": 5}
    assert judge_revisit(hostile, {"forms": [None, {"asks": "x"}]}, _up) == (GONE, "different_content")


def test_parked_check_is_linear():
    ratio, growth = work(lambda text: is_parked(text, text), "a" * 25_000, "a" * 100_000, 400, 25)
    assert growth < 25


def _takedowns(app) -> dict[int, Takedown]:
    with app.app_context():
        rows, _more = store.list_takedowns(db.session, store.TakedownFilter(limit=200))
        return {i.id: t for t, i in rows}


def test_sweep_opens_once_for_confirmed_urls_and_domains(td_app, site):
    url = confirm(td_app, f"http://{SITE}:{site.port}/login")
    domain = confirm(td_app, SITE, "domain", page=f"http://{SITE}:{site.port}/")
    feed = confirm(td_app, "http://feed-only.test/x", source="urlhaus", evidence=False)
    delisted = confirm(td_app, "http://delisted.test/x", evidence=False)
    with td_app.app_context():
        db.session.get(Indicator, delisted).delisted_at = utcnow()
        db.session.commit()
        assert periodic.run_due(["takedown_revisit"]) == ["takedown_revisit"]  # the periodic task is the sweep
        assert crawl_queue().count == 2
        assert job.sweep() == {"opened": 0, "queued": 0}  # opened once; checks leased for the revisit period
    opened = _takedowns(td_app)
    assert set(opened) == {url, domain} and feed not in opened
    assert {t.status for t in opened.values()} == {"open"}
    run_jobs(td_app)  # the queued checks run as crawl jobs
    checked = _takedowns(td_app)
    assert {t.last_check["state"] for t in checked.values()} == {"serving"}
    assert all(t.next_check_at > utcnow() + timedelta(hours=5) for t in checked.values())
    contacts = checked[url].abuse_contacts
    assert {"party": "registrar", "name": "Example Registrar Co., Ltd.", "contact": "abuse@registrar.example",
            "source": "rdap"}.items() <= contacts[0].items()


def test_scam_then_404_then_back(td_app, site):
    indicator_id = confirm(td_app, f"http://{SITE}:{site.port}/login")
    with td_app.app_context():
        job.sweep()
        (takedown_id,) = [t.id for t in _takedowns(td_app).values()]
        first = job.check(takedown_id)
        assert (first["state"], first["reason"], first["http_status"]) == ("serving", "same_content", 200)
        site.served.site = "gone"
        assert job.check(takedown_id)["reason"] == "http_404"
        down = store.get_takedown(db.session, takedown_id)[0]
        assert down.status == "down" and down.down_at is not None
        down_at = down.down_at
        assert job.check(takedown_id)["state"] == "gone"
        db.session.expire_all()
        assert store.get_takedown(db.session, takedown_id)[0].down_at == down_at  # the first check that found it
        site.served.site = "scam"
        assert job.check(takedown_id)["state"] == "serving"
        db.session.expire_all()
        back = store.get_takedown(db.session, takedown_id)[0]
        assert back.status == "back" and back.down_at is None
        site.served.site = "parked"
        assert job.check(takedown_id)["reason"] == "parked"
        db.session.expire_all()
        again = store.get_takedown(db.session, takedown_id)[0]
        assert again.status == "down" and len(again.last_check["history"]) == 4
        assert again.last_check["status_before"] == "back" and indicator_id


def test_refusals_and_errors_are_unknown_not_down(td_app, site):
    confirm(td_app, f"http://{SITE}:{site.port}/login")
    confirm(td_app, f"http://{GONE_HOST}/login", evidence=False)
    with td_app.app_context():
        job.sweep()
        ids = {i.value: t.id for t, i in store.list_takedowns(db.session, store.TakedownFilter())[0]}
        site.served.site = "error"
        assert job.check(ids[f"http://{SITE}:{site.port}/login"])["reason"] == "http_503"
        assert job.check(ids[f"http://{GONE_HOST}/login"])["reason"] == "dns_error"  # the network works: gone
        td_app.config["TAKEDOWN_RDAP_BOOTSTRAP"] = "http://rdap.invalid/dns.json"  # no name resolves: unknown
        assert job.check(ids[f"http://{GONE_HOST}/login"])["reason"] == "network_unavailable"
        td_app.config["CRAWL_ALLOW_NETWORKS"] = ()
        td_app.extensions.pop("fw_crawl_fetcher")  # 127.0.0.1 is refused by the guarded fetcher now
        site.served.site = "gone"
        assert job.check(ids[f"http://{SITE}:{site.port}/login"])["reason"] == "blocked_address"
        db.session.expire_all()
        statuses = {i.value: t for t, i in store.list_takedowns(db.session, store.TakedownFilter())[0]}
        assert statuses[f"http://{SITE}:{site.port}/login"].status == "open"
        assert statuses[f"http://{GONE_HOST}/login"].status == "down"
        unavailable = [c for c in statuses[f"http://{GONE_HOST}/login"].abuse_contacts if c["source"] == "unavailable"]
        assert len(unavailable) == 1 and "dns_error" in unavailable[0]["contact"]


def test_status_moves():
    assert [takedown_checks.next_status(s, "gone") for s in ("open", "notified", "down", "back")] == ["down"] * 4
    assert [takedown_checks.next_status(s, "serving") for s in ("open", "notified", "down", "back")] == \
        ["open", "notified", "back", "back"]
    assert takedown_checks.next_status("notified", "unknown") == "notified"
