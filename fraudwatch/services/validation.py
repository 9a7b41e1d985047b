"""Validation of what clients send: clean strings, bounded sizes, field-level errors.

The limits of every text a client sends are in one table (`TEXT_LIMITS`), used by the
request models (and so by the OpenAPI document) and by `clean_string`. A report is
checked against `ReportIn` first (types, lengths, channel, region, date-times), then
cleaned (control characters dropped, blanks trimmed) and its indicators normalised; every
problem is an `Invalid` domain error naming the fields.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import phonenumbers
from pydantic import AfterValidator, Field

from fraudwatch.exceptions import Invalid
from fraudwatch.indicators import Normalized, indicators_in_text, normalize, normalize_domain, shared_site
from fraudwatch.services.contract import Body, DateTimeText, bounded_text, check
from fraudwatch.storage.models import CHANNELS

TEXT_LIMITS = {"message_text": 50_000, "description": 10_000, "url": 2048, "domain": 253, "phone": 64,
               "email": 320, "company": 300, "bank_account": 64, "reporter_contact": 300,
               "channel": 32, "received_at": 64, "region": 2,
               "reason": 1000, "note": 4000, "officer": 120, "q": 1000, "lookup_value": 2048, "classify_text": 100_000,
               "item_id": 200}
INDICATOR_FIELDS = ("url", "domain", "phone", "email", "company", "bank_account")
CONTENT_FIELDS = ("message_text",) + INDICATOR_FIELDS
REPORT_TEXTS = CONTENT_FIELDS + ("description", "reporter_contact")
CHANNEL_ALIASES = {"phone": "phone_call", "call": "phone_call", "voice": "phone_call", "wechat": "im",
                   "qq": "im", "whatsapp": "im", "chat": "im", "e-mail": "email", "mail": "email",
                   "website": "web", "text": "sms"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_field(field: str, *, min_length: int = 0, description: str | None = None):
    """The string type of a field, bounded by its entry in TEXT_LIMITS."""
    return bounded_text(TEXT_LIMITS[field], min_length=min_length, description=description)


def drop_control(text: str) -> str:
    """A text as stored: control characters dropped (PostgreSQL refuses NUL), blanks trimmed."""
    return _CONTROL.sub("", text).strip()


def clean_text_field(field: str, *, description: str | None = None):
    """A text field as used: control characters dropped and blanks trimmed (drop_control)."""
    return Annotated[text_field(field, description=description), AfterValidator(drop_control)]


ChannelName = Annotated[
    Literal[CHANNELS + tuple(CHANNEL_ALIASES)], AfterValidator(lambda name: CHANNEL_ALIASES.get(name, name)),
    Field(description="one of " + ", ".join(CHANNELS) + "; also accepted: " +
          ", ".join(f"{k} ({v})" for k, v in CHANNEL_ALIASES.items()))]
Region = Annotated[Literal[tuple(sorted(phonenumbers.SUPPORTED_REGIONS))],
                   Field(description="region of phone numbers written without +, e.g. CN (default: the service's)")]


class ReportIn(Body):
    """A report: at least one of message_text, url, domain, phone, email, company, bank_account.
    Empty texts count as not given."""

    message_text: text_field("message_text") | None = None
    url: text_field("url") | None = None
    domain: text_field("domain") | None = None
    phone: text_field("phone") | None = None
    email: text_field("email") | None = None
    company: text_field("company") | None = None
    bank_account: text_field("bank_account") | None = None
    description: text_field("description") | None = None
    reporter_contact: text_field("reporter_contact", description="private: never returned publicly") | None = None
    channel: ChannelName | None = None
    received_at: DateTimeText | None = None
    region: Region | None = None


def clean_string(value: object, field: str, errors: dict) -> str | None:
    """A trimmed string without control characters (newlines and tabs kept), or None."""
    if value is None:
        return None
    if not isinstance(value, str):
        errors[field] = "must be a string"
        return None
    text = _CONTROL.sub("", value).strip()
    if not text:
        return None
    limit = TEXT_LIMITS.get(field, 1000)
    if len(text) > limit:
        errors[field] = f"must be at most {limit} characters (got {len(text)})"
        return None
    return text


def validate_report(payload: object, default_region: str) -> tuple[dict, list[tuple[Normalized, str]], str]:
    """Clean a report; return (fields, [(indicator, role)], content hash) or raise Invalid."""
    report = payload if isinstance(payload, ReportIn) else check(ReportIn, payload, "the report has invalid fields")
    errors: dict[str, str] = {}
    fields = {k: clean_string(getattr(report, k), k, errors) for k in REPORT_TEXTS}
    fields["channel"] = report.channel or "other"
    fields["received_at"] = report.received_at
    if report.received_at and report.received_at > datetime.now(UTC) + timedelta(days=1):
        errors["received_at"] = "is in the future"
    region = report.region or default_region.upper()
    if not errors and not any(fields.get(k) for k in CONTENT_FIELDS):
        raise Invalid("a report needs at least one of: " + ", ".join(CONTENT_FIELDS),
                      fields={"message_text": "required when no indicator is given"})
    indicators = _field_indicators(fields, region, errors)
    if errors:
        raise Invalid("the report has invalid fields", fields=errors)
    for text in (fields.get("message_text"), fields.get("description")):
        indicators += [(n, "extracted") for n in indicators_in_text(text or "", region)]
    return fields, _dedupe(indicators), content_hash(fields, indicators)
def _field_indicators(fields: dict, region: str, errors: dict) -> list[tuple[Normalized, str]]:
    out: list[tuple[Normalized, str]] = []
    for kind in INDICATOR_FIELDS:
        if fields.get(kind) is None or kind in errors:
            continue
        try:
            item = normalize(kind, fields[kind], region)
        except ValueError as exc:
            errors[kind] = str(exc)
            continue
        out.append((item, "reported"))
        if item.type in ("url", "email") and item.host and shared_site(item.host) is None:
            try:
                out.append((normalize_domain(item.host), "extracted"))
            except ValueError:
                pass
    return out


def _dedupe(items: list[tuple[Normalized, str]]) -> list[tuple[Normalized, str]]:
    seen: dict[tuple[str, str], tuple[Normalized, str]] = {}
    for item, role in items:
        key = (item.type, item.value)
        if key not in seen or (role == "reported" and seen[key][1] != "reported"):
            seen[key] = (item, role)
    return list(seen.values())


def content_hash(fields: dict, indicators: list[tuple[Normalized, str]]) -> str:
    """What makes two reports 'the same content': the text and the indicators they name."""
    text = unicodedata.normalize("NFKC", fields.get("message_text") or "")
    body = {"text": re.sub(r"\s+", " ", text).strip().lower(),
            "indicators": sorted(f"{n.type}:{n.match_key}" for n, role in indicators if role == "reported")}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
