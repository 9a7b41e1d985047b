"""GET and POST /api/v1/lookup: the status of indicators, single or batch."""
from __future__ import annotations

from flask import current_app, request

from fraudwatch.api import bp
from fraudwatch.api.body import read_body
from fraudwatch.api.limits import batch_cost, claim_ride_along, per_caller
from fraudwatch.auth import current
from fraudwatch.errors import APIError
from fraudwatch.lookup import lookup_many
from fraudwatch.validation import require_object


@bp.get("/lookup")
@per_caller("ANON_LOOKUP_LIMIT", ride_along=True)
def lookup_one():
    """Look up one indicator given as ?type=&value=.

    The caller's rate-limit hit rides along with the cache read (one Redis round trip for
    a cached answer). Batches are limited before anything else: normalising 1,000 items
    for a caller who is over the limit would be work for nothing."""
    kind, value = request.args.get("type"), request.args.get("value")
    missing = {k: "required" for k, v in (("type", kind), ("value", value)) if not v}
    if missing:
        raise APIError(400, "type and value are required", code="validation_failed", fields=missing)
    answer = lookup_many([(kind, value)], officer=current().is_officer, ride_along=claim_ride_along())[0]
    if "error" in answer:
        raise APIError(400, answer["error"]["message"], code="validation_failed", fields={"value": answer["error"]["message"]})
    return answer


@bp.post("/lookup")
@per_caller("ANON_LOOKUP_LIMIT", cost=batch_cost)
def lookup_batch():
    """Look up up to BATCH_LIMIT indicators: {"items": [{"type", "value"}, ...]}."""
    payload = require_object(read_body(), {"items"})
    items = payload.get("items")
    limit = current_app.config["BATCH_LIMIT"]
    if not isinstance(items, list) or not items:
        raise APIError(400, "items must be a non-empty list", code="validation_failed", fields={"items": "required"})
    if len(items) > limit:
        raise APIError(400, f"at most {limit} items per batch (got {len(items)})", code="batch_too_large",
                       fields={"items": f"at most {limit}"})
    pairs = [(i.get("type"), i.get("value")) if isinstance(i, dict) else (None, None) for i in items]
    return {"results": lookup_many(pairs, officer=current().is_officer)}
