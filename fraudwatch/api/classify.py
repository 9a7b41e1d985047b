"""POST /api/v1/classify: the classifier's verdict on one text or a batch of texts."""
from __future__ import annotations

from flask import current_app

from fraudwatch import model_registry
from fraudwatch.api import bp
from fraudwatch.api.body import read_body
from fraudwatch.api.limits import batch_cost, per_caller
from fraudwatch.errors import APIError
from fraudwatch.validation import require_object

MAX_TEXT = 100_000


def _texts(payload: dict) -> tuple[list, list[str], bool]:
    if "text" in payload and "items" in payload:
        raise APIError(400, "send either text or items", code="validation_failed")
    if "text" in payload:
        items, single = [{"id": None, "text": payload["text"]}], True
    else:
        items, single = payload.get("items"), False
    limit = current_app.config["BATCH_LIMIT"]
    if not isinstance(items, list) or not items:
        raise APIError(400, "text (a string) or items (a list) is required", code="validation_failed",
                       fields={"text": "required"})
    if len(items) > limit:
        raise APIError(400, f"at most {limit} items per batch", code="batch_too_large", fields={"items": f"at most {limit}"})
    fields, ids, texts = {}, [], []
    for n, item in enumerate(items):
        text = item.get("text") if isinstance(item, dict) else None
        if not isinstance(text, str):
            fields[f"items[{n}].text" if not single else "text"] = "must be a string"
        elif len(text) > MAX_TEXT:
            fields[f"items[{n}].text" if not single else "text"] = f"at most {MAX_TEXT} characters"
        ids.append(item.get("id") if isinstance(item, dict) else None)
        texts.append(text if isinstance(text, str) else "")
    if fields:
        raise APIError(400, "invalid texts", code="validation_failed", fields=dict(list(fields.items())[:50]))
    return ids, texts, single


@bp.post("/classify")
@per_caller("ANON_LOOKUP_LIMIT", cost=batch_cost)
def classify():
    """{"text": "..."} or {"items": [{"id", "text"}, ...]} (up to BATCH_LIMIT)."""
    payload = require_object(read_body(), {"text", "items"})
    ids, texts, single = _texts(payload)
    classifier = model_registry.get_classifier()
    if classifier is None:
        raise APIError(503, "no classifier model is installed yet; run `fraudwatch train`", code="no_model")
    verdicts = classifier.classify_many(texts)
    if single:
        return verdicts[0]
    return {"results": [{"id": i, **v} for i, v in zip(ids, verdicts)]}
