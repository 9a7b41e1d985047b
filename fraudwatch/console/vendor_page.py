"""The enterprise vendor-check page (`/console/vendor-check`; enterprise users land here, officers
and admins may use it too): a form with what the enterprise knows about a vendor and the
message it received, answered on the page by the vendor check (services/vendor_check.py, the
same request model as POST /api/v1/vendor-check): the overall verdict in plain words, the
reasons per field, what was checked (an unknown vendor is said to be unknown, with the checks
made), the advice and the official channels, in the user's language. A refused value is
answered next to its field, with what was typed kept; nothing is stored."""
from __future__ import annotations

import re

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError

from fraudwatch.console import bp
from fraudwatch.console.nav import add_nav, set_home
from fraudwatch.console.session import current_user, login_required
from fraudwatch.exceptions import Invalid
from fraudwatch.services import vendor_check as vendor_service
from fraudwatch.services.validation import TEXT_LIMITS
from fraudwatch.services.vendor_request import VendorCheckIn
from fraudwatch.web.findings import field_label, finding_sentence, verdict_heading
from fraudwatch.web.i18n import select_locale
from fraudwatch.web.labels import label

ROLES = ("enterprise", "officer", "admin")
_COUNT = re.compile(r": (\d{1,12}) report")
add_nav("console.vendor_check", _l("Vendor check"), roles=ROLES, order=15)
set_home("enterprise", "console.vendor_check")

# the form's fields, in order: name -> (label, a longer hint or None)
FORM = {
    "company": (_l("Company name"), None),
    "uscc": (_l("Unified social credit code"), _l("18 characters, as on the business licence.")),
    "site": (_l("Website or link"), _l("A domain such as example.com, or a whole link the vendor sent.")),
    "phone": (_l("Phone number"), None),
    "email": (_l("E-mail address"), None),
    "bank_account": (_l("Bank account"), _l("The account the vendor asks you to pay to.")),
    "message_text": (_l("The message you received"), _l("Paste the text of the message, e-mail or notice.")),
}
MAX_TYPED = TEXT_LIMITS["message_text"]  # what is shown back of a typed value


def _fields(form) -> tuple[dict[str, str], dict[str, str]]:
    """(typed values as shown back, the vendor check's fields): blank fields are left out; the
    website is a URL when it has a scheme or a path, else a domain."""
    typed = {name: form.get(name, "")[:MAX_TYPED] for name in FORM}
    fields = {name: form.get(name, "") for name in FORM if form.get(name, "").strip()}
    site = fields.pop("site", None)
    if site is not None:
        bare = site.strip().rstrip("/")
        if "://" in site or "/" in bare:
            fields["url"] = site
        else:
            fields["domain"] = bare or site  # "example.com/" is the domain example.com
    return typed, fields


def _error(name: str, error: dict) -> str:
    """One field's refusal in the user's language."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "string_too_long":
        return _("That is too long: at most %(limit)s characters (you typed %(count)s).",
                 limit=f"{ctx.get('max_length', 0):,}", count=f"{len(error.get('input') or ''):,}")
    if kind == "control_character":
        return _("This holds control characters: type or paste it as plain text.")
    if name == "uscc":
        return _("Not a valid unified social credit code: it has 18 characters (no I, O, S, V or Z) and its "
                 "last character must match the others (GB 32100-2015).")
    if kind in ("blank", "string_pattern_mismatch", "string_too_short"):
        return _("This is blank.")
    return _("This value cannot be checked.")


def _refusals(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        name = str(error["loc"][0]) if error["loc"] else "form"
        name = "site" if name in ("url", "domain") else name
        errors.setdefault(name, _error(name, error))
    if "form" in errors:
        errors["form"] = _("Fill in at least one field.")
    return errors


@bp.route("/vendor-check", methods=["GET", "POST"])
@login_required(*ROLES)
def vendor_check():
    """The form, and on POST the vendor check's answer."""
    if request.method == "GET":
        return render_template("console/vendor_check.html", form=FORM, typed={}, errors={}, result=None)
    typed, fields = _fields(request.form)
    errors: dict[str, str] = {}
    result = None
    try:
        body = VendorCheckIn.model_validate(fields)
        result = vendor_service.check_vendor(body.model_dump(exclude_none=True),
                                           officer=current_user().role in ("officer", "admin"))
    except ValidationError as exc:
        errors = _refusals(exc)
    except Invalid as exc:  # a value the lookups cannot normalise (a phone, a domain...)
        errors = {("site" if name in ("url", "domain") else name): _("This is not a valid %(what)s.",
                                                                       what=field_label(name))
                  for name in (exc.fields or {"form": ""})}
    if result is None:
        return render_template("console/vendor_check.html", form=FORM, typed=typed, errors=errors, result=None), 400
    return render_template("console/vendor_check.html", form=FORM, typed=typed, errors={}, result=result,
                           answer=_answer(result))


def _answer(result: dict) -> dict:
    """The answer as the page shows it: heading, reasons and checks per field, advice, channels."""
    reasons: dict[str, list[str]] = {}
    for reason in result["reasons"]:
        sentence = finding_sentence(reason) or _CHECKSUMS.get(reason["finding"])
        if sentence and reason["finding"] != "checksum_not_applicable":  # said in what was checked
            reasons.setdefault(reason["field"], []).append(str(sentence))
    checked = [(field_label(entry["field"]), entry.get("value"), _checks(entry, result)) for entry in result["checked"]]
    locale = select_locale()
    channels = result["official_channels"]
    return {"heading": verdict_heading(result["verdict"]), "verdict": result["verdict"],
            "reasons": [(field_label(name), lines) for name, lines in reasons.items()], "checked": checked,
            "advice": result["advice"]["zh" if locale == "zh" else "en"],
            "authority": (channels.get("name_zh") if locale == "zh" else channels.get("name_en"))
            or channels["authority"], "hotlines": channels["hotlines"], "domains": channels["domains"]}


_CHECKSUMS = {
    "checksum_not_applicable": _l("No checksum applies: only 16-19 digit bank card numbers have one; company "
                                  "accounts have no public checksum."),
    "checksum_luhn_valid": _l("It passes the check of bank card numbers: it may be a personal bank card, not a "
                              "company account."),
    "checksum_luhn_failed": _l("It is not a bank card number (company account numbers have no public checksum, so "
                               "this is not an error)."),
}


def _checks(entry: dict, result: dict) -> list[str]:
    """What was checked for one field, in the user's language."""
    name = entry["field"]
    if name == "uscc":
        return [_("The check character is valid."),
                _("Registration not verified here: look the company up at the National Enterprise Credit "
                  "Information Publicity System (www.gsxt.gov.cn).")]
    if name == "message_text":
        return _message_checks(entry, result)
    lines = [_("fraudwatch's records: %(reports)s reports, status: %(status)s.",
               reports=_reports(entry), status=label("lookup_status", entry.get("status")))]
    lookalike = any(r["field"] == name and r["finding"] == "lookalike_of_official_domain" for r in result["reasons"])
    if name in ("domain", "url", "email"):
        lines.append(_("Official tax authority websites: listed.") if entry.get("status") == "official"
                     else _("Official tax authority websites: not listed."))
        lines.append(_("Imitation of an official tax website: yes.") if lookalike
                     else _("Imitation of an official tax website: none found."))
    if name == "phone":
        lines.append(_("Official tax hotlines: it is one.") if entry.get("status") == "official"
                     else _("Official tax hotlines: it is not one."))
    if name == "bank_account":
        lines.extend(str(_CHECKSUMS[r["finding"]]) for r in result["reasons"]
                     if r["field"] == name and r["finding"] in _CHECKSUMS)
    return lines


def _reports(entry: dict) -> str:
    """The report count of a lookup's check ("...: 3 report(s), status ...")."""
    found = _COUNT.search(entry["checks"][0]) if entry.get("checks") else None
    return found.group(1) if found else "0"


def _message_checks(entry: dict, result: dict) -> list[str]:
    classified = next((r["classifier"] for r in result["reasons"] if r.get("classifier")), None)
    if classified is None:
        return [_("Not read by the classifier: no classifier model is installed.")]
    looked_up = entry["checks"][-1].rpartition(": ")[2] if entry["checks"] else "0"
    return [_("Read by the classifier: %(label)s (scam score %(score)s).", label=label("verdict", classified["label"]),
              score=f"{classified['scam_score']:.2f}"),
            _("Links, phone numbers and e-mail addresses written in it, looked up: %(count)s.", count=looked_up)]
