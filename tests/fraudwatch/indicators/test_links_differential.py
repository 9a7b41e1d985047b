"""The linear link finder (`fraudwatch.indicators.links`) gives exactly what the plain link regex gives.

The rule written as one regex is kept here, and only here, as the reference: its host part
is retried from every `www.` of a run (quadratic, as the old code was). It is built from
the same public suffix TLD set and the same dots as the finder, so the comparison checks
the linear algorithm, not a copy of its data. Both are compared span for span on the
corpus, the fixtures, hand-written edge cases, random strings over a host-like alphabet
and, when ../shared/data is present (FRAUDWATCH_EXTERNAL_DATA), every OpenPhish URL
embedded in sentences (nothing from that set is copied into the repository).
"""
from __future__ import annotations

import csv
import json
import os
import random
import re
from pathlib import Path

import pytest

from classifiers.normalize import normalize_text
from classifiers.patterns import ENTITY_RE, Span, _aligned, find_entities, find_links
from classifiers.signals import lower
from fraudwatch.indicators.hosts import public_tlds
from fraudwatch.indicators.links import DOTS, EMAIL_RE, HOST_LETTERS, find_urls

ROOT = Path(__file__).resolve().parents[3]
EXTERNAL = Path(os.environ.get("FRAUDWATCH_EXTERNAL_DATA") or ROOT.parent / "shared" / "data")

_TLDS = "|".join(sorted(public_tlds()))
_L = HOST_LETTERS
_HOST = rf"(?:[{_L}](?:[{_L}-]{{0,61}}[{_L}])?[{DOTS}])+(?:{_TLDS})(?![{_L}-])(?::\d{{2,5}})?"
_PATH_CHARS = r"[^\s<>\"'，。；！？、）】》\u3000-\u303f\uff00-\uffef]"
_PATH = rf"(?:[/?#]{_PATH_CHARS}*)?"
_IPV4 = r"(?:\d{1,3}\.){3}\d{1,3}(?::\d{2,5})?"
REFERENCE_URL_RE = re.compile(
    rf"(?i)\bhttps?:/{{0,3}}\s?[^\s/?#@<>\"']{{1,256}}@{_HOST}{_PATH}"  # credentials before the host
    rf"|\b(?:https?:/{{0,3}}\s?|www\.){_HOST}{_PATH}"
    rf"|\bhttps?:/{{0,3}}\s?{_IPV4}{_PATH}"
    rf"|(?<![\w@.-]){_HOST}{_PATH}"
    rf"|(?<![\w.]){_IPV4}/{_PATH_CHARS}*", re.UNICODE)


def plain_find_links(text: str) -> list[Span]:
    """find_links written plainly (the reference regex, overlaps checked against every e-mail)."""
    if not any(dot in text for dot in DOTS):
        return []
    urls = [(m.start(), m.start() + len(m.group().rstrip(".,;:!?)]}'\""))) for m in REFERENCE_URL_RE.finditer(text)]
    disguised = [(a, b) for a, b in urls if re.match(r"(?i)https?:/{0,3}\s?[^\s/?#@<>\"']{1,256}@", text[a:b])]
    spans = [Span("email", m.start(), m.end()) for m in EMAIL_RE.finditer(text)
             if not any(a < m.end() and m.start() < b for a, b in disguised)]
    taken = [(s.start, s.end) for s in spans]
    for start, end in urls:
        if end > start and not any(a < end and start < b for a, b in taken):
            spans.append(Span("url", start, end))
    return sorted(spans, key=lambda s: s.start)


def plain_find_entities(text: str, links: list[Span]) -> list[Span]:
    """find_entities' rule written plainly: every overlap checked against every span (and,
    as before, only sender tags looked for in a text without digits)."""
    out: list[Span] = []
    for name, pattern in ENTITY_RE:
        if not re.search(r"\d", text) and not (name.startswith("sender_tag") and "【" in text):
            continue
        for match in pattern.finditer(text):
            (start, end), digits = match.span(), sum(c.isdigit() for c in match.group())
            linked = any(s.start < end and start < s.end for s in links)
            in_amount = any(s.start <= start < s.end for s in out if s.name in ("money", "card_number"))
            if name == "phone" and (not 5 <= digits <= 15 or in_amount):
                continue
            if not linked and _aligned(text, start, end):
                out.append(Span(name, start, end))
    return out


def assert_same(text: str) -> None:
    """find_urls, find_links and find_entities agree with the reference ones on `text`."""
    assert find_urls(text) == [m.span() for m in REFERENCE_URL_RE.finditer(text)], text
    low = lower(normalize_text(text))
    links = find_links(low)
    assert links == plain_find_links(low), text
    assert find_entities(low, links) == plain_find_entities(low, links), text


EDGE_CASES = [
    "visit http://www.example.com:8080/path?q=1#frag, then", "点击https://etax-chinatax.top/login。领取",
    "【税务局】请登录www.chinatax-gov.cn.tax-refund.top/tui，办理", "（见 a.com）", "「a.com」", "a.com、b.cn；c.top！",
    "http:// example.com", "http:/example.com", "https:///a.com", "http:////a.com", "https: a.com", "HTTP://A.COM/X",
    "hxxp://evil[.]top/x", "evil(.)top", "evil[dot]top", "1.2.3.4/admin", "http://1.2.3.4:8080/x", "10.0.0.1:80/",
    "999.1.1.1/", "1.2.3.4", "a1.2.3.4/", "http://1.2.3.4.5/", "a@b.com", "user.name+tag@sub.example.co.uk",
    "x@y.top/z", "mail me: a@b.cn, or visit b.cn", "www.a.com.foo", "example.com.Then", "a--.www.example.com",
    "退-www.example.com", "退www.example.com", "foo.http://x.com", "wwww.example.com", "WWW.EXAMPLE.COM",
    "Example.COM/Path", "a.b.c.d.e.f.g.h.i.j.k.com", "a" * 63 + ".com", "a" * 64 + ".com", "-a.com", "a-.com",
    "a.co.m", "a.c0m", "例子.com", "xn--fiqs8s.cn/x", "(see a.com)", "[a.com]", "\"a.com\"", "a.com...", "a.com?!",
    "a.ſite", "\u212a.com", "\u0131.com", "a.com:8", "a.com:123456", "a.com:80:90", "a.com/退税", "a.com/路径，然后",
    "a.com/x）", "ａ.com", "www.com", ".www.a.com", "-www.a.com", "_www.a.com", "a_b.com", "a.b_c.com", "@a.com",
    "a.com@b.cn", "tel 010-12366, ¥3280 to 6222 0212 3456 7890", "www." * 50, "a." * 80 + "com", "www." * 30 + "com",
    "http://" * 5 + "a.com", "a.com\nb.cn\tc.top d.xyz", "https://bit.ly/3xYz 退税", "x.y.z.com/a/b/../c?d=e&f=g#h",
    "退.税.局.com", "http://a.com:99999/", "http://[::1]/", "ftp://a.com", "irs.gov.refund.top", "chinatax.gov.cn",
    "etax。chinatax。gov。cn", "etax．chinatax｡gov．cn/x", "请访问 a。com。", "a.com。领取", "www。a。com", "a。b.c．top",
    "hmrc-refund.support/claim", "a.cfd b.sbs c.help d.dev e.es", "a.xn--fiqs8s", "a.XN--FIQS8S", "a.co.uk.", "a.tax",
    "a.txt b.pdf c.exe", "a.comx", "a.support-", "x.ſupport", "a.\u212aim", "a.\u0130n", "a.\u0131n", "\u0131.com", "a.\u0131\u0131",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases(text):
    assert_same(text)


def _rows(folder: Path) -> list[str]:
    return [json.loads(line)["text"] for path in sorted(folder.glob("*.jsonl"))
            for line in path.open(encoding="utf-8") if line.strip()]


def test_corpus_and_fixtures(fixture_corpus):
    for text in _rows(ROOT / "data" / "corpus") + _rows(fixture_corpus):
        assert_same(text)


def test_random_host_like_strings():
    pool = list("aw.-/:@1h tps_%K。．") + ["www.", "http://", "https:/", "com", "top", "cn", "1.", "退", "，", "ſ",
                                          "a-b", "xn--", ":80", "/x", "?q", "#f", "\n", "¥1", "12366", "support",
                                          "es", "cfd", "help", "dev", "py", "а", "р", "é", "ß", "@", "user:pw@"]
    rng = random.Random(8)
    for _ in range(5000):
        assert_same("".join(rng.choice(pool) for _ in range(rng.randint(0, 40))))


TEMPLATES = ["请点击{}领取退税", "Visit {} now.", "【税务局】{}，办理", "({})", "link: {}\n", "{}", "登录 {} 。",
             "\"{}\"", "see {}/, then", "退税请访问{}。"]


def _first_difference(new: list[tuple[int, int]], old: list[tuple[int, int]]) -> tuple[int, int]:
    for a, b in zip(new, old):
        if a != b:
            return min(a, b)
    return (new + old)[min(len(new), len(old))]


def test_openphish_urls_in_sentences():
    path = EXTERNAL / "phishing_urls" / "openphish_urls.tsv"
    if not path.is_file():
        pytest.skip(f"{path} not found (set FRAUDWATCH_EXTERNAL_DATA): OpenPhish comparison skipped")
    with path.open(encoding="utf-8", newline="") as fh:
        urls = [row["url"] for row in csv.DictReader(fh, delimiter="\t")]
    sentences = [TEMPLATES[i % len(TEMPLATES)].format(url) for i, url in enumerate(urls)]
    for n, i in enumerate(range(0, len(sentences), 500)):
        chunk = "\n".join(sentences[i:i + 500])
        new, old = find_urls(chunk), [m.span() for m in REFERENCE_URL_RE.finditer(chunk)]
        if new != old:
            start, _ = _first_difference(new, old)
            pytest.fail(f"find_urls differs from the reference regex near {chunk[max(0, start - 40):start + 120]!r}")
        if n % 4 == 0:  # the whole classifier path (normalised, lower-cased) on a quarter of them
            low = lower(normalize_text(chunk))
            assert find_links(low) == plain_find_links(low)
    assert len(urls) > 1000
