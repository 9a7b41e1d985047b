"""Decoding pages with wrong or missing charset declarations."""
from __future__ import annotations

import pytest

from fraudwatch.indicators.charset import decode_html

ZH = "<p>国家税务总局电子税务局：您的个人所得税退税款已审核通过，请登录填写银行卡号和身份证号领取。</p>"
ZH_HANT = "<p>國家稅務總局：您的個人所得稅退稅款已審核通過，請登錄填寫銀行帳戶資料領取。</p>"
META = '<meta charset="{}">'


@pytest.mark.parametrize("text, actual, header, meta", [
    (ZH, "gbk", None, None),              # GBK, no declaration at all
    (ZH, "gbk", "utf-8", None),           # GBK, header lies
    (ZH, "gbk", None, "utf-8"),           # GBK, meta lies
    (ZH, "gb18030", "iso-8859-1", None),  # GB18030 declared Latin-1
    (ZH, "utf-8", "gbk", None),           # UTF-8 declared GBK
    (ZH, "utf-8", None, "gb2312"),        # UTF-8 with a GB2312 meta
    (ZH, "gb2312", "gb2312", None),       # correct declaration
    (ZH_HANT, "big5", None, None),        # Big5, no declaration
    (ZH_HANT, "big5", "utf-8", None),     # Big5, header lies
    (ZH_HANT, "big5", None, "gbk"),       # Big5, meta says GBK
    (ZH_HANT, "utf-8", None, None),
])
def test_chinese_pages_decode_whatever_they_declare(text, actual, header, meta):
    page = (META.format(meta) if meta else "") + text
    decoded, _ = decode_html(page.encode(actual), header)
    assert text in decoded


def test_bom_wins():
    decoded, codec = decode_html("\ufeff".encode("utf-8") + ZH.encode("utf-8"), "gbk")
    assert ZH in decoded and codec == "utf-8-sig"


def test_latin_page_with_declaration():
    text = "<p>Déclaration d'impôts : remboursement de 120 €</p>"
    decoded, _ = decode_html(text.encode("cp1252"), "iso-8859-1")
    assert "Déclaration d'impôts" in decoded


def test_binary_junk_never_raises():
    decoded, _ = decode_html(bytes(range(256)) * 10, "no-such-charset")
    assert isinstance(decoded, str)
