"""GET /api/v1/openapi.json."""
from __future__ import annotations

from fraudwatch.api import bp
from fraudwatch.api.openapi import document


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document."""
    return document()
