"""Codes shown as labels in the user's language (fraudwatch/console/labels.py): report statuses,
channels, sources, verdict labels and categories, indicator types and lookup statuses, campaign
kinds and statuses and audit actions, in table cells and filter <option>s (whose value stays the
code); every code the models know has a label; an unknown code is shown as it is."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from classifiers.corpus import CATEGORIES
from fraudwatch.api.answers import LOOKUP_STATUSES
from fraudwatch.indicators import INDICATOR_TYPES
from fraudwatch.infra.extensions import db
from fraudwatch.services import actions
from fraudwatch.services.campaign_requests import KINDS
from fraudwatch.storage.audit import add_audit_event
from fraudwatch.storage.campaigns import CAMPAIGN_STATUSES
from fraudwatch.storage.models import CHANNELS, REPORT_STATUSES, User
from fraudwatch.storage.queue import QUEUE_SOURCES
from fraudwatch.web import labels
from tests.fraudwatch.console.test_campaign_pages import campaign  # noqa: F401 (fixture)
from tests.fraudwatch.console.test_queue_pages import report, verdict


def _speak(app, uid: int, language: str) -> None:
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == uid).values(language=language))
        db.session.commit()


def _cell(html: str, report_id: int, index: int) -> str:
    """The text of cell `index` (0: the checkbox) of the queue row of `report_id`."""
    row = re.search(rf'<tr data-report="{report_id}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    return re.sub(r"<[^>]+>", "", re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[index]).strip()


def _option(html: str, select: str, value: str) -> str:
    block = re.search(rf'<select name="{select}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.search(rf'<option value="{re.escape(value)}"[^>]*>([^<]*)</option>', block).group(1)


@pytest.mark.parametrize("language, words", [
    ("zh", {"confirmed": "已确认", "sms": "短信", "public": "公众", "scam": "诈骗", "refund_lure": "退税诱饵"}),
    ("en", {"confirmed": "confirmed", "sms": "SMS", "public": "public", "scam": "scam", "refund_lure": "refund lure"}),
])
def test_queue_shows_labels_in_the_users_language(app, client, sign_in, csrf, language, words):
    rid = report(client, "退税 labels queue", channel="sms")
    verdict(app, rid, 0.9)
    uid = sign_in(client)
    _speak(app, uid, language)
    r = client.post(f"/console/reports/{rid}/act", data={"csrf_token": csrf(client), "action": "confirm",
                                                          "reason": "fake refund"})
    assert r.status_code == 303
    html = client.get("/console/queue").get_data(as_text=True)
    assert _cell(html, rid, 2) == words["confirmed"]
    assert _cell(html, rid, 3) == words["sms"] and _cell(html, rid, 4) == words["public"]
    assert _cell(html, rid, 6) == f'{words["scam"]} {words["refund_lure"]}'
    if language == "zh":
        assert "confirmed" not in _cell(html, rid, 2) and "refund_lure" not in _cell(html, rid, 6)
    assert f'<td data-code="confirmed">{words["confirmed"]}</td>' in html
    # the filters: the value stays the code, the label is translated
    assert _option(html, "status", "confirmed") == words["confirmed"]
    assert _option(html, "channel", "sms") == words["sms"]
    assert _option(html, "source", "public") == words["public"]
    assert _option(html, "category", "refund_lure") == words["refund_lure"]
    assert _option(html, "action", "needs_info") == {"zh": "需补充信息", "en": "needs more information"}[language]
    filtered = client.get("/console/queue?status=confirmed&category=refund_lure").get_data(as_text=True)
    assert re.findall(r'data-report="(\d+)"', filtered) == [str(rid)]
    assert '<option value="confirmed" selected>' in filtered


def test_report_page_labels_status_channel_indicators_and_history(app, client, sign_in, csrf):
    rid = report(client, "退税请登录 http://labels-page.example.top/x", channel="email")
    verdict(app, rid, 0.8)
    sign_in(client)
    client.post(f"/console/reports/{rid}/act", data={"csrf_token": csrf(client), "action": "needs_info",
                                                     "reason": "who sent it"})
    html = client.get(f"/console/reports/{rid}").get_data(as_text=True)
    title = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    assert "需补充信息" in title and "needs_info" not in title
    facts = re.search(r'<dl class="facts">(.*?)</dl>', html, re.S).group(1)
    assert "<dd>电子邮件</dd>" in facts and "<dd>公众</dd>" in facts and "诈骗 · 退税诱饵" in facts
    indicators = re.search(r"<table class=\"indicators\">(.*?)</table>", html, re.S).group(1)
    assert "<td>网址</td>" in indicators and "<td>域名</td>" in indicators and "<td>可疑</td>" in indicators
    assert "suspected" not in indicators and ">url<" not in indicators
    history = re.search(r'<ol class="history">(.*?)</ol>', html, re.S).group(1)
    assert "新举报 → 需补充信息" in history and "needs_info" not in history


def test_campaign_pages_label_status_kind_and_indicators(client, sign_in, campaign):  # noqa: F811
    cid, _ids = campaign
    sign_in(client)
    listing = client.get("/console/campaigns").get_data(as_text=True)
    assert _option(listing, "status", "open") == "未处理" and _option(listing, "kind", "text") == "近乎相同的文本"
    page = client.get(f"/console/campaigns/{cid}").get_data(as_text=True)
    reports = re.search(r'<table class="reports">(.*?)</table>', page, re.S).group(1)
    assert "<td>新举报</td>" in reports and "<td>new</td>" not in reports


def test_audit_log_labels_actions_and_keeps_codes_as_values(app, client, sign_in):
    sign_in(client, "audit.admin", "admin")
    with app.app_context():
        add_audit_event(db.session, actor="cli", action="user_create", target_type="user", target_id=1)
        add_audit_event(db.session, actor="cli", action="made_up_action", target_type="user", target_id=1)
        db.session.commit()
    html = client.get("/console/audit").get_data(as_text=True)
    assert _option(html, "action", "user_create") == "创建用户"
    assert '<td data-code="user_create">创建用户</td>' in html
    assert '<td data-code="made_up_action">made_up_action</td>' in html  # unknown: shown as it is


@pytest.mark.parametrize("kind, codes", [
    ("status", REPORT_STATUSES), ("channel", CHANNELS), ("source", QUEUE_SOURCES), ("category", CATEGORIES),
    ("verdict", ("scam", "spam", "legit", "spam_or_scam")), ("indicator_type", INDICATOR_TYPES),
    ("lookup_status", (*LOOKUP_STATUSES, "dismissed")), ("campaign_kind", KINDS),
    ("campaign_status", CAMPAIGN_STATUSES), ("action", actions.BULK_ACTIONS),
])
def test_every_code_has_a_label(app, kind, codes):
    with app.test_request_context("/console/", headers={"Accept-Language": "zh"}):
        shown = {code: labels.label(kind, code) for code in codes}
    assert set(labels.KINDS[kind]) >= set(codes), set(codes) - set(labels.KINDS[kind])
    assert all(any("\u4e00" <= c <= "\u9fff" for c in text) for text in shown.values()), shown


def test_unknown_and_missing_codes(app):
    with app.test_request_context("/console/", headers={"Accept-Language": "en"}):
        assert labels.label("status", "gone_away") == "gone_away"
        assert labels.label("status", None) == "" and labels.label("status", 3) == "3"
        assert labels.label("status", "needs_info") == "needs more information"
