"""What clients send to the API: query and body models of every operation.

Declared once: the operations validate requests with these models and the OpenAPI document
is generated from them. Text limits come from `validation.TEXT_LIMITS`, id bounds from the
database column types, batch sizes from the app's `BATCH_LIMIT` (the validation context).
A batch item that does not match its model is not an error of the whole request: it is
answered with an `error` entry in its place (see `contract.check_items`)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from fraudwatch.indicators import INDICATOR_TYPES
from fraudwatch.services.actions import BULK_MAX, STATUS_ACTIONS
from fraudwatch.services.contract import NOT_BLANK, Body, ConfigMaxItems
from fraudwatch.services.queue_query import (  # noqa: F401 - the API document names them here
    INDICATOR_ID_MAX,
    LABELS,
    REPORT_ID_MAX,
    IndicatorId,
    OfficerName,
    ReportQuery,
)
from fraudwatch.services.validation import TEXT_LIMITS, text_field
from fraudwatch.storage.models import REPORT_STATUSES

ReportId = Annotated[int, Field(ge=1, le=REPORT_ID_MAX)]
Reason = Annotated[str, Field(min_length=1, max_length=TEXT_LIMITS["reason"], pattern=NOT_BLANK)]
IndicatorType = Literal[INDICATOR_TYPES]
PER_ITEM = "an item that is not valid is answered with an `error` entry in its place"
ITEM_ID_SCHEMA = {"anyOf": [{"type": "string", "maxLength": TEXT_LIMITS["item_id"]},
                            {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1}, {"type": "null"}],
                  "description": "yours, echoed in the answer"}


def item_id(value: object) -> object:
    """A batch item's id: a short string, a 64-bit integer or null (never a nested value)."""
    if value is None or (isinstance(value, str) and len(value) <= TEXT_LIMITS["item_id"]):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
        return value
    raise PydanticCustomError("item_id", "must be a string of at most {limit} characters, an integer or null",
                              {"limit": TEXT_LIMITS["item_id"]})


ItemId = Annotated[Any, BeforeValidator(item_id), WithJsonSchema(ITEM_ID_SCHEMA)]


def batch_of(item: Any) -> Any:
    """A list of 1 to BATCH_LIMIT items, each checked on its own."""
    return Annotated[list[item | Any], Field(min_length=1, description=PER_ITEM), ConfigMaxItems("BATCH_LIMIT")]


class LookupItem(Body):
    """One indicator to look up (also the query of GET /lookup)."""

    type: IndicatorType
    value: text_field("lookup_value", min_length=1)


class LookupBatch(Body):
    """Indicators to look up, answered in order."""

    items: batch_of(LookupItem)


class ClassifyItem(Body):
    """One text of a batch, with your id for it."""

    id: ItemId = None
    text: text_field("classify_text")


class ClassifyIn(Body):
    """One text, or a batch of items."""

    model_config = {"json_schema_extra": {"oneOf": [{"required": ["text"]}, {"required": ["items"]}]}}
    text: text_field("classify_text") = None  # type: ignore[assignment]
    items: batch_of(ClassifyItem) = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _one_of_text_or_items(self) -> ClassifyIn:
        if (self.text is None) == (self.items is None):
            raise PydanticCustomError("text_or_items", "send either text (a string) or items (a list), not both")
        return self


class StatusChangeIn(Body):
    """A new status and why."""

    status: Literal[REPORT_STATUSES]
    reason: Reason


class MergeIn(Body):
    """Reports to mark as duplicates of this one, and why."""

    report_ids: Annotated[list[ReportId], Field(min_length=1, max_length=100)]
    reason: Reason | None = None


class AssignIn(Body):
    """The officer to assign the report to (null: unassign), and why."""

    officer: OfficerName | None
    reason: Reason


class NoteIn(Body):
    """An officer's note on a report."""

    body: Annotated[str, Field(min_length=1, max_length=TEXT_LIMITS["note"], pattern=NOT_BLANK)]


class BulkStatusIn(Body):
    """One status action on a selection of reports (all or nothing), and why."""

    action: Literal[tuple(STATUS_ACTIONS)]
    report_ids: Annotated[list[ReportId], Field(min_length=1, max_length=BULK_MAX)]
    reason: Reason


class BulkAssignIn(Body):
    """Assign a selection of reports to an officer (null: unassign), all or nothing, and why."""

    officer: OfficerName | None
    report_ids: Annotated[list[ReportId], Field(min_length=1, max_length=BULK_MAX)]
    reason: Reason
