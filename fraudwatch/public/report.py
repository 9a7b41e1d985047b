"""The public report form (/report): a channel chosen by plain links, a form guided by that
channel (what the sender, caller or site was, what it said or asked for), an optional
province, contact and screenshot; a receipt number, and the report's status by that number.

No cookie and no session: the form carries a signed, time-bound, single-use token
(web/formtoken.py) against cross-site posts and replays, a honeypot field (a filled one is
answered like a success and nothing is stored) and a per-address limit
(PUBLIC_REPORT_LIMIT). Every refusal is the form again in the visitor's language with what
they typed, and the status 400, 403, 413, 429 or 503. The screenshot is checked and
re-encoded here (services/screenshots.py); OCR runs in the report's job."""
from __future__ import annotations

import logging

from flask import current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from fraudwatch.exceptions import Invalid
from fraudwatch.public import bp, nav
from fraudwatch.public.cache import cached_page
from fraudwatch.public.report_texts import (
    CHANNELS,
    FIELD_ERRORS,
    FIELD_LABELS,
    MESSAGE_LABELS,
    OTHER_FIELD_ERROR,
    REFUSALS,
    STATE_TEXT,
    TOO_LONG,
)
from fraudwatch.services import public_reports, screenshots
from fraudwatch.services.regions import PROVINCES
from fraudwatch.web import formtoken
from fraudwatch.web.errors import APIError
from fraudwatch.web.i18n import mark as _l
from fraudwatch.web.labels import label
from fraudwatch.web.limits import add_headers, per_caller

log = logging.getLogger(__name__)
FORM = "public-report"
HONEYPOT = "homepage"
FORM_MARGIN = 512 * 1024  # bytes of form fields a post may carry beside the screenshot
SLUGS = {"sms": "sms", "email": "email", "call": "phone_call", "web": "web", "chat": "im"}
CHANNEL_ROUTE = "/report/<any(" + ", ".join(SLUGS) + "):slug>"

nav.add_page("public.report", _l("Report a scam"), order=20)

_limited = per_caller("PUBLIC_REPORT_LIMIT")(lambda: None)  # raises APIError(429) when over the limit



def _page(template: str, code: int = 200, **values):
    response = current_app.make_response((render_template(template, **values), code))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return add_headers(response)


@bp.get("/report")
@cached_page()
def report():
    """Which channel the scam came by: plain links to the forms."""
    return render_template("public/report_channels.html", channels=CHANNELS)


def _form(slug: str, status: int = 200, values: dict | None = None, errors: dict | None = None,
          refusal: str | None = None):
    channel = SLUGS[slug]
    lifetime = current_app.config["PUBLIC_REPORT_TOKEN_SECONDS"]
    return _page("public/report_form.html", status, slug=slug, channel=channel,
                 fields=public_reports.CHANNEL_FIELDS[channel], values=values or {}, errors=errors or {},
                 labels=FIELD_LABELS, message_label=MESSAGE_LABELS[channel], channel_title=CHANNELS[slug][0],
                 refusal=REFUSALS[refusal] if refusal else None, token=formtoken.issue(FORM), provinces=PROVINCES,
                 honeypot=HONEYPOT,
                 limits=public_reports.FIELD_LIMITS, lifetime_hours=max(1, lifetime // 3600))


@bp.get(CHANNEL_ROUTE)
def report_form(slug: str):
    """The form of one channel, with a fresh token."""
    return _form(slug)


def _field_errors(fields: dict[str, str]) -> dict[str, str]:
    out = {}
    for name, reason in fields.items():
        text = FIELD_ERRORS.get(reason) or (TOO_LONG if "at most" in reason else OTHER_FIELD_ERROR)
        out[name] = text
    return out


@bp.post(CHANNEL_ROUTE)
def report_post(slug: str):
    """Store a report from the form and show its receipt; or the form again, saying why not."""
    channel = SLUGS[slug]
    max_bytes = current_app.config["SCREENSHOT_MAX_BYTES"]
    request.max_content_length = max_bytes + FORM_MARGIN
    try:
        form = request.form
        upload = request.files.get("screenshot")
    except RequestEntityTooLarge:
        return _form(slug, 413, refusal="too_large", errors={"screenshot": FIELD_ERRORS["too_large"]})
    values = {name: form.get(name, "") for name in public_reports.form_fields(channel)}
    try:
        _limited()
    except APIError:
        return _form(slug, 429, values, refusal="limit")
    lifetime = current_app.config["PUBLIC_REPORT_TOKEN_SECONDS"]
    try:
        nonce = formtoken.check(FORM, form.get("token"), lifetime)
    except formtoken.TokenRefused as exc:
        log.info("public report refused: token %s", exc.reason)
        return _form(slug, 403, values, refusal="token")
    try:
        shot = _screenshot(upload, max_bytes)
        public_reports.check_form(channel, values)
    except Invalid as exc:
        status = 413 if (exc.fields or {}).get("screenshot") == "too_large" else 400
        return _form(slug, status, values, _field_errors(exc.fields or {}), refusal="invalid")
    try:
        formtoken.spend(nonce, lifetime)
    except formtoken.TokenRefused:
        return _form(slug, 403, values, refusal="token")
    except Exception as exc:  # noqa: BLE001 - Redis down: a replay could not be told, so nothing is stored
        log.warning("public report refused: the token could not be recorded: %s", exc)
        return _form(slug, 503, values, refusal="busy")
    if form.get(HONEYPOT):
        log.info("public report dropped: the honeypot field was filled")
        return _page("public/report_receipt.html", 200, receipt=public_reports.new_receipt())
    try:
        receipt = public_reports.submit(channel, values, shot)
    except Invalid as exc:
        return _form(slug, 400, values, _field_errors(exc.fields or {}), refusal="invalid")
    return _page("public/report_receipt.html", 200, receipt=receipt)  # 200 like the honeypot's answer


def _screenshot(upload, max_bytes: int) -> screenshots.Screenshot | None:
    """The uploaded screenshot checked and re-encoded; None when none was sent."""
    if upload is None or not upload.filename and not upload.content_length:
        return None
    data = upload.stream.read(max_bytes + 1)
    if not data:
        return None
    return screenshots.read_screenshot(data, max_bytes=max_bytes,
                                       max_pixels=current_app.config["SCREENSHOT_MAX_PIXELS"])


def receipt_form(template: str, normalise, endpoint: str):
    """A page asking for a receipt number; with one (?receipt=) that reads as a receipt, a 303 to
    `endpoint`'s status page in the same language; with one that does not, the form again, 404."""
    typed = request.args.get("receipt")
    if typed is None:
        return _page(template)
    receipt = normalise(typed)
    if receipt is None:
        return _page(template, 404, typed=typed[:64], not_found=True)
    lang = {"lang": "en"} if request.args.get("lang") == "en" else {}
    return redirect(url_for(endpoint, receipt=receipt, **lang), 303)


@bp.get("/report/status")
def report_status_form():
    """Ask for a receipt number; with one (?receipt=), go to its status page."""
    return receipt_form("public/report_status_form.html", public_reports.normalise_receipt, "public.report_status")


@bp.get("/report/status/<receipt>")
def report_status(receipt: str):
    """A report's status in plain words, by its receipt number (never the reporter's data)."""
    try:
        _limited_lookup()
    except APIError:
        return _page("public/error.html", 429, status=429)
    found = public_reports.status_of(receipt) if public_reports.RECEIPT.fullmatch(receipt) else None
    if found is None:
        return _page("public/report_status_form.html", 404, typed=receipt[:64], not_found=True)
    return _page("public/report_status.html", found=found, state_text=STATE_TEXT,
                 channel_label=label("channel", found.channel),
                 category_label=label("category", found.category) if found.category not in (None, "none") else None)


@per_caller("ANON_LOOKUP_LIMIT")
def _limited_lookup() -> None:
    """Status pages count as lookups (an address cannot try receipt numbers quickly)."""
