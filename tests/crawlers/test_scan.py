"""scan_url end to end against the farm: the `fraudwatch scan --json` contract."""
from __future__ import annotations

import json

import pytest

from crawlers.fetch import FetchConfig
from crawlers.scan import scan_url
from tests.crawlers.farm.fixtures import TEST_LIMITS

CONTRACT = {"url", "final_url", "http_status", "title", "verdict", "site_signals", "forms", "error"}


def _codes(result) -> set[str]:
    return {s["code"] for s in result["site_signals"]}


@pytest.mark.parametrize("host, label, must", [
    ("etax-chinatax.top", "scam", {"lookalike_domain", "credential_form_cross_domain"}),
    ("chinatax.gov.cn.refund-tax.top", "scam", {"authority_in_subdomain", "sensitive_form"}),
    ("fapiao-chayan.xyz", "scam", {"executable_download", "brand_on_unofficial"}),
    ("irs-refund-gov.com", "scam", {"lookalike_domain", "credential_form_cross_domain"}),
    ("hmrc-taxrefund.co.uk.verify-id.online", "scam", {"sensitive_form", "brand_on_unofficial"}),
    ("ird-gov-hk.top", "scam", {"credential_form_cross_domain"}),
    ("etax.beijing.chinatax.gov.cn", "legit", {"official_domain"}),
    ("www.taxinfo-guide.org", "unknown", {"brand_on_unofficial"}),
])
def test_farm_sites_get_the_expected_verdict(farm, farm_config, host, label, must):
    result = scan_url(farm.url(host), farm_config)
    assert set(result) >= CONTRACT
    assert result["error"] is None and result["http_status"] == 200
    assert must <= _codes(result), result["site_signals"]
    assert result["verdict"]["label"] == label
    assert result["verdict"]["basis"] == "site_signals" and "no classifier" in result["verdict"]["note"]
    json.dumps(result, ensure_ascii=False)  # the CLI prints it as is


def test_forms_are_reported_with_their_targets(farm, farm_config):
    result = scan_url(farm.url("etax-chinatax.top"), farm_config)
    (form,) = result["forms"]
    assert form == {"action": "http://collect.shuiwu-api.xyz/api/login.php", "method": "post",
                    "asks": ["id_number", "password", "otp"], "sensitive": ["id_number", "password", "otp"],
                    "cross_domain": True}
    assert result["title"].startswith("国家税务总局北京市电子税务局")
    assert len(result["content_hash"]) == 64 and result["favicon_hash"]


def test_the_favicon_is_fetched_and_hashed(farm, farm_config):
    result = scan_url(farm.url("irs-refund-gov.com"), farm_config)
    assert result["favicon_hash"] is None  # /favicon.ico is a 404 on the farm
    assert "/favicon.ico" in farm.seen.paths("irs-refund-gov.com")


def test_fetch_errors_are_reported_not_raised(farm):
    config = FetchConfig(allowed_ports=None, resolve=farm.resolve_specs(), **TEST_LIMITS)
    result = scan_url(farm.url("etax-chinatax.top"), config)  # default: 127.0.0.1 refused
    assert result["error"]["code"] == "blocked_address"
    assert result["http_status"] is None and result["forms"] == []
    assert "lookalike_domain" in _codes(result)  # the domain is still judged
    assert "could not be fetched" in result["verdict"]["note"]


def test_bad_url_is_an_error_result():
    result = scan_url("not a url at all", FetchConfig(**TEST_LIMITS))
    assert result["error"]["code"] in ("bad_scheme", "bad_url")


def test_a_classifier_gives_the_verdict_and_the_domain_corrects_it(farm, farm_config):
    calls = []

    def classifier(text: str) -> dict:
        calls.append(text)
        return {"label": "scam", "scam_score": 0.97, "model_version": "test"}

    official = scan_url(farm.url("etax.beijing.chinatax.gov.cn"), farm_config, classifier)
    assert official["verdict"]["label"] == "legit"
    assert official["verdict"]["overridden_by"] == "official_domain"
    fake = scan_url(farm.url("irs-refund-gov.com"), farm_config, classifier)
    assert fake["verdict"]["label"] == "scam" and fake["verdict"]["model_version"] == "test"
    assert fake["verdict"]["basis"] == "classifier+site_signals"
    assert "You are eligible" in calls[-1]


def test_a_failing_classifier_falls_back_to_signals(farm, farm_config):
    def broken(text: str) -> dict:
        raise RuntimeError("model file damaged")

    result = scan_url(farm.url("irs-refund-gov.com"), farm_config, broken)
    assert result["verdict"]["basis"] == "site_signals"
    assert "classifier failed" in result["verdict"]["note"]
