"""The console's queue page (`/console/queue`): reports in risk order with the filter form,
keyset "next page" link and the bulk action form.

The filter form is validated by the API's query model (`ReportQuery`), so the page and
GET /api/v1/reports accept exactly the same filters; a bad value shows the form with the
message, status 400. Bulk actions post to `/console/queue/bulk`: one transaction, all or
nothing (services/actions.py); with htmx the answer is the refreshed table, without it a 303
back to the queue."""
from __future__ import annotations

from datetime import datetime

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from classifiers.corpus import CATEGORIES
from fraudwatch.console import bp
from fraudwatch.console.nav import add_nav
from fraudwatch.console.session import current_user, login_required, safe_next
from fraudwatch.exceptions import Invalid
from fraudwatch.infra.extensions import db
from fraudwatch.services import actions
from fraudwatch.services.contract import check
from fraudwatch.services.queue_query import REPORT_ID_MAX, ReportQuery
from fraudwatch.storage import queue as queue_store
from fraudwatch.storage.models import CHANNELS, REPORT_STATUSES, Report, utcnow

add_nav("console.queue", _l("Queue"), order=10)
FIELDS = tuple(ReportQuery.model_fields)
MAX_FORM_IDS = actions.BULK_MAX


def parse_filters(args) -> ReportQuery:
    """The queue's filters from a query string (empty fields: not given), or Invalid."""
    data: dict[str, str] = {}
    for key, values in args.lists():
        if len(values) > 1:
            raise Invalid("invalid filter", fields={key[:100]: _("given more than once")})
        if values[0] != "":
            data[key] = values[0]
    return check(ReportQuery, data, "invalid filter", unknown=_("unknown parameter"))


def age(created: datetime) -> str:
    """How long ago, shortly: 5 min, 3 h, 12 d."""
    seconds = max(0, int((utcnow() - created).total_seconds()))
    if seconds < 3600:
        return _("%(n)d min", n=seconds // 60)
    if seconds < 86400:
        return _("%(n)d h", n=seconds // 3600)
    return _("%(n)d d", n=seconds // 86400)


def row(report: Report, links: dict[int, int]) -> dict:
    """What the table shows of a report."""
    text = report.message_text or report.description or report.url or ""
    return {"id": report.id, "risk": round(report.risk), "status": report.status, "channel": report.channel,
            "source": queue_store.source_kind(report), "authority": report.verdict_authority,
            "label": report.verdict_label, "category": report.verdict_category,
            "text": text[:80] + ("…" if len(text) > 80 else ""), "indicators": links.get(report.id, 0),
            "reporters": report.reporter_count, "age": age(report.created_at), "assigned_to": report.assigned_to}


def _page(query: ReportQuery | None, errors: dict[str, str], status: int = 200):
    rows, cursor = [], None
    if query is not None:
        reports, cursor = queue_store.list_queue(db.session, queue_store.QueueFilter(**dict(query)))
        links = queue_store.link_counts(db.session, [r.id for r in reports])
        rows = [row(r, links) for r in reports]
    shown = {k: v for k, v in request.args.items() if k in FIELDS and k != "cursor"}
    next_url = url_for("console.queue", **shown, cursor=cursor) if cursor else None
    template = "console/_queue_table.html" if request.headers.get("HX-Request") else "console/queue.html"
    return render_template(template, rows=rows, errors=errors, form=shown, next_url=next_url,
                           statuses=REPORT_STATUSES, channels=CHANNELS, sources=queue_store.QUEUE_SOURCES,
                           categories=CATEGORIES, sorts=queue_store.SORTS, bulk_actions=actions.BULK_ACTIONS,
                           here=request.full_path.rstrip("?")), status


@bp.get("/queue")
@login_required()
def queue():
    """The queue, filtered and sorted as the form asks."""
    try:
        query = parse_filters(request.args)
    except Invalid as exc:
        return _page(None, exc.fields or {"form": exc.message}, 400)
    try:
        return _page(query, {})
    except Invalid as exc:  # a cursor of another sort, or not one of ours
        return _page(None, exc.fields or {"form": exc.message}, 400)


def form_ids(values: list[str]) -> list[int]:
    """Report ids of a form (checkboxes or a typed list), or Invalid naming `report_ids`."""
    parts = [p for v in values for p in v.replace(",", " ").split()]
    if not parts or len(parts) > MAX_FORM_IDS:
        raise Invalid(_("Select 1 to %(n)d reports.", n=MAX_FORM_IDS),
                      fields={"report_ids": _("Select 1 to %(n)d reports.", n=MAX_FORM_IDS)})
    if not all(p.isascii() and p.isdigit() and 0 < len(p) <= 10 and 0 < int(p) <= REPORT_ID_MAX for p in parts):
        raise Invalid(_("Report ids are whole numbers."), fields={"report_ids": _("Report ids are whole numbers.")})
    return [int(p) for p in parts]


def form_reason(form) -> str:
    """The reason of an action form (required, at most 1000 characters)."""
    reason = " ".join(form.get("reason", "").split())
    if not reason or len(reason) > 1000:
        raise Invalid(_("Give a reason (at most 1000 characters)."),
                      fields={"reason": _("Give a reason (at most 1000 characters).")})
    return reason


@bp.post("/queue/bulk")
@login_required()
def queue_bulk():
    """One action on the selected reports (all or nothing), then back to the queue."""
    form = request.form
    action = form.get("action", "")
    if action not in actions.BULK_ACTIONS:
        raise Invalid(_("Unknown action."), fields={"action": _("Unknown action.")})
    ids, reason = form_ids(form.getlist("report_ids")), form_reason(form)
    officer = (form.get("officer") or "").strip() or None
    changed = actions.bulk(action, ids, reason, current_user().name, officer if action == "assign" else None)
    back = safe_next(form.get("next"))
    back = url_for("console.queue") if back == url_for("console.index") else back
    if request.headers.get("HX-Request"):
        return "", 204, {"HX-Redirect": back, "X-Changed": str(len(changed))}
    return redirect(back, 303)
