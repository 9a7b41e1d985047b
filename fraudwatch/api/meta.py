"""GET /api/v1/openapi.json (the generated document), the documentation of /healthz and
/readyz, and GET /api/docs: the document for people (Swagger UI, vendored under
static/vendor/ and served by the app itself; its start-up script is a static file, as the
page's Content-Security-Policy forbids inline scripts)."""
from __future__ import annotations

from flask import Response, current_app, url_for

from fraudwatch.api import bp
from fraudwatch.api.answers import Health, Readiness
from fraudwatch.api.openapi import document
from fraudwatch.api.operations import describe, ok, operation
from fraudwatch.web import health

describe(health.healthz, "The process is up", tags=("health",), responses={200: ok(Health, "up")})
describe(health.readyz, "Database and Redis answer", tags=("health",),
         responses={200: ok(Readiness, "ready"), 503: ok(Readiness, "not ready: the failing part is named")})


@bp.get("/openapi.json")
@operation("This document", tags=("meta",), responses={200: ok(None, "the OpenAPI 3.1 document")})
def openapi():
    """The OpenAPI 3.1 document, generated from the operations and this app's configuration."""
    return document(current_app)


SWAGGER_UI = "vendor/swagger-ui-dist-5.35.0"
DOCS_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>fraudwatch API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{css}"></head>
<body><div id="api-docs" data-spec="{spec}"></div>
<script src="{bundle}"></script>
<script src="{init}"></script></body>
</html>
"""


def docs():
    """GET /api/docs: the API reference for people (a page, not itself an API operation)."""
    page = DOCS_PAGE.format(css=url_for("static", filename=f"{SWAGGER_UI}/swagger-ui.css"),
                            bundle=url_for("static", filename=f"{SWAGGER_UI}/swagger-ui-bundle.js"),
                            init=url_for("static", filename="api-docs.js"), spec=url_for("api.openapi"))
    return Response(page, mimetype="text/html")


bp.record_once(lambda state: state.app.add_url_rule("/api/docs", "api_docs", docs, methods=["GET"]))
