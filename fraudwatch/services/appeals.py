"""Appeals: the owner of a listed domain, phone, company... disputes the listing.

Filing (public form or API): the type and value are normalised like a lookup's, and must
name an indicator that is listed (confirmed or suspected, not delisted) or be a company
name; one appeal at a time is open per indicator (a second is a 409). The appellant gives a
name, a contact e-mail address (checked), optionally a phone number, and an explanation of
APPEAL_LIMITS' length; they get a receipt number ("AP-" and 16 base32 characters, 80 random
bits, as the report receipts) to follow it by.

While an appeal is open, lookups show its indicator `disputed`. An officer accepts it
(the indicator is delisted: `indicators.delisted_at`, so the feed sweep drops it within
FEED_SWEEP_SECONDS and lookups show it `delisted`; see storage/delisting.py for what lists
it again) or rejects it, with a note either way. Each step is in the audit trail (actions
appeal.file, appeal.accept, appeal.reject), in the transaction that did it, and drops the
cached lookup answers of the indicator's scope after the commit."""
from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass

from flask import current_app

from fraudwatch.exceptions import Conflict, Invalid, NotFound
from fraudwatch.indicators import INDICATOR_TYPES, normalize, normalize_email, normalize_phone
from fraudwatch.infra import cache
from fraudwatch.infra.extensions import db
from fraudwatch.services.validation import drop_control
from fraudwatch.storage import appeals as store
from fraudwatch.storage import delisting
from fraudwatch.storage import indicators as ind_store
from fraudwatch.storage.audit import add_audit_event
from fraudwatch.storage.evidence import evidence_for
from fraudwatch.storage.models import Appeal, utcnow
from fraudwatch.storage.transactions import in_transaction

RECEIPT = re.compile(r"AP-[A-Z2-7]{16}")
DECISIONS = ("accept", "reject")
STATUSES = ("open", "accepted", "rejected")
# (min, max) characters of each field, after blanks are trimmed
APPEAL_LIMITS = {"type": (1, 16), "value": (1, 2048), "owner_name": (1, 300), "contact_email": (3, 320),
                 "contact_phone": (0, 64), "explanation": (20, 4000), "note": (1, 2000)}
FIELDS = ("type", "value", "owner_name", "contact_email", "contact_phone", "explanation")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def new_receipt() -> str:
    """A fresh receipt number: AP- and 16 base32 characters (80 random bits)."""
    return "AP-" + base64.b32encode(secrets.token_bytes(10)).decode()


def normalise_receipt(text: object) -> str | None:
    """A receipt number as typed (any case, spaces, without AP-) in its stored form, or None."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    compact = re.sub(r"[\s-]+", "", text).upper().removeprefix("AP")
    return f"AP-{compact}" if RECEIPT.fullmatch(f"AP-{compact}") else None


def _text(data: dict, name: str, errors: dict, *, multiline: bool = False) -> str:
    value = data.get(name)
    low, high = APPEAL_LIMITS[name]
    if value is None or value == "":
        if low:
            errors[name] = "required"
        return ""
    if not isinstance(value, str):
        errors[name] = "must be a string"
        return ""
    if len(value) > high + 100:  # refused before any more work on it
        errors[name] = f"at most {high} characters"
        return ""
    value = drop_control(value) if multiline else _LINE_CONTROL.sub("", value).strip()
    if len(value) > high:
        errors[name] = f"at most {high} characters"
    elif len(value) < low:
        errors[name] = f"at least {low} characters" if low > 1 else "required"
    return value


def check_appeal(data: object) -> dict:
    """The appeal's fields, cleaned and normalised; Invalid naming the fields otherwise."""
    if not isinstance(data, dict):
        raise Invalid("the appeal must be an object", fields={"body": "must be an object"})
    unknown = [k for k in data if k not in FIELDS]
    errors = {str(k)[:100]: "unknown field" for k in unknown[:20]}
    fields = {name: _text(data, name, errors, multiline=name == "explanation") for name in FIELDS}
    region = current_app.config["PHONE_REGION"]
    if fields["type"] and fields["type"] not in INDICATOR_TYPES:
        errors["type"] = "must be one of " + ", ".join(INDICATOR_TYPES)
    elif fields["type"] and fields["value"] and "value" not in errors:
        try:
            fields["item"] = normalize(fields["type"], fields["value"], region)
        except ValueError as exc:
            errors["value"] = str(exc)[:200]
    for name, check in (("contact_email", normalize_email),
                        ("contact_phone", lambda v: normalize_phone(v, region))):
        if fields[name] and name not in errors:
            try:
                fields[name] = check(fields[name]).display
            except ValueError:
                errors[name] = "not a valid e-mail address" if name == "contact_email" else "not a valid phone number"
    if errors:
        raise Invalid("the appeal has invalid fields", fields=errors)
    return fields


def file_appeal(data: object, *, submitted_by: str | None = None, address: str | None = None) -> dict:
    """Store an appeal; its receipt and what it is about. Invalid (fields), Conflict (one is open)."""
    fields = check_appeal(data)
    item = fields.pop("item")

    def work() -> tuple[Appeal, set[str]]:
        indicator = store.listed_indicator(db.session, item.type, item.value, item.match_key)
        if indicator is None and item.type != "company":
            raise Invalid("nothing is listed under this value", reason="appeal_not_listed",
                          fields={"value": "not listed: only a listed indicator (or a company name) can be appealed"})
        already = (store.open_appeal_on(db.session, indicator.id) if indicator is not None
                   else store.open_company_appeal(db.session, item.value))
        if already is not None:
            raise Conflict("an appeal about this is already open", reason="appeal_open", code="appeal_open")
        appeal = store.add_appeal(
            db.session, receipt=new_receipt(), type=item.type, value=item.value,
            indicator_id=indicator.id if indicator else None, owner_name=fields["owner_name"],
            contact_email=fields["contact_email"], contact_phone=fields["contact_phone"] or None,
            explanation=fields["explanation"], submitted_by=submitted_by, address=address[:64] if address else None)
        add_audit_event(db.session, actor=submitted_by or "public", action="appeal.file", target_type="appeal",
                        target_id=appeal.id, detail={"type": item.type, "value": item.value[:300],
                                                     "indicator_id": appeal.indicator_id}, address=address)
        return appeal, {indicator.scope} if indicator else set()

    appeal, scopes = in_transaction(db.session, work)
    cache.invalidate(scopes)
    return public_view(appeal)


def public_view(appeal: Appeal) -> dict:
    """What the receipt holder sees: never the contact details, nor who decided."""
    return {"receipt": appeal.receipt, "type": appeal.type, "value": appeal.value, "status": appeal.status,
            "listed": appeal.indicator_id is not None, "created_at": appeal.created_at.isoformat(),
            "decided_at": appeal.decided_at.isoformat() if appeal.decided_at else None,
            "decision_note": appeal.decision_note if appeal.status != "open" else None}


def status_of(receipt: str) -> dict:
    """The appeal with this receipt, as its holder sees it; NotFound otherwise."""
    normal = normalise_receipt(receipt)
    appeal = store.appeal_by_receipt(db.session, normal) if normal else None
    if appeal is None:
        raise NotFound("no appeal with this receipt number", reason="appeal_missing")
    answer = public_view(appeal)
    db.session.rollback()
    return answer


def decide(appeal_id: int, decision: str, note: str, actor: str) -> Appeal:
    """Accept (delist the indicator) or reject an open appeal, with a note; audited."""
    if decision not in DECISIONS:
        raise Invalid("invalid decision", fields={"decision": "must be accept or reject"})
    note = _text({"note": note}, "note", errors := {}, multiline=True)
    if errors:
        raise Invalid("a note is required", fields=errors)

    def work() -> tuple[Appeal, set[str]]:
        appeal = store.get_appeal(db.session, appeal_id, lock=True)
        if appeal is None:
            raise NotFound(f"appeal {appeal_id} does not exist", reason="appeal_missing")
        if appeal.status != "open":
            raise Conflict(f"appeal {appeal_id} was already {appeal.status}", reason="appeal_decided",
                           code="appeal_decided")
        now, scopes = utcnow(), set()
        appeal.status = "accepted" if decision == "accept" else "rejected"
        appeal.decided_at, appeal.decided_by, appeal.decision_note = now, actor[:120], note
        if appeal.indicator_id is not None:
            ind_store.lock_indicators(db.session, [appeal.indicator_id])
            indicator = store.get_indicator(db.session, appeal.indicator_id)
            if decision == "accept":
                delisting.delist(db.session, indicator, now)
            scopes.add(indicator.scope)
        add_audit_event(db.session, actor=actor, action=f"appeal.{decision}", target_type="appeal",
                        target_id=appeal.id, detail={"indicator_id": appeal.indicator_id, "note": note[:500],
                                                     "delisted": decision == "accept" and bool(appeal.indicator_id)})
        return appeal, scopes

    appeal, scopes = in_transaction(db.session, work)
    cache.invalidate(scopes)
    return appeal


@dataclass(frozen=True)
class AppealCase:
    """An appeal as officers see it, with what its indicator is listed for."""

    appeal: Appeal
    indicator: object | None  # storage.models.Indicator
    report_ids: list[int]
    evidence: list  # storage.models.Evidence, latest first


def queue(status: str = "open", limit: int = 50) -> tuple[list[Appeal], int]:
    """Appeals in a status (open: oldest first) and how many are open."""
    if status not in STATUSES:
        status = "open"
    return store.list_appeals(db.session, status, limit), store.count_appeals(db.session, "open")


def case(appeal_id: int) -> AppealCase:
    """One appeal with its indicator's reports and crawl evidence; NotFound otherwise."""
    appeal = store.get_appeal(db.session, appeal_id)
    if appeal is None:
        raise NotFound(f"appeal {appeal_id} does not exist", reason="appeal_missing")
    indicator = store.get_indicator(db.session, appeal.indicator_id) if appeal.indicator_id else None
    report_ids = ind_store.report_ids_for(db.session, [indicator.id]).get(indicator.id, []) if indicator else []
    evidence = evidence_for(db.session, indicator_ids=[indicator.id], limit=10) if indicator else []
    return AppealCase(appeal, indicator, report_ids, evidence)
