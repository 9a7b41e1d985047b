"""Editors: they land on the examples page, withdraw and publish examples, write advisories in
Markdown (sanitised), publish them to the public site and its Atom/RSS feeds; nobody else
may, and every refusal keeps what was typed."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.services import advisories, publishing, triage
from fraudwatch.services.reporting import submit_report
from fraudwatch.storage.models import Advisory, AuditEvent, PublishedExample, Report

ATOM = "{http://www.w3.org/2005/Atom}"
BODY = """## 警惕“退税”短信

近期有人冒充**国家税务总局**发送退税短信。请通过 [官方网站](https://www.chinatax.gov.cn/) 核实。

- 不要点击短信链接
- 拨打 12366

<script>alert(1)</script> [bad](javascript:alert(1)) <img src=x onerror=alert(1)>"""


@pytest.fixture
def editor(app, client, sign_in):
    app.config["PUBLIC_CACHE_SECONDS"] = 0
    sign_in(client, name="editor-e", role="editor")
    return client


def _post(client, csrf, path, **data):
    return client.post(path, data={**data, "csrf_token": csrf(client)})


def _confirmed_example(app) -> int:
    with app.test_request_context():
        report_id = submit_report({"message_text": "【国家税务总局】退税待领取，请登录 https://etax-x.top 填写银行卡",
                                   "channel": "sms"})["id"]
        db.session.execute(sa.update(Report).values(verdict_category="refund_lure", verdict_authority="CN-STA"))
        db.session.commit()
        triage.set_status(report_id, "confirmed", "checked", "officer-a")
        publishing.sweep()
        return db.session.scalar(sa.select(PublishedExample.id))


def test_an_editor_lands_on_the_examples_and_may_withdraw_and_publish(app, editor, csrf):
    example_id = _confirmed_example(app)
    home = editor.get("/console/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/console/examples")
    page = editor.get("/console/examples").data.decode()
    assert "hxxps://etax-x[.]top" in page and "“待领退税”短信和邮件" in page
    answer = _post(editor, csrf, f"/console/examples/{example_id}/state", state="withdrawn", **{"from": "published"})
    assert answer.status_code == 303
    assert "etax-x[.]top" not in editor.get("/patterns/tax-refund").data.decode()
    assert "etax-x[.]top" in editor.get("/console/examples?state=withdrawn").data.decode()
    _post(editor, csrf, f"/console/examples/{example_id}/state", state="published", **{"from": "withdrawn"})
    assert "etax-x[.]top" in editor.get("/patterns/tax-refund").data.decode()
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.target_type == "example")).all()
    assert actions == ["example.withdrawn", "example.published"]
    assert editor.get("/console/examples?state=bogus").status_code == 404
    assert _post(editor, csrf, "/console/examples/999999/state", state="published").status_code == 404
    assert _post(editor, csrf, f"/console/examples/{example_id}/state", state="deleted").status_code == 409


@pytest.mark.parametrize("role, status", [("officer", 403), ("enterprise", 403), ("admin", 200)])
def test_only_editors_and_admins(app, client, sign_in, role, status):
    sign_in(client, name=f"u-{role}", role=role)
    for path in ("/console/examples", "/console/advisories", "/console/advisories/new"):
        assert client.get(path).status_code == status, path


def test_editor_pages_refuse_the_officers_pages_and_anonymous_goes_to_sign_in(app, client, editor):
    assert editor.get("/console/queue").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/console/advisories").status_code == 302


def test_an_advisory_is_written_previewed_sanitised_and_published(app, editor, csrf):
    answer = _post(editor, csrf, "/console/advisories/new", title="警惕退税短信 <b>x</b>", body=BODY, language="zh",
                   pattern="tax-refund", slug="refund-sms-2026")
    assert answer.status_code == 303
    edit = editor.get(answer.headers["Location"]).data.decode()
    assert "<h2>警惕“退税”短信</h2>" in edit and "<strong>国家税务总局</strong>" in edit
    assert 'href="https://www.chinatax.gov.cn/" rel="nofollow noopener noreferrer"' in edit
    preview = edit.split('<section class="card advisory-preview"')[1]
    for bad in ("<script>alert", 'href="javascript', "<img"):
        assert bad not in preview, bad
    assert "&lt;script&gt;" in preview and "&lt;img src=x onerror" in preview  # shown as text, inert
    assert editor.get("/advisories/refund-sms-2026").status_code == 404  # a draft is not public
    with app.app_context():
        advisory_id = db.session.scalar(sa.select(Advisory.id))
    _post(editor, csrf, f"/console/advisories/{advisory_id}/status", status="published")
    public = editor.get("/advisories/refund-sms-2026").data.decode()
    assert "警惕退税短信 &lt;b&gt;x&lt;/b&gt;" in public and "<strong>国家税务总局</strong>" in public
    assert "<script>alert" not in public and 'href="javascript' not in public
    assert "refund-sms-2026" in editor.get("/advisories").data.decode()
    assert "refund-sms-2026" in editor.get("/sitemap.xml").data.decode()
    _post(editor, csrf, f"/console/advisories/{advisory_id}/status", status="withdrawn")
    assert editor.get("/advisories/refund-sms-2026").status_code == 404


@pytest.mark.parametrize("fields, field, said", [
    ({"title": "", "body": "text"}, "title", "必填"),
    ({"title": "t", "body": ""}, "body", "必填"),
    ({"title": "t" * 201, "body": "x"}, "title", "最多 200 个字符"),
    ({"title": "t", "body": "x" * 20_001}, "body", "最多 20,000 个字符"),
    ({"title": "t\x00", "body": "x"}, "title", "不能包含控制字符"),
    ({"title": "t", "body": "x", "language": "fr"}, "language", "请选择中文或 English"),
    ({"title": "t", "body": "x", "pattern": "nope"}, "pattern", "请从诈骗类型中选择"),
    ({"title": "t", "body": "x", "slug": "Not A Slug!"}, "slug", "小写字母"),
    ({"title": "t", "body": "x", "slug": "../../etc"}, "slug", "小写字母"),
])
def test_bad_advisories_are_refused_next_to_the_field_keeping_the_text(app, editor, csrf, fields, field, said):
    answer = _post(editor, csrf, "/console/advisories/new", **{"language": "zh", **fields})
    page = answer.data.decode()
    assert answer.status_code == 400 and f'id="{field}-error"' in page and said in page
    if fields.get("body") and len(fields["body"]) < 100:
        assert fields["body"] in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Advisory)) == 0


def test_a_taken_address_is_refused(app, editor, csrf):
    _post(editor, csrf, "/console/advisories/new", title="a", body="b", language="en", slug="same-address")
    answer = _post(editor, csrf, "/console/advisories/new", title="c", body="d", language="en", slug="same-address")
    assert answer.status_code == 400 and "已有其他通告使用这个网址" in answer.data.decode()


def test_forms_need_the_csrf_token(app, editor):
    assert editor.post("/console/advisories/new", data={"title": "a", "body": "b"}).status_code == 400


def _publish(app, title: str, language: str, body: str = "正文") -> None:
    with app.test_request_context():
        advisory = advisories.save({"title": title, "body": body, "language": language}, "editor-e")
        advisories.set_status(advisory.id, "published", "editor-e")


def test_feeds_are_valid_atom_and_rss_in_the_page_language(app, client):
    app.config["PUBLIC_CACHE_SECONDS"] = 0
    _publish(app, "中文通告 <x>", "zh", "**重要** <script>alert(1)</script>")
    _publish(app, "English advisory", "en")
    _confirmed_example(app)
    atom = client.get("/feeds/advisories.atom")
    assert atom.headers["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(atom.data)
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert titles == ["中文通告 <x>"]  # the zh feed: zh advisories
    content = root.find(f"{ATOM}entry/{ATOM}content")
    assert content.get("type") == "html" and "<strong>重要</strong>" in content.text and "<script" not in content.text
    en = ET.fromstring(client.get("/feeds/advisories.atom?lang=en").data)
    assert [e.findtext(f"{ATOM}title") for e in en.findall(f"{ATOM}entry")] == ["English advisory"]
    rss = ET.fromstring(client.get("/feeds/advisories.rss").data)
    assert rss.tag == "rss" and rss.findtext("channel/item/title") == "中文通告 <x>"
    examples = ET.fromstring(client.get("/feeds/examples.atom?lang=en").data)
    entry = examples.find(f"{ATOM}entry")
    assert "hxxps://etax-x[.]top" in entry.findtext(f"{ATOM}content")
    assert entry.find(f"{ATOM}link").get("href").endswith("/patterns/tax-refund?lang=en")
    assert ET.fromstring(client.get("/feeds/examples.rss").data).findtext("channel/item/guid").startswith(
        "fraudwatch-example-")
    assert client.get("/feeds/advisories.json").status_code == 404


def test_feeds_name_the_configured_site_not_the_host_header(app, client):
    app.config["PUBLIC_CACHE_SECONDS"] = 0
    app.config["PUBLIC_URL"] = "https://fw.example.org"
    _publish(app, "t", "zh")
    body = client.get("/feeds/advisories.atom", headers={"Host": "evil.example"}).data.decode()
    assert "https://fw.example.org/feeds/advisories.atom" in body and "evil.example" not in body


@pytest.mark.parametrize("role, title", [("editor", "编辑工作台"), ("enterprise", "企业工作台"), ("officer", "办案工作台")])
def test_the_console_names_the_workspace_of_the_role(app, client, sign_in, role, title):
    sign_in(client, name=f"w-{role}", role=role)
    page = client.get("/console/", follow_redirects=True).data.decode()
    assert f"fraudwatch <span>{title}</span>" in page
