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
    assert doc["openapi"] == "3.1.0"
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/v1/", "/healthz", "/readyz")):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([a-z_]+)>", r"{\1}", rule.rule)
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


STATUSES = (400, 404, 405, 406, 408, 411, 413, 414, 415, 429, 431, 500, 503)


def test_every_status_flask_can_produce_is_the_json_error_document(app):
    """Whatever raises it (a view, Flask, werkzeug), an error under /api/ is the JSON document."""
    from werkzeug.exceptions import abort

    def fail(code: int):
        if code == 500:
            raise RuntimeError("boom")
        abort(code)

    app.add_url_rule("/api/v1/_fail/<int:code>", view_func=fail)
    client = app.test_client()
    for code in STATUSES:
        r = client.get(f"/api/v1/_fail/{code}")
        body = r.get_json()
        assert r.status_code == code and r.mimetype == "application/json", code
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, code
        assert body["error"]["code"] != "error" and body["error"]["message"], code
        assert r.headers["Cache-Control"] == "no-store", code
    assert client.get("/api/v1/_fail/500").get_json()["error"] == {
        "code": "internal_error", "message": "internal error; it has been logged", "fields": {}}


def test_werkzeugs_own_errors_are_json_too(app, client):
    declared = client.post("/api/v1/reports", data=b"{}", content_type="application/json",
                           environ_overrides={"CONTENT_LENGTH": str(app.config["MAX_CONTENT_LENGTH"] + 1)})
    assert declared.status_code == 413 and declared.get_json()["error"]["code"] == "body_too_large"
    parts = "".join(f'--x\r\nContent-Disposition: form-data; name="f{i}"\r\n\r\nv\r\n' for i in range(1100))
    many = client.post("/api/v1/reports", data=parts + "--x--\r\n", content_type="multipart/form-data; boundary=x")
    assert many.status_code == 413 and many.get_json()["error"]["code"] == "body_too_large"  # MAX_FORM_PARTS
    assert "larger than" not in many.get_json()["error"]["message"]
    broken = client.post("/api/v1/reports", data=b"--x\r\nContent-Disposition: form-data; name=\"url\"\r\n\r\nab",
                         content_type="multipart/form-data; boundary=x")
    assert broken.status_code == 400 and set(broken.get_json()["error"]) == {"code", "message", "fields"}
    for method, path in (("post", "/healthz"), ("put", "/readyz"), ("delete", "/api/v1/reports")):
        r = getattr(client, method)(path)
        assert r.status_code == 405 and r.get_json()["error"]["code"] == "method_not_allowed" and r.headers["Allow"]


def test_the_docs_page_serves_and_loads_only_local_files(client):
    from html.parser import HTMLParser

    class Refs(HTMLParser):
        def __init__(self):
            super().__init__()
            self.refs, self.inline = [], []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            self.refs += [attrs[k] for k in ("src", "href", "data-spec") if k in attrs]
            self._script = tag == "script" and "src" not in attrs

        def handle_data(self, data):
            if getattr(self, "_script", False) and data.strip():
                self.inline.append(data)

    r = client.get("/api/docs")
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    page = Refs()
    page.feed(r.get_data(as_text=True))
    assert page.inline == [] and len(page.refs) == 4
    for ref in page.refs:
        assert ref.startswith("/") and not ref.startswith("//"), ref  # this app, never a CDN
        assert client.get(ref).status_code == 200, ref
    assert "/static/vendor/swagger-ui-dist-5.35.0/swagger-ui-bundle.js" in page.refs
    license_text = client.get("/static/vendor/swagger-ui-dist-5.35.0/LICENSE").get_data(as_text=True)
    assert "Apache License" in license_text
    assert "validatorUrl: null" in client.get("/static/api-docs.js").get_data(as_text=True)
