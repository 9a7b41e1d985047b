"""The console's campaign pages: `/console/campaigns` (the list, filtered with the API's own
query model) and `/console/campaigns/<id>` (first/last seen, reports per day as a server-side
SVG bar chart with its data table and a CSV download, authorities, patterns, shared indicators,
its reports, and a form to confirm or dismiss the whole campaign with a reason)."""
from __future__ import annotations

import csv
import io

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fraudwatch.console import bp
from fraudwatch.console.nav import add_nav
from fraudwatch.console.session import current_user, login_required
from fraudwatch.exceptions import Invalid
from fraudwatch.infra.extensions import db
from fraudwatch.services import campaign_actions
from fraudwatch.services.campaign_requests import (
    CAMPAIGN_ID_MAX,
    KINDS,
    CampaignActionIn,
    CampaignQuery,
    CampaignReportsQuery,
    campaign_or_404,
    list_page,
)
from fraudwatch.services.contract import check
from fraudwatch.storage import campaign_queries as queries
from fraudwatch.storage.campaigns import CAMPAIGN_STATUSES

add_nav("console.campaigns", _l("Campaigns"), order=30)
ROUTE = f"/campaigns/<int(min=1, max={CAMPAIGN_ID_MAX}):campaign_id>"
CHART_W, CHART_H, MAX_BAR = 720, 160, 24


def _args(model):
    """The query string validated by the API's model (a bad or repeated value: Invalid, shown as a
    400 page); an empty field of the filter form ("any") is not given."""
    repeated = [key[:100] for key, values in request.args.lists() if len(values) > 1]
    if repeated:
        raise Invalid(_("invalid parameters"), fields=dict.fromkeys(repeated, "given more than once"))
    data = {key: value for key, value in request.args.items() if value != ""}
    return check(model, data, _("invalid parameters"), unknown="unknown parameter")


def chart(days: list[tuple[object, int]]) -> dict:
    """Bars of a reports-per-day chart (SVG coordinates, no script): x, y, width, height, label."""
    top = max((n for _, n in days), default=0) or 1
    width = min(MAX_BAR, CHART_W / max(len(days), 1))
    bars = [{"x": round(i * width, 2), "width": round(max(width - 1, 0.5), 2),
             "height": round(n / top * (CHART_H - 20), 2), "day": d.isoformat(), "reports": n}
            for i, (d, n) in enumerate(days)]
    for bar in bars:
        bar["y"] = round(CHART_H - bar["height"], 2)
    return {"bars": bars, "width": CHART_W, "height": CHART_H, "top": top}


@bp.get("/campaigns")
@login_required()
def campaigns():
    """The campaign list, latest (or biggest) first, with filters."""
    query = _args(CampaignQuery)
    rows, more = list_page(query)
    next_args = {**request.args.to_dict(), "after": rows[-1].id} if more and rows else None
    return render_template("console/campaigns.html", campaigns=rows, query=query, next_args=next_args,
                           campaign_statuses=CAMPAIGN_STATUSES, campaign_kinds=KINDS)


@bp.get(ROUTE)
@login_required()
def campaign(campaign_id: int):
    """One campaign."""
    query = _args(CampaignReportsQuery)
    found = campaign_or_404(campaign_id)
    reports = queries.campaign_reports(db.session, campaign_id, query.before_id, query.limit + 1)
    days = queries.per_day(db.session, found)
    return render_template("console/campaign.html", campaign=found, days=days, chart=chart(days),
                           reports=reports[:query.limit], more=len(reports) > query.limit,
                           indicators=queries.campaign_indicators(db.session, campaign_id),
                           actions=campaign_actions.CAMPAIGN_ACTIONS)


@bp.get(f"{ROUTE}/days.csv")
@login_required()
def campaign_days_csv(campaign_id: int):
    """The reports-per-day data as CSV."""
    found = campaign_or_404(campaign_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["day", "reports"])
    writer.writerows((d.isoformat(), n) for d, n in queries.per_day(db.session, found))
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=campaign-{campaign_id}-days.csv"})


@bp.post(f"{ROUTE}/act")
@login_required()
def campaign_act(campaign_id: int):
    """Confirm, dismiss or reopen the whole campaign with a reason (then back to the page)."""
    form = {"action": request.form.get("action", ""), "reason": request.form.get("reason", "").strip()}
    try:
        body = check(CampaignActionIn, form, _("invalid action"))
    except Invalid:
        flash(_("Choose an action and give a reason (at most 1,000 characters)."), "error")
        return redirect(url_for("console.campaign", campaign_id=campaign_id), 303)
    _campaign, changed = campaign_actions.act(campaign_id, body.action, body.reason, current_user().name)
    flash(_("Done: %(count)s reports changed.", count=len(changed)), "ok")
    return redirect(url_for("console.campaign", campaign_id=campaign_id), 303)
