"""Public site benchmark: home, pattern, statistics, advisories and feed pages over 1,000,000 reports.

1. A scratch database (bench/scratch.py: SQLite file; PostgreSQL database `fw_bench_public`, created
   and dropped),
   migrated and filled as bench/console.py fills it (bench/console_fill.py: statuses, channels,
   categories, authorities over a year), then every confirmed report published as an example
   of its pattern (INSERT ... SELECT, the pattern from its category as services/publishing.py
   decides it), a few advisories, and the statistics snapshot computed (its time printed:
   the workers' periodic task).
2. Uncached, in process (PUBLIC_CACHE_SECONDS=0, the Flask test client, the whole request):
   p50/p95/max of each page.
3. Cached, over HTTP: gunicorn (2 sync workers) with the page cache on; an open-loop load
   (bench/loadgen.py: latency from the scheduled time) of 200 requests/s for --seconds on each
   page, after a warm-up; p50/p95/p99 and the achieved rate.

Targets (issue #12): home, pattern and statistics pages p95 <= 20 ms at 200 requests/s once
cached, <= 200 ms uncached at 1,000,000 reports. Prints numbers, asserts nothing.
Run: `.venv/bin/python bench/public.py [--rows 1000000] [--backend sqlite|postgresql|both]`.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.console_fill import fill  # noqa: E402
from bench.loadgen import build_request, percentile, run_load  # noqa: E402
from bench.lookup import free_port, start_gunicorn  # noqa: E402
from bench.scratch import BACKENDS, scratch_databases  # noqa: E402
from fraudwatch import create_app  # noqa: E402
from fraudwatch.infra.extensions import db, make_engine  # noqa: E402
from fraudwatch.services import advisories  # noqa: E402
from fraudwatch.services import statistics as site_statistics
from fraudwatch.services.publishing import PATTERNS  # noqa: E402

REDIS = "redis://127.0.0.1:6379/0"
PAGES = ["/", "/?lang=en", "/patterns", "/patterns/tax-refund", "/patterns/fake-tax-portal?lang=en",
         "/patterns/tax-refund?before={middle}", "/stats", "/stats?lang=en", "/advisories",
         "/feeds/examples.atom", "/stats/weekly.csv"]
LOADED = ["/healthz", "/", "/patterns/tax-refund", "/stats"]  # /healthz: the floor (no page work) in the same run


def _pattern_case() -> str:
    """services/publishing.pattern_for as SQL over a report's category (cues and authorities aside)."""
    whens = []
    for pattern in PATTERNS:
        if pattern.categories and not pattern.cues:
            listed = ", ".join(f"'{c}'" for c in sorted(pattern.categories))
            whens.append(f"WHEN verdict_category IN ({listed}) THEN '{pattern.slug}'")
    return "CASE " + " ".join(whens) + " ELSE 'other-tax-scams' END"


def publish_all(engine: sa.Engine) -> int:
    """Every confirmed report becomes a published example (as the sweep would)."""
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO published_examples (report_id, pattern, authority, channel, text, state, chosen_by, "
            "published_at, updated_at) SELECT id, " + _pattern_case() + ", verdict_authority, channel, "
            "coalesce(message_text, 'example'), 'published', 'auto', created_at, created_at FROM reports "
            "WHERE status = 'confirmed' ORDER BY id"))
        count = conn.execute(sa.text("SELECT count(*) FROM published_examples")).scalar_one()
        conn.exec_driver_sql("ANALYZE")
    return count


def timed_pages(client, pages: list[str], repeat: int) -> None:
    for path in pages:
        samples = []
        status = None
        for _ in range(repeat):
            started = time.perf_counter()
            answer = client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            status = answer.status_code
        print(f"  {path:42s} {status}  p50 {percentile(samples, 50):7.1f} ms  p95 {percentile(samples, 95):7.1f} ms  "
              f"max {max(samples):7.1f} ms")


def cached_http(url: str, instance: Path, prefix: str, pages: list[str], rate: float, seconds: float) -> None:
    port = free_port()
    config = {"DATABASE_URL": url, "REDIS_URL": REDIS, "INSTANCE_PATH": str(instance), "REDIS_PREFIX": prefix,
              "RQ_QUEUE": prefix.strip(":").replace(":", "-")}
    proc = start_gunicorn(config, port, "--workers 2", FRAUDWATCH_PUBLIC_CACHE_SECONDS="30",
                          FRAUDWATCH_RATELIMIT="off", SECRET_KEY="bench-only-secret")
    try:
        for path in pages:
            request = build_request("GET", path, "127.0.0.1", {})
            run_load("127.0.0.1", port, [request] * 200, 100)  # warm-up: imports, connections, the cache
            result = run_load("127.0.0.1", port, [request] * int(rate * seconds), rate)
            lat = [v * 1000 for v in result.latencies]
            print(f"  {path:30s} offered {rate:.0f}/s for {seconds:.0f} s: achieved {result.achieved_rate:.0f}/s, "
                  f"p50 {percentile(lat, 50):.1f} ms, p95 {percentile(lat, 95):.1f} ms, p99 {percentile(lat, 99):.1f} ms, "
                  f"max {max(lat):.1f} ms, statuses {result.statuses}, errors {result.errors}")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def run(backend: str, url: str, rows: int, repeat: int, rate: float, seconds: float, instance: Path) -> None:
    print(f"== {backend}: {rows:,} reports")
    engine = make_engine(url)
    started = time.perf_counter()
    fill(engine, rows)
    examples = publish_all(engine)
    print(f"  fill: {time.perf_counter() - started:.0f} s ({examples:,} published examples)")
    with engine.connect() as conn:
        middle = conn.execute(sa.text("SELECT id FROM published_examples WHERE pattern = 'tax-refund' "
                                      "ORDER BY id LIMIT 1 OFFSET (SELECT count(*) / 2 FROM published_examples "
                                      "WHERE pattern = 'tax-refund')")).scalar()
    engine.dispose()
    prefix = f"fwbench-public:{backend}:"
    app = create_app({"DATABASE_URL": url, "REDIS_URL": REDIS, "REDIS_PREFIX": prefix,
                      "INSTANCE_PATH": str(instance), "RATELIMIT_ENABLED": False, "TESTING": True,
                      "PUBLIC_CACHE_SECONDS": 0})
    with app.test_request_context():
        for n in range(20):
            advisory = advisories.save({"title": f"通告 {n}", "body": "**注意** 退税短信。" * 20,
                                        "language": "zh" if n % 2 else "en"}, "bench-editor")
            advisories.set_status(advisory.id, "published", "bench-editor")
        started = time.perf_counter()
        site_statistics.refresh()
        print(f"  statistics snapshot (the periodic task): {time.perf_counter() - started:.2f} s")
    pages = [p.format(middle=middle) for p in PAGES]
    print(f"  uncached, in process, {repeat} requests per page:")
    timed_pages(app.test_client(), pages, repeat)
    db.dispose(app)
    print("  cached, over HTTP (gunicorn, 2 workers, PUBLIC_CACHE_SECONDS=30):")
    cached_http(url, instance, prefix, LOADED, rate, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=BACKENDS, default="both")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the scratch PostgreSQL database")
    parser.add_argument("--pg-db", default="fw_bench_public", help="scratch PostgreSQL database (created and dropped)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fw-bench-public-") as tmp:
        for backend, url, instance in scratch_databases(Path(tmp), args.backend, args.pg_db, args.keep):
            run(backend, url, args.rows, args.repeat, args.rate, args.seconds, instance)


if __name__ == "__main__":
    main()
