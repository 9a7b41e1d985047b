"""The public report form (issue #12): channels chosen by plain links, a form per channel, a
receipt number and a status page by it; a signed, time-bound, single-use token (no cookie), a
honeypot, a per-address limit, screenshots checked by their bytes, bounded in size and pixels
and re-encoded without metadata, read by OCR in the report's job; hostile text inert on every
page that shows it; erasure deletes screenshots. SQLite and PostgreSQL, real Redis."""
from __future__ import annotations

import html
import io
import re
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from markupsafe import escape
from PIL import Image, ImageDraw, ImageFont

from fraudwatch.infra.extensions import db
from fraudwatch.public.report import FORM, HONEYPOT
from fraudwatch.services import ocr
from fraudwatch.storage.models import Attachment, Report
from fraudwatch.web import formtoken
from tests.conftest import cleanup_redis, make_test_app, run_jobs
from tests.fraudwatch.console.conftest import csrf, make_person, sign_in  # noqa: F401 (fixtures)

SMS = "【国家税务总局】您的个人所得税退税2860元已到账，请于24小时内登录 http://etax-refund-cn.top/t 办理，逾期作废。"
XSS = '<script>alert(1)</script>"><svg onload=alert(2)><img src=x onerror=alert(3)>'
RECEIPT = re.compile(r"FW-[A-Z2-7]{16}")
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@pytest.fixture
def client(app_with_model):
    return app_with_model.test_client()


def _token(client, slug: str = "sms", lang: str | None = None) -> str:
    page = client.get(f"/report/{slug}" + (f"?lang={lang}" if lang else "")).get_data(as_text=True)
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def _post(client, slug: str = "sms", data: dict | None = None, *, token: str | None = "fresh", lang: str | None = None,
          files: dict | None = None):
    body = dict(data or {})
    if token == "fresh":
        body["token"] = _token(client, slug, lang)
    elif token is not None:
        body["token"] = token
    for name, (content, filename) in (files or {}).items():
        body[name] = (io.BytesIO(content), filename)
    return client.post(f"/report/{slug}" + (f"?lang={lang}" if lang else ""), data=body,
                       content_type="multipart/form-data")


def _count(app, model=Report) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _png(size=(320, 120), text: str | None = None, font=None) -> bytes:
    image = Image.new("RGB", size, "white")
    if text:
        ImageDraw.Draw(image).text((12, 20), text, fill="black", font=font or ImageFont.load_default(size=32))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _receipt(response) -> str:
    return RECEIPT.search(response.get_data(as_text=True)).group(0)


def test_the_channel_chooser_and_the_forms_in_zh_and_en_without_a_cookie(client):
    zh = client.get("/report")
    page = zh.get_data(as_text=True)
    assert zh.status_code == 200 and "举报涉税诈骗" in page and "Set-Cookie" not in zh.headers
    for slug in ("sms", "email", "call", "web", "chat"):
        assert f'href="/report/{slug}"' in page
    en = client.get("/report?lang=en").get_data(as_text=True)
    assert "Report a tax scam" in en and 'href="/report/sms?lang=en"' in en and "<script" not in en
    assert 'href="/report?lang=en"' in client.get("/?lang=en").get_data(as_text=True)  # the menu entry
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /report/status" in robots.splitlines()


@pytest.mark.parametrize("slug, names, said", [
    ("sms", ["sender_phone", "message"], "短信内容"), ("email", ["sender_email", "subject", "message"], "邮件正文"),
    ("call", ["caller_phone", "message"], "对方说了什么"), ("web", ["site_url", "message"], "网站要求您做什么"),
    ("chat", ["app", "account", "message"], "对方发来的内容"),
])
def test_each_channel_has_its_own_form(client, slug, names, said):
    r = client.get(f"/report/{slug}")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and said in page and "Set-Cookie" not in r.headers
    assert r.headers["Cache-Control"] == "no-store" and 'enctype="multipart/form-data"' in page
    for name in names + ["details", "region", "contact", "screenshot", "token", HONEYPOT]:
        assert f'name="{name}"' in page
    assert '<div class="hp" aria-hidden="true">' in page and 'tabindex="-1" autocomplete="off"' in page
    assert client.get("/report/fax").status_code == 404


def test_a_report_gets_a_receipt_and_its_status_shows_no_reporter_data(app_with_model, client):
    r = _post(client, "sms", {"sender_phone": "13912345678", "message": SMS, "contact": "reporter-li@example.org",
                              "details": "收到两次"})
    assert r.status_code == 200 and "谢谢您，举报已收到" in r.get_data(as_text=True)
    receipt = _receipt(r)
    with app_with_model.app_context():
        report = db.session.scalars(sa.select(Report)).one()
        assert (report.receipt, report.source, report.channel) == (receipt, "public", "sms")
        assert report.region == "CN-JS" and report.phone and report.reporter_contact == "reporter-li@example.org"
        assert report.message_text == SMS and report.description == "收到两次" and report.submitted_by is None
    status = client.get(f"/report/status/{receipt}?lang=en")
    page = status.get_data(as_text=True)
    assert status.status_code == 200 and "Received, waiting for review" in page and receipt in page
    assert status.headers["X-Robots-Tag"] == "noindex" and '<meta name="robots" content="noindex, nofollow">' in page
    for private in ("reporter-li", "13912345678", "etax-refund", "收到两次"):
        assert private not in page
    typed = client.get("/report/status?receipt=" + receipt.lower().replace("fw-", "fw ") + "&lang=en")
    assert typed.status_code == 303 and typed.headers["Location"].endswith(f"/report/status/{receipt}?lang=en")
    assert client.get("/report/status").status_code == 200


def test_status_follows_the_officers_decisions(app_with_model, client):
    from fraudwatch.services import triage

    receipt = _receipt(_post(client, "web", {"site_url": "etax-refund-cn.top/login", "message": "要求输入银行卡号和密码"}))
    other = _receipt(_post(client, "sms", {"message": SMS}))
    with app_with_model.app_context():
        ids = {r.receipt: r.id for r in db.session.scalars(sa.select(Report))}
        assert db.session.get(Report, ids[receipt]).url.startswith("http://etax-refund-cn.top")
        triage.set_status(ids[receipt], "confirmed", "fake e-tax page", "officer-a")
        triage.merge(ids[receipt], [ids[other]], "same campaign", "officer-a")
    page = client.get(f"/report/status/{receipt}").get_data(as_text=True)
    assert "已确认为诈骗" in page
    merged = client.get(f"/report/status/{other}?lang=en").get_data(as_text=True)
    assert "Confirmed as a scam" in merged and "handling them together" in merged and receipt not in merged


@pytest.mark.parametrize("receipt", ["FW-AAAAAAAAAAAAAAAA", "FW-nope", "x" * 300, "%3Cscript%3E"])
def test_an_unknown_receipt_is_a_404_page_in_the_visitors_language(client, receipt):
    r = client.get(f"/report/status/{receipt}?lang=en")
    assert r.status_code == 404 and "We found no report with this receipt number" in r.get_data(as_text=True)
    assert "<script>" not in r.get_data(as_text=True)
    zh = client.get("/report/status?receipt=nothing-like-it")
    assert zh.status_code == 404 and "没有找到这个回执编号" in zh.get_data(as_text=True)


@pytest.mark.parametrize("case", ["missing", "forged", "other-key", "expired", "future", "replayed"])
def test_a_bad_token_is_refused_with_the_text_kept_and_nothing_stored(app_with_model, client, case):
    with app_with_model.test_request_context():
        good = formtoken.issue(FORM)
        token = {"missing": None, "forged": good[:-4] + "AAAA", "expired": formtoken.issue(FORM, time.time() - 7201),
                 "future": formtoken.issue(FORM, time.time() + 3600), "replayed": good,
                 "other-key": formtoken.issue("another-form")}[case]
    if case == "replayed":
        assert _post(client, "sms", {"message": "第一次提交"}, token=token).status_code == 200
    before = _count(app_with_model)
    r = _post(client, "sms", {"message": "请登录 http://x.top 领取" + XSS, "sender_phone": "10690000"}, token=token,
              lang="en")
    page = r.get_data(as_text=True)
    assert r.status_code == 403 and "This form has expired or was already sent" in page
    assert str(escape("请登录 http://x.top 领取" + XSS)) in page and "10690000" in page  # kept
    assert "<script>alert" not in page and _count(app_with_model) == before


def test_a_filled_honeypot_looks_like_success_and_stores_nothing(app_with_model, client):
    r = _post(client, "sms", {"message": SMS, HONEYPOT: "http://spam.example"})
    assert r.status_code == 200 and "谢谢您，举报已收到" in r.get_data(as_text=True)
    assert _count(app_with_model) == 0
    assert client.get(f"/report/status/{_receipt(r)}").status_code == 404


@pytest.fixture
def limited_app(database_url, redis_url, tmp_path, trained_model_dir):
    app = make_test_app(database_url, redis_url, tmp_path / "instance", MODEL_DIR=str(trained_model_dir),
                        PUBLIC_REPORT_LIMIT="2/minute")
    yield app
    cleanup_redis(app)
    db.dispose(app)


def test_the_per_address_limit_answers_429_with_retry_after_and_keeps_the_text(limited_app):
    client = limited_app.test_client()
    for n in range(2):
        assert _post(client, "sms", {"message": f"第{n}条 {SMS}"}).status_code == 200
    r = _post(client, "sms", {"message": "第三条：税务稽查通知"}, lang="en")
    page = r.get_data(as_text=True)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0 and "Too many reports" in page
    assert "第三条：税务稽查通知" in page and _count(limited_app) == 2
    other = limited_app.test_client()
    answer = other.post("/report/sms", data={"message": "x"}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert answer.status_code == 403  # another address is not limited (its token is missing)


def test_an_oversized_screenshot_is_a_413_with_the_text_kept(app_with_model, client):
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024)
    r = _post(client, "sms", {"message": "太大的截图"}, files={"screenshot": (big, "a.png")}, lang="en")
    assert r.status_code == 413 and "larger than 5 MB" in r.get_data(as_text=True)
    assert "太大的截图" in r.get_data(as_text=True) and _count(app_with_model) == 0
    huge = _post(client, "sms", {"message": "更大"}, files={"screenshot": (b"\xff\xd8\xff" + b"\0" * 6_000_000, "a.jpg")})
    assert huge.status_code == 413 and "截图超过 5 MB" in huge.get_data(as_text=True) and _count(app_with_model) == 0


@pytest.mark.parametrize("content, name", [
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "a.png"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "a.png"),
    (b"<html><script>alert(1)</script></html>", "screenshot.png"),
    (b"\x89PNG\r\n\x1a\n" + b"broken" * 10, "a.png"),
    (b"\xff\xd8\xff\xe0" + b"\0" * 50, "a.jpg"),
])
def test_only_real_png_or_jpeg_is_accepted(app_with_model, client, content, name):
    r = _post(client, "sms", {"message": SMS}, files={"screenshot": (content, name)})
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and ("PNG 或 JPEG" in page or "无法读取" in page) and _count(app_with_model) == 0
    assert html.escape(SMS, quote=False) in page


def test_a_decompression_bomb_is_refused(app_with_model, client):
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000), 1).save(out, "PNG")  # 100 megapixels in a few kilobytes
    assert len(out.getvalue()) < 100_000
    r = _post(client, "sms", {"message": SMS}, files={"screenshot": (out.getvalue(), "bomb.png")}, lang="en")
    assert r.status_code == 400 and "too many pixels" in r.get_data(as_text=True) and _count(app_with_model) == 0


def test_a_jpeg_with_gps_is_stored_re_encoded_without_it(app_with_model, client):
    image = Image.new("RGB", (64, 48), "orange")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 15.0), 3: "E", 4: (116.0, 23.0, 29.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"secret comment")
    assert Image.open(io.BytesIO(out.getvalue())).getexif().get_ifd(0x8825)
    r = _post(client, "sms", {"message": SMS}, files={"screenshot": (out.getvalue() + b"trailing-data", "p.jpg")})
    assert r.status_code == 200
    with app_with_model.app_context():
        row = db.session.scalars(sa.select(Attachment)).one()
        stored = Image.open(io.BytesIO(row.data))
        assert (row.media_type, stored.format, stored.size, row.ocr_status) == ("image/png", "PNG", (64, 48), "pending")
        assert not stored.getexif() and "exif" not in stored.info and "comment" not in stored.info
        assert b"PhoneMaker" not in row.data and b"secret" not in row.data and b"trailing" not in row.data


def test_a_screenshot_alone_is_a_report_and_two_screenshots_are_not_duplicates(app_with_model, client):
    for text in ("one", "two"):
        assert _post(client, "chat", {}, files={"screenshot": (_png(text=text), "s.png")}).status_code == 200
    with app_with_model.app_context():
        rows = list(db.session.scalars(sa.select(Report)))
        assert [r.status for r in rows] == ["new", "new"] and all(r.message_text is None for r in rows)
    empty = _post(client, "chat", {"details": "只有说明"}, lang="en")
    assert empty.status_code == 400 and "or add a screenshot" in empty.get_data(as_text=True)


@pytest.mark.parametrize("field, value", [("region", "CN-XX"), ("message", "退" * 20_001),
                                          ("sender_phone", "1" * 65), ("contact", "c" * 301)])
def test_bad_fields_are_named_with_the_text_kept(app_with_model, client, field, value):
    data = {"message": "税务通知", field: value}
    r = _post(client, "sms", data)
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and f'id="e-{field}"' in page and 'aria-invalid="true"' in page
    assert _count(app_with_model) == 0


def test_hostile_text_in_every_field_is_inert_on_every_page(app_with_model, client, sign_in):  # noqa: F811
    data = {"sender_email": "a@example.com", "subject": XSS, "message": XSS + SMS, "details": XSS, "contact": XSS}
    r = _post(client, "email", data)
    assert r.status_code == 200
    receipt = _receipt(r)
    for page in (r.get_data(as_text=True), client.get(f"/report/status/{receipt}").get_data(as_text=True)):
        assert "<script>alert" not in page and "<svg onload" not in page and "<img src=x" not in page
    with app_with_model.app_context():
        report_id = db.session.scalars(sa.select(Report.id)).one()
    officer = app_with_model.test_client()
    sign_in(officer)
    page = officer.get(f"/console/reports/{report_id}").get_data(as_text=True)
    assert "<script>alert" not in page and "<svg onload" not in page and html.escape("<script>alert(1)</script>") in page


def test_officers_see_the_screenshot_and_its_ocr_text(app_with_model, client, sign_in):  # noqa: F811
    if ocr.engine() is not None:
        pytest.skip(f"OCR not installed here ({ocr.engine()}); CI installs tesseract-ocr")
    shot = _png((900, 160), "Tax refund pending visit etax-refund.top", ImageFont.load_default(size=40))
    r = _post(client, "sms", {"sender_phone": "10690000"}, files={"screenshot": (shot, "refund.png")})
    assert r.status_code == 200
    run_jobs(app_with_model)
    with app_with_model.app_context():
        row = db.session.scalars(sa.select(Attachment)).one()
        report = db.session.get(Report, row.report_id)
        assert row.ocr_status == "done" and "refund" in row.ocr_text.lower() and "pending" in row.ocr_text.lower()
        assert report.verdict is not None and report.processed_at is not None  # judged with the screenshot's text
        named = {(link.indicator.type, link.indicator.value, link.role) for link in report.links}
        assert ("domain", "etax-refund.top", "extracted") in named  # what the screenshot names is an indicator
    officer = app_with_model.test_client()
    assert officer.get(f"/console/reports/{report.id}/attachments/{row.id}").status_code == 302  # sign in first
    sign_in(officer)
    page = officer.get(f"/console/reports/{report.id}").get_data(as_text=True)
    assert f"/console/reports/{report.id}/attachments/{row.id}" in page and "refund" in page.lower()
    image = officer.get(f"/console/reports/{report.id}/attachments/{row.id}")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == row.data
    assert image.headers["X-Content-Type-Options"] == "nosniff" and image.headers["Content-Disposition"].startswith("inline")
    assert "sandbox" in image.headers["Content-Security-Policy"]
    assert officer.get(f"/console/reports/{report.id}/attachments/{row.id + 1}").status_code == 404


def test_chinese_text_in_a_screenshot_is_read(app_with_model, client):
    if ocr.engine() is not None:
        pytest.skip(f"OCR not installed here ({ocr.engine()})")
    if not CJK_FONT.exists():
        pytest.skip(f"no CJK font at {CJK_FONT} (fonts-wqy-microhei) to draw Chinese text with")
    shot = _png((900, 140), "您的退税已到账请登录领取", ImageFont.truetype(str(CJK_FONT), 48))
    assert _post(client, "sms", {}, files={"screenshot": (shot, "zh.png")}).status_code == 200
    run_jobs(app_with_model)
    with app_with_model.app_context():
        row = db.session.scalars(sa.select(Attachment)).one()
        assert row.ocr_status == "done" and "退税" in row.ocr_text and "登录" in row.ocr_text


def test_without_tesseract_ocr_is_unavailable_and_the_report_is_processed(app_with_model, client, monkeypatch):
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    ocr.engine.cache_clear()
    try:
        assert _post(client, "sms", {"message": SMS}, files={"screenshot": (_png(text="hello"), "a.png")}).status_code == 200
        run_jobs(app_with_model)
    finally:
        ocr.engine.cache_clear()
    with app_with_model.app_context():
        row = db.session.scalars(sa.select(Attachment)).one()
        report = db.session.get(Report, row.report_id)
        assert (row.ocr_status, row.ocr_text) == ("unavailable", None)
        assert report.verdict is not None and report.processed_at is not None


def test_erasing_a_reporter_deletes_their_screenshots(app_with_model, client):
    from fraudwatch.services.erasure import erase_reporter

    _post(client, "sms", {"message": SMS, "contact": "wang@example.org"}, files={"screenshot": (_png(), "a.png")})
    _post(client, "sms", {"message": "另一位：" + SMS, "contact": "zhao@example.org"},
          files={"screenshot": (_png(text="keep"), "b.png")})
    with app_with_model.app_context():
        result = erase_reporter("wang@example.org", actor="dpo")
        assert result.attachments == 1
        kept = db.session.scalars(sa.select(Attachment)).one()
        assert db.session.get(Report, kept.report_id).reporter_contact == "zhao@example.org"


def test_form_tokens_are_bound_to_the_key_the_form_and_the_time(app_with_model):
    with app_with_model.test_request_context():
        token = formtoken.issue(FORM, now=1_000_000)
        assert formtoken.check(FORM, token, 7200, now=1_000_000 + 7199)
        for bad, reason in [(token, "expired"), ("", "missing"), (token + "x", "forged"), ("1.2.3", "forged"),
                            (token.replace(".", "..", 1), "forged")]:
            with pytest.raises(formtoken.TokenRefused) as refused:
                formtoken.check(FORM, bad, 7200, now=1_000_000 + 7201)
            assert refused.value.reason == reason
        app_with_model.config["SECRET_KEY"] = "another key"
        with pytest.raises(formtoken.TokenRefused):
            formtoken.check(FORM, token, 7200, now=1_000_000)
