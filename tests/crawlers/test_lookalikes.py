"""Lookalike domains of official tax domains, and their resolution through a resolver."""
from __future__ import annotations

from crawlers.lookalikes import generate, official_lookalikes, resolve_all
from crawlers.netguard import Resolver


def test_the_usual_permutations_are_generated():
    found = {lk.domain: lk.fuzzer for lk in generate("chinatax.gov.cn")}
    assert found["chiantax.gov.cn"] == "transposition"
    assert found["chnatax.gov.cn"] == "omission"
    assert "chinatax.gov.cn" not in found
    fuzzers = set(found.values())
    assert {"omission", "insertion", "transposition", "homoglyph", "hyphenation", "tld-swap",
            "subdomain-trick", "brand-word", "flattened"} <= fuzzers
    assert found["chinatax.gov.cn.refund.top"] == "subdomain-trick"
    assert found["etax-chinatax.top"] == "brand-word"
    assert found["chinatax-gov-cn.top"] == "flattened"
    assert all(d.isascii() for d in found)  # IDN candidates in punycode


def test_homoglyphs_are_punycode_with_a_unicode_display():
    homoglyphs = list(generate("irs.gov", fuzzers=["homoglyph"]))
    assert homoglyphs and all(lk.fuzzer == "homoglyph" for lk in homoglyphs)
    idn = [lk for lk in homoglyphs if lk.domain.startswith("xn--")]
    assert idn and all(not lk.display.isascii() for lk in idn)


def test_limit_and_official_sweep():
    assert len(generate("hmrc.gov.uk", limit=10)) == 10
    sweep = official_lookalikes(limit_per_domain=20, fuzzers=["omission", "brand-word"])
    assert {lk.authority for lk in sweep} >= {"CN-STA", "US-IRS", "UK-HMRC"}


def test_resolution_goes_through_the_given_resolver():
    resolver = Resolver(use_system=False)
    resolver.add("etax-chinatax.top:*:203.0.113.9")
    resolver.add("chinatax-gov-cn.top:*:203.0.113.10,2001:db8::10")
    candidates = generate("chinatax.gov.cn", fuzzers=["brand-word", "flattened"])
    rows = resolve_all(candidates, resolver, workers=4)
    live = {r.lookalike.domain: r.addresses for r in rows if r.addresses}
    assert live == {"etax-chinatax.top": ["203.0.113.9"],
                    "chinatax-gov-cn.top": ["203.0.113.10", "2001:db8::10"]}
    assert [r.lookalike for r in rows] == candidates
