"""What the API answers: the response models of every operation and the error document.

Views return plain dicts (no per-request cost); these models declare their shape for the
OpenAPI document, and the property-based tests check every answer against it. Objects
forbid undeclared fields, so a field leaking into an answer (such as `duplicate_of` in the
public report answer) is a schema mismatch."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from fraudwatch.api.models import LABELS, IndicatorType
from fraudwatch.services.contract import Answer
from fraudwatch.storage.models import CHANNELS, EVIDENCE_ROLES, LINK_ROLES, REPORT_STATUSES

Score = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0)]
LOOKUP_STATUSES = ("official", "confirmed_fraud", "suspected", "delisted", "unknown")


class ErrorDetail(Answer):
    """What went wrong: a machine-readable code, a message, and a message per field."""

    code: str
    message: str
    fields: dict[str, str]


class ErrorDocument(Answer):
    """Every error: `{"error": {"code", "message", "fields"}}`."""

    error: ErrorDetail


class IndicatorFound(Answer):
    """An indicator named in a report or extracted from its text."""

    type: IndicatorType
    value: str
    display: str
    role: Literal["reported", "extracted"]


PENDING_WORK = ("verdict", "crawl")
Pending = Field(description="what is still to come for this report: `verdict` (the classifier's), `crawl` "
                            "(evidence from fetching its URLs); empty when nothing is")


class VerdictSummary(Answer):
    """The classifier's verdict on the report's text, stored while the report was received."""

    label: Literal[LABELS]
    scam_score: Score
    tax_impersonation: bool
    authority: str | None
    category: str
    model_version: str


class ReportCreated(Answer):
    """The submitter's receipt: whether anyone reported the same before is never said."""

    id: int
    status: Literal["new"]
    created_at: datetime
    indicators: list[IndicatorFound]
    processing: Literal["queued", "pending"]
    verdict: VerdictSummary | None = Field(description="set when the report's text was judged within the "
                                                       "request; otherwise it comes later (see `pending`)")
    pending: list[Literal[PENDING_WORK]] = Pending


class Evidence(Answer):
    """Why a lookup answered as it did. A `page` entry is the scam page a crawl found: the
    indicator is that page's URL or domain (`role` page) or where its form sends what it
    asks for (`role` collector). Entries about a listed indicator (`reports`, `feed`,
    `domain`, `page`) say how far its confidence has decayed since it was last seen, and
    whether it is disputed or delisted."""

    kind: str
    detail: str
    reports: Count = None  # type: ignore[assignment]
    status: str = Field(None, description="the indicator's status; `delisted` when an accepted appeal took it "
                                          "off the lists")  # type: ignore[assignment]
    confidence: Score = Field(None, description="`base_confidence` decayed since `last_seen` (MISP-style "
                                                "polynomial decay, per type)")  # type: ignore[assignment]
    base_confidence: Score = Field(None, description="the confidence it starts from when seen: its source's, "
                                                     "else its status's")  # type: ignore[assignment]
    last_seen: datetime = Field(None, description="its last sighting (a report, crawl or import naming "
                                                  "it)")  # type: ignore[assignment]
    sighting_count: Count = Field(None, description="how often it was seen again (once per hour at "
                                                    "most)")  # type: ignore[assignment]
    expired: bool = Field(None, description="decayed below DECAY_THRESHOLD: the feeds no longer carry it; "
                                            "shown here all the same")  # type: ignore[assignment]
    disputed: bool = Field(None, description="an appeal against its listing is open")  # type: ignore[assignment]
    delisted_at: datetime = Field(None, description="when an accepted appeal delisted it (`status` "
                                                    "delisted)")  # type: ignore[assignment]
    max_scam_score: Score = None  # type: ignore[assignment]
    report_ids: list[int] = Field(None, description="officers only")  # type: ignore[assignment]
    role: Literal[EVIDENCE_ROLES] = Field(None, description="`page` entries")  # type: ignore[assignment]
    final_url: str = Field(None, description="`page` entries: the page, after redirects")  # type: ignore[assignment]
    title: str = Field(None, description="`page` entries")  # type: ignore[assignment]
    label: Literal[LABELS] = Field(None, description="`page` entries: the page's verdict")  # type: ignore[assignment]
    scam_score: Score = Field(None, description="`page` entries: the page's verdict")  # type: ignore[assignment]
    signals: list[str] = Field(None, description="`page` entries: the page's signals")  # type: ignore[assignment]


class LookupAnswer(Answer):
    """What fraudwatch knows about one indicator."""

    type: IndicatorType
    value: str
    display: str
    status: Literal[LOOKUP_STATUSES]
    risk_score: Score
    authority: str | None
    reports: Count
    first_seen: datetime | None
    last_seen: datetime | None
    disputed: bool = Field(description="an appeal against the listing of this indicator (or of its domain) is "
                                       "open: officers are reviewing it")
    delisted_at: datetime | None = Field(description="set when an accepted appeal delisted this indicator; the "
                                                     "status is then `delisted` unless something else lists it")
    evidence: list[Evidence]


class LookupItemError(Answer):
    """A batch item that could not be looked up (type and value echoed when they were strings)."""

    type: str | None
    value: str | None
    error: ErrorDetail


class LookupResults(Answer):
    """Answers in the order of the items."""

    results: list[LookupAnswer | LookupItemError]


class Signal(Answer):
    """A signal found in the text, with offsets in the text as sent."""

    name: str
    text: str
    start: Count
    end: Count
    authority: str = None  # type: ignore[assignment]


class Weight(Answer):
    """An n-gram or signal that pushed the decision, and how much."""

    feature: str
    weight: float


class Verdict(Answer):
    """The classifier's verdict on one text."""

    label: Literal[LABELS]
    scam_score: Score
    spam_score: Score
    tax_impersonation: bool
    authority: str | None
    category: str
    signals: list[Signal]
    explanation: list[Weight]
    model_version: str
    truncated: bool


class ClassifiedItem(Verdict):
    """A batch item's verdict with its id."""

    id: str | int | None


class ClassifyItemError(Answer):
    """A batch item that could not be classified."""

    id: str | int | None
    error: ErrorDetail


class ClassifyResults(Answer):
    """Verdicts in the order of the items."""

    results: list[ClassifiedItem | ClassifyItemError]


class Report(Answer):
    """A report as officers see it (the reporter's contact included)."""

    id: int
    status: Literal[REPORT_STATUSES]
    channel: Literal[CHANNELS]
    source: str
    created_at: datetime
    received_at: datetime | None
    message_text: str | None
    url: str | None
    domain: str | None
    phone: str | None
    email: str | None
    company: str | None
    bank_account: str | None
    description: str | None
    reporter_contact: str | None
    duplicate_of: int | None
    submitted_by: str | None
    verdict: dict[str, Any] | None
    processed_at: datetime | None
    risk: Annotated[float, Field(ge=0, le=100)]
    reporter_count: Count
    verdict_authority: str | None
    verdict_category: str | None
    model_version: str | None
    assigned_to: str | None


class StatusChange(Answer):
    """One change of status: from what to what, who and why."""

    from_: str | None = Field(alias="from")
    to: str
    actor: str
    reason: str | None
    at: datetime


class LinkedIndicator(Answer):
    """An indicator of the report: named in a field (`reported`) or its text (`extracted`), by
    a report merged into it (`merged`), or found by crawling its URLs: where a URL led and
    that page's domain (`landing`), where a scam page's form sends what it asks for
    (`collector`)."""

    id: int
    type: IndicatorType
    value: str
    status: str
    role: Literal[LINK_ROLES]


class PageForm(Answer):
    """A form of the page: where it posts and what it asks for."""

    action: str | None
    method: str
    asks: list[str] = Field(description="kinds of data asked for (password, bank_card, id_number, otp...)")
    cross_domain: bool = Field(description="posts to another registrable domain than the page's")


class CrawlEvidence(Answer):
    """What a crawl of one of the report's URLs found."""

    url: str
    final_url: str | None
    http_status: int | None
    title: str | None
    excerpt: str | None
    forms: list[PageForm]
    signals: list[dict[str, Any]]
    verdict: dict[str, Any] | None
    error: dict[str, Any] | None
    fetched_at: datetime


class Note(Answer):
    """An officer's note on a report."""

    id: int
    report_id: int
    actor: str
    body: str
    created_at: datetime


class ReportDetail(Report):
    """One report with its history, indicators and crawl evidence."""

    pending: list[Literal[PENDING_WORK]] = Pending
    history: list[StatusChange]
    indicators: list[LinkedIndicator]
    evidence: list[CrawlEvidence]
    notes: list[Note]


class ReportList(Answer):
    """A page of the queue, in the order asked for."""

    reports: list[Report]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class BulkResult(Answer):
    """What a bulk action changed (reports already in that state are left as they are)."""

    action: str
    changed: list[int]


class Health(Answer):
    """The process answers."""

    status: Literal["ok"]


class Readiness(Answer):
    """Whether the database and Redis answer (each `ok` or `error: <kind>`)."""

    status: Literal["ready", "not_ready"]
    checks: dict[str, str]
