"""Every source of what is new reaches the watch lists: an indicator becoming confirmed, an
imported feed, a list of newly registered domains (CLI), a crawl's findings; each alerts once."""
from __future__ import annotations

import sqlalchemy as sa

from fraudwatch.indicators import normalize_domain
from fraudwatch.infra.extensions import db
from fraudwatch.services import watch, watch_match
from fraudwatch.services.imports.indicators import import_indicators
from fraudwatch.storage import users
from fraudwatch.storage.models import Alert
from tests.conftest import run_jobs
from tests.fraudwatch.watch.conftest import LOOKALIKE


def _watch(app, *entries: tuple[str, str]) -> None:
    with app.app_context():
        user = users.create_user(db.session, "acme", "enterprise")
        db.session.commit()
        for kind, value in entries:
            watch.add_entry(user, kind, value)


def _alerts(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(a.reason, a.subject_type, a.subject) for a in db.session.scalars(sa.select(Alert).order_by(Alert.id))]


def test_an_indicator_confirmed_by_an_officer_alerts_once_more(watch_app, officer):
    _watch(watch_app, ("domain", "example-corp.com"))
    client = watch_app.test_client()
    rid = client.post("/api/v1/reports", json={"channel": "web", "domain": LOOKALIKE,
                                               "description": "a fake refund page"}).get_json()["id"]
    run_jobs(watch_app)
    assert _alerts(watch_app) == [("lookalike", "report", f"domain:{LOOKALIKE}")]
    assert client.post(f"/api/v1/reports/{rid}/status", headers=officer,
                       json={"status": "confirmed", "reason": "fake page"}).status_code == 200
    with watch_app.app_context():
        from fraudwatch.services import outbox
        outbox.pump()
    run_jobs(watch_app)
    assert _alerts(watch_app)[1:] == [("confirmed", "indicator", f"domain:{LOOKALIKE}")]
    client.post(f"/api/v1/reports/{rid}/status", headers=officer, json={"status": "triaging", "reason": "re-check"})
    client.post(f"/api/v1/reports/{rid}/status", headers=officer, json={"status": "confirmed", "reason": "again"})
    with watch_app.app_context():
        outbox.pump()
    run_jobs(watch_app)
    assert len(_alerts(watch_app)) == 2  # confirmed again: nothing new


def test_an_imported_feed(app, tmp_path):
    _watch(app, ("domain", "example-corp.com"), ("phone", "+8613812345678"))
    feed = tmp_path / "feed.txt"
    feed.write_text(f"{LOOKALIKE}\nunrelated-site.top\nexample-corp.com.refund-now.top\n", encoding="utf-8")
    with app.app_context():
        import_indicators(feed, kind="domain", source="testfeed", processes=1)
        import_indicators(feed, kind="domain", source="testfeed", processes=1)  # the same feed again
    assert sorted(_alerts(app)) == [("lookalike", "feed", f"domain:{LOOKALIKE}"),
                                    ("lookalike", "feed", "domain:refund-now.top")]


def test_newly_registered_domains_from_the_cli(app, tmp_path):
    _watch(app, ("domain", "example-corp.com"))
    listing = tmp_path / "new-domains.txt"
    listing.write_text(f"# today\n{LOOKALIKE}\nexamp1e-corp-tax.com\nexample-c0rp.net\n\x7f\x01bad domain\n"
                       "quiet-garden.org\n" + "x" * 5000 + "\n", encoding="utf-8")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["watch-domains", str(listing), "--json"])
    assert first.exit_code == 0, first.output
    assert '"alerts": 2' in first.output and '"invalid": 2' in first.output
    again = runner.invoke(args=["watch-domains", str(listing)])
    assert "0 new alert(s)" in again.output
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert runner.invoke(args=["watch-domains", str(empty)]).exit_code != 0
    assert runner.invoke(args=["watch-domains", str(tmp_path / "missing.txt")]).exit_code != 0


def test_a_crawls_collecting_domain(app):
    _watch(app, ("domain", "example-corp.com"), ("brand", "Example Corp"))
    with app.app_context():
        created = watch_match.match_findings(7, [normalize_domain("pay.examplecorp-refund.top")])
        assert watch_match.match_findings(7, [normalize_domain("pay.examplecorp-refund.top")]) == []
    assert len(created) == 2
    assert sorted(_alerts(app)) == [("lookalike", "evidence", "domain:examplecorp-refund.top"),
                                    ("mention", "evidence", "crawl:7")]


def test_the_index_follows_changes(app):
    _watch(app, ("domain", "example-corp.com"))
    with app.app_context():
        first = watch_match.current_index()
        assert watch_match.current_index() is first and first.size == 1
        user = users.find_user(db.session, "acme")
        entry = watch.add_entry(user, "domain", "other-corp.cn")
        second = watch_match.current_index()
        assert second is not first and second.size == 2
        watch.remove_entry(user, entry.id)
        assert watch_match.current_index().size == 1
