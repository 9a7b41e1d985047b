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
`fraudwatch campaigns rebuild` groups every report in batches: the same campaigns as one report
at a time, with a few queries per batch (`_Batch`); a campaign that only gained reports has them
added to its numbers, not recounted."""
from __future__ import annotations

import bisect
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
from fraudwatch.storage.transactions import in_transaction

log = logging.getLogger(__name__)
KIND_ORDER = ("collector", "indicator", "text")  # what names a new campaign, best first
MAX_CHECKS = 12  # band candidates compared on their shingles, per report
SHINGLES_KEPT = 2_000  # candidates' shingles kept across the batches of a rebuild (bounded memory)


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


class _Batch:
    """Assigns reports in id order as if one at a time (each sees what those before it did),
    reading what they share for the whole batch at once and writing once at the end.

    Read up front: the reports, their links and stored bands; samples of the reports outside
    the batch that share a band or an indicator with one of them, with the links of those to
    the batch's indicators. In memory: every report seen so far and its campaign (campaigns
    merged in the batch are replaced by their survivor), the bands the batch files, and who names
    which indicator. A new campaign or a merge is written at once (campaign keys are unique),
    the rest at `finish`: bands, the reports that changed campaign, the reports without a
    campaign that a loose indicator pulls in, and the numbers of the campaigns that changed."""

    def __init__(self, session: Session, ids: list[int], shingles: dict | None = None) -> None:
        self.session, self.ids = session, sorted(ids)
        self.rows = store.members(session, self.ids)
        self.lo, self.hi = (self.ids[0], self.ids[-1]) if self.ids else (0, -1)
        self.links = store.grouping_links(session, self.ids)
        self.holders: dict[str, list[int]] = {}  # band -> reports of the batch under it now, in id order
        self.stored = store.bands_of(session, self.ids)
        self.bands = {rid: list(keys) for rid, keys in self.stored.items()}  # each report's bands now
        for rid, keys in sorted(self.bands.items()):
            for key in keys:
                self.holders.setdefault(key, []).append(rid)
        self.banded: set[int] = set()  # reports the batch files anew (written at finish)
        self.texts = {rid: row.text for rid, row in self.rows.items() if row.status != "dismissed"}
        self.own = dict(zip(self.texts, neardup.fingerprints(list(self.texts.values())), strict=True))
        self.grouping = {link.indicator_id: groups_by(link) for links in self.links.values() for link in links}
        indicators = {indicator for indicator, grouping in self.grouping.items() if grouping}
        self.by_band = store.band_samples(self.session, [k for keys, _ in self.own.values() for k in keys],
                                          self.lo, self.hi)
        self.by_indicator = store.indicator_samples(self.session, sorted(indicators), self.lo, self.hi)
        outside = {rid for rids in (*self.by_band.values(), *self.by_indicator.values()) for rid in rids}
        self.rows.update(store.members(session, outside))
        self.naming: dict[int, set[int]] = {}  # indicator -> reports seen naming it (not merged)
        for rid, links in self.links.items():
            for link in links:
                self.naming.setdefault(link.indicator_id, set()).add(rid)
        for rid, indicator in store.links_among(session, outside, indicators):
            self.naming.setdefault(indicator, set()).add(rid)
        self.inside = {  # indicator -> reports of the batch naming it (not dismissed), in id order
            indicator: sorted(r for r in rids if self.lo <= r <= self.hi and self.rows[r].status != "dismissed")
            for indicator, rids in self.naming.items()}
        self.campaign = {rid: row.campaign_id for rid, row in self.rows.items()}  # now
        self.before = dict(self.campaign)  # as stored (merges written at once move them)
        self.pulls: list[tuple[int, list[int], int]] = []  # campaign, loose indicators, report
        self.merged: set[int] = set()
        self.shingles: dict[tuple[int, int], frozenset[str]] = {} if shingles is None else shingles

    def current(self, report_id: int) -> int | None:
        return self.campaign[report_id]

    def _merged(self, survivor: int, gone: list[int]) -> None:
        """Point what the batch knows of campaigns merged away to their survivor (not kept as
        aliases: SQLite gives a deleted campaign's id to the next one it makes)."""
        if not gone:
            return
        away = set(gone)
        for known in (self.campaign, self.before):
            for rid, campaign in known.items():
                if campaign in away:
                    known[rid] = survivor
        self.pulls = [(survivor if c in away else c, indicators, rid) for c, indicators, rid in self.pulls]
        self.merged = {survivor if c in away else c for c in self.merged} | {survivor}

    def _shingles(self, report_id: int) -> frozenset[str]:
        """A candidate's shingles (kept from batch to batch: the same first reports of a popular
        band are sampled again and again)."""
        row, own = self.rows[report_id], self.own.get(report_id)
        if own and row.text == row.candidate_text:
            return own[1]
        key = (report_id, hash(row.candidate_text))  # not the text: the cache would keep it
        if key not in self.shingles:
            if len(self.shingles) >= SHINGLES_KEPT:
                self.shingles.clear()
            self.shingles[key] = neardup.shingles(row.candidate_text)
        return self.shingles[key]

    @staticmethod
    def _sample(outside: list[int], inside: list[int], report_id: int, per: int) -> list[int]:
        """The sample a query on the stored state would give (the lowest ids: SQLite's index
        order) from the sampled outside reports and the batch's (`inside`, in id order)."""
        return sorted({*outside, *(r for r in inside[:per + 1] if r != report_id)})[:per]

    def _by_indicators(self, report_id: int, found: _Found) -> None:
        links = [link for link in self.links.get(report_id, []) if self.grouping[link.indicator_id]]
        found.indicators = sorted({link.indicator_id for link in links})
        for indicator in found.indicators:
            inside = self.inside.get(indicator, [])
            for other in self._sample(self.by_indicator.get(indicator, []), inside, report_id, store.PER_INDICATOR):
                campaign = self.current(other)
                found.loose |= campaign is None
                if campaign is not None:
                    found.campaigns.add(campaign)
        found.keys += [_key(link) for link in links]

    def _by_text(self, report_id: int, found: _Found) -> None:
        keys, mine = self.own[report_id]
        for key in self.bands.get(report_id, []):
            self.holders[key].remove(report_id)
        for key in dict.fromkeys(keys):
            bisect.insort(self.holders.setdefault(key, []), report_id)
        self.bands[report_id] = keys
        self.banded.add(report_id)
        if not keys:
            return
        shared: dict[int, int] = {}
        for key in dict.fromkeys(keys):
            for other in self._sample(self.by_band.get(key, []), self.holders[key], report_id, store.PER_BAND):
                shared[other] = shared.get(other, 0) + 1
        candidates = sorted((r for r in shared if self.rows[r].status != "dismissed"), key=lambda r: (-shared[r], -r))
        checked = 0
        for other in candidates:
            campaign = self.current(other)
            if campaign is not None and campaign in found.campaigns or checked >= MAX_CHECKS:
                continue  # one confirmed member says which campaign it is
            checked += 1
            if neardup.jaccard(mine, self._shingles(other)) >= neardup.THRESHOLD:
                found.reports.add(other)
                if campaign is not None:
                    found.campaigns.add(campaign)
        if found.reports:
            title = " ".join(neardup.mask_links(self.texts[report_id]).split())[:120]
            found.keys.append(("text", f"text:{keys[0]}", title, None))

    def _shared(self, indicators: list[int], report_id: int) -> set[int]:
        """Which of these indicators another report (not dismissed) names too."""
        return {i for i in indicators if self.by_indicator.get(i) or set(self.inside.get(i, [])[:2]) - {report_id}}

    def _join(self, report_id: int, found: _Found) -> int | None:
        """The campaign the report belongs to now (merging those it links), or None."""
        own = self.current(report_id)
        met = set(found.campaigns) | ({own} if own else set())
        if not met and not found.reports and not found.loose:
            return None
        if not met:  # a new campaign, named by what the report really shares
            shared = self._shared(found.indicators, report_id) if found.loose else set()
            keys = [k for k in found.keys if k[3] is None or k[3] in shared]
            kind, key, title, _ = min(keys, key=lambda k: (KIND_ORDER.index(k[0]), k[1]))
            met.add(store.campaign_for_key(self.session, key, kind, title))
        survivor = min(met)
        self._merged(survivor, store.merge_campaigns(self.session, survivor, met))
        for other in {report_id, *found.reports}:
            self.campaign[other] = survivor
        if found.loose:
            self.pulls.append((survivor, found.indicators, report_id))
            for indicator in found.indicators:
                for other in self.naming.get(indicator, ()):
                    if other != report_id and self.campaign[other] is None and self.rows[other].status != "dismissed":
                        self.campaign[other] = survivor
        return survivor

    def assign(self, report_id: int) -> int | None:
        """Group one report of the batch; its campaign id, or None."""
        if report_id not in self.rows:
            return None
        found = _Found()
        if self.rows[report_id].status != "dismissed":
            self._by_indicators(report_id, found)
            self._by_text(report_id, found)
        return self._join(report_id, found)

    def finish(self, refresh: bool = True) -> None:
        """Write what the batch decided, and recount the campaigns it changed."""
        changed = {rid: self.bands[rid] for rid in self.banded if set(self.bands[rid]) != set(self.stored.get(rid, []))}
        store.set_bands(self.session, changed, {rid for rid in changed if self.stored.get(rid)})
        moves: dict[int, list[int]] = {}
        joined: dict[int, list[store.Member]] = {}
        for rid, row in self.rows.items():
            now, before = self.campaign[rid], self.before[rid]
            if now is not None and now != before:
                moves.setdefault(now, []).append(rid)
                joined.setdefault(now, []).append(row)
        store.set_campaigns(self.session, moves)
        for campaign, member in store.pull_loose(self.session, self.pulls):
            joined.setdefault(campaign, []).append(member)
        if refresh:
            store.refresh_campaigns(self.session, self.merged | set(joined),
                                    {c: m for c, m in joined.items() if c not in self.merged})


def assign_in_session(session: Session, report_id: int, *, refresh: bool = True) -> int | None:
    """Group one report (inside the caller's transaction); its campaign id, or None."""
    store.lock_assignments(session)
    batch = _Batch(session, [report_id])
    campaign_id = batch.assign(report_id)
    batch.finish(refresh)
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
    after, shingles = 0, {}
    while ids := store.report_ids_after(session, after, batch):
        def work(ids: list[int] = ids) -> None:
            store.lock_assignments(session)
            batch = _Batch(session, ids, shingles)
            for report_id in ids:
                batch.assign(report_id)
            batch.finish()

        in_transaction(session, work)
        done.reports += len(ids)
        done.seconds = time.monotonic() - started
        after = ids[-1]
        session.expunge_all()  # nothing kept from one batch to the next
        if progress is not None:
            progress(done)
    done.grouped = store.grouped_count(session)
    return done
