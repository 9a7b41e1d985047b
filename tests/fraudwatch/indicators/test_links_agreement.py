"""One link and e-mail finder: every URL or e-mail the service extracts as an indicator is a
link span of the classifier, and the reverse, on the corpus and on generated texts; and the
links the hard-coded TLD list used to miss (.support, .cfd, 。 dots, full-width hosts) are found."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from classifiers.normalize import normalize_text
from classifiers.patterns import find_links
from classifiers.signals import judge_link, lower
from fraudwatch.indicators import extract_indicators, indicators_in_text, normalize

ROOT = Path(__file__).resolve().parents[3]
HOSTS = ["etax-gov.top", "hmrc-refund.support", "irs.gov.refund.cfd", "tuishui.sbs", "ato-claim.help",
         "tax.dev", "agencia-tributaria.es", "chinatax.gov.cn", "etax。chinatax。gov。cn", "ｅｔａｘ－ｇｏｖ．ｔｏｐ",
         "a.b.c.xn--fiqs8s", "103.208.86.96/claim", "bit.ly/3xYz", "www.gov.uk/tax", "12366.cn:8080/x"]
PREFIXES = ["", "http://", "https://", "HTTPS://", "www."]
TEMPLATES = ["请点击 {} 领取退税", "Visit {} now.", "【税务局】{}，办理", "({})", "link: {}\n", "{}", "登录 {} 。",
             "\"{}\"", "see {}/, then", "mail {}@{} today", "{} or {}", "退税请访问：{}！"]


def _generated(count: int = 400) -> list[str]:
    rng = random.Random(9)
    texts = []
    for _ in range(count):
        template = rng.choice(TEMPLATES)
        links = [rng.choice(PREFIXES) + rng.choice(HOSTS) for _ in range(template.count("{}"))]
        if template.startswith("mail"):
            links = ["user.name", rng.choice(HOSTS).split("/")[0]]
        texts.append(template.format(*links))
    return texts


def _corpus() -> list[str]:
    return [json.loads(line)["text"] for path in sorted((ROOT / "data" / "corpus").glob("*.jsonl"))
            for line in path.open(encoding="utf-8") if line.strip()]


TEXTS = _corpus() + _generated()


def _service_spans(text: str) -> set[tuple[str, int, int]]:
    return {(f.type, f.start, f.end) for f in extract_indicators(text, limit=10_000) if f.type != "phone"}


def _classifier_spans(text: str) -> set[tuple[str, int, int]]:
    return {(s.name, s.start, s.end) for s in find_links(text)}


def _service_values(text: str, part: str = "value") -> set[tuple[str, str]]:
    return {(n.type, getattr(n, part)) for n in indicators_in_text(text) if n.type in ("url", "email")}


def _classifier_values(text: str, part: str = "value") -> set[tuple[str, str]]:
    values = set()
    for span in find_links(text):
        try:
            values.add((span.name, getattr(normalize(span.name, text[span.start:span.end]), part)))
        except ValueError:
            continue
    return values


def test_enough_texts_with_links():
    assert len(TEXTS) > 3000 and sum(bool(find_links(text)) for text in TEXTS) > 1000


@pytest.mark.parametrize("chunk", range(8))
def test_service_and_classifier_find_the_same_links(chunk):
    """The same spans on the raw text and on the classifier's normalised forms of it, the
    same indicator values from the same text, and every host the service finds in the raw
    text is a link host of the classifier's normalised text (which has more only where
    normalising joins spelled-out letters: "h s q j . t a x . c n")."""
    for text in TEXTS[chunk::8]:
        normal = normalize_text(text)
        for form in (text, normal, lower(normal)):
            assert _service_spans(form) == _classifier_spans(form), form
        assert _service_values(normal) == _classifier_values(normal), text
        assert _service_values(text, "host") <= _classifier_values(normal, "host"), text


@pytest.mark.parametrize("text, link", [
    ("claim at hmrc-refund.support/claim now", "hmrc-refund.support/claim"),
    ("go to irs-refund.cfd", "irs-refund.cfd"), ("tuishui.sbs", "tuishui.sbs"), ("visit ato.help.", "ato.help"),
    ("see tax-portal.dev/x", "tax-portal.dev/x"), ("aeat-devolucion.es", "aeat-devolucion.es"),
    ("请登录 etax。chinatax。gov。cn 办理", "etax。chinatax。gov。cn"), ("访问 ｅｔａｘ－ｇｏｖ．ｔｏｐ ，", "ｅｔａｘ－ｇｏｖ．ｔｏｐ"),
    ("a.xn--fiqs8s/x", "a.xn--fiqs8s/x"),
])
def test_links_the_old_tld_list_missed_are_found(text, link):
    assert [text[s.start:s.end] for s in find_links(text)] == [link]
    assert [f.raw for f in extract_indicators(text)] == [link]


def test_ideographic_dots_become_one_indicator():
    found = {(n.type, n.value) for n in indicators_in_text("请登录 etax。chinatax。gov。cn 办理")}
    assert found == {("url", "http://etax.chinatax.gov.cn/"), ("domain", "chinatax.gov.cn")}
    assert judge_link("url", "etax。chinatax。gov。cn")[0] == "url_official:CN-STA"


@pytest.mark.parametrize("text", ["file main.txt", "report.pdf", "a.exe", "see 1.5 and 3.14", "No.1 and Ltd."])
def test_words_with_a_dot_are_not_links_without_a_public_tld(text):
    assert find_links(text) == [] and extract_indicators(text) == []


def test_the_userinfo_trick_is_judged_by_the_real_host():
    text = "login: https://www.chinatax.gov.cn@etax.hn-tax.cc/x"
    assert judge_link("url", "https://www.chinatax.gov.cn@etax.hn-tax.cc/x")[0] != "url_official:CN-STA"
    assert all(n.host == "etax.hn-tax.cc" for n in indicators_in_text(text) if n.type in ("url", "email"))
    assert not any(name.startswith(("url_official", "email_official")) for span in find_links(text)
                   for name in judge_link(span.name, text[span.start:span.end]))


@pytest.mark.parametrize(("text", "value"), [
    ("请登录 http://chinatаx.gov.cn.refund.top/x 办理", "http://xn--chinatx-7fg.gov.cn.refund.top/x"),  # Cyrillic а
    ("visit раураl.com now", "http://xn--l-7sba6dbr.com/"),  # Cyrillic р а у
    ("Ιrs-refund.com/claim", "http://xn--rs-refund-zzg.com/claim"),  # Greek capital iota
])
def test_homoglyph_hosts_are_links_and_indicators(text, value):
    assert [span.name for span in find_links(text)] == ["url"]  # the classifier sees a link too
    assert value in [n.value for n in indicators_in_text(text)]


def test_a_cjk_letter_ends_a_host():
    """Chinese text runs into links without spaces: CJK letters never join a host."""
    assert _values("访问 etax-refund.top办理") == ["http://etax-refund.top/"]


def _values(text):
    return [n.value for n in indicators_in_text(text) if n.type == "url"]


@pytest.mark.parametrize(("text", "value", "domain"), [
    ("税务局通知 https://www.chinatax.gov.cn@etax.hn-tax.cc/login 登录", "https://etax.hn-tax.cc/login", "hn-tax.cc"),
    ("Refund: http://irs.gov:secure@irs-refund.help/claim now", "http://irs-refund.help/claim", "irs-refund.help"),
])
def test_credentials_before_the_host_are_a_url_of_the_real_host(text, value, domain):
    """The browser goes to the host after the @: that is the link, judged by that host."""
    assert [span.name for span in find_links(text)] == ["url"]
    found = {(n.type, n.value) for n in indicators_in_text(text)}
    assert ("url", value) in found and ("domain", domain) in found
    assert not any(kind == "email" for kind, _ in found)
    assert not any(name.startswith("url_official") for name in judge_link("url", text.split()[1]))
