"""Validation of what clients send: clean strings, bounded sizes, field-level errors."""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import datetime, timedelta, timezone

from classifiers.indicators import Normalized, indicators_in_text, normalize, normalize_domain, shared_site
from fraudwatch.errors import APIError
from fraudwatch.models import CHANNELS

TEXT_LIMITS = {"message_text": 50_000, "description": 10_000, "url": 2048, "domain": 253, "phone": 64,
               "email": 320, "company": 300, "bank_account": 64, "reporter_contact": 300,
               "channel": 32, "received_at": 64, "region": 2}
INDICATOR_FIELDS = ("url", "domain", "phone", "email", "company", "bank_account")
CONTENT_FIELDS = ("message_text",) + INDICATOR_FIELDS
CHANNEL_ALIASES = {"phone": "phone_call", "call": "phone_call", "voice": "phone_call", "wechat": "im",
                   "qq": "im", "whatsapp": "im", "chat": "im", "e-mail": "email", "mail": "email",
                   "website": "web", "text": "sms"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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


def require_object(payload: object, allowed: set[str]) -> dict:
    """The payload as a dict with only known keys, else a 400."""
    if not isinstance(payload, dict):
        raise APIError(400, "the body must be a JSON object", code="invalid_body")
    unknown = sorted(k for k in payload if k not in allowed)
    if unknown:
        raise APIError(400, "unknown fields", code="validation_failed",
                       fields={k[:100]: "unknown field" for k in unknown[:50]})
    return payload


def _parse_time(text: str | None, errors: dict) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        errors["received_at"] = "must be an ISO 8601 date-time, e.g. 2026-11-27T08:30:00+08:00"
        return None
    value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if value > datetime.now(timezone.utc) + timedelta(days=1):
        errors["received_at"] = "is in the future"
    return value


def _channel(text: str | None, errors: dict) -> str:
    if text is None:
        return "other"
    name = CHANNEL_ALIASES.get(text.lower(), text.lower())
    if name not in CHANNELS:
        errors["channel"] = f"must be one of {', '.join(CHANNELS)}"
    return name


REPORT_KEYS = set(TEXT_LIMITS)


def validate_report(payload: object, default_region: str) -> tuple[dict, list[tuple[Normalized, str]], str]:
    """Clean a report; return (fields, [(indicator, role)], content hash) or raise a 400."""
    payload = require_object(payload, REPORT_KEYS)
    errors: dict[str, str] = {}
    fields = {k: clean_string(payload.get(k), k, errors) for k in TEXT_LIMITS}
    region = (fields.pop("region") or default_region).upper()
    fields["channel"] = _channel(fields["channel"], errors)
    fields["received_at"] = _parse_time(fields["received_at"], errors)
    if not errors and not any(fields.get(k) for k in CONTENT_FIELDS):
        raise APIError(400, "a report needs at least one of: " + ", ".join(CONTENT_FIELDS),
                       code="validation_failed", fields={"message_text": "required when no indicator is given"})
    indicators = _field_indicators(fields, region, errors)
    if errors:
        raise APIError(400, "the report has invalid fields", code="validation_failed", fields=errors)
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
