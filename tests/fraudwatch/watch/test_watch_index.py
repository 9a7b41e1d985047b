"""The match index (pure): exact matches, lookalikes of watched domains, names in texts,
what must not match, and work linear in the input."""
from __future__ import annotations

import pytest

from fraudwatch.services.watch_index import Subjects, WatchIndex, domain_name, fold_name, host_windows
from tests.linear import adversarial_texts, work

ROWS = [(1, 10, "domain", "example-corp.com"), (2, 10, "brand", "examplecorp"), (3, 11, "phone", "+8613812345678"),
        (4, 11, "company", fold_name("某某科技有限公司")), (5, 12, "brand", fold_name("华为")),
        (6, 12, "domain", "acme-tools.cn"), (7, 13, "domain", "ibm.com")]


@pytest.fixture(scope="module")
def index():
    return WatchIndex.build(ROWS)


def _reasons(index, **subjects) -> set[tuple[int, str]]:
    return {(m.entry_id, m.reason) for m in index.match(Subjects(source="report:1", **subjects))}


@pytest.mark.parametrize("host", [
    "examp1e-corp-tax.com", "example-corp-refund.top", "refund-examplecorp.top", "example-corp.com.verify-tax.top",
    "examplecorp.net", "exarnple-corp.cn", "xn--exmple-corp-e4f.com",  # exаmple with a Cyrillic а (punycode)
    "exampel-corp.com", "examplecorps.top", "www.examp1e-c0rp.co.uk", "EXAMPLE-CORP.com.cn",
])
def test_lookalikes_of_a_watched_domain(index, host):
    found = index.match(Subjects(hosts={host}))
    assert [(m.entry_id, m.reason) for m in found if m.entry_id == 1] == [(1, "lookalike")], host
    assert found[0].subject.startswith("domain:") and found[0].detail["watched"] == "example-corp.com"


@pytest.mark.parametrize("host", ["example.com", "corp-example.org", "examplecorporation-news.com", "exam.com",
                                  "chinatax.gov.cn", "ibmx-tax.top.cn", "acme.cn", "tools-acme.cn"])
def test_what_is_not_a_lookalike(index, host):
    assert not [m for m in index.match(Subjects(hosts={host})) if m.entry_id in (1, 6)], host


def test_exact_matches_are_matches_not_lookalikes(index):
    assert _reasons(index, hosts={"www.example-corp.com"}) == {(1, "match"), (2, "mention")}  # the brand too
    assert _reasons(index, phones={"+8613812345678"}) == {(3, "match")}
    assert _reasons(index, companies={fold_name("某某科技 有限公司")}) == {(4, "match")}
    assert _reasons(index, hosts={"ibm-tax-refund.top"}) == {(7, "lookalike")}  # a 3-letter name, added words


def test_names_mentioned_in_a_text(index):
    text = "【通知】華為 is not 华为; Example-Corp 的财务部请联系 某某科技有限公司 办理"
    assert _reasons(index, text=text) == {(2, "mention"), (4, "mention"), (5, "mention")}
    assert _reasons(index, text="an example of a corp") == set()  # folded 'exampleofacorp' holds no 'examplecorp'


def test_windows_and_names():
    assert domain_name("examp1e-corp.com") == "examplecorp"
    assert "examplecorp" in host_windows("a.b.c.d.e.f.g.h.i.j.k.l.m.example-corp.com.evil.top")
    assert host_windows("x" * 63 + ".com") == ["x" * 63]


def test_each_entry_once_per_subject(index):
    found = index.match(Subjects(hosts={"examp1e-corp-tax.com", "a.examp1e-corp-tax.com"}, text="examplecorp x2 examplecorp"))
    keys = [(m.entry_id, m.reason, m.subject) for m in found]
    assert len(keys) == len(set(keys)) == 2


def test_a_hostile_set_of_names_costs_a_bounded_search(caplog):
    names = WatchIndex.build([(i, 1, "brand", "a" * (4 + i)) for i in range(290)] + [(999, 1, "brand", "abcd")])
    found = names.match(Subjects(text="a" * 50_000 + " abcd", source="r"))
    assert "cut short" in caplog.text and len(found) >= 1


def test_matching_is_linear_in_the_text():
    rows = [(i, 1, "brand", f"aaaa{i:05d}") for i in range(5000)] + [(9000 + i, 1, "brand", "a" * (4 + i))
                                                                    for i in range(200)]
    big = WatchIndex.build(rows + [(20000 + i, 2, "domain", f"brand{i}.com") for i in range(5000)])
    texts = adversarial_texts(20_000)
    smalls = adversarial_texts(5_000)
    for name in ["'a' x 20000 + ''", "'a.' x 10000 + ''", "'退税' x 10000 + ''"]:
        _, growth = work(lambda t: big.match(Subjects(text=t, source="r")), smalls[name.replace("20000", "5000")
                         .replace("10000", "2500")], texts[name], float("inf"), 8.0)
        assert growth < 8.0, f"{name}: work grew {growth:.1f}x for 4x the text"
