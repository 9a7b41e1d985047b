"""`fraudwatch scan` and `fraudwatch lookalikes`: JSON contract, never a traceback."""
from __future__ import annotations

import json

import pytest

from tests.conftest import cleanup_redis, make_test_app

CONTRACT = {"url", "final_url", "http_status", "title", "verdict", "site_signals", "forms", "error"}


@pytest.fixture
def cli(redis_url, tmp_path):
    """The CLI of an app without a model (scan never touches the database)."""
    app = make_test_app(f"sqlite:///{tmp_path / 'fw.db'}", redis_url, tmp_path / "instance")
    yield app.test_cli_runner()
    cleanup_redis(app)


def _farm_args(farm, *hosts):
    args = ["--allow-network", "127.0.0.0/8", "--any-port", "--timeout", "3", "--delay", "0"]
    for h in hosts:
        args += ["--resolve", f"{h}:{farm.port}:127.0.0.1"]
    return args


def test_scan_json_of_a_fake_refund_page(cli, farm):
    host = "chinatax.gov.cn.refund-tax.top"
    result = cli.invoke(args=["scan", "--json", *_farm_args(farm, host), farm.url(host)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= CONTRACT and data["error"] is None
    assert data["verdict"]["label"] == "scam" and data["verdict"]["basis"] == "site_signals"
    assert "no classifier" in data["verdict"]["note"]  # no model in the test instance
    assert data["forms"][0]["sensitive"]


def test_scan_default_config_refuses_the_farm(cli, farm):
    host = "etax-chinatax.top"
    result = cli.invoke(args=["scan", "--json", "--any-port", "--resolve", f"{host}:*:127.0.0.1",
                              farm.url(host)])
    data = json.loads(result.output)
    assert data["error"]["code"] == "blocked_address" and "Traceback" not in result.output


@pytest.mark.parametrize("args, code", [
    (["--allow-network", "not-a-cidr"], "bad_option"),
    (["--resolve", "missing-parts"], "bad_option"),
])
def test_scan_bad_options_are_json_errors(cli, args, code):
    result = cli.invoke(args=["scan", "--json", *args, "http://example.com/"])
    assert result.exit_code == 2
    assert json.loads(result.output)["error"]["code"] == code


def test_scan_odd_input_is_an_error_result(cli):
    for url in ("gopher://x/", "http://[::1", "\x00"):
        result = cli.invoke(args=["scan", "--json", url])
        assert json.loads(result.output)["error"]["code"] in ("bad_scheme", "bad_url")


def test_scan_human_output(cli, farm):
    host = "irs-refund-gov.com"
    result = cli.invoke(args=["scan", *_farm_args(farm, host), farm.url(host)])
    assert "verdict:  scam" in result.output and "lookalike_domain" in result.output


def test_lookalikes_with_a_static_resolver(cli):
    result = cli.invoke(args=["lookalikes", "chinatax.gov.cn", "--dns", "--no-system-dns", "--json",
                              "--resolve", "etax-chinatax.top:*:203.0.113.9"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows == [{"domain": "etax-chinatax.top", "display": "etax-chinatax.top",
                     "fuzzer": "brand-word", "base": "chinatax.gov.cn", "addresses": ["203.0.113.9"]}]


def test_lookalikes_listing(cli):
    result = cli.invoke(args=["lookalikes", "irs.gov", "--fuzzer", "omission"])
    assert result.exit_code == 0 and "omission" in result.output and "rs.gov" in result.output
