"""Health endpoints, the OpenAPI document, JSON errors for unknown routes and methods."""
from __future__ import annotations

import re

from tests.conftest import make_test_app


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz").get_json()
    assert ready == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


def test_readyz_reports_a_dead_redis_and_database(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path}", "redis://127.0.0.1:1/0", tmp_path / "i")  # a folder: not a database
    r = app.test_client().get("/readyz")
    assert r.status_code == 503
    checks = r.get_json()["checks"]
    assert checks["redis"].startswith("error") and checks["database"].startswith("error")


def test_openapi_lists_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)


def test_unknown_routes_and_methods_are_json(client):
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    r = client.delete("/api/v1/lookup")
    assert r.status_code == 405 and r.get_json()["error"]["code"] == "method_not_allowed"


def test_home_page_is_html(client):
    r = client.get("/")
    assert r.status_code == 200 and "fraudwatch" in r.get_data(as_text=True)
