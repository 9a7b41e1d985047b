"""Redaction of scam examples before they are published (issue #12, scam pattern pages).

`redact(text)` returns plain text that is safe to show to anyone once HTML-escaped (the
caller escapes it: Jinja autoescape, or `redact_html_safe` where no template does):

- invisible characters are removed first (zero-width, bidi controls, soft hyphens, tag and
  variation selectors, C0/C1 controls but tab and line breaks), so they cannot hide digits
  from the rules below nor reorder what a reader sees;
- links and bare domains are defanged (`hxxps://etax-gov[.]top/a[.]php`): every dot of the
  link (also 。．｡) becomes `[.]`, the scheme `hxxp`; left-over `http:`/`www.` and dots
  before an internationalised TLD (税务.中国) too. Official domains are defanged as well:
  inside a scam example a real domain is often bait (https://www.chinatax.gov.cn@etax.top/),
  and the pages link official channels from the data, never from a report;
- e-mail addresses are masked whole (`***@***`): the address of a victim names them, even by
  its domain;
- unified social credit codes are masked (`uscc`): the code of a sole proprietor (92...) is
  a person's, and nothing in the text tells the two apart;
- people's names where the message addresses or names a person, and chat-app accounts
  after their keyword (see `fraudwatch.publish.people`);
- every run of digits that may be one number (digits, also full-width, other scripts',
  superscript and circled digits and 〇一二…九, joined by up to three spaces, dashes, dots,
  commas, brackets, slashes, colons or ASCII letters) of 7 or more digits is masked, whatever it looks like: a mainland
  mobile keeps its first three digits (`138********`, the carrier, not the person), a
  400/800 number its prefix (`400*******`), anything else nothing. Kept are only: the
  official hotlines of the data (`fraudwatch.indicators.official`, also 12366 behind an
  area code), dates (2024-05-31 14:30) and amounts up to 999,999 written as money
  (12,800 / 3280.50 / 12,345.67). So a number the rules do not recognise is still masked:
  the redaction fails closed.

What makes an example useful stays: the impersonated authority (国家税务总局, 12366, IRS),
the lure wording, amounts, dates, which domain was used (defanged). `Redacted.counts` says
how many of each kind were masked; the masked values themselves are not kept anywhere.
Linear in the text (one pass per rule, `links.find_links` for links); no size limit.
"""
from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import phonenumbers
from markupsafe import Markup

from fraudwatch.indicators.hosts import public_tlds
from fraudwatch.indicators.links import DOTS, HOST_LETTERS, find_links, is_tld
from fraudwatch.indicators.official import load_official
from fraudwatch.publish.people import mask_people

MIN_DIGITS = 7  # a run of this many digits or more is never published unless known safe
EMAIL_MASK = "***@***"
USCC_MASK = "*" * 18
MASKS = {"card": "**** **** **** ****", "id": "*" * 18, "phone": "*" * 8, "number": "*" * 7}
# Invisible characters: C0/C1 controls (not \t \n \r), soft hyphen, combining grapheme joiner,
# Arabic letter mark, Hangul fillers, Mongolian selectors, zero-width and bidi controls, word
# joiners, variation selectors, BOM, interlinear annotations, tag characters.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5"
                        "\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
                        "\ufff9-\ufffb\U000e0000-\U000e0fff]")
# Digits: every script's decimal digits (\d: full-width, Arabic-Indic, mathematical...), the
# superscript, subscript, circled and dingbat ones, and the Chinese numerals 〇一二…九幺.
_DIGIT = ("\\d\u00b2\u00b3\u00b9\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u24ea\u24f5-\u24fd\u24ff"
          "\u2776-\u277e\u2780-\u2788\u278a-\u2792〇零一二三四五六七八九幺")
_CN_DIGIT_CHARS = "〇零一二三四五六七八九幺"
_CN_DIGITS = str.maketrans("〇零一二三四五六七八九幺", "001234567891")
# What may stand between the digits of one number: punctuation, spaces, ASCII letters
# (138a1234b5678), combining marks (keycaps, underlines).
_SEP = ("A-Za-z\\s\\-\u2010-\u2015\u2212\ufe63\uff0d.\u3002\uff0e\uff61\u00b7\u30fb,\uff0c_/\uff0f\\\\()\uff08\uff09"
        "\\[\\]\uff3b\uff3d{}\u3010\u3011:\uff1a+\uff0b*#~'\"\u0300-\u036f\u20d0-\u20ff\ufe20-\ufe2f")
_NUMBER = re.compile(rf"\+?[{_DIGIT}]++(?:[{_SEP}]{{1,3}}+[{_DIGIT}]++)*+(?:[Xx](?![A-Za-z]))?"
                     "[\u0300-\u036f\u20d0-\u20ff\ufe20-\ufe2f]*+")
# A word of letters and digits (138a1234b5678, a tracking token): masked whole with 7+ digits.
_DIGITS_IN_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{7,}+")
_LIST_SEP = re.compile(r"([,，;；]\s{0,2}+)")
_DATE = re.compile(r"(?:19|20)\d\d([-./])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])"
                   r"(?:[ T]\d{1,2}:\d\d(?::\d\d)?)?")
_AMOUNT = re.compile(r"(?:\d{1,3},\d{3}|\d{1,6})(?:\.\d{1,2})?")
_MOBILE = re.compile(r"(?:0{0,2}86)?(1[3-9]\d{9})")
_TOLL_FREE = re.compile(r"(?:0{0,2}86)?([48]00)\d{7}")
_ID = re.compile(r"\d{6}(?:(?:19|20)\d\d|\d\d)(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]?")
_USCC = re.compile(r"(?<![0-9A-Za-z])(?![0-9]{17}[0-9X](?![0-9A-Za-z]))"  # not an ID number: 17 digits and X
                   r"[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}(?![0-9A-Za-z])")
_SCHEME = re.compile(r"(?i)\b(?:h[tｔ]{2}|ｈ[tｔ]{2})[pｐ]([sｓ]?)(?=\s{0,3}[:：])|\bftp(?=://)")
_WWW = re.compile(rf"(?i)\b(www)[{DOTS}]")
_FULL_WIDTH = str.maketrans({chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)})
_ANY_DOT = re.compile(f"[{DOTS}]")
_LEADING_HTTP = re.compile(r"(?i)^http")
_AREA_12366 = re.compile(r"(?:0{0,2}86)?0?[1-9]\d{1,2}12366")
# A host written straight after Chinese text (请登录etax-gov.top办理), which find_links leaves.
_RUN_ON_HOST = re.compile(rf"(?i)(?<![{HOST_LETTERS}-])[{HOST_LETTERS}][{HOST_LETTERS}-]*+"
                          rf"(?:[{DOTS}][{HOST_LETTERS}-]++)+")
_IDN_DOT = re.compile(r"(?<=[\w-])[.\uff0e](?=[\u3400-\u9fff])")


@dataclass(frozen=True)
class Redacted:
    """A redacted text and how many things of each kind were masked or defanged (kinds:
    phone, card, id, number, email, uscc, name, account, link, invisible)."""

    text: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def masked(self) -> int:
        """How many personal items were masked (defanged links and removed invisible characters not counted)."""
        return sum(n for kind, n in self.counts.items() if kind not in ("link", "invisible"))


def redact(text: str) -> Redacted:
    """`text` safe to publish as an example, as PLAIN text: HTML-escape it where it is shown
    (Jinja autoescape does; see `redact_html_safe`). Never raises on any string."""
    if not isinstance(text, str):
        raise TypeError("redact() takes a str")
    counts: dict[str, int] = {}
    text, removed = _INVISIBLE.subn("", text)
    _count(counts, "invisible", removed)
    text = _defang_links(text, counts)
    text, found = _USCC.subn(USCC_MASK, text)
    _count(counts, "uscc", found)
    text = mask_people(text, counts)
    text = _mask_numbers(text, counts)
    text, found = _sub_some(_DIGITS_IN_WORD, text, lambda m: MASKS["number"] if len(_digits(m.group())) >= MIN_DIGITS
                            else None)
    _count(counts, "number", found)
    return Redacted(text, counts)


def redact_html_safe(text: str) -> Markup:
    """The redacted text HTML-escaped (quotes too), as Markup so that Jinja does not escape it twice."""
    return Markup(html.escape(redact(text).text, quote=True))


def _count(counts: dict[str, int], kind: str, n: int = 1) -> None:
    if n:
        counts[kind] = counts.get(kind, 0) + n


def _defang_links(text: str, counts: dict[str, int]) -> str:
    """E-mail addresses masked, URLs and bare domains defanged (`links.find_links` spans)."""
    out: list[str] = []
    pos = 0
    for kind, start, end in find_links(text):
        out.append(text[pos:start])
        if kind == "email":
            out.append(EMAIL_MASK)
            _count(counts, "email")
        else:
            out.append(defang(text[start:end]))
            _count(counts, "link")
        pos = end
    out.append(text[pos:])
    text = "".join(out)
    text, n_scheme = _SCHEME.subn(lambda m: "hxxp" + m.group(1) if m.group().lower() != "ftp" else "fxp", text)
    text, n_www = _WWW.subn(r"\1[.]", text)
    text, hosts = _sub_some(_RUN_ON_HOST, text,
                            lambda m: defang(m.group()) if is_tld(_ANY_DOT.split(m.group())[-1]) else None)
    text, idn = _sub_some(_IDN_DOT, text, lambda m: "[.]" if _idn_tld_after(m.string, m.end()) else None)
    _count(counts, "link", n_scheme + n_www + hosts + idn)
    return text


def _sub_some(pattern: re.Pattern, text: str, replace: Callable[[re.Match], str | None]) -> tuple[str, int]:
    """`pattern.subn` where `replace` returning None keeps the match: (text, how many were replaced)."""
    replaced = 0

    def sub(match: re.Match) -> str:
        nonlocal replaced
        out = replace(match)
        if out is None:
            return match.group()
        replaced += 1
        return out

    return pattern.sub(sub, text), replaced


def defang(url: str) -> str:
    """A URL or host as text nothing links: full-width forms read as ASCII, `hxxp(s)`, every dot `[.]`."""
    url = _ANY_DOT.sub("[.]", url.translate(_FULL_WIDTH))
    return _LEADING_HTTP.sub("hxxp", url)


@functools.cache
def _idn_tlds() -> frozenset[str]:
    """Internationalised TLDs of the public suffix list in Unicode (中国, 公司, 网址...)."""
    out = set()
    for tld in public_tlds():
        if tld.startswith("xn--"):
            try:
                out.add(tld.encode("ascii").decode("idna"))
            except UnicodeError:
                continue
    return frozenset(out)


def _idn_tld_after(text: str, pos: int) -> bool:
    """True when an internationalised TLD starts at `pos` (and no Han character follows it)."""
    tlds = _idn_tlds()
    return any(text[pos:pos + n] in tlds and not ("\u3400" <= text[pos + n:pos + n + 1] <= "\u9fff")
               for n in range(1, 5))


@functools.cache
def safe_numbers() -> frozenset[str]:
    """Digits of the official hotlines (international, national and with trunk prefix forms)."""
    out = set()
    for number in load_official().hotlines:
        parsed = phonenumbers.parse(number)
        national = str(parsed.national_number)
        out.update({number.lstrip("+"), national, "0" + national, "00" + number.lstrip("+")})
        if parsed.country_code == 1:
            out.add("1" + national)
    return frozenset(out)


def _digits(raw: str) -> str:
    """The digits of a run as ASCII (X of an ID number kept, upper case)."""
    return "".join(ch if ch in "Xx" else str(unicodedata.digit(ch)) if ch.isdigit() else ch.translate(_CN_DIGITS)
                   for ch in raw if ch.isdigit() or ch in "Xx" or ch in _CN_DIGIT_CHARS).upper()


def _mask_numbers(text: str, counts: dict[str, int]) -> str:
    """Every run of 7+ digits masked but for the known-safe ones (see the module docstring).
    A run that is a list (pieces between commas) is judged piece by piece only when every
    piece is safe (not as an amount) or long enough to be masked on its own: 138, 1234, 5678
    is one number, and so is 300000.0,000000000 (a card: its first piece would pass for an
    amount of 7 digits)."""
    def sub(match: re.Match) -> str:
        raw = match.group()
        digits = _digits(raw)
        if len(digits) < MIN_DIGITS or _is_safe(raw, digits):
            return raw
        pieces = _LIST_SEP.split(raw)  # numbers and the separators between them, alternately
        numbers = [_digits(piece) for piece in pieces[::2]]
        if len(pieces) > 1 and all((len(number) >= MIN_DIGITS and not _is_safe(piece, number))
                                   or _is_safe(piece, number, False)
                                   for piece, number in zip(pieces[::2], numbers)):
            return "".join(_mask_piece(piece, counts) if i % 2 == 0 else piece for i, piece in enumerate(pieces))
        return _mask_piece(raw, counts)
    return _NUMBER.sub(sub, text)


def _mask_piece(raw: str, counts: dict[str, int]) -> str:
    digits = _digits(raw)
    if len(digits) < MIN_DIGITS or _is_safe(raw, digits):
        return raw
    kind, mask = _kind(digits, raw.lstrip().startswith("+"))
    _count(counts, kind)
    return mask


def _is_safe(raw: str, digits: str, amounts: bool = True) -> bool:
    """Dates, amounts (unless `amounts` is false) and official hotlines."""
    ascii_raw = "".join(str(int(ch)) if ch.isdecimal() else ch for ch in raw.strip())
    if _DATE.fullmatch(ascii_raw) or (amounts and _AMOUNT.fullmatch(ascii_raw)):
        return True
    if digits in safe_numbers():
        return True
    # 12366 behind an area code (010-12366, 0755 12366), with or without +86.
    return bool(_AREA_12366.fullmatch(digits))


def _kind(digits: str, international: bool = False) -> tuple[str, str]:
    """(kind, replacement) of a run of 7+ digits that is not safe."""
    if mobile := _MOBILE.fullmatch(digits):
        return "phone", mobile.group(1)[:3] + "*" * 8
    if toll_free := _TOLL_FREE.fullmatch(digits):
        return "phone", toll_free.group(1) + "*" * 7
    if len(digits) in (15, 18) and _ID.fullmatch(digits):
        return "id", MASKS["id"]
    if "X" in digits:
        return "id", MASKS["id"]
    if 13 <= len(digits) <= 19:
        return "card", MASKS["card"]
    if len(digits) <= 15 and international:
        return "phone", MASKS["phone"]
    if len(digits) <= 12 and (digits[0] == "0" or len(digits) <= 8 or digits.startswith(("86", "00"))):
        return "phone", MASKS["phone"]
    return "number", MASKS["number"]
