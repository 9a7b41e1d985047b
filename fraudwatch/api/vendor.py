"""POST /api/v1/vendor-check: the enterprise vendor check (fraudwatch.services.vendor_check),
with its request and answer models."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from fraudwatch.api import bp
from fraudwatch.api.answers import LookupAnswer, VerdictSummary
from fraudwatch.api.operations import ok, operation
from fraudwatch.services import vendor_check
from fraudwatch.services.contract import Answer
from fraudwatch.services.vendor_request import VendorCheckIn
from fraudwatch.web.auth import current
from fraudwatch.web.limits import per_caller

ROLES = ("enterprise", "officer", "admin")
RULES = ("`high_risk`: an indicator is confirmed fraud, or the message is a scam with a scam score >= "
         f"{vendor_check.HIGH_SCORE}, or caution-level findings are about two or more different things (a domain "
         "and an e-mail address or link on it count as one, as does a phone given and written in the message); "
         "`caution`: an indicator is suspected (reported, listed by a feed, a lookalike of an official domain), "
         "or the message is a scam or asks for a fee (`fee_demand`); otherwise `no_known_risk`, which means "
         "nothing in fraudwatch's records matches (see `checked`), not that the vendor is safe.")


Level = Literal[vendor_check.LEVELS]


class MessageVerdict(VerdictSummary):
    """The classifier's verdict on the message, with the names of the signals found in it."""

    signals: list[str]


class VendorReason(Answer):
    """One finding about one field (`message_text` findings include indicators written in it)."""

    field: str
    level: Level
    finding: str = Field(description="confirmed_fraud, reported, suspected, lookalike_of_official_domain, "
                                     "official_contact, classified_<label>, checksum_<result>")
    detail: str
    lookup: LookupAnswer = Field(None, description="the lookup answer behind it")  # type: ignore[assignment]
    classifier: MessageVerdict = Field(None, description="`message_text`")  # type: ignore[assignment]


class Checked(Answer):
    """What was checked for one field, and how it came out."""

    field: str
    value: str = None  # type: ignore[assignment]
    status: str = None  # type: ignore[assignment]
    checks: list[str]


class Advice(Answer):
    """What to do, in Chinese and English."""

    zh: list[str]
    en: list[str]


class OfficialChannels(Answer):
    """How to reach the authority the vendor poses as (CN-STA when none), from the data."""

    authority: str
    name_zh: str | None
    name_en: str | None
    hotlines: list[str]
    domains: list[str]


class VendorCheckOut(Answer):
    """One overall verdict, the reasons, what was checked and advice."""

    verdict: Literal["high_risk", "caution", "no_known_risk"]
    reasons: list[VendorReason]
    checked: list[Checked]
    advice: Advice
    official_channels: OfficialChannels


@bp.post("/vendor-check")
@per_caller("ANON_LOOKUP_LIMIT")
@operation("Check a vendor (enterprises, officers)", body=VendorCheckIn, roles=ROLES, tags=("vendor",),
           responses={200: ok(VendorCheckOut, "the verdict with reasons, checks and advice")},
           description="Looks up each field (reports, confirmed fraud, lookalikes of official tax domains, "
                       "official contacts) and classifies the message (and looks up the links, phones and "
                       "e-mails in it); nothing is stored. " + RULES + " A USCC with a wrong check character, or "
                       "a domain, URL, phone or e-mail that is not valid, is a 400 naming the field.")
def vendor_check_view(body: VendorCheckIn):
    """One verdict on a vendor."""
    fields = body.model_dump(exclude_none=True)
    return vendor_check.check_vendor(fields, officer=current().is_officer)
