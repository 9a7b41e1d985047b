"""Scam pattern pages: every pattern in zh and en, live examples from confirmed reports shown
redacted, defanged and inert, withdrawn when no longer confirmed; the short page cache."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.jobs import periodic
from fraudwatch.services import publishing, triage
from fraudwatch.services.reporting import submit_report
from fraudwatch.storage.models import Report

SCAM = ("【国家税务总局】您有一笔个税退税3280.50元待领取，请登录 https://etax-refund.top/claim?u=1 填写银行卡"
        "6222021234567890123，联系专员13812345678，邮箱 wang.li@qq.com。")
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)> 退税 javascript:alert(1) https://evil-tax.top/"onmouseover=alert(1)'


@pytest.fixture
def uncached(app):
    app.config["PUBLIC_CACHE_SECONDS"] = 0
    return app


def _confirmed(app, text: str, category: str = "refund_lure", authority: str = "CN-STA") -> int:
    with app.test_request_context():
        report_id = submit_report({"message_text": text, "channel": "sms"})["id"]
        db.session.execute(sa.update(Report).where(Report.id == report_id)
                           .values(verdict_category=category, verdict_authority=authority))
        db.session.commit()
        triage.set_status(report_id, "confirmed", "checked", "officer-a")
        publishing.sweep()
    return report_id


@pytest.mark.parametrize("lang, heading, refund", [("zh", "涉税诈骗类型", "“待领退税”短信和邮件"),
                                                   ("en", "Tax scam patterns", "“Tax refund waiting” messages")])
def test_every_pattern_is_listed_and_has_its_page(uncached, client, lang, heading, refund):
    query = "?lang=en" if lang == "en" else ""
    page = client.get("/patterns" + query).data.decode()
    assert f"<h1>{heading}</h1>" in page and refund in page
    for slug in publishing.SLUGS:
        assert f'href="/patterns/{slug}' in page
        answer = client.get(f"/patterns/{slug}{query}")
        assert answer.status_code == 200 and "<h2 id=\"tell\">" in answer.data.decode()
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_confirmed_report_is_shown_redacted_and_defanged_in_both_languages(uncached, client, lang):
    _confirmed(uncached, SCAM)
    page = client.get("/patterns/tax-refund" + ("?lang=en" if lang == "en" else "")).data.decode()
    example = re.search(r'<blockquote class="pasted">(.*?)</blockquote>', page, re.S).group(1)
    assert "hxxps://etax-refund[.]top/claim" in example and "3280.50" in example
    assert not re.search(r"\d{7,}", example.replace("3280.50", ""))
    for secret in ("13812345678", "6222021234567890123", "wang.li", "qq.com"):
        assert secret not in page
    assert 'href="https://etax-refund' not in page and "etax-refund.top" not in page
    home = client.get("/" + ("?lang=en" if lang == "en" else "")).data.decode()
    assert "hxxps://etax-refund[.]top/claim" in home  # the latest confirmed scams on the home page


def test_hostile_text_renders_inert(uncached, client):
    _confirmed(uncached, XSS)
    page = client.get("/patterns/tax-refund").data.decode()
    assert "<script>alert" not in page and "<img src=x" not in page and 'onmouseover=alert' not in page.replace(
        "&#34;onmouseover=alert", "")
    assert "&lt;script&gt;alert(" in page
    assert 'href="javascript' not in page


def test_an_example_leaves_when_its_report_is_dismissed(uncached, client):
    report_id = _confirmed(uncached, SCAM)
    assert "etax-refund[.]top" in client.get("/patterns/tax-refund").data.decode()
    with uncached.app_context():
        triage.set_status(report_id, "dismissed", "not a scam after all", "officer-a")
        publishing.sweep()
    assert "etax-refund[.]top" not in client.get("/patterns/tax-refund").data.decode()
    assert "etax-refund[.]top" not in client.get("/").data.decode()


def test_examples_page_backwards(uncached, client):
    for n in range(23):
        _confirmed(uncached, f"【国家税务总局】退税{n}号通知，请登录 https://refund-{n}.top 领取")
    first = client.get("/patterns/tax-refund").data.decode()
    assert first.count('class="example"') == 20 and "refund-22[.]top" in first and "refund-2[.]top" not in first
    older = re.search(r'href="(/patterns/tax-refund\?before=\d+)"', first).group(1)
    second = client.get(older).data.decode()
    assert second.count('class="example"') == 3 and "refund-0[.]top" in second and "before=" not in second


@pytest.mark.parametrize("path, status", [
    ("/patterns/no-such-pattern", 404), ("/patterns/tax-refund?before=-5", 404),
    ("/patterns/tax-refund?before=99999999999999999999999", 404), ("/patterns/%3Cscript%3E", 404),
    ("/patterns/tax-refund?before=abc", 200), ("/patterns/" + "a" * 5000, 404)])
def test_bad_addresses(uncached, client, path, status):
    answer = client.get(path)
    assert answer.status_code == status
    if status == 404:
        assert "页面不存在" in answer.data.decode() and "<script>" not in answer.data.decode()
        assert "Page not found" in client.get(path + ("&" if "?" in path else "?") + "lang=en").data.decode()


def test_the_sitemap_names_every_pattern(app, client):
    urls = client.get("/sitemap.xml").data.decode()
    for slug in publishing.SLUGS:
        assert f"/patterns/{slug}</loc>" in urls and f"/patterns/{slug}?lang=en</loc>" in urls


def test_pages_are_cached_briefly_with_etags(app, client):
    app.config["PUBLIC_CACHE_SECONDS"] = 30
    first = client.get("/patterns?lang=en")
    assert first.headers["X-Cache"] == "miss" and first.headers["Cache-Control"] == "public, max-age=10"
    again = client.get("/patterns?lang=en&utm=1&x=" + "y" * 100)  # undeclared arguments: the same page
    assert again.headers["X-Cache"] == "hit" and again.data == first.data
    assert client.get("/patterns").headers["X-Cache"] == "miss"  # zh is another page
    assert client.get("/patterns?lang=en", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert "Set-Cookie" not in first.headers


def test_a_confirmation_reaches_the_pattern_page_through_the_workers_periodic_turn(app, client):
    app.config["PUBLIC_CACHE_SECONDS"] = 0
    with app.test_request_context():
        report_id = submit_report({"message_text": SCAM, "channel": "sms"})["id"]
        db.session.execute(sa.update(Report).values(verdict_category="refund_lure", verdict_authority="CN-STA"))
        db.session.commit()
        triage.set_status(report_id, "confirmed", "checked", "officer-a")
    assert "etax-refund[.]top" not in client.get("/patterns/tax-refund").data.decode()
    with app.app_context():
        from fraudwatch.infra.extensions import redis_store
        from fraudwatch.infra.redis_keys import periodic_turn

        redis_store.client.delete(periodic_turn("publish_examples"))
        assert "publish_examples" in periodic.run_due(["publish_examples"])
    assert "etax-refund[.]top" in client.get("/patterns/tax-refund").data.decode()


def test_a_publication_refreshes_the_cached_pages_at_once(app, client):
    app.config["PUBLIC_CACHE_SECONDS"] = 30
    assert client.get("/patterns/tax-refund").headers["X-Cache"] == "miss"
    assert client.get("/patterns/tax-refund").headers["X-Cache"] == "hit"
    report_id = _confirmed(app, SCAM)  # the sweep publishes it: the cached copies are out of date
    fresh = client.get("/patterns/tax-refund")
    assert fresh.headers["X-Cache"] == "miss" and "etax-refund[.]top" in fresh.data.decode()
    assert client.get("/patterns/tax-refund").headers["X-Cache"] == "hit"
    with app.app_context():
        triage.set_status(report_id, "dismissed", "not a scam after all", "officer-a")
        assert publishing.sweep() == 1
    assert "etax-refund[.]top" not in client.get("/patterns/tax-refund").data.decode()
    with app.app_context():
        publishing.sweep()  # nothing changed: the copies stay
    assert client.get("/patterns/tax-refund").headers["X-Cache"] == "hit"
