"""The public check box: one pasted thing (a message, a link, a phone number, an e-mail address
or a company name) judged in plain words.

What was pasted is recognised first (`recognise`), then judged exactly as a vendor check of
that one field (fraudwatch.services.vendor_check: the lookup service and the classifier), so
the public and enterprises get the same verdicts. Nothing is stored: a check is not a report
(the site's report form is for that)."""
from __future__ import annotations

import re
import unicodedata

from flask import current_app

from fraudwatch.exceptions import Invalid
from fraudwatch.indicators import indicators_in_text
from fraudwatch.services.vendor_check import check_vendor

MAX_CHARS = 5000
# a bare phone number: digits with the separators people type (+86 138-0013-8000, (010) 1234 5678)
_PHONE = re.compile(r"\+?[\d\s().\-]{3,24}")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_EMAIL = re.compile(r"[^\s@]{1,64}@[^\s@]{1,255}")
_COMPANY_ENDINGS = ("公司", "有限公司", "集团", "事务所", "中心", "Ltd", "Ltd.", "Limited", "Inc", "Inc.", "LLC",
                    "Co.", "GmbH", "Corp", "Corp.")


def recognise(text: str) -> tuple[str, str]:
    """(vendor-check field, value) for what was pasted: a lone link, phone number or e-mail
    address, a company name, else a message."""
    value = unicodedata.normalize("NFKC", text).strip()
    if not _HAN.search(value) and not any(c.isspace() for c in value):  # one token, no Chinese words
        kinds = {item.type for item in indicators_in_text(value, current_app.config["PHONE_REGION"])}
        if kinds == {"email"}:
            return "email", value
        if "url" in kinds:  # a bare host name is found as its URL and its domain
            return ("url" if "/" in value or ":" in value else "domain"), value
    if _PHONE.fullmatch(value) and sum(c.isdigit() for c in value) >= 3:  # 12366 and 95xxx hotlines too
        return "phone", value
    if _EMAIL.fullmatch(value):
        return "email", value
    if len(value) <= 60 and "\n" not in value and value.endswith(_COMPANY_ENDINGS) and not re.search(r"\d{5}", value):
        return "company", value
    return "message_text", text.strip()


def check(text: object) -> dict:
    """The verdict on a pasted text: `checked_as` (the field it was taken for) and the vendor
    check's verdict, reasons, checks, advice and official channels."""
    if not isinstance(text, str) or not text.strip():
        raise Invalid("nothing to check", fields={"text": "paste a message, a link, a phone number or a company name"},
                      reason="blank")
    if len(text) > MAX_CHARS:
        raise Invalid("too long", fields={"text": f"at most {MAX_CHARS} characters"}, reason="too_long")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in text):
        raise Invalid("control characters", fields={"text": "must not contain control characters"}, reason="control")
    field, value = recognise(text)
    try:
        answer = check_vendor({field: value})
    except Invalid:
        if field == "message_text":
            raise
        field, value = "message_text", text.strip()  # not a valid link/phone after all: judge it as text
        answer = check_vendor({field: value})
    official = answer["verdict"] == "no_known_risk" and any(r["finding"] == "official_contact"
                                                             for r in answer["reasons"])
    return {"checked_as": field, "official": official, **answer}
