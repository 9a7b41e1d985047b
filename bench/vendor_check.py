"""Vendor check benchmark (issue #12): server time of POST /api/v1/vendor-check.

1. A scratch database (SQLite file in a temporary folder; PostgreSQL database `fw_bench_vendor`,
   created here and dropped afterwards), migrated to head and filled by bench/console_fill.py
   (100,000 reports by default, their domain indicators with statuses derived from them).
2. The app with a classifier model (`--model DIR`, else one trained here on data/corpus, as
   bench/classify.py does), an enterprise token, rate limits off, the Redis at REDIS_URL.
3. Through the Flask test client (the whole request: token, validation, lookups through the
   Redis cache, classification, the answer), after a warm-up, p50/p95/p99 of:
   - full: every field, a fee-demand message naming a link and a phone, a reported domain;
   - fields: company, USCC, a reported domain, phone, e-mail, bank account, no message;
   - never-seen: every field but the message, values never asked before (uncached lookups);
   - message: the message alone (classification and the lookups of what it names).
   Each request of a mix names a random domain of the fill (20,000 for 100,000 reports) and
   random phone numbers, under a Redis prefix of its own run, so lookups are cached only when
   the same indicator comes round again (as for a real caller).

Target (issue #12): p99 <= 30 ms. Prints numbers, asserts nothing.
Run: `.venv/bin/python bench/vendor_check.py [--rows 100000] [--backend sqlite|postgresql|both]`.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench.console_fill import fill  # noqa: E402
from fraudwatch import create_app  # noqa: E402
from fraudwatch.infra.extensions import db, make_engine  # noqa: E402
from fraudwatch.storage import users  # noqa: E402
from fraudwatch.storage.migrate import upgrade  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgresql://postgres@127.0.0.1:5432/{}"
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
USCC = "91350100M000100Y43"
FEE = ("【国家税务总局】贵公司税务系统需升级改造，请于3日内缴纳税务系统建设费 {n} 元，逾期将影响开票。"
       "详情访问 https://etax-{k}.top/pay 或致电 171{n:08d}。")


def pct(samples: list[float]) -> str:
    """p50/p95/p99 and max in ms."""
    ordered = sorted(samples)
    at = [ordered[min(len(ordered) - 1, int(q * len(ordered)))] for q in (0.5, 0.95, 0.99)]
    return (f"p50 {at[0] * 1000:6.1f}  p95 {at[1] * 1000:6.1f}  p99 {at[2] * 1000:6.1f}  "
            f"max {ordered[-1] * 1000:6.1f} ms  (n={len(ordered)}, mean {statistics.mean(ordered) * 1000:.1f})")


def bodies(kind: str, rng: random.Random, indicators: int, i: int) -> dict:
    """The request body number `i` of a mix."""
    k, n = rng.randrange(indicators), rng.randrange(10**8)
    fields = {"company": f"金税科技服务有限公司{k}", "uscc": USCC, "domain": f"etax-{k}.top", "phone": f"171{n:08d}",
              "email": f"billing@etax-{k}.top", "bank_account": f"62220212{n:08d}{k % 1000:03d}"}
    if kind == "full":
        return {**fields, "message_text": FEE.format(n=n, k=k)}
    if kind == "fields":
        return fields
    if kind == "never-seen":
        return {**fields, "company": f"明远软件{i}有限公司", "domain": f"mingyuan-{i}-{n}.cn",
                "email": f"sales@mingyuan-{i}-{n}.cn"}
    return {"message_text": FEE.format(n=n, k=k)}


def measure(client, headers: dict, kind: str, indicators: int, repeat: int, rng: random.Random) -> None:
    """Warm up, then time `repeat` requests of one mix."""
    for i in range(20):
        client.post("/api/v1/vendor-check", json=bodies(kind, rng, indicators, -1 - i), headers=headers)
    samples, verdicts = [], {}
    for i in range(repeat):
        body = bodies(kind, rng, indicators, i)
        started = time.perf_counter()
        r = client.post("/api/v1/vendor-check", json=body, headers=headers)
        samples.append(time.perf_counter() - started)
        if r.status_code != 200:
            print(f"  {kind}: HTTP {r.status_code} {r.get_json()}")
            return
        verdict = r.get_json()["verdict"]
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
        if kind == "never-seen" and verdict != "no_known_risk":  # a false alarm: say what raised it
            print(f"  never-seen flagged: {[(x['field'], x['detail']) for x in r.get_json()['reasons'][:2]]}")
    print(f"  {kind:<11} {pct(samples)}  verdicts {verdicts}")


def model_folder(given: str | None, tmp: Path) -> Path:
    """The model to use: the one given, else one trained on data/corpus now."""
    if given:
        return Path(given)
    from classifiers.corpus import default_corpus_files
    from classifiers.train import train_model

    folder = tmp / "model"
    started = time.perf_counter()
    train_model(default_corpus_files(), folder, progress=lambda s, f: None)
    print(f"model trained on data/corpus in {time.perf_counter() - started:.0f} s")
    return folder


def run(backend: str, url: str, rows: int, repeat: int, instance: Path, model: Path) -> None:
    """Migrate, fill, measure one backend."""
    print(f"== {backend}: {rows:,} reports")
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    info = fill(engine, rows)
    print(f"  fill: {time.perf_counter() - started:.0f} s ({info['indicators']:,} indicators)")
    engine.dispose()
    prefix = f"fwbench-vendor:{uuid.uuid4().hex[:8]}:"  # a cold cache each run
    app = create_app({"DATABASE_URL": url, "REDIS_URL": REDIS, "REDIS_PREFIX": prefix,
                      "INSTANCE_PATH": str(instance), "MODEL_DIR": str(model), "RATELIMIT_ENABLED": False,
                      "TESTING": True})
    with app.app_context():
        user = users.create_user(db.session, "bench-enterprise", "enterprise")
        token = users.create_token(db.session, user)
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    rng = random.Random(12)
    for kind in ("full", "fields", "never-seen", "message"):
        measure(client, headers, kind, info["indicators"], repeat, rng)
    db.dispose(app)
    keys = list(redis.Redis.from_url(REDIS).scan_iter(match=prefix + "*", count=1000))
    for start in range(0, len(keys), 1000):
        redis.Redis.from_url(REDIS).delete(*keys[start:start + 1000])


@contextlib.contextmanager
def scratch_database(backend: str, tmp: Path, name: str):
    """The URL of an empty database of `backend`, dropped afterwards (a PostgreSQL one)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp}/bench.db"
        return
    admin = make_engine(PG_ADMIN).execution_options(isolation_level="AUTOCOMMIT")

    def drop_then(statement: str | None = None) -> None:
        with admin.connect() as conn:
            for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", statement):
                if sql:
                    conn.execute(sa.text(sql))

    drop_then(f"CREATE DATABASE {name}")
    try:
        yield PG_BENCH.format(name)
    finally:
        drop_then()
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rows", type=int, default=100_000, help="reports in the fill")
    parser.add_argument("--repeat", type=int, default=500, help="timed requests per mix")
    parser.add_argument("--model", help="a trained model folder (default: train one on data/corpus)")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    with tempfile.TemporaryDirectory(prefix="fw-bench-vendor-") as folder:
        tmp = Path(folder)
        model = model_folder(args.model, tmp)
        for backend in backends:
            with scratch_database(backend, tmp, "fw_bench_vendor") as url:
                run(backend, url, args.rows, args.repeat, tmp / f"instance-{backend}", model)


if __name__ == "__main__":
    main()
