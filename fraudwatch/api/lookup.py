"""GET and POST /api/v1/lookup: the status of indicators, single or batch."""
from __future__ import annotations

from flask import current_app

from fraudwatch.api import bp
from fraudwatch.api.answers import LookupAnswer, LookupResults
from fraudwatch.api.models import LookupBatch, LookupItem
from fraudwatch.api.operations import ok, operation
from fraudwatch.exceptions import Invalid
from fraudwatch.services.contract import check_items
from fraudwatch.services.lookup import item_error, lookup_many
from fraudwatch.web.auth import current
from fraudwatch.web.limits import batch_cost, claim_ride_along, per_caller


@bp.get("/lookup")
@per_caller("ANON_LOOKUP_LIMIT", ride_along=True)
@operation("Look up one indicator", query=LookupItem, responses={200: ok(LookupAnswer, "what is known about it")},
           description="A value that is not a valid URL, domain, phone number... of its type is a 400.",
           tags=("lookup",))
def lookup_one(query: LookupItem):
    """Look up one indicator given as ?type=&value=.

    The caller's rate-limit hit rides along with the cache read (one Redis round trip for
    a cached answer). Batches are limited before anything else: normalising 1,000 items
    for a caller who is over the limit would be work for nothing."""
    answer = lookup_many([(query.type, query.value)], officer=current().is_officer, ride_along=claim_ride_along())[0]
    if "error" in answer:
        raise Invalid(answer["error"]["message"], fields={"value": answer["error"]["message"]})
    return answer


@bp.post("/lookup")
@per_caller("ANON_LOOKUP_LIMIT", cost=batch_cost)
@operation("Look up a batch of indicators", body=LookupBatch,
           responses={200: ok(LookupResults, "answers in the order of the items")},
           description="Up to BATCH_LIMIT items; an invalid item gets an `error` entry in its place.",
           tags=("lookup",))
def lookup_batch(body: LookupBatch):
    """Look up up to BATCH_LIMIT indicators: {"items": [{"type", "value"}, ...]}."""
    checked = check_items(LookupItem, body.items, context=current_app.config)
    pairs = [(item.type, item.value) for item in checked if isinstance(item, LookupItem)]
    answers = iter(lookup_many(pairs, officer=current().is_officer))
    return {"results": [next(answers) if isinstance(item, LookupItem) else item_error(raw, item)
                        for raw, item in zip(body.items, checked)]}
