"""The console's appeals queue (`/console/appeals`, officers and admins): the open appeals
oldest first (and the decided ones by status), one appeal with what its indicator is listed
for (its reports and crawl evidence), and the decision: accept (the indicator is delisted)
or reject, with a note, posted with the session's CSRF token. A refused decision is the
appeal's page again with the reason (400 without a note, 409 when already decided)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fraudwatch.console import bp
from fraudwatch.console.nav import add_nav
from fraudwatch.console.session import current_user, login_required
from fraudwatch.exceptions import Conflict, Invalid
from fraudwatch.services import appeals
from fraudwatch.services.contract import column_max
from fraudwatch.storage.models import Appeal

add_nav("console.appeals_list", _l("Appeals"), order=45)
APPEAL = f"/appeals/<int(min=1, max={column_max(Appeal.__table__.c.id)}):appeal_id>"
SHOWN = 100
NOTE_MAX = appeals.APPEAL_LIMITS["note"][1]


@bp.get("/appeals")
@login_required()
def appeals_list():
    """Open appeals, oldest first; ?status=accepted or rejected for the decided ones."""
    status = request.args.get("status", "open")
    status = status if status in appeals.STATUSES else "open"
    rows, open_count = appeals.queue(status, SHOWN)
    return render_template("console/appeals.html", rows=rows, status=status, open_count=open_count,
                           statuses=appeals.STATUSES)


def _case_page(appeal_id: int, status: int = 200, error: str | None = None, note: str = ""):
    return render_template("console/appeal.html", case=appeals.case(appeal_id), error=error, note=note,
                           note_max=NOTE_MAX), status


@bp.get(APPEAL)
@login_required()
def appeal_page(appeal_id: int):
    """One appeal: who, about what, why; the indicator's reports and evidence; the decision form."""
    return _case_page(appeal_id)


@bp.post(f"{APPEAL}/decide")
@login_required()
def appeal_decide(appeal_id: int):
    """Accept or reject the appeal with a note; back to the queue."""
    decision = request.form.get("decision", "")[:16]
    note = request.form.get("note", "")[:NOTE_MAX + 100]
    try:
        appeal = appeals.decide(appeal_id, decision, note, current_user().name)
    except Invalid as exc:
        text = _("Write a note for the appellant (at most %(max)s characters).", max=NOTE_MAX) \
            if "note" in exc.fields else _("Choose accept or reject.")
        return _case_page(appeal_id, 400, text, note)
    except Conflict:
        return _case_page(appeal_id, 409, _("This appeal was already decided."), note)
    if appeal.status == "accepted":
        flash(_("Appeal %(receipt)s accepted: %(value)s is delisted.", receipt=appeal.receipt, value=appeal.value),
              "ok")
    else:
        flash(_("Appeal %(receipt)s rejected.", receipt=appeal.receipt), "ok")
    return redirect(url_for("console.appeals_list"), 303)
