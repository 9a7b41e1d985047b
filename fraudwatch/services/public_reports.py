"""Reports from the public site's form: the form's fields per channel turned into a report
(services/reporting.store_report, source `public`, its job on the live queue), stored with a
receipt number, the region (chosen, else read off a mainland phone number) and the screenshot;
and what a receipt number may show: the report's status in plain terms, never who sent it.

A receipt number is "FW-" and 16 base32 characters from `secrets` (80 random bits): a
receipt cannot be guessed from another one, so a status page shows nothing to anyone who was
not given the number."""
from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from fraudwatch.exceptions import Invalid
from fraudwatch.infra.extensions import db
from fraudwatch.services.regions import PROVINCES, region_of_phone
from fraudwatch.services.reporting import store_report
from fraudwatch.services.screenshots import Screenshot
from fraudwatch.services.validation import CONTENT_FIELDS, validate_report
from fraudwatch.storage import attachments as store
from fraudwatch.storage.models import Report

SOURCE = "public"
RECEIPT = re.compile(r"FW-[A-Z2-7]{16}")
# the form's fields for each channel (the report's channel code -> field names), in order
CHANNEL_FIELDS: dict[str, tuple[str, ...]] = {
    "sms": ("sender_phone", "message"),
    "email": ("sender_email", "subject", "message"),
    "phone_call": ("caller_phone", "message"),
    "web": ("site_url", "message"),
    "im": ("app", "account", "message"),
}
COMMON_FIELDS = ("details", "region", "contact")
FIELD_LIMITS = {"sender_phone": 64, "caller_phone": 64, "sender_email": 320, "subject": 300, "message": 20_000,
                "site_url": 2048, "app": 60, "account": 200, "details": 4000, "region": 8, "contact": 300}
# a report field's error shown at the form field it came from
_FORM_FIELD = {"message_text": "message", "description": "details", "reporter_contact": "contact",
               "url": "site_url", "domain": "site_url", "email": "sender_email"}
STATES = ("received", "reviewing", "needs_info", "confirmed", "dismissed")
_STATE_OF = {"new": "received", "triaging": "reviewing", "needs_info": "needs_info", "confirmed": "confirmed",
             "dismissed": "dismissed"}


def form_fields(channel: str) -> tuple[str, ...]:
    """Every field of the form of a channel (KeyError for an unknown channel)."""
    return CHANNEL_FIELDS[channel] + COMMON_FIELDS


def new_receipt() -> str:
    """A fresh receipt number: FW- and 16 base32 characters (80 random bits)."""
    return "FW-" + base64.b32encode(secrets.token_bytes(10)).decode()


def normalise_receipt(text: object) -> str | None:
    """A receipt number as typed (any case, spaces, without FW-) in its stored form, or None."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    compact = re.sub(r"[\s-]+", "", text).upper()
    compact = compact.removeprefix("FW")
    candidate = f"FW-{compact}"
    return candidate if RECEIPT.fullmatch(candidate) else None


def _payload(channel: str, form: dict[str, str]) -> dict:
    """The report's fields from the form's (empty ones left out)."""
    text = form.get("message") or ""
    if channel == "email" and form.get("subject"):
        text = f"{form['subject']}\n\n{text}" if text else form["subject"]
    details = form.get("details") or ""
    if channel == "im" and (form.get("app") or form.get("account")):
        said = " · ".join(v for v in (form.get("app"), form.get("account")) if v)
        details = f"{said}\n{details}" if details else said
    site = form.get("site_url") or ""
    if site and "://" not in site:
        site = "http://" + site
    payload = {"channel": channel, "message_text": text, "description": details, "url": site,
               "phone": form.get("sender_phone") or form.get("caller_phone"), "email": form.get("sender_email"),
               "reporter_contact": form.get("contact")}
    return {k: v for k, v in payload.items() if v}


def _form_errors(exc: Invalid, channel: str) -> dict[str, str]:
    phone_field = "caller_phone" if channel == "phone_call" else "sender_phone"
    return {_FORM_FIELD.get(name, phone_field if name == "phone" else name): reason
            for name, reason in (exc.fields or {}).items()}


def check_form(channel: str, form: dict[str, str]) -> None:
    """Invalid naming the form's fields when one is too long or the region is unknown."""
    errors = {name: f"at most {FIELD_LIMITS[name]} characters" for name in form_fields(channel)
              if len(form.get(name) or "") > FIELD_LIMITS[name]}
    if form.get("region") and form["region"] not in PROVINCES:
        errors["region"] = "unknown region"
    if errors:
        raise Invalid("the report has invalid fields", fields=errors)


def submit(channel: str, form: dict[str, str], screenshot: Screenshot | None) -> str:
    """Store a report from the public form; its receipt number. Invalid names the form's fields."""
    check_form(channel, form)
    payload = _payload(channel, form)
    has_content = any(payload.get(k) for k in CONTENT_FIELDS)
    if not has_content and screenshot is None:
        raise Invalid("a report needs a text, an address or a screenshot", fields={"message": "required"})
    if not has_content:
        payload["message_text"] = "-"  # validated as a report; its text is the screenshot's (OCR)
    try:
        fields, found, digest = validate_report(payload, current_app.config["PHONE_REGION"])
    except Invalid as exc:
        raise Invalid(exc.message, fields=_form_errors(exc, channel)) from None
    if not has_content:
        fields["message_text"] = None
        digest = hashlib.sha256(f"screenshot:{screenshot.sha256}".encode()).hexdigest()
    region = form.get("region") or region_of_phone(payload.get("phone"), current_app.config["PHONE_REGION"])
    receipt = new_receipt()

    def also(report: Report) -> None:
        store.set_receipt(db.session, report, receipt, region)
        if screenshot is not None:
            store.add_attachment(db.session, report.id, media_type=screenshot.media_type, data=screenshot.data,
                                 sha256=screenshot.sha256, width=screenshot.width, height=screenshot.height)

    store_report(fields, found, digest, source=SOURCE, submitted_by=None, also=also)
    return receipt


@dataclass(frozen=True)
class Status:
    """What a receipt number shows: never the reporter's data nor another report's."""

    receipt: str
    received_at: datetime
    channel: str
    state: str  # one of STATES
    merged: bool  # linked to an earlier report of the same scam, whose state this is
    changed_at: datetime
    category: str | None  # the scam's category, once confirmed


def status_of(receipt: str) -> Status | None:
    """The status of the report with this receipt number, or None."""
    session = db.session
    report = store.report_by_receipt(session, receipt)
    if report is None:
        return None
    head = store.head_of(session, report)
    # said only when an officer merged it: the submitter is never told that the same content
    # was already reported by someone else (a duplicate found on arrival, services/reporting)
    merged = head is not report and any(c.to_status == "duplicate" and c.actor != "system" for c in report.history)
    state = _STATE_OF.get(head.status, "reviewing")
    changed = max([c.created_at for c in head.history] + [report.created_at])
    category = head.verdict_category if state == "confirmed" else None
    return Status(receipt, report.created_at, report.channel, state, merged, changed, category)
