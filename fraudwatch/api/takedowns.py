"""Officer endpoints of takedown tracking: the list of takedowns of confirmed URLs and domains
(status, contacts, last check) with the time-to-takedown figures, and one takedown with its
notices and checks. The query model is services/takedowns.py's (the console page validates
with the same one); the answer models are declared here for the OpenAPI document."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from fraudwatch.api import bp
from fraudwatch.api.operations import ok, operation
from fraudwatch.services import takedowns as service
from fraudwatch.services.contract import Answer
from fraudwatch.storage.models import Indicator, Takedown, TakedownNotice
from fraudwatch.storage.takedowns import NOTICE_PARTIES, NOTICE_STATUSES, TAKEDOWN_STATUSES

OFFICERS = ("officer", "admin")
ROUTE = f"/takedowns/<int(min=1, max={service.TAKEDOWN_ID_MAX}):takedown_id>"
Count = Annotated[int, Field(ge=0)]
Hours = Annotated[float, Field(ge=0)]
CHECK_STATES = ("serving", "gone", "unknown")


class AbuseContact(Answer):
    """Who to notify: from RDAP (`rdap`), recorded by an officer (`officer`), or a note that RDAP
    could not be asked (`unavailable`)."""

    party: str
    contact: str
    source: str
    name: str | None = None
    actor: str | None = None
    at: str | None = None


class CheckSummary(Answer):
    """A revisit of the site: serving the scam, gone, or unknown (the network refused, a timeout...)."""

    at: datetime | None
    state: Literal[CHECK_STATES]
    reason: str
    url: str | None
    http_status: int | None
    title: str | None


class TakedownSummary(Answer):
    """A takedown as listed."""

    id: int
    indicator_id: int
    type: Literal["url", "domain"]
    value: str
    status: Literal[TAKEDOWN_STATUSES]
    confirmed_at: datetime
    down_at: datetime | None
    last_checked_at: datetime | None
    next_check_at: datetime | None
    abuse_contacts: list[AbuseContact]
    last_check: CheckSummary | None


class TakedownStats(Answer):
    """Takedowns by status; hours from confirmation to down of the sites that are down."""

    by_status: dict[str, Count]
    total: Count
    down: Count
    median_hours: Hours | None
    p90_hours: Hours | None


class TakedownList(Answer):
    """A page of takedowns, newest first, and the figures over all of them."""

    takedowns: list[TakedownSummary]
    next_before_id: int | None = Field(description="pass as `before_id` for the next page; null on the last page")
    stats: TakedownStats


class Notice(Answer):
    """A notice sent to a registrar, host or CERT, and what came of it."""

    id: int
    party: Literal[NOTICE_PARTIES]
    contact: str
    status: Literal[NOTICE_STATUSES]
    note: str | None
    actor: str
    created_at: datetime
    updated_at: datetime


class TakedownDetail(TakedownSummary):
    """One takedown with its notices and its checks, newest first."""

    notices: list[Notice]
    checks: list[CheckSummary]


def _contact(c: dict) -> dict:
    return {"party": str(c.get("party") or ""), "contact": str(c.get("contact") or ""),
            "source": str(c.get("source") or ""), "name": c.get("name") if isinstance(c.get("name"), str) else None,
            "actor": c.get("actor") if isinstance(c.get("actor"), str) else None,
            "at": c.get("at") if isinstance(c.get("at"), str) else None}


def check_json(check: dict) -> dict:
    """A stored check in the answer's shape."""
    status = check.get("http_status")
    return {"at": check.get("at"), "state": check.get("state") if check.get("state") in CHECK_STATES else "unknown",
            "reason": str(check.get("reason") or ""), "url": check.get("url"),
            "http_status": status if isinstance(status, int) else None, "title": check.get("title")}


def summary_json(t: Takedown, i: Indicator) -> dict:
    """A takedown as listed."""
    stamp = lambda d: d.isoformat() if d else None  # noqa: E731
    last = service.checks_of(t)
    return {"id": t.id, "indicator_id": i.id, "type": i.type, "value": i.value, "status": t.status,
            "confirmed_at": t.confirmed_at.isoformat(), "down_at": stamp(t.down_at),
            "last_checked_at": stamp(t.last_checked_at), "next_check_at": stamp(t.next_check_at),
            "abuse_contacts": [_contact(c) for c in t.abuse_contacts or [] if isinstance(c, dict)],
            "last_check": check_json(last[0]) if last else None}


def notice_json(n: TakedownNotice) -> dict:
    """A notice."""
    return {"id": n.id, "party": n.party, "contact": n.contact, "status": n.status, "note": n.note,
            "actor": n.actor, "created_at": n.created_at.isoformat(), "updated_at": n.updated_at.isoformat()}


@bp.get("/takedowns")
@operation("List takedowns of confirmed URLs and domains, with the time-to-takedown figures (officers)",
           query=service.TakedownQuery, roles=OFFICERS, tags=("takedowns",),
           responses={200: ok(TakedownList, "takedowns, newest first; `next_before_id` pages on")},
           description="A takedown is opened for each confirmed URL and domain; the site is revisited until it "
                       "stops serving the scam (`down`), and again in case it comes `back`. `stats` counts every "
                       "takedown, whatever the filter.")
def list_takedowns(query: service.TakedownQuery):
    """A page of takedowns, filtered by status."""
    rows, more = service.list_page(query)
    return {"takedowns": [summary_json(t, i) for t, i in rows],
            "next_before_id": rows[-1][0].id if more and rows else None, "stats": service.stats()}


@bp.get(ROUTE)
@operation("One takedown: contacts, notices and checks (officers)", roles=OFFICERS, tags=("takedowns",),
           responses={200: ok(TakedownDetail, "the takedown")})
def get_takedown(takedown_id: int):
    """One takedown."""
    takedown, indicator = service.takedown_or_404(takedown_id)
    return {**summary_json(takedown, indicator), "notices": [notice_json(n) for n in service.notices(takedown_id)],
            "checks": [check_json(c) for c in service.checks_of(takedown)]}
