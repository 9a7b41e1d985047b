"""Lookups: what fraudwatch knows about a URL, domain, phone, e-mail, company or account.

Status is one of `official`, `confirmed_fraud`, `suspected`, `delisted`, `unknown`, with a
risk score and the evidence that decided it: reports, feeds, lookalike rules, and the scam
page a crawl found (`page`: the page's own URL or domain, or where its form sends what it
asks for). Answers are cached per scope (see cache.py); report ids are added for officers
only and never cached.

Each listed indicator's entry says how much it is still believed (`confidence`, decayed
since `last_seen` from `base_confidence` by indicators/decay.py; `expired` below the
threshold, when feeds drop it: still shown), how often it was seen again (`sighting_count`),
and whether an appeal on it is open (`disputed`). An indicator an accepted appeal delisted
counts for nothing: its entry has status `delisted` and `delisted_at`, and the answer is
`delisted` when nothing else lists it. An appeal filed or decided drops the cached answers
of its scope (services/appeals.py); the decayed score is the one of when the answer was
computed (at most LOOKUP_CACHE_TTL old).
"""
from __future__ import annotations

import math
from datetime import datetime

from flask import current_app

from fraudwatch.indicators import INDICATOR_TYPES, Normalized, normalize, registrable_domain, shared_site
from fraudwatch.indicators.decay import DecayModel, base_confidence
from fraudwatch.indicators.official import judge_host, official_hotline
from fraudwatch.infra import cache
from fraudwatch.infra.extensions import db
from fraudwatch.storage import indicators as ind_store
from fraudwatch.storage.models import utcnow

RANK = {"confirmed_fraud": 3, "suspected": 2, "dismissed": 1}


def _field(item: Normalized) -> str:
    return f"{item.type}|{item.match_key}"


def lookup_many(items: list[tuple[object, object]], *, officer: bool = False, ride_along=None) -> list[dict]:
    """Answer (type, value) pairs in order; invalid ones get an `error` entry.

    `ride_along` goes with the cache read (see cache.get_many): the API sends the caller's
    rate-limit hit that way, so a refused caller costs no database work."""
    region = current_app.config["PHONE_REGION"]
    results: list[dict | None] = [None] * len(items)
    valid: list[tuple[int, Normalized]] = []
    for index, (kind, value) in enumerate(items):
        try:
            if kind not in INDICATOR_TYPES:
                raise ValueError(f"type must be one of {', '.join(INDICATOR_TYPES)}")
            valid.append((index, normalize(kind, value, region)))
        except ValueError as exc:
            results[index] = item_error({"type": kind, "value": value},
                                        {"code": "invalid_value", "message": str(exc), "fields": {"value": str(exc)}})
    cached, generations = cache.get_many([(ind_store.scope_of(n), _field(n)) for _, n in valid], ride_along)
    misses = [(i, n, generation) for (i, n), hit, generation in zip(valid, cached, generations) if hit is None]
    computed = _compute([n for _, n, _ in misses])
    cache.put_many([(ind_store.scope_of(n), _field(n), answer, generation)
                    for (_, n, generation), answer in zip(misses, computed)])
    answers = {i: hit for (i, _), hit in zip(valid, cached) if hit is not None}
    answers.update({i: answer for (i, _, _), answer in zip(misses, computed)})
    for index, answer in answers.items():
        results[index] = answer
    if officer:
        _add_report_ids([answers[i] for i in answers])
    for answer in answers.values():
        strip_private(answer)
    return results  # type: ignore[return-value]


def item_error(item: object, error: dict) -> dict:
    """The answer for an item that cannot be looked up: its type and value when they are
    strings (cut to 200 characters), else null, and the error."""
    fields = item if isinstance(item, dict) else {}
    return {"type": _short(fields.get("type")), "value": _short(fields.get("value")), "error": error}


def _short(value: object) -> str | None:
    return value[:200] if isinstance(value, str) else None


def _parent_key(item: Normalized) -> tuple[str, str] | None:
    """The domain whose status a URL or e-mail inherits (none on shared domains)."""
    if item.type in ("url", "email") and item.host and shared_site(item.host) is None:
        return ("domain", registrable_domain(item.host))
    return None


def _compute(items: list[Normalized]) -> list[dict]:
    if not items:
        return []
    keys = {(n.type, n.match_key) for n in items} | {k for n in items if (k := _parent_key(n))}
    found = ind_store.find_for_lookup(db.engine, keys)
    paged = [row.id for rows in found.values() for row in rows if row.paged]
    pages = ind_store.page_evidence_for(db.engine, paged) if paged else {}
    decay = (_decay_model(), utcnow())
    return [_answer(n, found.get((n.type, n.match_key), []), found.get(_parent_key(n) or ("", ""), []), pages,
                    decay) for n in items]


def _decay_model() -> DecayModel:
    """The app's decay model, built once per app (its settings are read at start)."""
    model = current_app.extensions.get("fw_decay_model")
    if model is None:
        model = current_app.extensions["fw_decay_model"] = DecayModel.from_config(current_app.config)
    return model


def _official(item: Normalized) -> tuple[str, str | None, str] | None:
    """(status, authority, reason) from the official lists and the lookalike rules."""
    if item.type == "phone":
        authority = official_hotline(item.value)
        return ("official", authority, "official hotline") if authority else None
    if item.host and item.type in ("url", "domain", "email"):
        judged = judge_host(item.host)
        if judged.status != "unknown":
            return judged.status, judged.authority, judged.reason
    return None


def _answer(item: Normalized, own: list[ind_store.LookupRow], parent: list[ind_store.LookupRow],
            pages: dict[int, ind_store.PageEvidence], decay: tuple[DecayModel, datetime]) -> dict:
    judged = _official(item)
    rows = own + [p for p in parent if p not in own]
    delisted = [r.delisted_at for r in own if r.delisted_at is not None]
    answer = {"type": item.type, "value": item.value, "display": item.display,
              "status": "unknown", "risk_score": 0.0, "authority": judged[1] if judged else None,
              "reports": sum(r.report_count for r in own),
              "first_seen": _iso(min((r.first_seen for r in rows), default=None)),
              "last_seen": _iso(max((r.last_seen for r in rows), default=None)),
              "disputed": any(r.disputed for r in rows if r.delisted_at is None),
              "delisted_at": _iso(max(delisted, default=None)),
              "evidence": []}
    if judged and judged[0] == "official":
        answer.update(status="official", risk_score=0.0)
        answer["evidence"].append({"kind": "official_list", "detail": judged[2]})
        return answer
    status, score, evidence = _from_rows(own, parent, pages)
    by_id = {r.id: r for r in rows}
    for entry in evidence:
        if "_row" in entry:
            entry.update(_lifecycle(by_id[entry.pop("_row")], *decay))
    if status == "unknown" and delisted:
        status = "delisted"
    kind = shared_site(item.host) if item.host else None
    if kind:
        evidence.append({"kind": "shared_domain", "detail": f"{registrable_domain(item.host)} is a shared "
                         f"{kind.replace('_', ' ')}: only the exact URL is judged, not the whole domain"})
    if judged and judged[0] == "lookalike":
        evidence.insert(0, {"kind": "lookalike", "detail": judged[2]})
        status = status if RANK.get(status, 0) > RANK["suspected"] else "suspected"
        score = max(score, 0.75)
    answer.update(status=status if status != "dismissed" else "unknown", risk_score=round(min(score, 0.99), 3),
                  evidence=evidence)
    return answer


def _lifecycle(row: ind_store.LookupRow, model: DecayModel, now: datetime) -> dict:
    """What an entry says of its indicator's decay, sightings, appeal and delisting."""
    base = base_confidence(row.status, row.confidence)
    score = model.score(row.type, base, row.last_seen, now)
    out = {"base_confidence": round(base, 4), "confidence": score, "last_seen": _iso(row.last_seen),
           "sighting_count": row.sighting_count, "expired": score < model.threshold, "disputed": row.disputed}
    if row.delisted_at is not None:
        out.update(status="delisted", delisted_at=_iso(row.delisted_at), disputed=False)
    return out


def _from_rows(own: list[ind_store.LookupRow], parent: list[ind_store.LookupRow],
               pages: dict[int, ind_store.PageEvidence]) -> tuple[str, float, list[dict]]:
    evidence: list[dict] = []
    best, score = "unknown", 0.0
    for row in own:
        if row.delisted_at is not None:  # an accepted appeal: shown, counted for nothing
            evidence.append(_row_evidence(row, inherited=False))
            continue
        page = pages.get(row.id)
        if row.report_count or row.source not in ind_store.OWN_SOURCES or page is None:
            evidence.append(_row_evidence(row, inherited=False))
        if page is not None:
            evidence.append({**_page_evidence(page, row.status), "_row": row.id})
            score = max(score, _page_score(page))
        if RANK.get(row.status, 0) > RANK.get(best, 0):
            best = row.status
        score = max(score, _row_score(row))
    for row in parent:
        if row in own or row.status not in ("confirmed_fraud", "suspected"):
            continue
        if row.delisted_at is not None:
            evidence.append(_row_evidence(row, inherited=True))
            continue
        evidence.append(_row_evidence(row, inherited=True))
        inherited = "confirmed_fraud" if row.status == "confirmed_fraud" else "suspected"
        if RANK[inherited] > RANK.get(best, 0):
            best = inherited
        page = pages.get(row.id)
        score = max(score, max(_row_score(row), _page_score(page) if page else 0.0) * 0.9)
    return best, score, evidence


def _row_score(row: ind_store.LookupRow) -> float:
    if row.status == "confirmed_fraud":
        return 0.97
    if row.status == "dismissed":
        return 0.05
    if row.source not in ind_store.OWN_SOURCES and not row.report_count:
        return 0.8
    if row.source == "crawl" and not row.report_count:
        return 0.0  # a crawl's own indicator: its page says how bad it is (_page_score)
    return 0.4 + min(0.3, 0.1 * math.log2(1 + row.report_count)) + 0.25 * (row.max_score or 0.0)


def _page_score(page: ind_store.PageEvidence) -> float:
    """A scam page is worth a report with a scam verdict: 0.5, plus a quarter of its score."""
    return 0.5 + 0.25 * (page.scam_score or 0.0)


def _page_evidence(page: ind_store.PageEvidence, status: str) -> dict:
    """The scam page that names an indicator, short: where, what, which signals."""
    where = page.final_url or page.url
    if page.role == "collector":
        detail = f"a form on the scam page {where} sends what it asks for here"
    else:
        detail = f"a crawl judged the page {where} a scam"
    entry = {"kind": "page", "detail": detail, "status": status, "role": page.role, "final_url": where,
             "signals": page.signals}
    if page.title:
        entry["title"] = page.title[:200]
    if page.label:
        entry["label"] = page.label
    if page.scam_score is not None:
        entry["scam_score"] = round(min(max(page.scam_score, 0.0), 1.0), 3)
    return entry


def _row_evidence(row: ind_store.LookupRow, *, inherited: bool) -> dict:
    kind = "domain" if inherited else ("reports" if row.source in ind_store.OWN_SOURCES else "feed")
    detail = f"{row.report_count} report(s), status {row.status}"
    if row.source == "crawl" and not row.report_count:
        detail = f"named by a scam page a crawl found, status {row.status}"
    if row.source not in ind_store.OWN_SOURCES:
        detail = f"listed by {row.source}" + (f" ({row.note})" if row.note else "") + f"; {detail}"
    if inherited:
        detail = f"its domain {row.display} is {row.status.replace('_', ' ')}: {detail}"
    if row.delisted_at is not None:
        detail = (f"{'its domain ' if inherited else ''}{row.display} was delisted on "
                  f"{row.delisted_at.date().isoformat()} after an appeal: not listed as fraud "
                  f"({row.report_count} report(s))")
    entry = {"kind": kind, "detail": detail, "reports": row.report_count, "status": row.status}
    if row.max_score is not None:
        entry["max_scam_score"] = round(row.max_score, 3)
    entry["_id"] = entry["_row"] = row.id
    return entry


def _add_report_ids(answers: list[dict]) -> None:
    ids = {e["_id"] for a in answers for e in a["evidence"] if "_id" in e}
    by_indicator = ind_store.report_ids_for(db.session, ids) if ids else {}
    db.session.rollback()
    for answer in answers:
        for entry in answer["evidence"]:
            if "_id" in entry:
                entry["report_ids"] = by_indicator.get(entry["_id"], [])


def strip_private(answer: dict) -> dict:
    """Remove internal keys from an answer before it leaves the service."""
    for entry in answer.get("evidence", []):
        entry.pop("_id", None)
    return answer


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
