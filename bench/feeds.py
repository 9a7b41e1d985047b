"""Outgoing feeds at scale (issue #13): 364,000 confirmed indicators (plus suspected, dismissed
and expired ones, ~420,000 in all) bulk-inserted into scratch databases, then

1. the feed sweep: the first run (every entry written), a run with nothing to do (its cost
   every FEED_SWEEP_SECONDS), and a run after 1,000 changes;
2. the full confirmed CSV streamed through the WSGI app (target <= 5 s), in constant memory
   (tracemalloc peak while streaming, and the peak RSS growth), with gzip, and the JSON, hosts
   and RPZ answers;
3. incremental requests (`?since=<cursor>` after 20 changes, JSON and CSV): p50/p95/max
   (target p95 <= 20 ms), and a 304 answer;
4. [STIX HOOK] a STIX bundle of 10,000 indicators from the same database (`stix_hook`: the
   STIX export's bench/stix.py bundle_timing).

    .venv/bin/python bench/feeds.py [--confirmed 364000] [--backend sqlite|postgresql|both]

PostgreSQL is used too when TEST_DATABASE_URL or FRAUDWATCH_BENCH_PG is set (and --backend is not given).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import BACKENDS, scratch_databases  # noqa: E402
from fraudwatch import create_app  # noqa: E402
from fraudwatch.indicators.decay import DecayModel  # noqa: E402
from fraudwatch.infra.extensions import db  # noqa: E402
from fraudwatch.services import feeds  # noqa: E402
from fraudwatch.storage import feeds as store  # noqa: E402
from fraudwatch.storage.models import FeedEntry, Indicator  # noqa: E402

NOW = datetime.now(UTC)
KINDS = ("url", "url", "url", "domain", "domain", "phone", "email", "company")
CHUNK = 10_000


def _row(i: int, status: str, age_days: float) -> dict:
    kind = KINDS[i % len(KINDS)]
    host = f"etax-refund-{i}.top"
    value = {"url": f"http://{host}/claim/{i}?id={i}", "domain": host, "phone": f"+86138{i:08d}",
             "email": f"refund{i}@{host}", "company": f"退税服务{i}有限公司"}[kind]
    seen = NOW - timedelta(days=age_days)
    return {"type": kind, "value": value, "match_key": value, "display": value,
            "host": host if kind in ("url", "domain", "email") else None,
            "scope": f"domain:{host}" if kind in ("url", "domain", "email") else f"{kind}:{value}",
            "status": status, "source": "import", "report_count": 1, "first_seen": seen, "last_seen": seen,
            "confidence": 0.8 if i % 10 == 0 else None}


def populate(confirmed: int) -> int:
    """Bulk-insert the indicators: `confirmed` listable confirmed ones, 10% more suspected, 3%
    dismissed, 3% confirmed but decayed (seen 400 days ago). How many rows."""
    plan = [("confirmed_fraud", confirmed, 3.0), ("suspected", confirmed // 10, 2.0),
            ("dismissed", confirmed * 3 // 100, 1.0), ("confirmed_fraud", confirmed * 3 // 100, 400.0)]
    i, total = 0, 0
    for status, count, age in plan:
        for start in range(0, count, CHUNK):
            rows = [_row(i + k, status, age * ((i + k) % 7 + 1) / 7) for k in range(min(CHUNK, count - start))]
            i += len(rows)
            db.session.execute(sa.insert(Indicator.__table__), rows)
            db.session.commit()
            total += len(rows)
    return total


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def stream(client, path: str, headers: dict | None = None) -> tuple[int, int]:
    """Consume an answer chunk by chunk as a WSGI server would; (status, bytes)."""
    response = client.get(path, headers=headers or {}, buffered=False)
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    return response.status_code, size


def sweeps(app, label: str) -> None:
    model = DecayModel.from_config(app.config)
    changed, first = timed(lambda: feeds.run_sweep(model))
    print(f"{label}: first sweep wrote {changed:,} entries in {first:.1f} s")
    changed, idle = timed(lambda: feeds.run_sweep(model))
    print(f"{label}: sweep with nothing to do: {idle:.2f} s ({changed} written)")
    db.session.execute(sa.update(Indicator).where(Indicator.id % 400 == 0, Indicator.status == "confirmed_fraud")
                       .values(status="dismissed"))
    db.session.commit()
    changed, after = timed(lambda: feeds.run_sweep(model))
    print(f"{label}: sweep after {changed:,} changes: {after:.2f} s")


def full_answers(app, label: str) -> None:
    client = app.test_client()
    rows = sum(1 for _ in store.iter_entries(db.engine, "confirmed"))
    for path, headers in (("/feeds/confirmed.csv", None), ("/feeds/confirmed.csv", {"Accept-Encoding": "gzip"}),
                          ("/feeds/confirmed.json", None), ("/feeds/confirmed.hosts", None),
                          ("/feeds/confirmed.rpz", None)):
        (status, size), seconds = timed(lambda p=path, h=headers: stream(client, p, h))
        gz = " gzip" if headers else ""
        print(f"{label}: {path}{gz}: {status}, {rows:,} entries, {size / 1e6:.1f} MB in {seconds:.2f} s")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    stream(client, "/feeds/confirmed.csv")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{label}: full CSV streamed with tracemalloc peak {peak / 1e6:.2f} MB; "
          f"peak RSS grew {(rss_after - rss_before) / 1024:.1f} MiB (now {rss_after / 1024:.0f} MiB)")


def incremental(app, label: str, requests: int = 200) -> None:
    client = app.test_client()
    cursor = store.current_cursor(db.engine, "confirmed")
    db.session.execute(sa.update(Indicator).where(Indicator.id.in_(range(1000, 1020)))
                       .values(status="suspected"))
    db.session.commit()
    feeds.run_sweep(DecayModel.from_config(app.config))
    for fmt in ("json", "csv"):
        times = []
        for _ in range(requests):
            start = time.perf_counter()
            answer = client.get(f"/feeds/confirmed.{fmt}?since={cursor}")
            assert answer.status_code == 200
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"{label}: incremental {fmt} (20 changes after the cursor) x{requests}: "
              f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms")
    etag = client.get("/feeds/confirmed.json").headers["ETag"]
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        assert client.get("/feeds/confirmed.json", headers={"If-None-Match": etag}).status_code == 304
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"{label}: 304 answer x{requests}: p50 {statistics.median(times):.1f} ms, "
          f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms")


def stix_hook(app, label: str) -> None:
    """[STIX HOOK] A STIX bundle of 10,000 indicators from this database: bench/stix.py's
    bundle_timing (the STIX export's own benchmark) on the entries built here."""
    try:
        from bench.stix import bundle_timing
    except ImportError as exc:  # the STIX export is not in this checkout
        print(f"{label}: STIX bundle of 10,000 indicators: not timed ({exc})")
        return
    with app.app_context():  # a window of changes holding the feed's last 10,000 listed entries
        since = db.session.scalar(sa.select(FeedEntry.seq).where(FeedEntry.feed == "confirmed", FeedEntry.listed)
                                  .order_by(FeedEntry.seq.desc()).offset(9_999).limit(1)) or 0
        top = db.session.scalar(sa.select(sa.func.max(FeedEntry.seq))) or 0
    bundle_timing(app, label, count=top - since + 1)


def run(backend: str, url: str, folder: Path, confirmed: int) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": str(folder),
                      "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), "RATELIMIT_ENABLED": False})
    with app.app_context():
        total, seconds = timed(lambda: populate(confirmed))
        print(f"{backend}: {total:,} indicators inserted in {seconds:.1f} s")
        sweeps(app, backend)
        full_answers(app, backend)
        incremental(app, backend)
        stix_hook(app, backend)
    db.dispose(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--confirmed", type=int, default=364_000)
    parser.add_argument("--backend", choices=BACKENDS, default=None)
    parser.add_argument("--pg-db", default="fw_bench_feeds")
    args = parser.parse_args()
    backend = args.backend or ("both" if os.environ.get("TEST_DATABASE_URL") or os.environ.get("FRAUDWATCH_BENCH_PG")
                               else "sqlite")
    with tempfile.TemporaryDirectory() as tmp:
        for name, url, folder in scratch_databases(Path(tmp), backend, args.pg_db):
            run(name, url, folder, args.confirmed)


if __name__ == "__main__":
    main()
