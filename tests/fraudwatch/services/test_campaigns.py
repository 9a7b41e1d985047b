"""Campaigns group reports that share a lure's own indicator, a collecting domain or
near-identical text, merge when a report links two, and assigning again changes nothing."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from fraudwatch.indicators import normalize_domain
from fraudwatch.infra.extensions import db
from fraudwatch.services import campaigns, neardup
from fraudwatch.storage.indicators import link_report, upsert_indicators
from fraudwatch.storage.models import Campaign, Report, ReportBand
from tests.linear import LARGE_CHARS, SMALL_CHARS, adversarial_texts, work

LURE = "【国家税务总局】您的个人所得税退税{n}元已到账，请于24小时内登录 {link} 办理，逾期作废。咨询 {phone}"
OTHER = "【顺丰速运】您的包裹因地址不详被退回，请点击 {link} 重新填写收件信息，今日内有效"


def report(client, text, **extra):
    r = client.post("/api/v1/reports", json={"message_text": text, **extra})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def assign(app, *ids):
    with app.app_context():
        return [campaigns.assign_report(i) for i in ids]


def state(app):
    """{report id: campaign id} and the campaigns as (key, kind, count)."""
    with app.app_context():
        members = dict(db.session.execute(sa.select(Report.id, Report.campaign_id)).all())
        rows = db.session.execute(sa.select(Campaign.id, Campaign.key, Campaign.kind, Campaign.report_count)
                                  .order_by(Campaign.id)).all()
        return members, {r.id: (r.key, r.kind, r.report_count) for r in rows}


def test_reports_sharing_a_domain_are_one_campaign(app, client):
    a = report(client, "退税请登录 http://etax-cn.top/a 办理")
    assert assign(app, a) == [None]  # alone: no campaign yet
    b = report(client, "个税补贴申领 https://www.etax-cn.top/login?x=1")
    c = report(client, "您的快递已签收，如有疑问请回复本短信")
    first, = assign(app, b)
    assert first is not None
    members, rows = state(app)
    assert members[a] == members[b] == first and members[c] is None
    assert rows[first] == ("domain:etax-cn.top", "indicator", 2)


def test_near_identical_text_with_other_links_and_phones_groups_and_another_lure_does_not(app, client):
    ids = [report(client, LURE.format(n=n, link=link, phone=phone)) for n, link, phone in (
        (1280, "http://a-refund.top/r/1", "13800138000"), (960, "https://b-tax.xyz/login", "13911112222"),
        (3100, "c-gov-tax.cc/x?id=9", "021-55550000"))]
    other = [report(client, OTHER.format(link=link)) for link in ("http://sf-x.top/1", "http://sf-y.top/2")]
    assign(app, *ids, *other)
    members, rows = state(app)
    assert len({members[i] for i in ids}) == 1 and members[ids[0]] is not None
    assert len({members[i] for i in other}) == 1 and members[other[0]] not in (None, members[ids[0]])
    assert rows[members[ids[0]]][1] == "text" and rows[members[ids[0]]][2] == 3


def test_different_lures_on_official_or_brand_domains_do_not_group(app, client):
    a = report(client, "个税年度汇算请通过 https://etax.chinatax.gov.cn 办理，截止6月30日")
    b = report(client, "发票查验平台 https://inv-veri.chinatax.gov.cn 可查询真伪，请勿轻信陌生链接")
    c = report(client, "短链接 https://bit.ly/abc123 领取补贴")
    d = report(client, "另一个短链接 https://bit.ly/zzz999 查询社保")
    assign(app, a, b, c, d)
    members, rows = state(app)
    assert members == {a: None, b: None, c: None, d: None} and rows == {}


def test_a_report_linking_two_campaigns_merges_them_and_assigning_again_changes_nothing(app, client):
    a1, a2 = (report(client, f"退税 http://alpha-tax.top/{n}") for n in (1, 2))
    b1, b2 = (report(client, f"补贴申领请联系 {p} 办理") for p in ("13800001111", "13800001111"))
    assign(app, a1, a2, b1, b2)
    members, rows = state(app)
    assert members[a1] != members[b1] and len(rows) == 2
    bridge = report(client, "退税 http://alpha-tax.top/9 或致电 13800001111")
    merged, = assign(app, bridge)
    members, rows = state(app)
    assert merged == min(rows) and set(rows) == {merged} and rows[merged][2] == 5
    assert {members[i] for i in (a1, a2, b1, b2, bridge)} == {merged}
    before = state(app)
    assign(app, a1, a2, b1, b2, bridge)
    assert state(app) == before


def test_a_collecting_domain_found_by_a_crawl_groups_reports(app, client):
    a = report(client, "请登录 http://page-one.top 核验身份")
    b = report(client, "请登录 http://page-two.top 更新信息")
    with app.app_context():
        ids = upsert_indicators(db.session, [normalize_domain("collect-box.top")], source="crawl")
        for r in (a, b):
            link_report(db.session, r, {ids[("domain", "collect-box.top")]: "collector"})
        db.session.commit()
    assign(app, a, b)
    members, rows = state(app)
    assert members[a] == members[b] is not None
    assert rows[members[a]][:2] == ("collector:collect-box.top", "collector")


def test_rebuild_groups_existing_reports_in_batches_and_is_idempotent(app, client):
    ids = [report(client, LURE.format(n=n, link=f"http://r{n}.top/x", phone="13700000000")) for n in range(7)]
    with app.app_context():
        done = campaigns.rebuild(batch=3)
        assert (done.reports, done.grouped) == (7, 7)
    first = state(app)
    with app.app_context():
        campaigns.rebuild(batch=2)
    assert state(app) == first and len(first[1]) == 1
    with app.app_context():
        campaigns.rebuild(batch=5, reset=True)
    again = state(app)
    assert len(again[1]) == 1 and {again[0][i] for i in ids} == set(again[1])


def test_texts_are_banded_once_and_a_short_or_empty_text_has_no_bands(app, client):
    long_text = LURE.format(n=1, link="http://x-refund.top/1", phone="13800138000")
    a = report(client, long_text)
    b = report(client, "好的")
    assign(app, a, b, a)
    with app.app_context():
        bands = db.session.execute(sa.select(ReportBand.report_id, ReportBand.band)).all()
    assert sorted(band for rid, band in bands if rid == a) == sorted(neardup.bands(long_text))
    assert len([1 for rid, _ in bands if rid == a]) == neardup.BANDS and not [1 for rid, _ in bands if rid == b]
    assert neardup.bands("") == neardup.bands(None) == neardup.bands("点击链接 http://a.top") == []


def test_hostile_and_huge_texts_are_grouped_on_their_first_characters_only(app, client):
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)>"><svg onload=alert(3)> javascript:alert(4) '
    huge = payload * 2000  # 200,000 characters, far over MAX_CHARS
    ids = [report(client, huge[:49_000] + tail) for tail in ("a", "b")]
    assign(app, *ids)
    members, rows = state(app)
    assert members[ids[0]] == members[ids[1]] is not None and rows[members[ids[0]]][1] == "text"
    assert neardup.near_identical(huge, huge + "x" * 50_000)  # only the first MAX_CHARS are read


TEXTS = adversarial_texts(LARGE_CHARS)


@pytest.mark.parametrize("name", list(TEXTS)[::3])
def test_banding_is_linear_and_bounded_on_adversarial_texts(name):
    large = TEXTS[name]
    ratio, growth = work(lambda text: neardup.bands(text), large[:SMALL_CHARS], large, 100.0, 8.0)
    assert growth < 8.0 and ratio < 100.0, (name, ratio, growth)
