"""The console's report page (`/console/reports/<id>`) and its actions.

The page shows the message with the classifier's signals highlighted at their offsets
(`highlight.segments`: escaped text pieces, never markup from the report), the explanation,
each indicator with its lookup status and other reports naming it, crawl evidence, history
and notes. Actions (confirm, dismiss, needs_info, assign, note, merge) post to
`/console/reports/<id>/act`, each with a reason; the services record and audit them. With
htmx the answer is the refreshed main section, without it a 303 back to the page; a refused
merge (a cycle, a confirmed report) is the error page with status 409 and the reason."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from fraudwatch.console import bp
from fraudwatch.console.highlight import segments
from fraudwatch.console.queue_page import form_ids, form_reason
from fraudwatch.console.session import current_user, login_required
from fraudwatch.exceptions import Invalid, NotFound
from fraudwatch.infra.extensions import db
from fraudwatch.services import actions, triage
from fraudwatch.services.queue_query import REPORT_ID_MAX
from fraudwatch.services.verdicts import report_text
from fraudwatch.storage import evidence as evidence_store
from fraudwatch.storage import indicators as ind_store
from fraudwatch.storage import queue as queue_store
from fraudwatch.storage import reports as report_store

ROUTE = f"/reports/<int(min=1, max={REPORT_ID_MAX}):report_id>"
ACTIONS = ("confirm", "dismiss", "needs_info", "assign", "note", "merge")
MAX_NOTE = 4000


def page_data(report_id: int) -> dict:
    """Everything the report page shows, or NotFound."""
    report = report_store.get_report(db.session, report_id)
    if report is None:
        raise NotFound(_("Report %(id)s does not exist.", id=report_id))
    verdict = report.verdict if isinstance(report.verdict, dict) else {}
    explanation = verdict.get("explanation")
    indicator_ids = [link.indicator_id for link in report.links]
    sharing = ind_store.report_ids_for(db.session, indicator_ids, limit=11)
    return {
        "report": report, "source": queue_store.source_kind(report), "verdict": verdict,
        "segments": segments(report_text(report), verdict.get("signals")),
        "explanation": explanation if isinstance(explanation, list) else ([explanation] if explanation else []),
        "indicators": [{"link": link, "others": [i for i in sharing.get(link.indicator_id, []) if i != report.id][:10]}
                       for link in report.links],
        "evidence": evidence_store.evidence_for(db.session, report_id=report.id),
        "notes": report_store.notes_of(db.session, report.id), "actions": ACTIONS,
    }


@bp.get(ROUTE)
@login_required()
def report_page(report_id: int):
    """One report with what officers need to decide on it."""
    return render_template("console/report.html", **page_data(report_id))


def _act(report_id: int, action: str, form) -> None:
    """Carry out one action of the page's forms."""
    actor = current_user().name
    if action == "note":
        body = form.get("reason", "").strip()
        if not body or len(body) > MAX_NOTE:
            raise Invalid(_("Write a note (at most 4000 characters)."), fields={"reason": "note"})
        actions.add_note(report_id, body, actor)
        return
    reason = form_reason(form)
    if action == "assign":
        actions.assign(report_id, (form.get("officer") or "").strip() or None, reason, actor)
    elif action == "merge":
        triage.merge(report_id, form_ids(form.getlist("report_ids")), reason, actor)
    else:
        triage.set_status(report_id, actions.STATUS_ACTIONS[action], reason, actor)


@bp.post(f"{ROUTE}/act")
@login_required()
def report_act(report_id: int):
    """One action on the report (the form's `action`), then the page again."""
    action = request.form.get("action", "")
    if action not in ACTIONS:
        raise Invalid(_("Unknown action."), fields={"action": _("Unknown action.")})
    _act(report_id, action, request.form)
    if request.headers.get("HX-Request"):
        return render_template("console/_report_main.html", **page_data(report_id))
    return redirect(url_for("console.report_page", report_id=report_id), 303)
