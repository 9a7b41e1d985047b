"""Filling a scratch database with reports for bench/console.py: bulk inserts (COPY on
PostgreSQL, executemany on SQLite) of reports, their first history row, indicators and links,
with a realistic spread of statuses, channels, labels, authorities and sources, and risk and
queue rank computed as storage/queue.py does. Deterministic (seeded)."""
from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from fraudwatch.storage.indicators import OPEN_STATUSES
from fraudwatch.storage.queue import indicator_tier, rank_of, risk_of

CHUNK = 50_000
STATUSES = {"new": 40, "triaging": 5, "needs_info": 2, "confirmed": 20, "dismissed": 25, "duplicate": 8}
CHANNELS = {"sms": 45, "email": 25, "web": 15, "im": 10, "phone_call": 3, "other": 2}
LABELS = {"scam": 50, "spam": 20, "legit": 20, None: 10}
SCAM_CATEGORIES = {"refund_lure": 30, "fake_portal": 20, "audit_threat": 15, "fee_demand": 10, "subsidy_lure": 5,
                   "credential_phish": 8, "abnormal_status": 5, "other_phishing": 4, "other_scam": 3}
AUTHORITIES = {"CN-STA": 60, "HK-IRD": 3, "TW-MOF": 4, "SG-IRAS": 3, "AU-ATO": 5, "GB-HMRC": 5, "US-IRS": 6,
               None: 14}
SOURCES = {"public": 50, "enterprise": 15, "import": 35}
REPORT_COLUMNS = ("created_at", "channel", "source", "message_text", "status", "content_hash", "submitted_by",
                  "verdict", "verdict_label", "scam_score", "verdict_at", "verdict_authority",
                  "verdict_category", "model_version", "reporter_count", "risk", "queue_rank", "assigned_to")


def pick(rng: random.Random, weights: dict):
    """A key of `weights`, drawn by weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _verdict(rng: random.Random) -> tuple:
    label = pick(rng, LABELS)
    if label is None:
        return None, None, None, None, None
    score = {"scam": rng.uniform(0.55, 1), "spam": rng.uniform(0.3, 0.7), "legit": rng.uniform(0, 0.3)}[label]
    category = pick(rng, SCAM_CATEGORIES) if label == "scam" else ("advertising" if label == "spam" else "none")
    authority = pick(rng, AUTHORITIES) if label == "scam" else None
    verdict = {"label": label, "scam_score": round(score, 3), "tax_impersonation": authority is not None,
               "authority": authority, "category": category, "model_version": "bench-1", "signals": []}
    return label, score, category, authority, verdict


def _report(rng: random.Random, i: int, rows: int, start: datetime, tier: int, status: str) -> tuple:
    created = start + timedelta(seconds=i * 365 * 86400 / rows)
    source = pick(rng, SOURCES)
    label, score, category, authority, verdict = _verdict(rng)
    reporters = 1 + (rng.random() < 0.05) * rng.randint(1, 6)
    risk = risk_of(score, reporters, tier, bool(authority))
    stored_source = "import" if source == "import" else "api"
    return (created, pick(rng, CHANNELS), stored_source, f"【税务】您有一笔退税待领取 {i} 请登录 etax-{i % 9973}.top",
            status, f"{i:064x}", f"acme-{i % 40}" if source == "enterprise" else None,
            json.dumps(verdict) if verdict else None, label, score, created if verdict else None, authority, category,
            "bench-1" if verdict else None, reporters, risk, rank_of(risk, created, stored_source),
            f"officer-{i % 20}" if rng.random() < 0.1 else None)


def _indicators(rng: random.Random, rows: int) -> tuple[list[tuple], list[int], list[str]]:
    """Indicator rows (domains; a few popular), and per report which indicator it names and its
    status; each indicator's counts and status follow from its reports as the service derives
    them (confirmed fraud once one report is confirmed, suspected while one is open)."""
    count = max(rows // 5, 10)
    chosen = [min(int(rng.paretovariate(1.2)) - 1, count - 1) if rng.random() < 0.3 else rng.randrange(count)
              for _ in range(rows)]
    statuses = [pick(rng, STATUSES) for _ in range(rows)]
    named, confirmed, open_ = [0] * count, [0] * count, [0] * count
    for c, status in zip(chosen, statuses):
        named[c] += 1
        confirmed[c] += status == "confirmed"
        open_[c] += status in OPEN_STATUSES
    now = datetime.now(UTC)
    inds = []
    for k in range(count):
        status = "confirmed_fraud" if confirmed[k] else "suspected" if open_[k] else "dismissed"
        inds.append(("domain", f"etax-{k}.top", f"etax-{k}.top", f"etax-{k}.top", f"etax-{k}.top", f"etax-{k}.top",
                     status, "report", named[k], confirmed[k], open_[k], indicator_tier(status, named[k]), now, now))
    return inds, chosen, statuses


IND_COLUMNS = ("type", "value", "match_key", "display", "host", "scope", "status", "source", "report_count",
               "confirmed_count", "open_count", "queue_tier", "first_seen", "last_seen")


def fill(engine: sa.Engine, rows: int) -> dict:
    """Fill the database; facts the benchmark's queries need."""
    rng = random.Random(11)
    inds, chosen, statuses = _indicators(rng, rows)
    start = datetime.now(UTC) - timedelta(days=365)
    write = _copy if engine.dialect.name == "postgresql" else _executemany
    with engine.begin() as conn:
        write(conn, "indicators", IND_COLUMNS, inds)
        for lo in range(0, rows, CHUNK):
            batch = [_report(rng, i, rows, start, inds[chosen[i]][11], statuses[i])
                     for i in range(lo, min(rows, lo + CHUNK))]
            write(conn, "reports", REPORT_COLUMNS, batch)
            ids = range(lo + 1, lo + 1 + len(batch))
            write(conn, "report_indicators", ("report_id", "indicator_id", "role"),
                  [(rid, chosen[rid - 1] + 1, "extracted") for rid in ids])
            write(conn, "status_changes", ("report_id", "from_status", "to_status", "actor", "reason", "created_at"),
                  [(rid, None, "new", "system", "received via api", b[0]) for rid, b in zip(ids, batch)])
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    popular = max(range(len(inds)), key=lambda k: inds[k][8])
    rare = next(k for k in range(len(inds)) if inds[k][8] == 1)
    return {"rows": rows, "indicators": len(inds), "links": rows, "now": datetime.now(UTC),
            "popular": inds[popular][1], "rare": rare + 1}


def _copy(conn, table: str, columns: tuple, data: list[tuple]) -> None:
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in data:
            copy.write_row(row)


def _executemany(conn, table: str, columns: tuple, data: list[tuple]) -> None:
    def cell(v):
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v

    raw = conn.connection.dbapi_connection
    marks = ", ".join("?" * len(columns))
    raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    [tuple(cell(v) for v in row) for row in data])
