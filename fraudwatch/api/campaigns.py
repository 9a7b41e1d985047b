"""Officer endpoints for campaigns: the list, one campaign (reports per day, authorities,
patterns, indicators, its reports) and acting on a whole campaign with a reason.

The answer models are declared here and the request models in services/campaign_requests.py
(the console's campaign pages validate with the same ones): `operation` validates with them
and the OpenAPI document is generated from them, as for every other operation."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from fraudwatch.api import bp
from fraudwatch.api.operations import ok, operation
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
from fraudwatch.services.contract import Answer
from fraudwatch.services.validation import clean_string
from fraudwatch.storage import campaign_queries as queries
from fraudwatch.storage.campaigns import CAMPAIGN_STATUSES
from fraudwatch.storage.models import Campaign, Report
from fraudwatch.web.auth import current

OFFICERS = ("officer", "admin")
CAMPAIGN_ROUTE = f"/campaigns/<int(min=1, max={CAMPAIGN_ID_MAX}):campaign_id>"
EXCERPT = 200
Count = Annotated[int, Field(ge=0)]


class CodeCount(Answer):
    """An authority or pattern (verdict category) and how many of the campaign's reports have it."""

    code: str
    count: Count


class CampaignSummary(Answer):
    """A campaign as listed."""

    id: int
    key: str
    kind: Literal[KINDS]
    title: str
    status: Literal[CAMPAIGN_STATUSES]
    report_count: Count
    first_seen: datetime
    last_seen: datetime
    authorities: list[CodeCount]
    patterns: list[CodeCount]


class CampaignList(Answer):
    """A page of campaigns."""

    campaigns: list[CampaignSummary]
    next_after: int | None = Field(description="pass as `after` for the next page; null on the last page")


class DayCount(Answer):
    """Reports of the campaign received on one UTC day."""

    day: date
    reports: Count


class SharedIndicator(Answer):
    """An indicator the campaign's reports name, and how many of them do."""

    id: int
    type: str
    value: str
    status: str
    reports: Count


class CampaignReport(Answer):
    """One of the campaign's reports, briefly."""

    id: int
    status: str
    channel: str
    source: str
    created_at: datetime
    verdict_label: str | None
    scam_score: float | None
    text_excerpt: str | None


class CampaignDetail(CampaignSummary):
    """One campaign with its reports per day, shared indicators and a page of its reports."""

    per_day: list[DayCount]
    indicators: list[SharedIndicator]
    reports: list[CampaignReport]
    next_before_id: int | None = Field(description="pass as `before_id` for the next page of reports")


class CampaignActed(Answer):
    """The campaign after the action and the reports it changed."""

    campaign: CampaignSummary
    changed: list[int]


def summary_json(c: Campaign) -> dict:
    """A campaign as listed."""
    return {"id": c.id, "key": c.key, "kind": c.kind, "title": c.title, "status": c.status,
            "report_count": c.report_count, "first_seen": c.first_seen.isoformat(),
            "last_seen": c.last_seen.isoformat(), "authorities": c.authorities or [], "patterns": c.patterns or []}


def report_brief(r: Report) -> dict:
    """One of a campaign's reports, briefly."""
    text = r.message_text or r.description
    return {"id": r.id, "status": r.status, "channel": r.channel, "source": r.source,
            "created_at": r.created_at.isoformat(), "verdict_label": r.verdict_label, "scam_score": r.scam_score,
            "text_excerpt": text[:EXCERPT] if text else None}


@bp.get("/campaigns")
@operation("List campaigns (officers)", query=CampaignQuery, roles=OFFICERS, tags=("campaigns",), errors=(404,),
           responses={200: ok(CampaignList, "campaigns, latest (or biggest) first; `next_after` pages on")},
           description="`after` is the last campaign id of the previous page; a campaign that no longer exists "
                       "(merged into another one) is a 404.")
def list_campaigns(query: CampaignQuery):
    """A page of campaigns, filtered and sorted."""
    found, more = list_page(query)
    return {"campaigns": [summary_json(c) for c in found], "next_after": found[-1].id if more else None}


@bp.get(CAMPAIGN_ROUTE)
@operation("One campaign: reports per day, authorities, patterns, indicators, its reports (officers)",
           query=CampaignReportsQuery, roles=OFFICERS, tags=("campaigns",),
           responses={200: ok(CampaignDetail, "the campaign")})
def get_campaign(campaign_id: int, query: CampaignReportsQuery):
    """One campaign with a page of its reports (`before_id` pages on)."""
    campaign = campaign_or_404(campaign_id)
    reports = queries.campaign_reports(db.session, campaign_id, query.before_id, query.limit + 1)
    more, reports = len(reports) > query.limit, reports[:query.limit]
    shared = queries.campaign_indicators(db.session, campaign_id)
    return {**summary_json(campaign),
            "per_day": [{"day": d.isoformat(), "reports": n} for d, n in queries.per_day(db.session, campaign)],
            "indicators": [{"id": i.id, "type": i.type, "value": i.value, "status": i.status, "reports": n}
                           for i, n in shared],
            "reports": [report_brief(r) for r in reports], "next_before_id": reports[-1].id if more else None}


@bp.post(f"{CAMPAIGN_ROUTE}/status")
@operation("Confirm or dismiss a whole campaign, saying why (officers)", body=CampaignActionIn, roles=OFFICERS,
           tags=("campaigns",), responses={200: ok(CampaignActed, "the campaign and the reports changed")},
           description="One transaction: every open report (new, triaging, needs_info) of the campaign takes the "
                       "status, with the reason in its history; decided reports and duplicates keep theirs. "
                       "`reopen` only reopens the campaign.")
def act_on_campaign(campaign_id: int, body: CampaignActionIn):
    """{"action": confirm|dismiss|reopen, "reason": ...}."""
    errors: dict[str, str] = {}
    reason = clean_string(body.reason, "reason", errors)
    if errors or not reason:
        raise Invalid("invalid reason", fields=errors or {"reason": "must not be blank"})
    campaign, changed = campaign_actions.act(campaign_id, body.action, reason, current().name)
    return {"campaign": summary_json(campaign), "changed": changed}
