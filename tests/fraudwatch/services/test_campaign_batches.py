"""Grouping in batches gives the campaigns that grouping one report at a time gives: the same
partition (checked against the one expected by hand), keys, kinds and numbers, whatever the
batch size; and a report joining a big campaign adds itself to its numbers, it does not
recount the campaign."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from fraudwatch.indicators import normalize_domain, normalize_email, normalize_phone, normalize_url
from fraudwatch.infra.extensions import db
from fraudwatch.services import campaigns
from fraudwatch.storage.indicators import link_report, upsert_indicators
from fraudwatch.storage.models import Campaign, Report

LURE = "【国家税务总局】您的个人所得税退税{n}元已到账，请于24小时内登录 {link} 办理，逾期作废。咨询 {phone}"
PARCEL = "【顺丰速运】您的包裹因地址不详被退回，请点击 {link} 重新填写收件信息，今日内有效，编号{n}"
START = datetime(2026, 9, 1, tzinfo=UTC)
DOMAIN, PHONE = normalize_domain("etax-cn.top"), normalize_phone("13900001111")


def lure(n: int) -> str:
    return LURE.format(n=n, link=f"http://refund-{n}.top/r/{n}", phone=f"1380013{n:04d}")


def parcel(n: int) -> str:
    return PARCEL.format(n=n, link=f"http://sf-{n}.top/{n}")


# (label, text, links [(indicator, role)], status, authority, category), in id order. Short
# texts have no bands: they group by their links only.
REPORTS = [
    ("lure1", lure(1280), [(normalize_domain("refund-1280.top"), "extracted")], "new", "CN-SAT", "refund_lure"),
    ("dom1", "请登录核验", [(DOMAIN, "extracted")], "new", None, "fake_portal"),
    ("parcel1", parcel(11), [], "new", None, None),
    ("phone1", "回电办理", [(PHONE, "extracted")], "new", "CN-SAT", None),
    ("lure2", lure(960), [], "new", "CN-SAT", "refund_lure"),
    ("coll1", "更新信息", [(normalize_domain("collect-box.top"), "collector")], "new", None, None),
    ("dom2", "个税补贴", [(DOMAIN, "reported")], "new", "HK-IRD", "subsidy_lure"),
    ("official1", "汇算入口", [(normalize_domain("chinatax.gov.cn"), "extracted")], "new", None, None),
    ("parcel2", parcel(27), [], "new", None, "other_scam"),
    ("official2", "发票查验", [(normalize_domain("chinatax.gov.cn"), "extracted")], "new", None, None),
    ("phone2", "速回电", [(PHONE, "extracted")], "new", None, None),
    ("lure3", lure(3100), [(normalize_phone("02155550000"), "extracted")], "new", None, "refund_lure"),
    ("coll2", "核对账户", [(normalize_domain("collect-box.top"), "collector")], "new", None, None),
    ("dom3", "退税到账", [(DOMAIN, "extracted")], "new", None, None),
    ("parcel_dismissed", parcel(5), [], "dismissed", None, None),
    ("dom_dismissed", "别理", [(DOMAIN, "extracted")], "dismissed", None, None),
    ("bridge", parcel(33), [(DOMAIN, "extracted")], "new", "US-IRS", "fee_demand"),  # merges two campaigns
    ("dom_merged", "合并来的", [(DOMAIN, "merged")], "new", None, None),
    ("short1", "看链接", [(normalize_domain("bit.ly"), "extracted"), (normalize_url("https://bit.ly/a1"), "extracted")],
     "new", None, None),
    ("lure4", lure(4410), [], "confirmed", "CN-SAT", "refund_lure"),
    ("phone_dom", "补贴", [(DOMAIN, "extracted"), (PHONE, "extracted")], "new", None, None),
    ("short2", "点这里", [(normalize_domain("bit.ly"), "extracted")], "new", None, None),
    ("short3", "再看", [(normalize_url("https://bit.ly/a1"), "extracted")], "new", None, None),
    ("mail1", "发邮件", [(normalize_email("refund@tax-help.top"), "extracted")], "new", None, None),
    ("alone", "周末去爬山吗？第三次邀请了，记得带上水和午饭，我们九点在门口集合", [], "new", None, None),
    ("mail2", "回邮件", [(normalize_email("refund@tax-help.top"), "extracted")], "new", None, None),
    ("lure_description", None, [], "new", None, "refund_lure"),  # its text in the description
    ("lure5", lure(7777), [], "new", "CN-SAT", "refund_lure"),
]
EXPECTED = [
    {"lure1", "lure2", "lure3", "lure4", "lure_description", "lure5"},
    {"dom1", "dom2", "dom3", "phone1", "phone2", "phone_dom", "parcel1", "parcel2", "bridge"},
    {"coll1", "coll2"},
    {"short1", "short3"},
    {"mail1", "mail2"},
]


def store(app) -> dict[int, str]:
    """The reports of REPORTS, one day apart; {id: label}."""
    with app.app_context():
        session, labels = db.session, {}
        for day, (label, text, links, status, authority, category) in enumerate(REPORTS):
            report = Report(created_at=START + timedelta(days=day), channel="sms", source="api", status=status,
                            message_text=text, description=lure(5150) if text is None else None,
                            content_hash=f"{day:064x}", reporter_count=1, risk=0, risk_base=0, queue_rank=0,
                            verdict_authority=authority, verdict_category=category)
            session.add(report)
            session.flush()
            labels[report.id] = label
            if links:
                ids = upsert_indicators(session, [item for item, _ in links], source="report")
                link_report(session, report.id, {ids[(item.type, item.value)]: role for item, role in links})
        session.commit()
        return labels


def outcome(app, labels: dict[int, str]) -> dict[frozenset, tuple]:
    """{labels of a campaign: its key, kind, stored numbers}, each checked against a recount."""
    with app.app_context():
        session = db.session
        members: dict[int, set[str]] = {}
        for rid, campaign_id in session.execute(sa.select(Report.id, Report.campaign_id)):
            if campaign_id is not None:
                members.setdefault(campaign_id, set()).add(labels[rid])
        found = {}
        for campaign in session.scalars(sa.select(Campaign)):
            counted = session.execute(sa.select(sa.func.count(), sa.func.min(Report.created_at),
                                                sa.func.max(Report.created_at))
                                      .where(Report.campaign_id == campaign.id)).one()
            assert (campaign.report_count, campaign.first_seen, campaign.last_seen) == tuple(counted)
            for stored, column in ((campaign.authorities, Report.verdict_authority),
                                   (campaign.patterns, Report.verdict_category)):
                rows = session.execute(sa.select(column, sa.func.count()).where(
                    Report.campaign_id == campaign.id, column.is_not(None)).group_by(column)).all()
                top = sorted(rows, key=lambda r: (-r[1], r[0]))[:10]
                assert sorted((v["code"], v["count"]) for v in stored) == sorted(tuple(r) for r in top)
            found[frozenset(members[campaign.id])] = (campaign.key, campaign.kind, campaign.report_count,
                                                      campaign.authorities, campaign.patterns)
        return found


def test_batches_of_any_size_give_the_campaigns_of_one_report_at_a_time(app):
    labels = store(app)
    with app.app_context():
        for rid in sorted(labels):
            campaigns.assign_report(rid)
    one_by_one = outcome(app, labels)
    assert sorted(map(sorted, one_by_one)) == sorted(map(sorted, EXPECTED))
    keys = {members: row[:2] for members, row in one_by_one.items()}
    assert keys[frozenset(EXPECTED[1])] == ("domain:etax-cn.top", "indicator")
    assert keys[frozenset(EXPECTED[2])] == ("collector:collect-box.top", "collector")
    assert keys[frozenset(EXPECTED[3])] == ("url:https://bit.ly/a1", "indicator")
    assert keys[frozenset(EXPECTED[0])][1] == "text"
    for size in (1, 4, 7, 100):
        with app.app_context():
            done = campaigns.rebuild(batch=size, reset=True)
        assert (done.reports, done.grouped) == (len(REPORTS), sum(map(len, EXPECTED)))
        assert outcome(app, labels) == one_by_one, size
        with app.app_context():  # again without reset: nothing changes
            campaigns.rebuild(batch=size)
        assert outcome(app, labels) == one_by_one, size


@pytest.mark.parametrize("authorities", [3, 12])
def test_a_report_joining_a_big_campaign_adds_itself_to_its_numbers(app, authorities):
    """Up to TOP_VALUES authorities the list holds them all and a new member is added to it;
    past that the list is cut and the campaign is recounted (still right)."""
    codes = ["CN-SAT", "HK-IRD", "US-IRS", "GB-HMRC", "AU-ATO", "CA-CRA", "DE-BZST", "FR-DGFIP", "JP-NTA",
             "SG-IRAS", "NZ-IRD", "IN-ITD"][:authorities]
    with app.app_context():
        session = db.session
        ids = upsert_indicators(session, [DOMAIN], source="report")
        for i in range(300):
            report = Report(created_at=START + timedelta(hours=i), channel="sms", source="api", status="new",
                            message_text=f"短信{i}", content_hash=f"{i:064x}", reporter_count=1, risk=0,
                            risk_base=0, queue_rank=0, verdict_authority=codes[i % len(codes)],
                            verdict_category="refund_lure")
            session.add(report)
            session.flush()
            link_report(session, report.id, {ids[("domain", DOMAIN.value)]: "extracted"})
        session.commit()
        campaigns.rebuild(batch=100)
        newest = Report(created_at=START - timedelta(days=1), channel="sms", source="api", status="new",
                        message_text="新来的", content_hash="f" * 64, reporter_count=1, risk=0, risk_base=0,
                        queue_rank=0, verdict_authority="CN-SAT", verdict_category="fee_demand")
        session.add(newest)
        session.flush()
        link_report(session, newest.id, {ids[("domain", DOMAIN.value)]: "extracted"})
        session.commit()
        statements: list[str] = []

        def seen(conn, cursor, statement, *args):
            statements.append(statement.lower())

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", seen)
        try:
            campaign_id = campaigns.assign_report(newest.id)
        finally:
            sa.event.remove(engine, "before_cursor_execute", seen)
        campaign = session.get(Campaign, campaign_id, populate_existing=True)
        assert campaign.report_count == 301 and campaign.first_seen == START - timedelta(days=1)
        assert {"code": "fee_demand", "count": 1} in campaign.patterns
        recounts = [s for s in statements if "count(" in s]
        assert bool(recounts) == (authorities > 10), recounts
    labels = {rid: str(rid) for rid in range(1, 302)}
    assert list(outcome(app, labels).values())[0][2] == 301
