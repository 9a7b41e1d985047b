"""`fraudwatch erase-reporter` on SQLite and PostgreSQL: a reporter's contact leaves every
table (scanned column by column) while everything else stays; phones compare by E.164,
e-mails without case; hostile contacts match nothing else; dry runs change nothing; one
transaction; audited with a keyed digest."""
from __future__ import annotations

import hashlib
import hmac
import json

import pytest
import redis as redis_lib
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import Indicator
from tests.conftest import cleanup_redis, make_test_app, run_jobs
from tests.fraudwatch.storage.test_backup import cli, post, table_rows

SCAM = "【国家税务总局】您有一笔个税退税3280元待领取，请登录 http://chinatax-gov.cn.tax-refund.top/tui 办理"


def all_rows(app) -> dict[str, list[dict]]:
    """Every row of every table of `app`'s database, all columns, by primary key."""
    return table_rows(app.config["DATABASE_URL"])


def places_holding(app, *needles: str) -> list[tuple[str, str, object]]:
    """(table, column, row id) of every text or JSON value that contains one of `needles` (no case)."""
    found = []
    for table, rows in all_rows(app).items():
        for row in rows:
            for column, value in row.items():
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False) \
                    if isinstance(value, (dict, list)) else None
                if text is not None and any(n.lower() in text.lower() for n in needles):
                    found.append((table, column, row.get("id")))
    return found


def redis_holding(app, *needles: str) -> list[str]:
    """The app's Redis keys (lookup cache, crawl results...) whose value holds one of `needles`."""
    client = redis_lib.Redis.from_url(app.config["REDIS_URL"])
    found = []
    for key in client.scan_iter(match=app.config["REDIS_PREFIX"] + "*", count=1000):
        kind = client.type(key)
        values = [client.get(key)] if kind == b"string" else \
            list(client.hgetall(key).values()) if kind == b"hash" else []
        if any(n.encode().lower() in (v or b"").lower() for v in values for n in needles):
            found.append(key.decode())
    return found


def lookup(client, kind: str, value: str) -> dict:
    return client.get("/api/v1/lookup", query_string={"type": kind, "value": value}).get_json()


def officer_header(app) -> dict:
    from fraudwatch.storage import users

    with app.app_context():
        token = users.create_token(db.session, users.create_user(db.session, "zhao.officer", "officer"))
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def crawled_app(database_url, redis_url, tmp_path, trained_model_dir):
    """The app with a classifier, its crawler resolving the reported hosts to 127.0.0.1 (a
    blocked address: the refusal is stored as evidence, nothing leaves the machine)."""
    hosts = ("refund-tax.top", "chinatax-gov.cn.tax-refund.top")
    app = make_test_app(database_url, redis_url, tmp_path / "instance", MODEL_DIR=str(trained_model_dir),
                        CRAWL_RESOLVE=tuple(f"{h}:80:127.0.0.1" for h in hosts))
    yield app
    cleanup_redis(app)
    db.dispose(app)


def test_an_email_contact_leaves_every_table_and_nothing_else_changes(crawled_app):
    app, client = crawled_app, crawled_app.test_client()
    mine = [
        post(client, message_text=f"转发给您：{SCAM}，回复请发到 li.victim@example.com 谢谢", channel="sms",
             reporter_contact="Li.Victim@Example.com", description="我的邮箱 LI.VICTIM@EXAMPLE.COM 收到后又收到短信"),
        post(client, channel="email", email="li.victim@example.com",
             url="http://refund-tax.top/c?u=li.victim%40example.com", reporter_contact=" li.victim@example.com ",
             message_text="Forwarded from li.victim@example.com: claim now"),
    ]
    others = [post(client, message_text=SCAM + " 来自同事 wang@example.com", reporter_contact="wang@example.com"),
              post(client, phone="13900002222", reporter_contact="+86 139 0000 3333")]
    run_jobs(app)
    officer = officer_header(app)
    reason = "li.victim@example.com called: fake refund page"
    assert client.post(f"/api/v1/reports/{mine[0]}/status", headers=officer,
                       json={"status": "confirmed", "reason": reason}).status_code == 200
    assert lookup(client, "email", "li.victim@example.com")["status"] == "confirmed_fraud"  # cached now
    before = all_rows(app)
    assert len(redis_holding(app, "li.victim@example.com", "li.victim%40example.com")) >= 2  # lookup, crawl
    assert {p[0] for p in places_holding(app, "li.victim@example.com", "li.victim%40example.com")} == {
        "reports", "status_changes", "indicators", "evidence", "audit_events"}  # the officer's reason is audited

    dry = cli(app, "erase-reporter", "LI.victim@example.COM", "--dry-run", "--actor", "dpo")
    assert dry.exit_code == 0 and "dry run" in dry.output, dry.output
    assert all_rows(app) == before
    done = cli(app, "erase-reporter", "LI.victim@example.COM", "--actor", "dpo")
    assert done.exit_code == 0, done.output
    assert done.output.split(":", 1)[1] == dry.output.split(":", 1)[1]  # the same counts
    assert "2 report(s)" in done.output and "1 history entry" in done.output

    after = all_rows(app)
    assert places_holding(app, "li.victim@example.com", "li.victim%40example.com") == []
    assert redis_holding(app, "li.victim@example.com", "li.victim%40example.com") == []
    kept_other = [r for r in after["reports"] if r["id"] in others]
    assert kept_other == [r for r in before["reports"] if r["id"] in others]  # other reporters: untouched
    first = next(r for r in after["reports"] if r["id"] == mine[0])
    was = next(r for r in before["reports"] if r["id"] == mine[0])
    assert first["reporter_contact"] is None
    assert first["message_text"] == was["message_text"].replace("li.victim@example.com", "[erased]")
    assert first["description"] == "我的邮箱 [erased] 收到后又收到短信"
    assert {k: v for k, v in first.items() if k not in ("reporter_contact", "message_text", "description", "verdict")} \
        == {k: v for k, v in was.items() if k not in ("reporter_contact", "message_text", "description", "verdict")}
    assert {i["value"] for i in before["indicators"]} - {i["value"] for i in after["indicators"]} == {
        "li.victim@example.com", "http://refund-tax.top/c?u=li.victim%40example.com"}  # the rest stays
    answer = lookup(client, "email", "li.victim@example.com")  # the cached answer was dropped:
    assert answer["reports"] == 0 and answer["status"] != "confirmed_fraud"  # only its domain's status is left
    assert len(after["status_changes"]) == len(before["status_changes"])

    (event,) = [e for e in after["audit_events"] if e["action"] == "erase_reporter"]
    assert event["actor"] == "dpo" and event["target_type"] == "reporter"
    expected = hmac.new(app.config["SECRET_KEY"].encode(), b"email:li.victim@example.com", hashlib.sha256).hexdigest()
    assert event["detail"]["contact_sha256"] == expected
    assert event["detail"]["reports"] == 2 and event["detail"]["history"] == 1 and event["detail"]["indicators"] >= 1
    assert "victim" not in json.dumps(event["detail"])


def test_an_appellant_leaves_their_appeals_which_stay_about_the_listing(app):
    """The owner of a listed value who appealed is a person too: their name, e-mail, phone,
    address and explanation leave the appeal; the appeal (what, status, decision) stays."""
    client = app.test_client()
    filed = client.post("/api/v1/appeals", json={
        "type": "company", "value": "深圳市某某财税咨询有限公司", "owner_name": "李四",
        "contact_email": "Li.Owner@Example.com", "contact_phone": "+86 139 0000 4444",
        "explanation": "我们是正规企业，请联系 li.owner@example.com 或 13900004444 核实"})
    assert filed.status_code == 201, filed.get_json()
    other = client.post("/api/v1/appeals", json={
        "type": "company", "value": "另一家公司", "owner_name": "王五", "contact_email": "wang@example.com",
        "explanation": "误报：我们从未向任何企业收取税务系统费用，请核实后撤下这条记录，谢谢。"})
    assert other.status_code == 201, other.get_json()
    before = all_rows(app)["appeals"]
    assert cli(app, "erase-reporter", "+86 139-0000-4444", "--actor", "dpo").output.endswith("1 appeal(s)\n")
    after = {row["receipt"]: row for row in all_rows(app)["appeals"]}
    assert places_holding(app, "li.owner@example.com", "13900004444", "李四") == []
    mine, kept = after[filed.get_json()["receipt"]], after[other.get_json()["receipt"]]
    assert (mine["owner_name"], mine["contact_email"], mine["contact_phone"], mine["explanation"], mine["address"]) \
        == ("[erased]", "[erased]", None, "[erased]", None)
    assert (mine["type"], mine["value"], mine["status"]) == ("company", "深圳市某某财税咨询有限公司", "open")
    assert kept == next(r for r in before if r["receipt"] == kept["receipt"])  # another appellant: untouched
    assert client.get(f"/api/v1/appeals/{mine['receipt']}").status_code == 200  # still followed by its receipt


def test_phone_contacts_compare_by_e164_and_shared_indicators_are_recounted(app, monkeypatch):
    monkeypatch.setattr("fraudwatch.storage.erasure.CHUNK", 1)  # every IN (...) in several statements
    client = app.test_client()
    mine = [post(client, message_text="我的手机 139-0000-1111 收到：" + SCAM, reporter_contact="+86 139 0000 1111"),
            post(client, message_text="回拨 +8613900001111 无人接听，请核实", reporter_contact="13900001111")]
    stranger = post(client, message_text="骗子冒充税务局，留的号码 13900001111", reporter_contact="13900001112")
    assert lookup(client, "phone", "13900001111")["reports"] == 3  # cached now
    with app.app_context():
        from fraudwatch.services.erasure import erase_reporter

        result = erase_reporter("13900001111", actor="dpo")
    assert (result.reports, result.indicators) == (2, 1)
    rows = all_rows(app)
    for report in rows["reports"]:
        if report["id"] in mine:
            assert report["reporter_contact"] is None and "1111" not in report["message_text"]
            assert "[erased]" in report["message_text"]
    assert next(r for r in rows["reports"] if r["id"] == stranger)["reporter_contact"] == "13900001112"
    (phone,) = [i for i in rows["indicators"] if i["type"] == "phone"]  # others reported it too: kept, recounted
    assert phone["value"] == "+8613900001111" and phone["report_count"] == 1
    assert {(link["report_id"], link["indicator_id"]) for link in rows["report_indicators"]
            if link["indicator_id"] == phone["id"]} == {(stranger, phone["id"])}
    assert lookup(client, "phone", "13900001111")["reports"] == 1


def test_erasure_is_one_transaction(app, monkeypatch):
    client = app.test_client()
    post(client, message_text="我是 zhang@example.org " + SCAM, reporter_contact="zhang@example.org")
    before = all_rows(app)

    def fail(*_args, **_kwargs):
        raise RuntimeError("the database went away half-way")

    monkeypatch.setattr("fraudwatch.services.erasure.recount_indicators", fail)
    with app.app_context():
        from fraudwatch.services.erasure import erase_reporter

        with pytest.raises(RuntimeError):
            erase_reporter("zhang@example.org", actor="dpo")
    assert all_rows(app) == before


STORED = ["li.victim@example.com", "a_b@example.com", "axb@example.com", "50%off", "wx_zhang", "wxazhang",
          "13900001111", "(a+)+$"]


@pytest.mark.parametrize("contact, erased", [
    ("%", []), ("_", []), ("%@example.com", []), ("a%b@example.com", []), ("50%", []), ("wx%", []),
    ("a_b@example.com", ["a_b@example.com"]), ("wx_zhang", ["wx_zhang"]), (".*", []), ("^li.*$", []),
    ("(a+)+$", ["(a+)+$"]), ("li.victim@exаmple.com", []), ("lі.victim@example.com", []),  # Cyrillic а, і
    ("LI.VICTIM@EXAMPLE.COM", ["li.victim@example.com"]), ("139 0000 1111", ["13900001111"]),
    ("+8613900001112", []), ("li.victim@example.co", []), ("victim@example.com", []),
])
def test_hostile_contacts_match_nothing_else(app, contact, erased):
    client = app.test_client()
    ids = {stored: post(client, message_text=f"短信 {SCAM} 来自 {stored}", reporter_contact=stored) for stored in STORED}
    before = {r["id"]: r for r in all_rows(app)["reports"]}
    with app.app_context():
        from fraudwatch.services.erasure import erase_reporter

        result = erase_reporter(contact, actor="dpo")
    after = {r["id"]: r for r in all_rows(app)["reports"]}
    assert result.reports == len(erased)
    for stored, report_id in ids.items():
        if stored in erased:
            assert after[report_id]["reporter_contact"] is None
        else:
            assert after[report_id] == before[report_id], stored


@pytest.mark.parametrize("contact, message", [("", "empty"), ("   ", "empty"), ("x" * 10240, "at most 300"),
                                              ("\x00\x07 ", "empty"), ("y" * 301, "at most 300")])
def test_unusable_contacts_are_refused_with_one_line(app, contact, message):
    post(app.test_client(), message_text=SCAM, reporter_contact="someone@example.com")
    before = all_rows(app)
    result = cli(app, "erase-reporter", contact)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert all_rows(app) == before


def test_erasure_without_redis_says_the_cache_was_kept(app):
    post(app.test_client(), message_text=SCAM + " 我的电话 13900004444", reporter_contact="13900004444")
    result = cli(app, "erase-reporter", "+86 139 0000 4444", REDIS_URL="redis://127.0.0.1:1/0")
    assert result.exit_code == 0 and "1 report(s)" in result.output and "1 indicator(s)" in result.output
    assert "warning: Redis unreachable" in result.output
    assert all(r["reporter_contact"] is None for r in all_rows(app)["reports"])


def test_nothing_to_erase_is_still_audited(app):
    result = cli(app, "erase-reporter", "nobody@example.com", "--actor", "dpo")
    assert result.exit_code == 0 and "0 report(s)" in result.output
    with app.app_context():
        from fraudwatch.storage.models import AuditEvent

        (event,) = db.session.scalars(sa.select(AuditEvent)).all()
        assert event.action == "erase_reporter" and event.detail["reports"] == 0
    assert cli(app, "erase-reporter", "x@example.com", "--actor", "").exit_code == 2
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Indicator)) == 0
