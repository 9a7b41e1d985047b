"""Crawl evidence: what fetching a reported or discovered URL found, and what a page judged
scam makes suspected (its URL and domain, the targets of its forms: `evidence_indicators`)."""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.indicators import Normalized
from fraudwatch.storage import indicators as ind_store
from fraudwatch.storage.models import Evidence, EvidenceIndicator, Report
from fraudwatch.storage.sightings import record_sightings

EVIDENCE_FIELDS = ("url", "final_url", "http_status", "content_hash", "title", "excerpt", "signals",
                   "verdict", "error")
MAX_FORMS = 20
# role of a finding in evidence_indicators -> role of its link to the crawl's report (a link the
# report already has keeps its role: `reported`, `extracted`)
REPORT_ROLE = {"page": "landing", "collector": "collector"}


def save_evidence(session: Session, data: dict, *, report_id: int | None = None,
                  indicator_id: int | None = None) -> Evidence:
    """Store one crawl result (unknown keys are ignored; excerpt bounded to 2,000 characters,
    forms to what an officer reads of them)."""
    row = Evidence(report_id=report_id, indicator_id=indicator_id,
                   **{k: data.get(k) for k in EVIDENCE_FIELDS if k in data})
    if row.excerpt:
        row.excerpt = row.excerpt[:2000]
    if row.title:
        row.title = row.title[:500]
    row.forms = _forms(data.get("forms"))
    session.add(row)
    session.flush()
    return row


def _forms(forms: object) -> list[dict] | None:
    """The forms as stored: where each posts and what it asks for (the crawler's other keys
    are left out, so the officer view keeps one shape)."""
    if not isinstance(forms, list):
        return None
    out = []
    for form in forms[:MAX_FORMS]:
        if isinstance(form, dict):
            action = form.get("action")
            out.append({"action": action[:2100] if isinstance(action, str) else None,
                        "method": str(form.get("method") or "get")[:16],
                        "asks": [str(kind) for kind in form.get("asks") or []][:20],
                        "cross_domain": bool(form.get("cross_domain"))})
    return out


def report_evidence(session: Session, report_id: int, url: str) -> Evidence | None:
    """The evidence already stored for this URL of this report (a crawl job run again
    stores nothing twice)."""
    query = (sa.select(Evidence).where(Evidence.report_id == report_id, Evidence.url == url)
             .order_by(Evidence.id).limit(1))
    return session.scalars(query).first()


def evidence_for(session: Session, *, report_id: int | None = None, indicator_ids: list[int] | None = None,
                 limit: int = 20) -> list[Evidence]:
    """The latest evidence of a report or of indicators."""
    query = sa.select(Evidence)
    if report_id is not None:
        query = query.where(Evidence.report_id == report_id)
    if indicator_ids is not None:
        query = query.where(Evidence.indicator_id.in_(indicator_ids))
    return list(session.scalars(query.order_by(Evidence.id.desc()).limit(limit)))


def record_findings(session: Session, evidence: Evidence, findings: Sequence[tuple[Normalized, str]],
                    report_id: int | None) -> set[str]:
    """Make what a scam page names suspected: upsert the indicators (source `crawl` when
    new), name them from the evidence (role `page` or `collector`), link them to the crawl's
    report (`landing`, `collector`) and recount them (written, not committed). Idempotent;
    returns the cache scopes to drop."""
    roles: dict[tuple[str, str], tuple[Normalized, str]] = {}
    for item, role in findings:  # the page's own role wins over a collector role
        roles.setdefault((item.type, item.value), (item, role))
    if not roles:
        return set()
    ids = ind_store.upsert_indicators(session, [item for item, _ in roles.values()], source="crawl")
    if report_id is not None:  # the report before its indicators, as a status change takes them
        session.execute(sa.select(Report.id).where(Report.id == report_id).with_for_update(read=True))
    ind_store.lock_indicators(session, ids.values())  # before the links: see lock_indicators
    record_sightings(session, ids.values(), "crawl", ref=f"evidence:{evidence.id}")  # seen (again) by a crawl
    named = {ids[key]: role for key, (_, role) in roles.items()}
    _name_indicators(session, evidence.id, named)
    if evidence.indicator_id is None:  # a seed crawl: the evidence is about the page's URL
        evidence.indicator_id = next((ids[key] for key, (item, role) in roles.items()
                                      if role == "page" and item.type == "url"), None)
    if report_id is not None:
        ind_store.link_report(session, report_id, {i: REPORT_ROLE[role] for i, role in named.items()},
                              sighting=None)  # recorded above, as the crawl's
    return ind_store.refresh_indicators(session, ids.values())


def _name_indicators(session: Session, evidence_id: int, named: dict[int, str]) -> None:
    insert = ind_store.dialect_insert(session)
    session.execute(insert(EvidenceIndicator).values(
        [{"evidence_id": evidence_id, "indicator_id": i, "role": role} for i, role in sorted(named.items())]
    ).on_conflict_do_nothing(index_elements=["evidence_id", "indicator_id"]))
