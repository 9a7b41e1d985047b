"""The vendor check's request: what an enterprise knows about a vendor, each field bounded and
validated (no control characters, not blank, a USCC with a valid check character), at least
one given. One contract for the API (POST /api/v1/vendor-check, its OpenAPI document) and the
console's vendor-check form."""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from fraudwatch.services import vendor_check
from fraudwatch.services.contract import NOT_BLANK, Body, bounded_text
from fraudwatch.services.validation import drop_control, text_field

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


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
