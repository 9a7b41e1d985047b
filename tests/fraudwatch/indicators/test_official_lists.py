"""The official lists are read strictly (domains.csv: every domain well formed, listed
once, with a registry code and an https source), and an official domain borrowed by
another host makes a lookalike only as whole labels."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from fraudwatch.indicators.authorities import read_authorities
from fraudwatch.indicators.official import DATA_DIR, judge_host, load_official, read_domains


def test_every_domain_names_a_registry_authority():
    official = load_official()
    registry = read_authorities(DATA_DIR / "authorities.csv")
    assert set(official.domains.values()) <= set(registry)
    assert {a for a, _ in official.namespaces.values()} <= set(registry)
    assert set(official.hotlines.values()) <= set(registry)
    assert len(set(official.domains.values())) >= 55


@pytest.mark.parametrize("row, message", [
    (["irs..gov", "US-IRS", "", "https://www.irs.gov/"], "bad domain"),
    (["tax.example", "XX-NOPE", "", "https://x.example/"], "unknown authority code 'XX-NOPE'"),
    (["irs.gov", "US-IRS", "again", "https://www.irs.gov/"], "irs.gov listed twice"),
    (["tax.example", "US-IRS", "", "http://x.example/"], "needs an https:// source"),
])
def test_domains_loader_refuses_bad_rows_with_their_line(tmp_path: Path, row, message):
    data = tmp_path / "official"
    shutil.copytree(DATA_DIR, data)
    path = data / "domains.csv"
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(row)
    line = sum(1 for _ in path.open(encoding="utf-8"))
    with pytest.raises(ValueError) as err:
        load_official(str(data))
    assert f"domains.csv line {line}" in str(err.value) and message in str(err.value)
    with pytest.raises(ValueError):
        read_domains(path, read_authorities(data / "authorities.csv"))


@pytest.mark.parametrize("host, status, authority", [
    ("skat.dk", "official", "DK-SKAT"),
    ("www.belastingdienst.nl", "official", "NL-BD"),
    ("mytax.hasil.gov.my", "official", "MY-LHDN"),
    ("ivd.gib.gov.tr", "official", "TR-GIB"),
    ("www.skat.dk.refund-now.top", "lookalike", "DK-SKAT"),
    ("sii-cl.com", "lookalike", "CL-SII"),
    ("ato.gov.au.refund-claim.top", "lookalike", "AU-ATO"),
    ("irs-gov.com", "lookalike", "US-IRS"),
    ("chinatax-gov-cn.top", "lookalike", "CN-STA"),
    ("rosiesbakery.com", "unknown", None),  # r-o-s-i-e, not ros.ie
    ("aros.ie", "unknown", None),
    ("fantasii.cl", "unknown", None),
    ("silverofinance.com", "unknown", None),
    ("mingyuan-470-22158982.cn", "unknown", None),  # 470 is a number, not "ato" in digits
    ("4t0-refund.com", "lookalike", "AU-ATO"),  # digits among letters still are letters in disguise
])
def test_borrowed_official_domains_are_whole_labels(host, status, authority):
    judged = judge_host(host)
    assert (judged.status, judged.authority) == (status, authority)
