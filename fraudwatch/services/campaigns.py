"""Campaigns: reports that share a lure's own indicator, a collecting domain or near-identical
text are one campaign, with its counts, first/last seen, authorities and patterns.

A report joins the campaign of any other report (not dismissed) that
- names the same domain, URL, phone number or e-mail address, unless it is an official
  domain or hotline, a known brand's domain or a shared platform (a shortener, free hosting:
  the full URL still groups there), or links to it only through a merge;
- sends to the same collecting domain (a form target its crawl found: role `collector`);
- has near-identical text: a shared MinHash band, confirmed by Jaccard >= 0.8 of the
  shingles, links and digits masked (`fraudwatch.services.neardup`).
A report that links two campaigns merges them into the older one. The first two reports that
share something make a campaign keyed by what they share ("domain:etax-cn.top",
"collector:…", "phone:…", "text:<band>"). Assigning is idempotent and serialised
(`lock_assignments`); the report job and a crawl that finds a collector call `assign_report`,
`fraudwatch campaigns rebuild` runs it over every report in batches."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from fraudwatch.indicators.known import known_brand
from fraudwatch.indicators.normalize import shared_site
from fraudwatch.indicators.official import match_official, official_hotline
from fraudwatch.infra.extensions import db
from fraudwatch.services import neardup
from fraudwatch.storage import campaigns as store
from fraudwatch.storage.models import Report
from fraudwatch.storage.transactions import in_transaction

log = logging.getLogger(__name__)
KIND_ORDER = ("collector", "indicator", "text")  # what names a new campaign, best first
MAX_CHECKS = 12  # band candidates compared on their shingles, per report


@dataclass
class _Found:
    """What a report shares with others: campaigns met, reports to bring in, keys to name it."""

    campaigns: set[int] = field(default_factory=set)
    reports: set[int] = field(default_factory=set)
    indicators: list[int] = field(default_factory=list)
    keys: list[tuple[str, str, str, int | None]] = field(default_factory=list)  # kind, key, title, indicator
    loose: bool = False


def groups_by(link: store.Link) -> bool:
    """Whether an indicator is a lure's own (see the module docstring)."""
    if link.type == "phone":
        return official_hotline(link.value) is None
    if link.type == "email":
        return not link.host or match_official(link.host) is None
    host = link.host or link.value
    if match_official(host) is not None or known_brand(host) is not None:
        return False
    return link.type == "url" or shared_site(host) is None


def _key(link: store.Link) -> tuple[str, str, str, int]:
    kind = "collector" if link.role == "collector" else "indicator"
    prefix = "collector" if kind == "collector" else link.type
    return kind, f"{prefix}:{link.value}", link.value, link.indicator_id


def _by_indicators(session: Session, report_id: int, found: _Found) -> None:
    links = [link for link in store.grouping_links(session, report_id) if groups_by(link)]
    found.indicators = sorted({link.indicator_id for link in links})
    found.campaigns, found.loose = store.indicator_neighbours(session, found.indicators, report_id)
    found.keys += [_key(link) for link in links]


def _by_text(session: Session, report_id: int, text: str, found: _Found) -> None:
    keys = neardup.bands(text)
    store.set_bands(session, report_id, keys)
    if not keys:
        return
    mine, checked = neardup.shingles(text), 0
    for other in store.band_candidates(session, report_id, keys):
        if other.campaign_id is not None and other.campaign_id in found.campaigns or checked >= MAX_CHECKS:
            continue  # one confirmed member says which campaign it is
        checked += 1
        if neardup.jaccard(mine, neardup.shingles(other.text)) >= neardup.THRESHOLD:
            found.reports.add(other.id)
            if other.campaign_id is not None:
                found.campaigns.add(other.campaign_id)
    if found.reports:
        title = " ".join(neardup.mask_links(text).split())[:120]
        found.keys.append(("text", f"text:{keys[0]}", title, None))


def _campaign(session: Session, report: Report, found: _Found) -> int | None:
    """The campaign the report belongs to now (merging those it links), or None."""
    met = set(found.campaigns) | ({report.campaign_id} if report.campaign_id else set())
    if not met and not found.reports and not found.loose:
        return None
    if not met:  # a new campaign, named by what the report really shares
        shared = store.shared_indicators(session, found.indicators, report.id) if found.loose else set()
        keys = [k for k in found.keys if k[3] is None or k[3] in shared]
        kind, key, title, _ = min(keys, key=lambda k: (KIND_ORDER.index(k[0]), k[1]))
        met.add(store.campaign_for_key(session, key, kind, title))
    survivor = min(met)
    store.merge_campaigns(session, survivor, met)
    store.join_campaign(session, survivor, {report.id, *found.reports}, report.id,
                        found.indicators if found.loose else [])
    return survivor


def assign_in_session(session: Session, report_id: int, *, refresh: bool = True) -> int | None:
    """Group one report (inside the caller's transaction); its campaign id, or None."""
    store.lock_assignments(session)
    report = store.report_for_grouping(session, report_id)
    if report is None:
        return None
    found = _Found()
    if report.status != "dismissed":
        _by_indicators(session, report_id, found)
        _by_text(session, report_id, report.message_text or report.description or "", found)
    campaign_id = _campaign(session, report, found)
    if refresh and campaign_id is not None:
        store.refresh_campaigns(session, [campaign_id])
    return campaign_id


def assign_report(report_id: int) -> int | None:
    """Group one report with the others (its own transaction, idempotent); its campaign id."""
    return in_transaction(db.session, lambda: assign_in_session(db.session, report_id))


def assign_quietly(report_id: int) -> int | None:
    """`assign_report` for the jobs: a failure is logged, never fails the verdict or the crawl
    (the report joins its campaign on the next assignment or `fraudwatch campaigns rebuild`)."""
    try:
        return assign_report(report_id)
    except Exception:  # noqa: BLE001 - logged; grouping is never worth losing a verdict or evidence
        db.session.rollback()
        log.exception("campaign of report %s not assigned", report_id)
        return None


@dataclass
class Rebuilt:
    """What a backfill did."""

    reports: int = 0
    grouped: int = 0  # reports in a campaign at the end
    seconds: float = 0.0


def rebuild(batch: int = 500, reset: bool = False, progress: Callable[[Rebuilt], None] | None = None) -> Rebuilt:
    """Assign every report, in id order, `batch` reports per transaction (constant memory);
    `reset` forgets every campaign first (their status too)."""
    session, done, started = db.session, Rebuilt(), time.monotonic()
    if reset:
        in_transaction(session, lambda: store.reset_all(session))
    after = 0
    while ids := store.report_ids_after(session, after, batch):
        def work(ids: list[int] = ids) -> None:
            campaigns = [assign_in_session(session, i, refresh=False) for i in ids]
            store.refresh_campaigns(session, [c for c in campaigns if c is not None])

        in_transaction(session, work)
        done.reports += len(ids)
        done.seconds = time.monotonic() - started
        after = ids[-1]
        session.expunge_all()  # nothing kept from one batch to the next
        if progress is not None:
            progress(done)
    done.grouped = store.grouped_count(session)
    return done
