"""Lookup benchmark: import the OpenPhish URL history as indicators, then measure lookups.

1. Import `openphish_urls.tsv` (363,911 URLs) into a fresh SQLite database: lines/s and
   indicator rows/s.
2. In-process: single lookups (uncached, then cached) p50/p99; batches of 1,000.
3. Over HTTP: gunicorn (2 sync workers; BENCH_GUNICORN_ARGS or `--server` overrides;
   `--server` repeated runs this phase once per server, cache dropped between) on
   127.0.0.1, an open-loop load generator at a
   fixed rate (default 500 requests/s) for single lookups, uncached and cached; then
   batches of 1,000 items.
4. Peak memory of this process and of the gunicorn workers.

Prints numbers, asserts nothing. Needs ../shared/data (or FRAUDWATCH_EXTERNAL_DATA).
Run: `.venv/bin/python bench/lookup.py [--rate 500] [--seconds 10]`.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import build_request, run_load, summary_ms  # noqa: E402
from fraudwatch import create_app  # noqa: E402
from fraudwatch.infra.embedded import ensure_embedded_redis, stop_embedded_redis  # noqa: E402
from fraudwatch.infra.extensions import db  # noqa: E402
from fraudwatch.storage.migrate import upgrade  # noqa: E402

FEED = "phishing_urls/openphish_urls.tsv"


def external_feed() -> Path | None:
    """The OpenPhish history file, or None when the external data is not here."""
    base = Path(os.environ.get("FRAUDWATCH_EXTERNAL_DATA", ROOT.parent / "shared" / "data"))
    path = base / FEED
    return path if path.is_file() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def import_phase(app, feed: Path) -> None:
    from fraudwatch.services.imports.indicators import import_indicators

    with app.app_context():
        stats = import_indicators(feed, source="openphish", note="OpenPhish community feed history")
    print(f"import: {stats.read:,} lines, {stats.new:,} indicators, {stats.invalid:,} invalid, "
          f"{stats.seconds:.1f} s -> {stats.read / stats.seconds:,.0f} lines/s, "
          f"{stats.new / stats.seconds:,.0f} indicators/s")


def sample_values(feed: Path, count: int, seed: int = 7) -> list[str]:
    """Random URLs of the feed (hits) mixed with URLs it does not hold (misses)."""
    from fraudwatch.services.imports.indicators import read_values

    values = list(read_values(feed))
    rng = random.Random(seed)
    hits = rng.sample(values, count // 2)
    misses = [f"https://unknown-{rng.randrange(10**9)}.example/{i}" for i in range(count - len(hits))]
    mixed = hits + misses
    rng.shuffle(mixed)
    return mixed


def in_process_phase(app, values: list[str]) -> None:
    from fraudwatch.services.lookup import lookup_many

    with app.app_context():
        for label in ("uncached", "cached"):
            times = []
            for value in values:
                started = time.perf_counter()
                lookup_many([("url", value)])
                times.append(time.perf_counter() - started)
            print(f"in-process single lookup, {label}: {summary_ms(times)} over {len(times):,}")
        batch_times = {"uncached": [], "cached": []}
        for i in range(5):
            batch = [("url", f"https://batch{i}-{j}.example/x") for j in range(500)] + \
                    [("url", v) for v in values[:500]]
            for label in ("uncached", "cached"):
                started = time.perf_counter()
                lookup_many(batch)
                batch_times[label].append(time.perf_counter() - started)
        for label, times in batch_times.items():
            print(f"in-process batch of 1,000, {label}: {summary_ms(times)} over {len(times)} batches")


def drop_lookup_cache(app) -> None:
    """Forget every cached lookup of this run, so the HTTP phase starts cold."""
    from fraudwatch.infra.extensions import redis_store

    client = redis_store.client
    keys = list(client.scan_iter(match=app.config["REDIS_PREFIX"] + "lookup:*", count=5000))
    for start in range(0, len(keys), 5000):
        client.delete(*keys[start:start + 5000])


def start_gunicorn(config: dict, port: int, server_args: str, **settings: str) -> subprocess.Popen:
    """gunicorn serving the app on `config`'s services (and environment `settings`), once it listens."""
    env = dict(os.environ, DATABASE_URL=config["DATABASE_URL"], REDIS_URL=config["REDIS_URL"],
               FRAUDWATCH_INSTANCE=config["INSTANCE_PATH"], FRAUDWATCH_REDIS_PREFIX=config["REDIS_PREFIX"],
               FRAUDWATCH_RQ_QUEUE=config["RQ_QUEUE"], **settings)
    extra = server_args.split()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", *extra,
                             "--log-level", "warning", "fraudwatch:create_app()"], env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes."""
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def worker_pids(proc: subprocess.Popen) -> list[int]:
    """The gunicorn master and its workers."""
    out = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    return [proc.pid] + [int(p) for p in out]


def worker_peak_kib(proc: subprocess.Popen) -> list[int]:
    """VmHWM (peak resident memory) of gunicorn's worker processes."""
    out = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    peaks = []
    for pid in out:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]))
    return peaks


def http_phase(config: dict, values: list[str], token: str, rate: float, seconds: float, server_args: str) -> None:
    print(f"server: gunicorn {server_args}")
    port = free_port()
    proc = start_gunicorn(config, port, server_args)
    headers = {"Authorization": f"Bearer {token}"}
    total = int(rate * seconds)
    try:
        # Warm-up (not measured): 1,000 lookups of other URLs, so each worker has imported,
        # compiled and connected everything once before the measured runs.
        warm = [build_request("GET", f"/api/v1/lookup?type=url&value={quote(f'https://warm{i}.example/x', safe='')}",
                              "127.0.0.1", headers) for i in range(1000)]
        run_load("127.0.0.1", port, warm, 200)
        uncached = [build_request("GET", f"/api/v1/lookup?type=url&value={quote(v, safe='')}", "127.0.0.1", headers)
                    for v in (values * (total // len(values) + 1))[:total]]
        hot = values[:200]
        cached = [build_request("GET", f"/api/v1/lookup?type=url&value={quote(hot[i % len(hot)], safe='')}",
                                "127.0.0.1", headers) for i in range(total)]
        for label, requests in (("uncached", uncached), ("cached", cached)):
            pids = worker_pids(proc)
            server_before, client_before = cpu_seconds(pids), time.process_time()
            result = run_load("127.0.0.1", port, requests, rate)
            server_ms = (cpu_seconds(pids) - server_before) / len(requests) * 1000
            client_ms = (time.process_time() - client_before) / len(requests) * 1000
            print(f"HTTP single lookup, {label}, offered {rate:.0f}/s for {seconds:.0f} s: achieved "
                  f"{result.achieved_rate:.0f}/s, {summary_ms(result.latencies)}, statuses {result.statuses}, "
                  f"errors {result.errors}; CPU per request: server {server_ms:.2f} ms, load generator "
                  f"{client_ms:.2f} ms")
        body = json.dumps({"items": [{"type": "url", "value": v} for v in values[:1000]]}).encode()
        batch = [build_request("POST", "/api/v1/lookup", "127.0.0.1",
                               {**headers, "Content-Type": "application/json"}, body) for _ in range(30)]
        result = run_load("127.0.0.1", port, batch, 5)
        print(f"HTTP batch of 1,000 (first uncached, then cached), 5/s: {summary_ms(result.latencies)}, "
              f"statuses {result.statuses}")
        print(f"gunicorn worker peak RSS: {', '.join(f'{k / 1024:.0f} MiB' for k in worker_peak_kib(proc))}")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--samples", type=int, default=6000)
    parser.add_argument("--server", action="append", metavar="GUNICORN_ARGS",
                        help="gunicorn arguments of one HTTP run, e.g. '--workers 2 --worker-class "
                             "fraudwatch.infra.webserver.BufferingWorker --threads 2'; repeat to compare servers")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    feed = external_feed()
    if feed is None:
        print(f"skipped: {FEED} not found (set FRAUDWATCH_EXTERNAL_DATA to ../shared/data)")
        return
    base = Path(tempfile.mkdtemp(prefix="fw-bench-lookup-"))
    redis_dir = base / "redis"
    # The embedded Redis on a Unix socket, as `fraudwatch serve` runs it (REDIS_URL overrides).
    redis_url = os.environ.get("REDIS_URL") or ensure_embedded_redis(redis_dir, persist=False)
    tag = f"{os.getpid()}"
    config = {"INSTANCE_PATH": str(base / "instance"), "DATABASE_URL": f"sqlite:///{base / 'bench.db'}",
              "REDIS_URL": redis_url, "REDIS_PREFIX": f"fwbench:{tag}:", "RQ_QUEUE": f"fwbench-{tag}"}
    upgrade(config["DATABASE_URL"])
    app = create_app(config)
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; database {config['DATABASE_URL']}; "
          f"redis {redis_url}")
    try:
        import_phase(app, feed)
        values = sample_values(feed, args.samples)
        in_process_phase(app, values)
        with app.app_context():
            from fraudwatch.storage import users

            user = users.create_user(db.session, "bench-enterprise", "enterprise", "1000000/minute")
            token = users.create_token(db.session, user)
            db.session.commit()
        for server_args in args.server or [os.environ.get("BENCH_GUNICORN_ARGS", "--workers 2 --worker-class sync")]:
            with app.app_context():
                drop_lookup_cache(app)  # each server starts cold
            http_phase(config, values, token, args.rate, args.seconds, server_args)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"bench process peak RSS: {peak / 1024:.0f} MiB")
    finally:
        if not os.environ.get("REDIS_URL"):
            stop_embedded_redis(redis_dir)


if __name__ == "__main__":
    main()
