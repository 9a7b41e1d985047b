"""Every public route (whatever module adds it) answers hostile addresses, query strings and
bodies with a page or a clear 4xx: never a 500, never the payload unescaped, never a cookie."""
from __future__ import annotations

import re

import pytest

PAYLOAD = '<script>alert(1)</script>"><svg onload=alert(2)>'
VALUES = [PAYLOAD, "../../etc/passwd", "x" * 3000, "%00", "\u202e\u0000", "-1", "99999999999999999999999999",
          "1e309", "NaN", "' OR 1=1 --", "０１２", "𝟙𝟚"]
QUERIES = ["lang=" + PAYLOAD, "lang=en&lang=zh", "before=" + PAYLOAD, "before=-1", "before=1e99", "page=-5",
           "x=" + "y" * 5000, "lang=%ff%fe", "receipt=" + PAYLOAD]


def _public_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("public.")]


def _paths(rule) -> list[str]:
    if not rule.arguments:
        return [rule.rule]
    paths = []
    for value in VALUES:
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(r"<(?:[^:<>]+:)?" + name + ">", value.replace("/", "%2F"), path)
        paths.append(path)
    return paths


def _check(answer, where: str) -> None:
    assert answer.status_code < 500, (where, answer.status_code)
    body = answer.get_data(as_text=True)
    assert "<script>alert(1)" not in body and "<svg onload" not in body, where
    assert "Set-Cookie" not in answer.headers, where


@pytest.fixture
def client(app):
    app.config["PUBLIC_CACHE_SECONDS"] = 0
    return app.test_client()


def test_hostile_addresses_and_queries_on_every_public_get_route(app, client):
    rules = [rule for rule in _public_rules(app) if "GET" in rule.methods]
    assert len(rules) >= 8  # home, robots, sitemap, patterns, advisories, feeds... (the test covers new ones too)
    for rule in rules:
        for path in _paths(rule):
            _check(client.get(path), path)
            for query in QUERIES:
                _check(client.get(f"{path}?{query}"), f"{path}?{query}")


@pytest.mark.parametrize("body, kind", [
    (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"), (b"text=" + b"A" * 2_000_000, "application/x-www-form-urlencoded"),
    (PAYLOAD.encode(), "text/plain"), (b'{"text": 1}', "application/json"),
    (b"--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n" + PAYLOAD.encode() + b"\r\n--x--\r\n",
     "multipart/form-data; boundary=x"),
])
def test_hostile_bodies_on_every_public_post_route(app, client, body, kind):
    rules = [rule for rule in _public_rules(app) if "POST" in rule.methods]
    assert rules
    for rule in rules:
        for path in _paths(rule)[:2]:
            _check(client.post(path, data=body, content_type=kind), f"POST {path}")
