"""Confirmed reports become redacted examples of their pattern (services/publishing.py), and
leave when they are no longer confirmed; the periodic runner gives each task one turn per
interval among all workers."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from fraudwatch.exceptions import Invalid
from fraudwatch.infra.extensions import db, redis_store
from fraudwatch.infra.redis_keys import periodic_turn
from fraudwatch.jobs import periodic
from fraudwatch.services import publishing, triage
from fraudwatch.services.reporting import submit_report
from fraudwatch.storage.models import AuditEvent, PublishedExample, Report

REFUND = ("【国家税务总局】您有一笔个税退税3280.50元待领取，请于今日登录 https://etax-refund.top/claim 填写银行卡"
          "6222 0212 3456 7890 123 并联系专员 13812345678 或 wang.li@qq.com 办理。")


def _report(app, text: str, category: str, authority: str = "CN-STA", **fields) -> int:
    with app.test_request_context():
        answer = submit_report({"message_text": text, "channel": "sms", **fields})
        db.session.execute(sa.update(Report).where(Report.id == answer["id"])
                           .values(verdict_category=category, verdict_authority=authority))
        db.session.commit()
        return answer["id"]


def _status(app, report_id: int, status: str) -> None:
    with app.app_context():
        triage.set_status(report_id, status, "checked", "officer-a")


def _sweep(app) -> int:
    with app.app_context():
        return publishing.sweep()


def _examples(app) -> dict[int, PublishedExample]:
    with app.app_context():
        rows = db.session.scalars(sa.select(PublishedExample)).all()
        db.session.expunge_all()
        return {row.report_id: row for row in rows}


def test_a_confirmed_report_is_published_redacted_and_defanged(app):
    report_id = _report(app, REFUND, "refund_lure")
    assert _sweep(app) == 0 and _examples(app) == {}  # new, not confirmed: nothing
    _status(app, report_id, "confirmed")
    assert _sweep(app) == 1
    example = _examples(app)[report_id]
    assert (example.pattern, example.state, example.chosen_by, example.channel) == (
        "tax-refund", "published", "auto", "sms")
    text = example.text
    assert "国家税务总局" in text and "3280.50" in text  # what makes the example useful stays
    assert "hxxps://etax-refund[.]top/claim" in text and "https://" not in text
    for secret in ("13812345678", "6222", "wang.li", "qq.com", "1234 5678", "7890"):
        assert secret not in text, secret
    assert not re.search(r"\d{7,}", re.sub(r"[\s-]", "", text).replace("3280.50", ""))


def test_examples_follow_the_report_out_of_and_back_into_confirmed(app):
    report_id = _report(app, REFUND, "refund_lure")
    _status(app, report_id, "confirmed")
    _sweep(app)
    _status(app, report_id, "dismissed")
    _sweep(app)
    assert _examples(app)[report_id].state == "withdrawn"
    _status(app, report_id, "confirmed")
    _sweep(app)
    assert _examples(app)[report_id].state == "published"
    with app.test_request_context():
        example_id = _examples(app)[report_id].id
        publishing.set_state(example_id, "withdrawn", "editor-e")
        assert db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.target_type == "example")).all() == [
            "example.withdrawn"]
    _status(app, report_id, "dismissed")
    _status(app, report_id, "confirmed")
    _sweep(app)
    assert _examples(app)[report_id].state == "withdrawn"  # the editor's choice stands


def test_a_report_no_longer_confirmed_cannot_be_published_by_an_editor(app):
    report_id = _report(app, REFUND, "refund_lure")
    _status(app, report_id, "confirmed")
    _sweep(app)
    _status(app, report_id, "dismissed")
    _sweep(app)
    with app.test_request_context():
        with pytest.raises(Invalid):
            publishing.set_state(_examples(app)[report_id].id, "published", "editor-e")
        with pytest.raises(Invalid):
            publishing.set_state(_examples(app)[report_id].id, "deleted", "editor-e")


def test_in_editor_mode_examples_wait_as_candidates(app):
    app.config["PUBLISH_EXAMPLES"] = "editor"
    report_id = _report(app, REFUND, "refund_lure")
    _status(app, report_id, "confirmed")
    _sweep(app)
    assert _examples(app)[report_id].state == "candidate"
    with app.test_request_context():
        publishing.set_state(_examples(app)[report_id].id, "published", "editor-e")
        assert [e.report_id for e in publishing.published(db.session)] == [report_id]


@pytest.mark.parametrize("category, authority, text, pattern", [
    ("refund_lure", "US-IRS", "IRS: you are owed a refund, visit irs-refund.top", "overseas-tax-lures"),
    ("fee_demand", "CN-STA", "贵公司需缴纳税务系统建设费2980元", "system-fee"),
    ("fee_demand", "CN-STA", "请下载发票查验插件并缴纳服务费", "invoice-plugin"),
    ("fake_portal", "CN-STA", "电子税务局升级，请登录 etax-gov.top", "fake-tax-portal"),
    ("abnormal_status", "CN-STA", "您的税务状态异常，将被稽查", "audit-threat"),
    ("subsidy_lure", None, "个人补贴申领", "subsidy-lure"),
    ("advertising", "US-IRS", "tax software sale", None),
    (None, None, "anything", None),
])
def test_patterns(category, authority, text, pattern):
    assert publishing.pattern_for(category, authority, text) == pattern


def test_nothing_to_show_is_not_published(app):
    with app.test_request_context():
        answer = submit_report({"url": "https://etax-gov.top/login", "channel": "web"})
        db.session.execute(sa.update(Report).values(verdict_category="fake_portal"))
        db.session.commit()
    _status(app, answer["id"], "confirmed")
    _sweep(app)
    assert _examples(app)[answer["id"]].text == "hxxps://etax-gov[.]top/login"
    assert publishing.example_text(None, "  ", None) is None


def test_long_and_hostile_texts_are_cut_and_kept_plain(app):
    text = "<script>alert(1)</script>退税" + "请拨打13812345678 " * 500
    report_id = _report(app, text, "refund_lure")
    _status(app, report_id, "confirmed")
    _sweep(app)
    example = _examples(app)[report_id].text
    assert len(example) <= publishing.MAX_TEXT and "13812345678" not in example
    assert example.startswith("<script>")  # plain text: the pages escape it (tests/fraudwatch/public)


def test_a_periodic_task_runs_once_per_interval_among_workers(app, monkeypatch):
    calls = []
    monkeypatch.setitem(periodic.TASKS, "probe", ("tests.fraudwatch.services.test_publishing:_probe", "PROBE_SECONDS"))
    app.config["PROBE_SECONDS"] = 60
    monkeypatch.setattr(f"{__name__}._CALLS", calls)
    with app.app_context():
        redis_store.client.delete(periodic_turn("probe"))
        assert "probe" in periodic.run_due(["probe"])
        assert periodic.run_due(["probe"]) == []  # the other worker's tick, same interval
        redis_store.client.delete(periodic_turn("probe"))  # the interval is over
        assert "probe" in periodic.run_due(["probe"])
    assert len(calls) == 2


def test_a_failing_periodic_task_is_logged_and_tried_at_its_next_turn(app, monkeypatch, caplog):
    monkeypatch.setitem(periodic.TASKS, "broken", ("tests.fraudwatch.services.test_publishing:_broken",
                                                   "PROBE_SECONDS"))
    app.config["PROBE_SECONDS"] = 60
    with app.app_context():
        redis_store.client.delete(periodic_turn("broken"))
        assert periodic.run_due(["broken"]) == []
    assert "periodic task broken failed" in caplog.text


_CALLS: list = []


def _probe() -> None:
    _CALLS.append(1)


def _broken() -> None:
    raise RuntimeError("boom")


def test_one_example_per_campaign_saying_how_many_reports_it_has(app):
    from fraudwatch.storage.models import Campaign

    first = _report(app, REFUND, "refund_lure")
    second = _report(app, REFUND.replace("3280.50", "3180.00"), "refund_lure")
    alone = _report(app, "【国家税务总局】另一条退税短信 https://other-refund.top", "refund_lure")
    with app.app_context():
        campaign = Campaign(key="domain:etax-refund.top", kind="indicator", title="etax-refund.top", report_count=2)
        db.session.add(campaign)
        db.session.flush()
        db.session.execute(sa.update(Report).where(Report.id.in_([first, second])).values(campaign_id=campaign.id))
        db.session.commit()
    for report_id in (first, second, alone):
        _status(app, report_id, "confirmed")
    _sweep(app)
    found = _examples(app)
    assert (found[first].state, found[second].state, found[alone].state) == ("published", "withdrawn", "published")
    assert found[second].chosen_by == "campaign"
    with app.app_context():
        shown = {e.report_id: e.campaign_reports for e in publishing.published(db.session)}
    assert shown == {first: 2, alone: None}


def test_a_report_sent_as_a_screenshot_is_shown_by_its_redacted_ocr_text(app):
    from fraudwatch.storage import attachments

    with app.test_request_context():
        report_id = submit_report({"phone": "13900001111", "description": "见截图", "channel": "sms"})["id"]
        row = attachments.add_attachment(db.session, report_id, media_type="image/png", data=b"png", sha256="0" * 64,
                                         width=1, height=1)
        attachments.set_ocr(db.session, row.id, "done", REFUND)
        db.session.execute(sa.update(Report).where(Report.id == report_id)
                           .values(verdict_category="refund_lure", verdict_authority="CN-STA"))
        db.session.commit()
    _status(app, report_id, "confirmed")
    _sweep(app)
    text = _examples(app)[report_id].text
    assert "hxxps://etax-refund[.]top/claim" in text and "见截图" not in text
    assert "13812345678" not in text and "6222" not in text
