"""POST /api/v1/check: the public check box through the API (anyone; the anonymous lookup
rate limit per address): one pasted text recognised and judged as a vendor check of that one
field (fraudwatch/services/public_check.py). Nothing is stored."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from fraudwatch.api import bp
from fraudwatch.api.operations import ok, operation
from fraudwatch.api.vendor import VendorCheckOut
from fraudwatch.services import public_check
from fraudwatch.services.contract import NOT_BLANK, Body, bounded_text
from fraudwatch.web.limits import per_caller


class CheckIn(Body):
    """What the visitor received: a message, a link, a phone number, an e-mail address or a company name."""

    text: Annotated[bounded_text(public_check.MAX_CHARS, min_length=1,
                                 description="the pasted text (no control characters but line breaks and tabs)"),
                    Field(pattern=NOT_BLANK)]


class CheckOut(VendorCheckOut):
    """The vendor check's answer for the field the text was taken for."""

    checked_as: Literal["message_text", "url", "domain", "email", "phone", "company"]
    official: bool = Field(description="the text is an official channel of a tax authority (and nothing is known "
                                       "against it)")


@bp.post("/check")
@per_caller("ANON_LOOKUP_LIMIT")
@operation("Check a message, link, phone number or company name (anyone)", body=CheckIn, tags=("check",),
           responses={200: ok(CheckOut, "the verdict, what was found, what to do and the official channels")},
           description="What the text is is recognised first (one link, domain, e-mail address, phone or hotline "
                       "number, a company name ending in 公司/Ltd..., else a message: `checked_as`), then it is "
                       "judged as a vendor check of that one field. Nothing is stored. A blank text, or one with "
                       "control characters other than line breaks and tabs, is a 400.")
def check_view(body: CheckIn):
    """The public check box's answer as JSON."""
    return public_check.check(body.text)
