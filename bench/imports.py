"""Feed import rates (issue #13): a URLhaus CSV dump of 20,005 rows (its real comment header and
quoting, made-up URLs) imported through `import_feed`, first into an empty table (every row new)
and then again (every row stored: a sighting each), on SQLite and/or PostgreSQL; and the parser
alone (no database).

    .venv/bin/python bench/imports.py [--rows 20005] [--backend sqlite|postgresql|both]
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import BACKENDS, scratch_databases  # noqa: E402
from fraudwatch import create_app  # noqa: E402
from fraudwatch.infra.extensions import db  # noqa: E402
from fraudwatch.services.imports import feeds  # noqa: E402
from fraudwatch.services.imports.feed_runs import FeedSource, import_feed  # noqa: E402
from tests.fraudwatch.imports.feedfiles import URLHAUS_HEAD, urlhaus_row  # noqa: E402


def dump(rows: int) -> bytes:
    """A URLhaus CSV of `rows` rows, one in a thousand bad (a private address)."""
    lines = [urlhaus_row(n, f"http://10.0.{n % 250}.1/x" if n % 1000 == 999 else
                         f"http://h{n}.tax-refund{n % 97}.example.com/{n}.php") for n in range(rows)]
    return (URLHAUS_HEAD + "".join(lines)).encode()


def parser_only(body: bytes) -> None:
    started = time.perf_counter()
    tally = feeds.Tally()
    count = sum(1 for _ in feeds.normalised(feeds.parse(feeds.open_stream(io.BytesIO(body)), "urlhaus_csv",
                                                        tally), tally))
    seconds = time.perf_counter() - started
    print(f"parser: {tally.rows:,} rows ({count:,} indicators, {tally.bad:,} bad) in {seconds:.2f} s, "
          f"{tally.rows / seconds:,.0f} rows/s")


def into_database(backend: str, url: str, folder: Path, body: bytes) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": str(folder),
                      "REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_PREFIX": "fwbench:imports:"})
    with app.app_context():
        for label in ("new", "again"):
            started = time.perf_counter()
            result = import_feed([io.BytesIO(body)], FeedSource("urlhaus", "urlhaus_csv", 0.7, "CC0"))
            seconds = time.perf_counter() - started
            print(f"{backend} ({label}): {result.rows:,} rows, {result.new:,} new, {result.sighted:,} sightings, "
                  f"{result.bad:,} bad in {seconds:.2f} s, {result.rows / seconds:,.0f} rows/s")
    db.dispose(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_005)
    parser.add_argument("--backend", choices=BACKENDS, default="both")
    parser.add_argument("--pg-db", default="fw_bench_imports")
    args = parser.parse_args()
    body = dump(args.rows)
    parser_only(body)
    with tempfile.TemporaryDirectory() as tmp:
        for backend, url, folder in scratch_databases(Path(tmp), args.backend, args.pg_db):
            into_database(backend, url, folder, body)


if __name__ == "__main__":
    main()
