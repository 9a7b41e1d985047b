"""The console's takedown pages (officers, admins): `/console/takedowns` (the list filtered by
status, with the time-to-takedown figures) and `/console/takedowns/<id>` (contacts, notices
and checks), with forms to record a contact found by hand, a notice sent to a registrar, host
or CERT, and what came of a notice. Forms post with the session's CSRF token and validate with
the API's models; a refused form is the page again (400) with the reason and nothing changed."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fraudwatch.console import bp
from fraudwatch.console.campaigns_page import _args
from fraudwatch.console.nav import add_nav
from fraudwatch.console.session import current_user, login_required
from fraudwatch.exceptions import Invalid
from fraudwatch.services import takedowns as service
from fraudwatch.services.contract import check
from fraudwatch.storage.takedowns import NOTICE_PARTIES, NOTICE_STATUSES, TAKEDOWN_STATUSES

add_nav("console.takedowns", _l("Takedowns"), order=35)
ROUTE = f"/takedowns/<int(min=1, max={service.TAKEDOWN_ID_MAX}):takedown_id>"
NOTICE = f"{ROUTE}/notices/<int(min=1, max={service.NOTICE_ID_MAX}):notice_id>"
FORM_FIELD_MAX = 4096  # longer form values are cut before validation (and then refused as too long)


def _form(*names: str) -> dict:
    data = {name: request.form.get(name, "")[:FORM_FIELD_MAX] for name in names}
    if "note" in data and not data["note"].strip():
        data["note"] = None
    return data


@bp.get("/takedowns")
@login_required()
def takedowns():
    """The takedown list with its filter and the time-to-takedown figures."""
    query = _args(service.TakedownQuery)
    rows, more = service.list_page(query)
    next_args = {**request.args.to_dict(), "before_id": rows[-1][0].id} if more and rows else None
    return render_template("console/takedowns.html", rows=rows, query=query, next_args=next_args,
                           statuses=TAKEDOWN_STATUSES, stats=service.stats())


def _page(takedown_id: int, status: int = 200, error: str | None = None, form: dict | None = None):
    takedown, indicator = service.takedown_or_404(takedown_id)
    return render_template("console/takedown.html", takedown=takedown, indicator=indicator,
                           notices=service.notices(takedown_id), checks=service.checks_of(takedown),
                           parties=NOTICE_PARTIES, notice_statuses=NOTICE_STATUSES, error=error,
                           form=form or {}), status


@bp.get(ROUTE)
@login_required()
def takedown(takedown_id: int):
    """One takedown: contacts, notices, checks and the forms."""
    return _page(takedown_id)


def _act(takedown_id: int, model, names: tuple[str, ...], apply, done: str):
    """Validate the form by `model`, `apply(body, actor)`, then back to the page with `done`;
    a refused form is the page again (400) with what was typed."""
    form = _form(*names)
    try:
        body = check(model, form, "invalid form")
    except Invalid:
        service.takedown_or_404(takedown_id)
        text = _("The form was refused: choose from the lists, give a contact (at most 320 characters) and a "
                 "note of at most 1,000 characters, without control characters.")
        return _page(takedown_id, 400, text, form)
    apply(body, current_user().name)
    flash(done, "ok")
    return redirect(url_for("console.takedown", takedown_id=takedown_id), 303)


@bp.post(f"{ROUTE}/contacts")
@login_required()
def takedown_add_contact(takedown_id: int):
    """Record an abuse contact found by hand."""
    return _act(takedown_id, service.ContactIn, ("party", "contact"),
                lambda body, actor: service.add_contact(takedown_id, body, actor), _("Contact recorded."))


@bp.post(f"{ROUTE}/notices")
@login_required()
def takedown_add_notice(takedown_id: int):
    """Record a notice sent to a registrar, host or CERT."""
    return _act(takedown_id, service.NoticeIn, ("party", "contact", "note"),
                lambda body, actor: service.add_notice(takedown_id, body, actor), _("Notice recorded."))


@bp.post(NOTICE)
@login_required()
def takedown_notice_status(takedown_id: int, notice_id: int):
    """Record what came of a notice."""
    return _act(takedown_id, service.NoticeStatusIn, ("status", "note"),
                lambda body, actor: service.update_notice(takedown_id, notice_id, body, actor), _("Notice updated."))
