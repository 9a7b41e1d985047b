"""Confirmed reports become examples on the public site's scam pattern pages.

A report an officer confirms (alone, in a bulk action or with its campaign) is published as an
example of its pattern within PUBLISH_SWEEP_SECONDS plus the pages' cache: `sweep`, a periodic
task of the workers (fraudwatch/jobs/periodic.py), reads the status changes since its last
turn that made a report confirmed or took it out of confirmed, and

- publishes a newly confirmed report: its pattern (`pattern_for`: the classifier's category
  and the impersonated authority) and its text redacted and defanged once, here
  (fraudwatch.publish.redact: phone, card and ID numbers, e-mail addresses, people's names
  masked; links made unclickable); a report sent as a screenshot only is shown by the text OCR
  read in it, redacted the same way. Nothing of the reporter is copied. With PUBLISH_EXAMPLES =
  "editor" it waits as a `candidate` until an editor publishes it;
- shows one example per campaign (reports grouped as one scam): the campaign's other confirmed
  reports are kept withdrawn (`chosen_by` "campaign"), and the example says how many reports
  its campaign has;
- withdraws the example of a report no longer confirmed (dismissed, merged as a duplicate);
  an automatic withdrawal is undone if the report is confirmed again, an editor's is not.

Status changes commit out of order on PostgreSQL (ids are taken at insert), so each turn
reads again the changes of the last SETTLE_SECONDS: settling a report twice changes nothing.
Editors publish, withdraw and restore examples by hand (`set_state`), audited."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy.orm import Session

from fraudwatch.exceptions import Invalid, NotFound
from fraudwatch.infra import page_cache
from fraudwatch.infra.extensions import db
from fraudwatch.publish import defang, redact
from fraudwatch.storage import examples
from fraudwatch.storage.audit import add_audit_event
from fraudwatch.storage.models import PublishedExample, utcnow
from fraudwatch.storage.transactions import in_transaction

CURSOR = "publishing_cursor"  # site_snapshots row: the status change id every earlier change was settled by
SETTLE_SECONDS = 120
BATCH = 500
MAX_TEXT = 1000  # characters of a published example


@dataclass(frozen=True)
class Pattern:
    """A scam pattern of the public site: which confirmed reports are its examples."""

    slug: str
    categories: frozenset[str] = frozenset()
    overseas: bool = False  # impersonates a tax authority outside mainland China, whatever the category
    cues: tuple[str, ...] = ()  # words of the text that make a report of `categories` this pattern


# In order: a report is an example of the first pattern it fits.
PATTERNS = (
    Pattern("overseas-tax-lures", overseas=True),
    Pattern("invoice-plugin", frozenset({"fake_portal", "credential_phish", "other_phishing", "fee_demand"}),
            cues=("插件", "控件", "查验软件", "验证软件", "开票软件", "plug-in", "plugin", ".apk", ".exe")),
    Pattern("system-fee", frozenset({"fee_demand"})),
    Pattern("tax-refund", frozenset({"refund_lure"})),
    Pattern("fake-tax-portal", frozenset({"fake_portal", "credential_phish", "other_phishing"})),
    Pattern("audit-threat", frozenset({"audit_threat", "abnormal_status"})),
    Pattern("subsidy-lure", frozenset({"subsidy_lure"})),
    Pattern("invoice-selling", frozenset({"invoice_selling"})),
    Pattern("other-tax-scams", frozenset({"other_scam"})),
)
SLUGS = tuple(p.slug for p in PATTERNS)


def _overseas(authority: str | None) -> bool:
    return bool(authority) and not authority.upper().startswith("CN")


def pattern_for(category: str | None, authority: str | None, text: str | None) -> str | None:
    """The pattern a confirmed report is an example of, or None (no category, or not a scam)."""
    lowered = (text or "").lower()
    for pattern in PATTERNS:
        if pattern.overseas:
            if _overseas(authority) and category not in (None, "none", "advertising"):
                return pattern.slug
            continue
        if category in pattern.categories and (not pattern.cues or any(c in lowered for c in pattern.cues)):
            return pattern.slug
    return None


def example_text(message: str | None, description: str | None, url: str | None) -> str | None:
    """What is shown of a report: its message (else the reporter's description, else its link),
    redacted and defanged, at most MAX_TEXT characters; None when it has nothing to show."""
    source = next((t for t in (message, description) if t and t.strip()), None)
    if source is None:
        return defang(url.strip()) if url and url.strip() else None
    text = redact(source.strip()[: MAX_TEXT * 4]).text.strip()
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1].rstrip() + "…"


def sweep(limit: int = 20_000) -> int:
    """Settle the reports whose confirmation changed since the last turn; how many were settled."""
    session = db.session
    after = examples.cursor(session, CURSOR)
    rows = examples.confirmation_changes(session, after, limit)
    settled = examples.last_change_before(session, after, utcnow() - timedelta(seconds=SETTLE_SECONDS))
    if len(rows) == limit:  # more to read: the next turn goes on from here
        settled = rows[-1].id if settled is None else min(settled, rows[-1].id)
    session.rollback()
    report_ids = sorted({row.report_id for row in rows})

    def work() -> int:
        changed = sum(_settle(session, report_ids[start:start + BATCH]) for start in range(0, len(report_ids), BATCH))
        if settled is not None and settled > after:
            examples.save_cursor(session, CURSOR, settled)
        return changed

    if in_transaction(session, work):
        page_cache.bump()  # the pages show it now, not when their cached copies expire
    return len(report_ids)


def _settle(session: Session, report_ids: list[int]) -> int:
    """Publish, withdraw or restore the examples of these reports; how many changed."""
    existing = examples.examples_of(session, report_ids)
    reports = examples.reports_to_settle(session, report_ids)
    screenshots = examples.screenshot_texts(session, [r.id for r in reports if not (r.message_text or "").strip()])
    shown = examples.campaigns_shown(session, {r.campaign_id for r in reports if r.campaign_id is not None})
    initial = "candidate" if current_app.config["PUBLISH_EXAMPLES"] == "editor" else "published"
    now, changed = utcnow(), 0
    for report in reports:
        example = existing.get(report.id)
        confirmed = report.status == "confirmed"
        if confirmed and example is None:
            message = report.message_text if (report.message_text or "").strip() else screenshots.get(report.id)
            pattern = pattern_for(report.verdict_category, report.verdict_authority, message)
            text = example_text(message, report.description, report.url)
            if pattern and text:
                # one example per campaign: the others wait withdrawn (an editor may publish them)
                grouped = report.campaign_id is not None and report.campaign_id in shown
                examples.add_example(
                    session, report_id=report.id, pattern=pattern, authority=report.verdict_authority,
                    channel=report.channel, text=text, state="withdrawn" if grouped else initial,
                    chosen_by="campaign" if grouped else "auto", published_at=now, updated_at=now)
                if report.campaign_id is not None:
                    shown.add(report.campaign_id)
                changed += 1
        elif not confirmed and example is not None and example.state != "withdrawn":
            example.state, example.chosen_by, example.updated_at = "withdrawn", "auto", now
            changed += 1
        elif confirmed and example is not None and example.state == "withdrawn" and example.chosen_by == "auto":
            example.state, example.updated_at = initial, now
            changed += 1
    return changed


def set_state(example_id: int, state: str, editor: str, address: str | None = None) -> PublishedExample:
    """An editor publishes, withdraws or restores an example (a report no longer confirmed
    cannot be published)."""
    if state not in ("published", "withdrawn"):
        raise Invalid("unknown state", fields={"state": "must be published or withdrawn"})
    session = db.session

    def work() -> PublishedExample:
        example = examples.get_example(session, example_id)
        if example is None:
            raise NotFound(f"example {example_id} not found")
        if state == "published" and examples.report_status(session, example.report_id) != "confirmed":
            raise Invalid("not confirmed", fields={"state": "the report is no longer confirmed"})
        before = example.state
        example.state, example.chosen_by, example.updated_at = state, editor, utcnow()
        if state == "published" and before == "candidate":
            example.published_at = example.updated_at
        add_audit_event(session, actor=editor, action=f"example.{state}", target_type="example",
                        target_id=example.id, detail={"report_id": example.report_id, "from": before},
                        address=address)
        return example

    example = in_transaction(session, work)
    page_cache.bump()
    return example


published = examples.published  # the pages read through the service
counts_by_pattern = examples.counts_by_pattern
for_editor = examples.for_editor
