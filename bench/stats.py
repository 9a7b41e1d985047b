"""Statistics benchmark: computing the public statistics snapshot (services/statistics.py) over
many reports, and serving /stats and a CSV from it.

1. A scratch database (SQLite file in a temporary folder; PostgreSQL database `fw_bench_stats`,
   created here and dropped afterwards unless --keep), filled by bench/console_fill.py (a year
   of reports with statuses, channels, categories, authorities), plus a region on 7 of 8
   reports and a decision (confirmed / dismissed / duplicate) 0-199 hours after arrival for
   every decided report, so the time to triage has its join.
2. Wall time of `statistics.compute()` (each of its queries and in all), `refresh()` (compute
   and store), and GET /stats (uncached page cache, snapshot stored) and /stats/weekly.csv.

Prints numbers, asserts nothing.
Run: `.venv/bin/python bench/stats.py [--rows 1000000] [--backend sqlite|postgresql|both]`.
"""
from __future__ import annotations

import argparse
import statistics as stats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.console_fill import fill  # noqa: E402
from bench.scratch import BACKENDS, scratch_databases  # noqa: E402
from fraudwatch import create_app  # noqa: E402
from fraudwatch.infra.extensions import db, make_engine  # noqa: E402
from fraudwatch.services import statistics  # noqa: E402
from fraudwatch.storage import statistics as queries  # noqa: E402
from fraudwatch.storage.models import utcnow  # noqa: E402

REDIS = "redis://127.0.0.1:6379/0"
REGIONS = ("CN-GD", "CN-BJ", "CN-SH", "CN-ZJ", "CN-JS", "CN-SC", "CN-SD")


def decide(engine: sa.Engine) -> int:
    """Regions and a first decision for every decided report; how many decisions."""
    later = ("created_at + (id % 200) * interval '1 hour'" if engine.dialect.name == "postgresql"
             else "strftime('%Y-%m-%d %H:%M:%f', created_at, '+' || (id % 200) || ' hours')")
    region = "CASE id % 8 " + " ".join(f"WHEN {i} THEN '{r}'" for i, r in enumerate(REGIONS)) + " END"
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE reports SET region = {region}"))
        count = conn.execute(sa.text(
            "INSERT INTO status_changes (report_id, from_status, to_status, actor, reason, created_at) "
            f"SELECT id, 'new', status, 'officer-1', 'bench', {later} FROM reports "
            "WHERE status IN ('confirmed', 'dismissed', 'duplicate')")).rowcount
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return count


def timed(call, repeat: int) -> str:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return f"median {stats.median(samples):8.1f} ms  max {max(samples):8.1f} ms  (n={repeat})"


def run(backend: str, url: str, rows: int, repeat: int, instance: Path) -> None:
    """Fill and measure one (migrated) backend."""
    print(f"== {backend}: {rows:,} reports")
    engine = make_engine(url)
    started = time.perf_counter()
    fill(engine, rows)
    decisions = decide(engine)
    print(f"  fill: {time.perf_counter() - started:.0f} s ({decisions:,} decisions)")
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "REDIS_URL": REDIS, "REDIS_PREFIX": f"fwbench-stats:{backend}:",
                      "INSTANCE_PATH": str(instance), "RATELIMIT_ENABLED": False, "TESTING": True,
                      "PUBLIC_CACHE_SECONDS": 0})
    with app.app_context():
        start, end = statistics.window(utcnow())
        session = db.session
        print(f"  weekly_statuses       {timed(lambda: queries.weekly_statuses(session, start, end), repeat)}")
        print(f"  dimension_counts      {timed(lambda: queries.dimension_counts(session, start, end), repeat)}")
        print(f"  triage_histogram      {timed(lambda: queries.triage_histogram(session, start, end), repeat)}")
        print(f"  compute (all)         {timed(statistics.compute, repeat)}")
        print(f"  refresh (and store)   {timed(statistics.refresh, repeat)}")
        body = statistics.compute()
        print(f"  window total {body['total']:,} reports, decided {body['triage']['decided']:,}, "
              f"median {body['triage']['median_hours']} h, p90 {body['triage']['p90_hours']} h")
    client = app.test_client()
    for path in ("/stats", "/stats?lang=en", "/stats/weekly.csv"):
        print(f"  GET {path:<19} {timed(lambda p=path: client.get(p).status_code == 200 or sys.exit(p), repeat)}")
    db.dispose(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=BACKENDS, default="both")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch PostgreSQL database")
    parser.add_argument("--pg-db", default="fw_bench_stats", help="scratch PostgreSQL database (created and dropped)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fw-bench-stats-") as tmp:
        for backend, url, instance in scratch_databases(Path(tmp), args.backend, args.pg_db, args.keep):
            run(backend, url, args.rows, args.repeat, instance)


if __name__ == "__main__":
    main()
