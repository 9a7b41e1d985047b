"""Console benchmark: the officers' queue, the report page and a bulk action over 1,000,000 reports.

1. A scratch database (SQLite file in a temporary folder; PostgreSQL database `fw_bench`,
   created here and dropped afterwards unless --keep), migrated to head, filled by bulk
   insert (COPY on PostgreSQL) with a realistic spread: statuses, channels, labels,
   categories, authorities, sources (public / enterprise / import), a year of created_at,
   10% assigned, one history row and one or two indicators per report (indicator popularity
   skewed: a few named by thousands of reports), risk and queue rank by storage/queue.py.
2. Server time (Flask test client, an officer token; the whole request) p50/p95 of
   GET /api/v1/reports: the default queue and each filter, first page and 30 pages deep
   (following `next_cursor`); GET /api/v1/reports/<id> (report page data); the console's
   HTML report page and queue page (signed in); POST /api/v1/reports/bulk/status on 500
   reports.

Targets (issue #11): queue p95 <= 150 ms, report p95 <= 100 ms, bulk 500 <= 2 s.
Prints numbers, asserts nothing.
Run: `.venv/bin/python bench/console.py [--rows 1000000] [--backend sqlite|postgresql|both]`.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.console_fill import fill  # noqa: E402
from fraudwatch import create_app  # noqa: E402
from fraudwatch.infra.extensions import db, make_engine  # noqa: E402
from fraudwatch.storage import users  # noqa: E402
from fraudwatch.storage.migrate import upgrade  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgresql://postgres@127.0.0.1:5432/{}"
REDIS = "redis://127.0.0.1:6379/0"
FILTERS = [
    ("default (risk)", {}), ("status=new", {"status": "new"}), ("status=needs_info", {"status": "needs_info"}),
    ("channel=sms", {"channel": "sms"}), ("channel=phone_call", {"channel": "phone_call"}),
    ("label=scam", {"label": "scam"}), ("category=refund_lure", {"category": "refund_lure"}),
    ("category=subsidy_lure", {"category": "subsidy_lure"}), ("authority=CN-STA", {"authority": "CN-STA"}),
    ("authority=HK-IRD", {"authority": "HK-IRD"}), ("source=public", {"source": "public"}),
    ("source=enterprise", {"source": "enterprise"}), ("source=import", {"source": "import"}),
    ("since 7 days", {"since": "@7"}), ("since..until 1 day, 90 days ago", {"since": "@91", "until": "@90"}),
    ("indicator (popular value)", {"indicator": "@popular"}), ("indicator_id (rare)", {"indicator_id": "@rare"}),
    ("assigned_to=officer-3", {"assigned_to": "officer-3"}), ("status=new&authority=CN-STA&channel=sms",
                                                              {"status": "new", "authority": "CN-STA", "channel": "sms"}),
    ("min_score=0.9", {"min_score": "0.9"}), ("sort=newest", {"sort": "newest"}), ("sort=oldest", {"sort": "oldest"}),
]


def pct(samples: list[float]) -> str:
    """p50/p95 in ms."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms"


def timed(call, repeat: int) -> list[float]:
    """`repeat` wall times of call() (server time: the test client runs the app in process)."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


def resolve(query: dict, info: dict) -> dict:
    """Placeholders (@7: 7 days ago, @popular, @rare) filled in from the fill's facts."""
    out = {}
    for key, value in query.items():
        if isinstance(value, str) and value.startswith("@"):
            tag = value[1:]
            value = info[tag] if tag in info else (info["now"] - __import__("datetime").timedelta(days=int(tag))
                                                   ).isoformat()
        out[key] = value
    return out


def get_ok(client, headers, query):
    r = client.get("/api/v1/reports", headers=headers, query_string=query)
    if r.status_code != 200:
        raise SystemExit(f"{query}: {r.status_code} {r.get_data(as_text=True)[:300]}")
    return r.get_json()


def bench_queue(client, headers, info, repeat: int, depth: int) -> None:
    """First and deep pages of the queue, per filter."""
    print(f"  queue (limit 50; first page, and page {depth + 1} by cursor):")
    for name, raw in FILTERS:
        query = resolve(raw, info)
        first = timed(lambda q=query: get_ok(client, headers, q), repeat)
        cursor, page = None, None
        for _ in range(depth):
            page = get_ok(client, headers, {**query, **({"cursor": cursor} if cursor else {})})
            cursor = page["next_cursor"]
            if cursor is None:
                break
        deep = timed(lambda q={**query, "cursor": cursor}: get_ok(client, headers, q), repeat) if cursor else None
        rows = len(page["reports"]) if page else 0
        print(f"    {name:42s} first {pct(first)} | deep {pct(deep) if deep else 'n/a (fewer pages)':>32s}"
              f" ({rows} rows/page)")


def bench_report_and_bulk(client, headers, info, repeat: int) -> None:
    """The report page's data for random reports; bulk status on 500 random reports."""
    rng = random.Random(7)
    ids = [rng.randint(1, info["rows"]) for _ in range(repeat * 3)]
    it = iter(ids)
    samples = timed(lambda: client.get(f"/api/v1/reports/{next(it)}", headers=headers).get_json(), len(ids))
    print(f"  report page GET /api/v1/reports/<id> ({len(ids)} random): {pct(samples)}")
    console_pages(client, info, repeat, rng)
    bulk = []
    for i in range(6):
        chosen = rng.sample(range(1, info["rows"] + 1), 500)
        body = {"action": ("dismiss", "confirm", "needs_info")[i % 3], "report_ids": chosen, "reason": "bench"}
        start = time.perf_counter()
        r = client.post("/api/v1/reports/bulk/status", headers=headers, json=body)
        bulk.append(time.perf_counter() - start)
        if r.status_code != 200:
            raise SystemExit(f"bulk: {r.status_code} {r.get_data(as_text=True)[:300]}")
    print(f"  bulk status on 500 reports (6 runs): {pct(bulk)}  max {max(bulk) * 1000:.0f} ms")


def console_pages(client, info, repeat: int, rng: random.Random) -> None:
    """The officers' HTML pages (signed in as the console's sign-in does): the report page and
    the queue page in risk order, unfiltered and with two filters."""
    now = int(time.time())
    with client.session_transaction() as session:
        session.update(uid=info["officer_id"], epoch=info["officer_epoch"], since=now, seen=now)

    def page(path: str) -> None:
        r = client.get(path)
        if r.status_code != 200:
            raise SystemExit(f"{path}: {r.status_code} {r.get_data(as_text=True)[:300]}")

    ids = iter([rng.randint(1, info["rows"]) for _ in range(repeat * 3)])
    samples = timed(lambda: page(f"/console/reports/{next(ids)}"), repeat * 3)
    print(f"  console report page GET /console/reports/<id> ({repeat * 3} random): {pct(samples)}")
    for query in ("", "?status=new&channel=sms", "?authority=CN-STA&source=public"):
        samples = timed(lambda q=query: page(f"/console/{q}"), repeat)
        print(f"  console queue page GET /console/{query:32s} {pct(samples)}")


def run(backend: str, url: str, rows: int, repeat: int, depth: int, instance: Path, queue: bool = True) -> None:
    """Migrate, fill, measure one backend."""
    print(f"== {backend}: {rows:,} reports")
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    info = fill(engine, rows)
    print(f"  fill: {time.perf_counter() - started:.0f} s ({info['indicators']:,} indicators, "
          f"{info['links']:,} links)")
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "REDIS_URL": REDIS, "REDIS_PREFIX": f"fwbench:{backend}:",
                      "INSTANCE_PATH": str(instance), "RATELIMIT_ENABLED": False, "TESTING": True})
    with app.app_context():
        user = users.create_user(db.session, "bench-officer", "officer")
        token = users.create_token(db.session, user)
        db.session.commit()
        info.update(officer_id=user.id, officer_epoch=user.session_epoch)
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    if queue:
        bench_queue(client, headers, info, repeat, depth)
    bench_report_and_bulk(client, headers, info, repeat)
    db.dispose(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--depth", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--pg-db", default="fw_bench", type=lambda v: v if v.isidentifier() else parser.error(
        "--pg-db: a plain database name"), help="scratch PostgreSQL database (created and dropped)")
    parser.add_argument("--skip-queue", action="store_true", help="only the report page and bulk")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fw-bench-console-") as tmp:
        if args.backend in ("sqlite", "both"):
            run("sqlite", f"sqlite:///{tmp}/bench.db", args.rows, args.repeat, args.depth, Path(tmp) / "i1",
                not args.skip_queue)
        if args.backend in ("postgresql", "both"):
            admin = make_engine(PG_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {args.pg_db} WITH (FORCE)"))
                conn.execute(sa.text(f"CREATE DATABASE {args.pg_db}"))
            try:
                run("postgresql", PG_BENCH.format(args.pg_db), args.rows, args.repeat, args.depth, Path(tmp) / "i2",
                    not args.skip_queue)
            finally:
                if not args.keep:
                    with admin.connect() as conn:
                        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {args.pg_db} WITH (FORCE)"))
                admin.dispose()


if __name__ == "__main__":
    main()
