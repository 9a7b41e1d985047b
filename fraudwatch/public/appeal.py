"""The public appeal form (/appeal): the owner of a listed domain, phone number, company...
disputes the listing, and follows the appeal by its receipt number (/appeal/status/<receipt>).

Built like the report form (public/report.py): no cookie and no session, a signed,
time-bound, single-use form token (web/formtoken.py), a honeypot field (a filled one is
answered like a success and nothing is stored) and a per-address limit (APPEAL_LIMIT, shared
with POST /api/v1/appeals). Every refusal is the form again in the visitor's language with
what they typed, and the status 400, 403, 409, 429 or 503. The fields are checked by
services/appeals.py, the one place the API uses too."""
from __future__ import annotations

import logging

from flask import current_app, request

from fraudwatch.exceptions import Conflict, Invalid, NotFound
from fraudwatch.public import bp, nav
from fraudwatch.public.report import _limited_lookup, _page, receipt_form
from fraudwatch.public.report_texts import OTHER_FIELD_ERROR, REFUSALS, TOO_LONG
from fraudwatch.services import appeals
from fraudwatch.web import formtoken
from fraudwatch.web.errors import APIError
from fraudwatch.web.i18n import mark as _l
from fraudwatch.web.limits import per_caller

log = logging.getLogger(__name__)
FORM = "public-appeal"
HONEYPOT = "website"
FIELDS = ("type", "value", "owner_name", "contact_email", "contact_phone", "explanation")
KINDS = {"domain": _l("Website domain"), "url": _l("Web address (URL)"), "phone": _l("Phone number"),
         "email": _l("E-mail address"), "company": _l("Company name"), "bank_account": _l("Bank account")}
LABELS = {"type": _l("What is listed"), "value": _l("The listed value"), "owner_name": _l("Your name or company"),
          "contact_email": _l("Your e-mail address"), "contact_phone": _l("Your phone number (optional)"),
          "explanation": _l("Why the listing is wrong")}
FIELD_ERRORS = {
    "required": _l("Please fill in this field."),
    "not listed": _l("Nothing is listed under this value. Look it up first: only a listed domain, phone number, "
                     "address or a company name can be appealed."),
    "at least": _l("Explain in at least 20 characters why the listing is wrong."),
    "not a valid e-mail address": _l("Give an e-mail address where officers can reach you."),
    "not a valid phone number": _l("Give a phone number with its country code, or none."),
}
APPEAL_REFUSALS = {**REFUSALS, "limit": _l("Too many appeals from your network in a short time. Nothing was "
                                           "stored: wait a while and send it again."),
                   "open": _l("An appeal about this is already open. You will see the decision on its receipt page.")}

nav.add_page("public.appeal", _l("Appeal a listing"), order=90, indexed=False)

_limited = per_caller("APPEAL_LIMIT")(lambda: None)  # raises APIError(429) when over the limit


def _form(status: int = 200, values: dict | None = None, errors: dict | None = None, refusal: str | None = None):
    lifetime = current_app.config["PUBLIC_REPORT_TOKEN_SECONDS"]
    return _page("public/appeal_form.html", status, values=values or {}, errors=errors or {}, kinds=KINDS,
                 labels=LABELS, limits={k: v[1] for k, v in appeals.APPEAL_LIMITS.items()}, honeypot=HONEYPOT,
                 refusal=APPEAL_REFUSALS[refusal] if refusal else None, token=formtoken.issue(FORM),
                 lifetime_hours=max(1, lifetime // 3600))


def _field_errors(fields: dict[str, str]) -> dict[str, str]:
    out = {}
    for name, reason in fields.items():
        if name not in FIELDS:
            continue
        known = next((text for key, text in FIELD_ERRORS.items() if reason.startswith(key)), None)
        out[name] = known or (TOO_LONG if reason.startswith("at most") else OTHER_FIELD_ERROR)
    return out


@bp.get("/appeal")
def appeal():
    """The appeal form, with a fresh token (?type=&value= fill it in from a lookup)."""
    values = {k: request.args.get(k, "")[:300] for k in ("type", "value") if request.args.get(k)}
    return _form(values=values)


@bp.post("/appeal")
def appeal_post():
    """Store an appeal from the form and show its receipt; or the form again, saying why not."""
    request.max_content_length = 64 * 1024
    values = {name: request.form.get(name, "") for name in FIELDS}
    try:
        _limited()
    except APIError:
        return _form(429, values, refusal="limit")
    lifetime = current_app.config["PUBLIC_REPORT_TOKEN_SECONDS"]
    try:
        nonce = formtoken.check(FORM, request.form.get("token"), lifetime)
    except formtoken.TokenRefused as exc:
        log.info("public appeal refused: token %s", exc.reason)
        return _form(403, values, refusal="token")
    try:
        appeals.check_appeal({k: v for k, v in values.items() if v})
    except Invalid as exc:
        return _form(400, values, _field_errors(exc.fields or {}), refusal="invalid")
    try:
        formtoken.spend(nonce, lifetime)
    except formtoken.TokenRefused:
        return _form(403, values, refusal="token")
    except Exception as exc:  # noqa: BLE001 - Redis down: a replay could not be told, so nothing is stored
        log.warning("public appeal refused: the token could not be recorded: %s", exc)
        return _form(503, values, refusal="busy")
    if request.form.get(HONEYPOT):
        log.info("public appeal dropped: the honeypot field was filled")
        return _page("public/appeal_receipt.html", 200, receipt=appeals.new_receipt())
    try:
        filed = appeals.file_appeal({k: v for k, v in values.items() if v}, address=request.remote_addr)
    except Invalid as exc:
        return _form(400, values, _field_errors(exc.fields or {}), refusal="invalid")
    except Conflict:
        return _form(409, values, refusal="open")
    return _page("public/appeal_receipt.html", 200, receipt=filed["receipt"])


@bp.get("/appeal/status")
def appeal_status_form():
    """Ask for a receipt number; with one (?receipt=), go to its status page."""
    return receipt_form("public/appeal_status.html", appeals.normalise_receipt, "public.appeal_status")


@bp.get("/appeal/status/<receipt>")
def appeal_status(receipt: str):
    """An appeal's status in plain words, by its receipt number (never the contact details)."""
    try:
        _limited_lookup()
        found = appeals.status_of(receipt)
    except APIError:
        return _page("public/error.html", 429, status=429)
    except NotFound:
        return _page("public/appeal_status.html", 404, typed=receipt[:64], not_found=True)
    return _page("public/appeal_status.html", found=found, kinds=KINDS)

