"""POST /api/v1/appeals (anyone: the owner of a listed domain, phone, company... disputes it)
and GET /api/v1/appeals/<receipt> (its status, by the receipt number). Officers decide
appeals in the console (/console/appeals). Request and answer models live here with them."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from flask import request
from pydantic import Field

from fraudwatch.api import bp
from fraudwatch.api.operations import ok, operation
from fraudwatch.indicators import INDICATOR_TYPES
from fraudwatch.services import appeals
from fraudwatch.services.contract import Answer, Body
from fraudwatch.web.auth import current
from fraudwatch.web.limits import per_caller

L = appeals.APPEAL_LIMITS
RECEIPT_ROUTE = "/appeals/<string(minlength=1, maxlength=64):receipt>"


def _text(name: str, description: str):
    low, high = L[name]
    return Annotated[str, Field(min_length=low, max_length=high, description=description)]


class AppealIn(Body):
    """A dispute of a listing: what is listed, who the owner is, how to reach them, and why."""

    type: Literal[INDICATOR_TYPES]
    value: _text("value", "the listed value (normalised as a lookup does); a company name need not be listed")
    owner_name: _text("owner_name", "the owner (company or person) filing the appeal")
    contact_email: _text("contact_email", "where officers may reach the owner (never shown publicly)")
    contact_phone: _text("contact_phone", "optional") | None = None
    explanation: _text("explanation", "why the listing is wrong")


class AppealOut(Answer):
    """An appeal as its receipt holder sees it (never the contact details)."""

    receipt: Annotated[str, Field(pattern=appeals.RECEIPT.pattern, description="keep it to follow the appeal")]
    type: Literal[INDICATOR_TYPES]
    value: str
    status: Literal[appeals.STATUSES]
    listed: bool = Field(description="whether it is about a listed indicator (false: an unlisted company name)")
    created_at: datetime
    decided_at: datetime | None
    decision_note: str | None = Field(description="the officer's note, once decided")


@bp.post("/appeals")
@per_caller("APPEAL_LIMIT")
@operation("Appeal against a listing", body=AppealIn, form=True, errors=(409,), tags=("appeals",),
           responses={201: ok(AppealOut, "filed; lookups show the indicator `disputed` while it is open",
                              headers={"Location": {"required": True, "description": "the appeal's status",
                                                    "schema": {"type": "string"}}})},
           description="The value must name a listed indicator (confirmed or suspected, not delisted) or be a "
                       "company name; a value nothing lists is a 400 (`fields.value`), a second appeal while one "
                       "on the same indicator is open a 409. An officer accepts it (the indicator is delisted: "
                       "feeds drop it within a minute, lookups show `delisted`) or rejects it, with a note.")
def file_appeal(body: AppealIn):
    """Store an appeal and answer 201 with its receipt number."""
    principal = current()
    submitted_by = principal.name if principal.kind != "anonymous" else None
    answer = appeals.file_appeal(body.model_dump(exclude_none=True), submitted_by=submitted_by,
                                 address=request.remote_addr)
    return answer, 201, {"Location": f"/api/v1/appeals/{answer['receipt']}"}


@bp.get(RECEIPT_ROUTE)
@per_caller("ANON_LOOKUP_LIMIT")
@operation("An appeal's status by its receipt number", tags=("appeals",),
           responses={200: ok(AppealOut, "the appeal")},
           description="404 when no appeal has this receipt number (any case; spaces and dashes are ignored).")
def appeal_status(receipt: str):
    """The status of the appeal with this receipt number."""
    return appeals.status_of(receipt)
