"""Government namespaces (data/official/namespaces.csv): every host under gov.au, gov.uk,
.gov, govt.nz, gov.sg, gov.hk, gov.in, go.jp, gov.br is official, with the tax authority's
code where domains.csv names the host and the government's generic code otherwise; their
lookalikes are not official."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from fraudwatch.indicators.official import DATA_DIR, judge_host, load_official, match_namespace


@pytest.mark.parametrize("host, authority", [
    ("australia.gov.au", "AU-GOV"),
    ("www.servicesaustralia.gov.au", "AU-GOV"),
    ("www.ato.gov.au", "AU-ATO"),          # domains.csv is more precise than the namespace
    ("www.gov.uk", "UK-GOV"),
    ("www.tax.service.gov.uk", "UK-HMRC"),
    ("www.usa.gov", "US-GOV"),
    ("www.ssa.gov", "US-GOV"),
    ("www.ftb.ca.gov", "US-CA-FTB"),       # a state tax board named in domains.csv
    ("sa.www4.irs.gov", "US-IRS"),
    ("www.dia.govt.nz", "NZ-GOV"),
    ("www.ird.govt.nz", "NZ-IRD"),
    ("www.mom.gov.sg", "SG-GOV"),
    ("www.gov.hk", "HK-GOV"),
    ("www.india.gov.in", "IN-GOV"),
    ("www.digital.go.jp", "JP-GOV"),
    ("www.e-tax.nta.go.jp", "JP-NTA"),
    ("www.gov.br", "BR-GOV"),
    ("https://AUSTRALIA.GOV.AU./about", "AU-GOV"),  # URL, capitals, trailing dot
])
def test_hosts_under_a_government_namespace_are_official(host, authority):
    judged = judge_host(host)
    assert (judged.status, judged.authority) == ("official", authority), judged


@pytest.mark.parametrize("host", [
    "gov-uk.com", "gov.uk.example.top", "www.gov.uk.verify-id.online", "australia-gov.au.top",
    "australiagov.au", "mygov-au.com", "usa-gov.us", "gov.us", "gov.com", "irs.gov.refund.top",
    "www.gov.au@evil.top", "https://australia.gov.au@login.evil.top/", "go.jp.evil.top",
    "gov.sg.example", "mom-gov.sg", "gouv.fr.example.com",
    "gov.au", "gov", "go.jp",  # the namespace itself is no registered name
])
def test_lookalikes_of_namespaces_are_not_official(host):
    assert judge_host(host).status != "official", judge_host(host)


def test_every_namespace_row_names_a_source_and_a_generic_code():
    with (DATA_DIR / "namespaces.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 9
    for row in rows:
        assert row["kind"] in {"namespace", "exception"}
        assert row["source"].startswith(("https://", "http://")), row
        if row["kind"] == "namespace":
            assert row["authority"].endswith("-GOV") and row["government"], row


def test_a_user_content_host_listed_as_an_exception_is_not_official(tmp_path: Path):
    data = tmp_path / "official"
    shutil.copytree(DATA_DIR, data)
    with (data / "namespaces.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(["pages.example.gov.au", "exception", "", "",
                                 "anyone's pages (an example, not a real host)", "https://example.invalid/"])
    official = load_official(str(data))
    assert match_namespace("pages.example.gov.au", official) is None
    assert match_namespace("someone.pages.example.gov.au", official) is None
    assert match_namespace("www.example.gov.au", official)[:2] == ("gov.au", "AU-GOV")


def test_match_namespace_compares_whole_labels():
    assert match_namespace("a.b.gov.au") == ("gov.au", "AU-GOV", match_namespace("x.gov.au")[2])
    assert match_namespace("xgov.au") is None and match_namespace("gov.au") is None


@pytest.mark.parametrize("kind, value, authority", [
    ("domain", "australia.gov.au", "AU-GOV"),
    ("url", "https://www.digital.go.jp/policies", "JP-GOV"),
    ("email", "enquiries@dia.govt.nz", "NZ-GOV"),
])
def test_lookups_answer_official_for_a_namespace_in_the_existing_contract(client, kind, value, authority):
    r = client.get("/api/v1/lookup", query_string={"type": kind, "value": value})
    assert r.status_code == 200, r.get_json()
    answer = r.get_json()
    assert (answer["status"], answer["authority"], answer["risk_score"]) == ("official", authority, 0.0)
    assert answer["evidence"][0]["kind"] == "official_list" and "namespace" in answer["evidence"][0]["detail"]


def test_lookups_of_a_namespace_lookalike_are_not_official(client):
    r = client.get("/api/v1/lookup", query_string={"type": "domain", "value": "gov-uk.com"})
    assert r.status_code == 200 and r.get_json()["status"] != "official"
