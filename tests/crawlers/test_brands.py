"""Brand cues of pages come from the authority registry, like the classifier's mentions:
every authority is a cue by its names, pages and messages name the same authority for the
same words, and what is not an authority's own name is no cue."""
from __future__ import annotations

import pytest

from classifiers.authorities import authority_spans
from classifiers.normalize import normalize_text
from crawlers.brands import BrandCue, authorities, cue_finder, find_cues
from fraudwatch.indicators.authorities import load_registry
from tests.linear import LARGE_CHARS, SMALL_CHARS, repeat_to, work


@pytest.mark.parametrize("code", sorted(load_registry().authorities))
def test_every_authority_is_a_cue_by_one_of_its_names(code):
    names = [r.name for r in load_registry().names if r.code == code and r.rule == "name"]
    assert any(authorities(find_cues("title", name)) == [code] for name in names), code


@pytest.mark.parametrize("text, expected", [
    ("香港特別行政區政府稅務局 - 電子報稅", ["HK-IRD"]),
    ("稅務局 eTAX 登入 - 香港特別行政區政府", ["HK-IRD"]),
    ("稅務局 電子稅務局", ["CN-STA"]),
    ("財政部電子申報繳稅服務網", ["TW-MOF"]),
    ("國稅局 綜所稅退稅", ["TW-MOF"]),
    ("国家税务总局 电子税务局", ["CN-STA"]),
    ("澳門財政局 網上服務", ["MO-DSF"]),
    ("国税庁 e-Tax", ["JP-NTA"]),
    ("국세청 홈택스", ["KR-NTS"]),
    ("GOV.UK - Sign in to your HMRC account", ["UK-GOV", "UK-HMRC"]),
    ("DVLA - Vehicle tax refund", ["UK-DVLA"]),
    ("Belastingdienst - Inloggen met DigiD", ["NL-BD"]),
    ("Inland Revenue - myIR login", ["NZ-IRD"]),
    ("Arc de Triomphe opening hours", []),
    ("I sat down and ate a tomato", []),
    ("Ask the tax office about your refund", []),  # a kind of body, not an authority's name
    ("Thailand's Revenue Department", []),  # its country is around it, but the words name nobody
])
def test_page_cues(text, expected):
    assert authorities(find_cues("title", text)) == expected


def test_cue_keeps_the_words_and_where():
    cues = find_cues("logo", "HM Revenue & Customs")
    assert cues == [BrandCue("UK-HMRC", "HM Revenue & Customs", "logo")]
    assert len(find_cues("text", "IRS " * 100 + "HMRC hmrc ATO CRA", limit=3)) == 3
    assert [c.cue for c in find_cues("text", "HMRC hmrc Hmrc")] == ["HMRC"]  # one per distinct word


@pytest.mark.parametrize("text", [
    "HMRC: your tax refund", "IRS notice", "Inland Revenue: refund of NZ$50", "Inland Revenue: refund of £50",
    "国家税务总局通知", "国税庁からのお知らせ", "Skatteverket: återbetalning", "DVLA vehicle tax", "council tax rebate",
    "ARC Canada", "Arc de Triomphe", "SAT México", "Agencia Tributaria", "Finanzamt Österreich"])
def test_pages_and_messages_agree(text):
    page = authorities(find_cues("text", text))
    message = list(dict.fromkeys(s.detail for s in authority_spans(normalize_text(text), []) if s.detail))
    assert page == message


def test_cues_are_linear_on_long_hostile_pages():
    for unit in ("Inland Revenu", "稅務局 ", "IRS ", "Arc de Triomph", "a"):
        small, large = repeat_to(unit, SMALL_CHARS, "!"), repeat_to(unit, LARGE_CHARS, "!")
        ratio, growth = work(lambda text: find_cues("text", text), small, large, 400.0, 8.0)
        assert growth < 8.0, (unit, ratio, growth)
    assert cue_finder() is cue_finder()
