"""What officers send about campaigns (the API's campaign operations and the console's campaign
pages validate with these same models), and the campaign-or-404 both answer with."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from classifiers.corpus import CATEGORIES
from fraudwatch.exceptions import NotFound
from fraudwatch.indicators.authorities import load_registry
from fraudwatch.infra.extensions import db
from fraudwatch.services.campaign_actions import CAMPAIGN_ACTIONS
from fraudwatch.services.contract import NOT_BLANK, Body, Query, column_max
from fraudwatch.services.validation import TEXT_LIMITS
from fraudwatch.storage import campaign_queries as queries
from fraudwatch.storage.campaigns import CAMPAIGN_STATUSES
from fraudwatch.storage.models import Campaign, Report

CAMPAIGN_ID_MAX = column_max(Campaign.__table__.c.id)
REPORT_ID_MAX = column_max(Report.__table__.c.id)
KINDS = ("indicator", "collector", "text")


class CampaignQuery(Query):
    """Filters and order of the campaign list; `after` (the last campaign id of a page) pages on."""

    sort: Literal[queries.CAMPAIGN_SORTS] = "last_seen"
    status: Literal[CAMPAIGN_STATUSES] | None = None
    kind: Literal[KINDS] | None = None
    authority: Literal[tuple(sorted(load_registry().authorities))] | None = None
    pattern: Literal[CATEGORIES] | None = None
    min_reports: Annotated[int, Field(ge=1, le=CAMPAIGN_ID_MAX)] | None = None
    after: Annotated[int, Field(ge=1, le=CAMPAIGN_ID_MAX, description="`next_after` of the last page")] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class CampaignReportsQuery(Query):
    """A page of a campaign's reports, newest first."""

    before_id: Annotated[int, Field(ge=1, le=REPORT_ID_MAX)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class CampaignActionIn(Body):
    """Confirm or dismiss every open report of the campaign (or reopen it), and why."""

    action: Literal[tuple(CAMPAIGN_ACTIONS)]
    reason: Annotated[str, Field(min_length=1, max_length=TEXT_LIMITS["reason"], pattern=NOT_BLANK)]


def campaign_or_404(campaign_id: int) -> Campaign:
    """The campaign, or NotFound."""
    campaign = queries.get_campaign(db.session, campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id} does not exist (a campaign merged into another one is gone)")
    return campaign


def list_page(query: CampaignQuery) -> tuple[list[Campaign], bool]:
    """The page of campaigns a list query asks for, and whether there are more."""
    cursor = None
    if query.after is not None:
        last = campaign_or_404(query.after)
        cursor = queries.encode_cursor(query.sort, getattr(last, query.sort), last.id)
    rows, more = queries.list_campaigns(db.session, queries.CampaignFilter(
        sort=query.sort, status=query.status, kind=query.kind, authority=query.authority, pattern=query.pattern,
        min_reports=query.min_reports, cursor=cursor, limit=query.limit))
    return rows, more is not None
