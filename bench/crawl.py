"""Crawl benchmark: pages/s and peak worker memory on a local farm, 1, 2 and 4 workers.

The farm (tests/crawlers/farm) serves 20 sites x 100 pages = 2,000 pages from
127.0.0.1; each page links to five others of its site. The crawl is the real one:
seeds queued through the frontier (Redis dedupe set), RQ worker processes, SSRF-checked
pinned fetches, Redis-shared per-host gate (politeness delay 0), page analysis, site
signals, evidence rows in SQLite. No classifier model is loaded (verdicts from signals).
Prints numbers; asserts nothing. Run: `.venv/bin/python bench/crawl.py [--pages 2000]`.
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fraudwatch import create_app  # noqa: E402
from fraudwatch.infra.embedded import ensure_embedded_redis, stop_embedded_redis  # noqa: E402
from fraudwatch.storage.migrate import upgrade  # noqa: E402
from tests.crawlers.farm.server import FarmServer  # noqa: E402

PAGES_PER_SITE = 100


def bench_config(base: Path, redis_url: str, farm: FarmServer, hosts: list[str], tag: str) -> dict:
    """An app configuration of its own (database, Redis prefix, queue) for one run."""
    db_path = base / f"{tag}.db"
    upgrade(f"sqlite:///{db_path}")
    return {"INSTANCE_PATH": str(base / tag), "DATABASE_URL": f"sqlite:///{db_path}",
            "REDIS_URL": redis_url, "REDIS_PREFIX": f"fwbench:{tag}:", "RQ_QUEUE": f"fwbench-{tag}",
            "MODEL_DIR": str(base / "no-model"), "CRAWL_ALLOW_NETWORKS": ("127.0.0.0/8",),
            "CRAWL_RESOLVE": tuple(f"{h}:*:127.0.0.1" for h in hosts), "CRAWL_ALLOWED_PORTS": "any",
            "CRAWL_HOST_DELAY": 0.0, "CRAWL_FAVICON": False, "CRAWL_MAX_DEPTH": 1000,
            "CRAWL_MAX_LINKS": 10}


def run(base: Path, redis_url: str, farm: FarmServer, sites: int, workers: int) -> dict:
    """Crawl `sites` farm sites with `workers` processes; return the measurements."""
    from fraudwatch.jobs import crawling
    from fraudwatch.jobs.local_workers import run_local_workers

    hosts = [f"site{i:02d}.bench.test" for i in range(sites)]
    tag = f"w{workers}-s{sites}-{uuid.uuid4().hex[:6]}"
    config = bench_config(base, redis_url, farm, hosts, tag)
    app = create_app(config)
    with app.app_context():
        crawling.enqueue_seeds([farm.url(h, "/bench/0") for h in hosts], depth=1000)
    started = time.perf_counter()
    peaks = run_local_workers(workers, lambda: create_app(config))
    elapsed = time.perf_counter() - started
    with app.app_context():
        pages = crawling.stats()["fetched"]
        client = crawling.redis_store.client
        keys = list(client.scan_iter(match=config["REDIS_PREFIX"] + "*", count=1000))
        if keys:
            client.delete(*keys)
    return {"workers": workers, "pages": pages, "seconds": elapsed, "pages_per_s": pages / elapsed,
            "peak_rss_mb": max(peaks) / 1024 if peaks else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="farm size (multiple of 100)")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 4])
    args = parser.parse_args()
    for name in ("httpx", "fraudwatch.services.model_registry", "rq"):  # inherited by the forked workers
        logging.getLogger(name).setLevel(logging.ERROR)
    sites = max(1, args.pages // PAGES_PER_SITE)
    farm = FarmServer(bench_pages=PAGES_PER_SITE).start()
    with tempfile.TemporaryDirectory(prefix="fwbench-") as tmp:
        base = Path(tmp)
        redis_url = ensure_embedded_redis(base / "redis", persist=False)
        try:
            print(f"farm: {sites} sites x {PAGES_PER_SITE} pages on 127.0.0.1:{farm.port}; delay 0")
            print(f"{'workers':>7} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'peak RSS/worker MB':>19}")
            for n in args.workers:
                r = run(base, redis_url, farm, sites, n)
                print(f"{r['workers']:>7} {r['pages']:>6} {r['seconds']:>8.2f} {r['pages_per_s']:>8.1f} "
                      f"{r['peak_rss_mb']:>19.1f}")
            small = run(base, redis_url, farm, max(1, sites // 4), max(args.workers))
            print(f"memory check: {small['pages']} pages -> peak {small['peak_rss_mb']:.1f} MB/worker "
                  f"with {small['workers']} workers (compare with the {sites * PAGES_PER_SITE}-page row)")
        finally:
            stop_embedded_redis(base / "redis")
            farm.stop()


if __name__ == "__main__":
    main()
