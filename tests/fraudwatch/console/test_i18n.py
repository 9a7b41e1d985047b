"""Console languages: the catalogs are complete and compiled, and each request gets the
user's language, else the session's choice, else the best Accept-Language match, else zh."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import User

ROOT = Path(__file__).resolve().parents[3]
CATALOGS = ROOT / "fraudwatch" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _catalog(lang: str):
    with open(CATALOGS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def _used_messages() -> set[str]:
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_has_a_zh_and_en_translation():
    used = _used_messages()
    assert "Sign in" in used and len(used) > 20
    for lang in ("zh", "en"):
        catalog = _catalog(lang)
        missing = sorted(m for m in used if not (catalog.get(m) and catalog.get(m).string))
        assert missing == [], f"{lang}: untranslated (run the pybabel recipe in fraudwatch/web/i18n.py): {missing}"
        fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
        assert fuzzy == [], f"{lang}: fuzzy entries {fuzzy}"


def test_zh_translations_are_chinese_and_keep_placeholders():
    for message in _catalog("zh"):
        if not message.id:
            continue
        assert any("\u4e00" <= c <= "\u9fff" for c in message.string), message.id
        assert sorted(_placeholders(message.id)) == sorted(_placeholders(message.string)), message.id


def _placeholders(text: str) -> list[str]:
    import re

    return re.findall(r"%\(\w+\)s", text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_compiled_catalogs_match_the_po_files(lang):
    buffer = io.BytesIO()
    write_mo(buffer, _catalog(lang))
    committed = (CATALOGS / lang / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert committed == buffer.getvalue(), f"run: pybabel compile -d fraudwatch/translations ({lang})"


@pytest.mark.parametrize("accept,expected", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("en-US,en;q=0.9", "en"), ("zh-TW", "zh"), ("fr-FR", "zh"),
    ("", "zh"), ("en;q=0.1,zh;q=0.9", "zh"), ("*", "zh"), ("x" * 5000, "zh"), ("en-GB,zh-CN;q=0.5", "en")])
def test_accept_language(client, accept, expected):
    page = client.get("/console/login", headers={"Accept-Language": accept}).data.decode()
    title = {"zh": "<title>登录 · fraudwatch</title>", "en": "<title>Sign in · fraudwatch</title>"}[expected]
    assert title in page
    assert f'<html lang="{"zh-CN" if expected == "zh" else "en"}">' in page


def test_session_choice_then_user_choice(app, client, sign_in, csrf):
    english = {"Accept-Language": "en"}
    answer = client.post("/console/language", data={"lang": "zh", "csrf_token": csrf(client), "next": "/console/login"},
                         headers=english)
    assert answer.status_code == 302 and answer.headers["Location"] == "/console/login"
    assert "登录" in client.get("/console/login", headers=english).data.decode()
    uid = sign_in(client)
    client.post("/console/language", data={"lang": "en", "csrf_token": csrf(client)})
    with app.app_context():
        assert db.session.scalar(sa.select(User.language).where(User.id == uid)) == "en"
    other = app.test_client()  # another browser of the same user, asking for zh
    sign_in(other, user_id=uid)
    assert "Sign out" in other.get("/console/", headers={"Accept-Language": "zh"}).data.decode()


@pytest.mark.parametrize("lang", ["", "fr", "zh" * 1000, "<script>", "\x00"])
def test_unknown_language_is_refused(client, csrf, lang):
    answer = client.post("/console/language", data={"lang": lang, "csrf_token": csrf(client)})
    assert answer.status_code == 400 and b"<script>" not in answer.data
    with client.session_transaction() as session:
        assert "lang" not in session
