"""POST /api/v1/vendor-check: the enterprise vendor check (fraudwatch.services.vendor_check),
with its request and answer models."""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from fraudwatch.api import bp
from fraudwatch.api.answers import LookupAnswer, VerdictSummary
from fraudwatch.api.operations import ok, operation
from fraudwatch.services import vendor_check
from fraudwatch.services.contract import NOT_BLANK, Answer, Body, bounded_text
from fraudwatch.services.validation import drop_control, text_field
from fraudwatch.web.auth import current
from fraudwatch.web.limits import per_caller

ROLES = ("enterprise", "officer", "admin")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
RULES = ("`high_risk`: an indicator is confirmed fraud, or the message is a scam with a scam score >= "
         f"{vendor_check.HIGH_SCORE}, or caution-level findings are about two or more different things (a domain "
         "and an e-mail address or link on it count as one, as does a phone given and written in the message); "
         "`caution`: an indicator is suspected (reported, listed by a feed, a lookalike of an official domain), "
         "or the message is a scam or asks for a fee (`fee_demand`); otherwise `no_known_risk`, which means "
         "nothing in fraudwatch's records matches (see `checked`), not that the vendor is safe.")


def _no_control(text: str) -> str:
    if _CONTROL.search(text):
        raise PydanticCustomError("control_character", "must not contain control characters")
    if not text.strip():
        raise PydanticCustomError("blank", "must not be blank")
    return text.strip()


def _uscc(text: str) -> str:
    code = _no_control(text).upper()
    problem = vendor_check.uscc_error(code)
    if problem:
        raise PydanticCustomError("uscc", problem)
    return code


def short(field: str, description: str):
    """A one-line field bounded by its text limit: no control characters, not blank."""
    return Annotated[text_field(field, min_length=1, description=description), Field(pattern=NOT_BLANK),
                     AfterValidator(_no_control)]


USCC = Annotated[bounded_text(18, min_length=18, description="unified social credit code (统一社会信用代码), "
                              "18 characters (case ignored); its check character is validated (GB 32100-2015)"),
                 Field(pattern="^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$"), AfterValidator(_uscc)]


BANK = "the account the vendor asks to be paid to; a 16-19 digit card number is Luhn-checked, others have no checksum"
MessageText = Annotated[text_field("message_text", min_length=1, description="what the vendor sent (control "
                                   "characters dropped)"), Field(pattern=NOT_BLANK), AfterValidator(drop_control)]


class VendorCheckIn(Body):
    """What is known about the vendor: at least one field."""

    model_config = {"json_schema_extra": {"minProperties": 1}}
    company: short("company", "the vendor's company name") = None  # type: ignore[assignment]
    uscc: USCC = None  # type: ignore[assignment]
    domain: short("domain", "the vendor's domain") = None  # type: ignore[assignment]
    url: short("url", "a link the vendor sent") = None  # type: ignore[assignment]
    phone: short("phone", "the vendor's phone number") = None  # type: ignore[assignment]
    email: short("email", "the vendor's e-mail address") = None  # type: ignore[assignment]
    bank_account: short("bank_account", BANK) = None  # type: ignore[assignment]
    message_text: MessageText = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _at_least_one(self) -> VendorCheckIn:
        if not any(value for value in self.model_dump().values()):
            raise PydanticCustomError("empty_check", "give at least one field: " + ", ".join(type(self).model_fields))
        return self


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
