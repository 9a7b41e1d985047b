"""GET /api/v1/openapi.json (the generated document) and the documentation of /healthz, /readyz."""
from __future__ import annotations

from flask import current_app

from fraudwatch import health
from fraudwatch.api import bp
from fraudwatch.api.answers import Health, Readiness
from fraudwatch.api.openapi import document
from fraudwatch.api.operations import describe, ok, operation

describe(health.healthz, "The process is up", tags=("health",), responses={200: ok(Health, "up")})
describe(health.readyz, "Database and Redis answer", tags=("health",),
         responses={200: ok(Readiness, "ready"), 503: ok(Readiness, "not ready: the failing part is named")})


@bp.get("/openapi.json")
@operation("This document", tags=("meta",), responses={200: ok(None, "the OpenAPI 3.1 document")})
def openapi():
    """The OpenAPI 3.1 document, generated from the operations and this app's configuration."""
    return document(current_app)
