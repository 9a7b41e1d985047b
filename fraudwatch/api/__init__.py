"""The JSON API under /api/v1: reports, lookups, classification, officer triage.

Access is checked once per request (`before_request`): the bearer token, if any, becomes
`g.principal`. Each view declares its contract once with `operations.operation` (roles,
query and body models from `models.py`, answers from `answers.py`): that declaration
validates the request and is what `openapi.py` turns into the OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, request

from fraudwatch.infra.extensions import redis_store
from fraudwatch.web.auth import load_principal

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _identify() -> None:
    redis_store.ensure_started()
    if request.endpoint != "api.openapi":
        load_principal()


from fraudwatch.web.limits import add_headers  # noqa: E402

bp.after_request(add_headers)

from fraudwatch.api import (  # noqa: E402,F401
    appeals,
    campaigns,
    check,
    classify,
    imports,
    lookup,
    meta,
    officer,
    registry,
    reports,
    takedowns,
    vendor,
    watch,
)
