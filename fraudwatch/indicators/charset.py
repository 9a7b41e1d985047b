"""Decode page bytes whose charset declaration is wrong or missing.

Chinese scam pages are often GBK/GB18030 or Big5 with a UTF-8 declaration, or none.
Order: BOM; valid UTF-8 (other encodings' Chinese text is almost never valid UTF-8);
then the declared and the usual CJK encodings, scored by how many decoded ideographs
are common Chinese characters (a wrong CJK decoding yields rare ones); then the
declared encoding; then charset-normalizer; finally UTF-8 with replacement. Scores read
the first SCORE_SAMPLE characters of a decoding; a <meta> charset is looked for in the
first 4 KB, tag by tag, in time linear in them.
"""
from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
            "cp936": "gb18030", "big5": "cp950", "big5-hkscs": "big5hkscs", "x-big5": "cp950",
            "iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252",
            "us-ascii": "cp1252"}
_CJK_CANDIDATES = ("gb18030", "cp950")
SCORE_SAMPLE = 200_000
# One <meta ...> up to its '>' (possessive: "<meta<meta<meta..." is read once, not once per
# "<meta" as `<meta[^>]+charset...` did), then the charset declarations inside it.
_META_TAG = re.compile(rb"<meta[^>]*+", re.I)
_CHARSET = re.compile(rb"""charset\s*+=\s*+(?:["']\s*+)?([a-zA-Z0-9_\-]++)""", re.I)
_IDEOGRAPH = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]")

# The most frequent Chinese characters, simplified then traditional forms, plus the
# vocabulary of tax pages. Ratio of these among decoded ideographs is the CJK score.
_COMMON = set(
    "的一是不了在人有我他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家"
    "学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经"
    "头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者"
    "向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气"
    "信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九性通目华报立马命张活难"
    "神数件安表原车白应路期常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象"
    "记边共风战接它许八特觉望直服林题建南度统色字请交认算论百义科元社术结六功指思非流每青管连远"
    "资队跟带花快条院变联言权往展该领传近留红治决周保达办运半候七必城步完深区即求品转量空众技程"
    "告语英基式息写识极令德收钱未持取设始版双历商片容像找友站广改议形委早房际则首单据导影失网专"
    "税局退款票验登录账户银行卡号证码申报纳个所得汇缴费补贴核查询注册填写身份姓名手机密码确认提交"
    "这個說們為來國時對會過經還發於後從樣點種聲話兒機給幾業間東電門師書華報馬張難數應車體別處總"
    "場員長現將與實進動兩學當開無見頭問題爭論連遠資隊帶條變聯權傳領達辦運區轉輕語廣議導網專稅務"
    "驗錄帳戶銀號證碼申報個補貼查詢註冊寫確認提交"
)


def declared_charset(body: bytes, header_charset: str | None = None) -> str | None:
    """The charset from the HTTP header, else from a <meta> in the first 4 KB."""
    if header_charset:
        return header_charset.strip().lower()
    for tag in _META_TAG.finditer(body[:4096]):
        found = _last_charset(tag.group())
        if found:
            return found.decode("ascii").lower()
    return None


def _last_charset(tag: bytes) -> bytes | None:
    """The name in the last `charset=` of a meta tag that starts after `<meta` and one more
    byte (what the greedy `<meta[^>]+charset...` picked)."""
    lowered, found = tag.lower(), None
    pos = lowered.find(b"charset", 6)
    while pos >= 0:
        match = _CHARSET.match(tag, pos)
        found = match.group(1) if match else found
        pos = lowered.find(b"charset", pos + 1)
    return found


def _python_codec(name: str | None) -> str | None:
    if not name:
        return None
    name = _ALIASES.get(name.lower(), name.lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def cjk_score(text: str) -> tuple[float, int]:
    """(share of common characters among ideographs, number of ideographs)."""
    ideographs = _IDEOGRAPH.findall(text)
    if not ideographs:
        return 0.0, 0
    common = sum(1 for ch in ideographs if ch in _COMMON)
    return common / len(ideographs), len(ideographs)


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _best_cjk(body: bytes, declared: str | None) -> tuple[str, str] | None:
    best: tuple[float, str, str] | None = None
    names = ([declared] if declared else []) + [c for c in _CJK_CANDIDATES if c != declared]
    for codec in names:
        text = _strict(body, codec)
        if text is None:
            continue
        ratio, count = cjk_score(text[:SCORE_SAMPLE])
        if count >= 2 and ratio >= 0.3 and (best is None or ratio > best[0] + 0.05):
            best = (ratio, codec, text)
    return (best[1], best[2]) if best else None


def decode_html(body: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """Decode page bytes; return (text, the codec that was used)."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, errors="replace"), codec
    text = _strict(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    declared = _python_codec(declared_charset(body, header_charset))
    found = _best_cjk(body, declared)
    if found:
        return found[1], found[0]
    if declared and (text := _strict(body, declared)) is not None:
        return text, declared
    guess = from_bytes(body[:200_000]).best()
    if guess is not None and guess.encoding:
        return body.decode(guess.encoding, errors="replace"), guess.encoding
    return body.decode("utf-8", errors="replace"), "utf-8"
