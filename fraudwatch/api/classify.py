"""POST /api/v1/classify: the classifier's verdict on one text or a batch of texts."""
from __future__ import annotations

from flask import current_app
from pydantic_core import PydanticCustomError

from fraudwatch.api import bp
from fraudwatch.api.answers import ClassifyResults, Verdict
from fraudwatch.api.models import ClassifyIn, ClassifyItem, item_id
from fraudwatch.api.operations import ok, operation
from fraudwatch.exceptions import Unavailable
from fraudwatch.services import model_registry
from fraudwatch.services.contract import check_items
from fraudwatch.web.limits import batch_cost, per_caller


def _id_of(item: object) -> object:
    """The id to echo for an invalid item: its id when that id is valid, else null."""
    try:
        return item_id(item.get("id")) if isinstance(item, dict) else None
    except PydanticCustomError:
        return None


@bp.post("/classify")
@per_caller("ANON_LOOKUP_LIMIT", cost=batch_cost)
@operation("Classify one text or a batch", body=ClassifyIn, tags=("classify",),
           responses={200: ok(Verdict | ClassifyResults, "the verdict, or verdicts in the order of the items")},
           description="`{\"text\"}` answers one verdict; `{\"items\"}` (up to BATCH_LIMIT) answers `results` "
                       "in order, an invalid item getting an `error` entry in its place. 503 when no model is "
                       "installed.")
def classify(body: ClassifyIn):
    """{"text": "..."} or {"items": [{"id", "text"}, ...]} (up to BATCH_LIMIT)."""
    classifier = model_registry.get_classifier()
    if classifier is None:
        raise Unavailable("no classifier model is installed yet; run `fraudwatch train`", code="no_model")
    if body.text is not None:
        return classifier.classify_many([body.text])[0]
    checked = check_items(ClassifyItem, body.items, context=current_app.config)
    valid = [item for item in checked if isinstance(item, ClassifyItem)]
    verdicts = iter(classifier.classify_many([item.text for item in valid]) if valid else ())
    return {"results": [{"id": item.id, **next(verdicts)} if isinstance(item, ClassifyItem)
                        else {"id": _id_of(raw), "error": item} for raw, item in zip(body.items, checked)]}
