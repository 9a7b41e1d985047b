"""Campaign benchmark: `fraudwatch campaigns rebuild` over N stored reports, and the campaign
queries of the API afterwards.

1. A scratch database (SQLite file in a temporary folder, or PostgreSQL database
   `fw_bench_campaigns`, created here and dropped afterwards), migrated to head, filled by
   bulk insert: N reports, a third of them variants of LURES templates (other amounts,
   links and phones: near-identical text), a third naming one of a few hundred scam domains
   (shared indicator, differing texts), a third distinct everyday texts; one domain
   indicator per report with a link.
2. The rebuild (services.campaigns.rebuild, as the CLI runs it): reports/s, the peak memory
   of the process (ru_maxrss) after 10% and at the end, and its anonymous resident memory
   (RssAnon: the Python heap, without SQLite's memory-mapped file, which grows with the
   database) at both points (constant memory: they stay close), campaigns made, reports grouped.
3. Server time of GET /api/v1/campaigns (both sorts) and GET /api/v1/campaigns/<id> for the
   biggest campaign (p50/p95 over 30 requests, Flask test client with an officer token).

Prints numbers, asserts nothing. Run:
`.venv/bin/python bench/campaigns.py [--rows 100000] [--backend sqlite|postgresql] [--batch 500]`.
"""
from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from fraudwatch import create_app  # noqa: E402
from fraudwatch.infra.extensions import db, make_engine  # noqa: E402
from fraudwatch.services import campaigns  # noqa: E402
from fraudwatch.storage import users  # noqa: E402
from fraudwatch.storage.migrate import upgrade  # noqa: E402
from fraudwatch.storage.models import Indicator, Report, ReportIndicator  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_NAME = "fw_bench_campaigns"
REDIS = "redis://127.0.0.1:6379/0"
CHUNK = 5_000
LURES = [
    "【国家税务总局】您的个人所得税退税{n}元已到账，请于24小时内登录 {link} 办理，逾期作废。咨询 {phone}",
    "【电子税务局】贵公司{n}年度发票异常，需在今日内重新认证，否则将被列入失信名单：{link}",
    "【12366】您的社保补贴{n}元待领取，请点击 {link} 填写银行卡信息，联系电话 {phone}",
    "HMRC: You are due a tax refund of £{n}. Claim before midnight at {link} or call {phone}",
    "IRS notice: your return #{n} is on hold. Verify your identity at {link} within 48 hours.",
    "【税务稽查】您{n}年度存在少缴个税，请添加专员微信 {phone} 配合核查，逾期将移交司法。",
]
EVERYDAY = ["明天{n}点开会，记得带上报表", "周末去爬山吗？第{n}次邀请了", "快递{n}号已放在门卫室",
            "Lunch at {n}? The usual place", "发票已开好，金额{n}元，请查收"]


def _text(rng: random.Random, i: int) -> tuple[str, str]:
    """(message text, its domain) of report i."""
    kind = i % 3
    domain = f"scam-{rng.randrange(300)}.top" if kind == 1 else f"site-{i}.com"
    link = f"http://{domain}/{rng.randrange(10**6)}"
    phone = f"1{rng.randrange(3, 9)}{rng.randrange(10**9):09d}"
    if kind == 0:
        return rng.choice(LURES).format(n=rng.randrange(100, 9999), link=link, phone=phone), domain
    if kind == 1:
        return f"您好，我是{rng.randrange(10**6)}号客服，详情见 {link} 谢谢 {rng.random():.6f}", domain
    return rng.choice(EVERYDAY).format(n=i) + f" {link}", domain


def fill(engine: sa.Engine, rows: int, seed: int = 7) -> None:
    """N reports with a domain indicator each (bulk inserts, CHUNK at a time)."""
    rng, start = random.Random(seed), datetime.now(UTC) - timedelta(days=90)
    domains: dict[str, int] = {}
    with engine.begin() as conn:
        for base in range(0, rows, CHUNK):
            reports, links = [], []
            for i in range(base, min(rows, base + CHUNK)):
                text, domain = _text(rng, i)
                reports.append({"id": i + 1, "created_at": start + timedelta(seconds=i * 90 * 86400 // rows),
                                "channel": "sms", "source": "api", "status": "new", "message_text": text,
                                "content_hash": f"{i:064x}", "reporter_count": 1, "risk": 0, "risk_base": 0,
                                "queue_rank": 0})
                if domain not in domains:
                    domains[domain] = len(domains) + 1
                    conn.execute(sa.insert(Indicator), [{"id": domains[domain], "type": "domain", "value": domain,
                                                         "match_key": domain, "display": domain, "host": domain,
                                                         "scope": f"domain:{domain}", "status": "suspected",
                                                         "source": "report", "report_count": 0,
                                                         "first_seen": start, "last_seen": start}])
                links.append({"report_id": i + 1, "indicator_id": domains[domain], "role": "extracted"})
            conn.execute(sa.insert(Report), reports)
            conn.execute(sa.insert(ReportIndicator), links)
        if engine.dialect.name == "postgresql":
            for table in ("reports", "indicators"):
                conn.execute(sa.text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))


def peak_mb() -> float:
    """Peak resident memory of this process, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def anon_mb() -> float:
    """Resident anonymous memory of this process now (the Python heap; not file pages such as
    SQLite's memory-mapped database, which count in the peak), MB; 0 where /proc is missing."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0.0
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("RssAnon:")), 0.0)


def timed(client, path: str, headers: dict, runs: int = 30) -> str:
    """p50/p95 ms of GET path."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        assert client.get(path, headers=headers).status_code == 200
        samples.append((time.perf_counter() - started) * 1000)
    ordered = sorted(samples)
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {ordered[int(0.95 * (len(ordered) - 1))]:.1f} ms"


def run(url: str, rows: int, batch: int) -> None:
    """Fill, rebuild, query; print the numbers."""
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    fill(engine, rows)
    engine.dispose()
    print(f"filled {rows} reports in {time.perf_counter() - started:.1f} s")
    app = create_app({"DATABASE_URL": url, "REDIS_URL": REDIS, "REDIS_PREFIX": "fwbench:campaigns:",
                      "RATELIMIT_ENABLED": False})
    marks: dict[str, float] = {}

    def progress(done: campaigns.Rebuilt) -> None:
        if done.reports >= rows // 10 and "10%" not in marks:
            marks["10%"], marks["anon 10%"] = peak_mb(), anon_mb()

    with app.app_context():
        done = campaigns.rebuild(batch=batch, progress=progress)
        count = db.session.scalar(sa.text("SELECT count(*) FROM campaigns"))
        biggest = db.session.scalar(sa.text("SELECT id FROM campaigns ORDER BY report_count DESC LIMIT 1"))
        user = users.create_user(db.session, "bench-officer", "officer", None)
        token = users.create_token(db.session, user)
        db.session.commit()
    print(f"rebuild: {done.reports} reports in {done.seconds:.1f} s = {done.reports / done.seconds:.0f} reports/s; "
          f"{count} campaigns, {done.grouped} reports grouped; peak memory {marks.get('10%', 0):.0f} MB at 10%, "
          f"{peak_mb():.0f} MB at the end; anonymous {marks.get('anon 10%', 0):.0f} MB at 10%, {anon_mb():.0f} MB at the end")
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    for path in ("/api/v1/campaigns", "/api/v1/campaigns?sort=report_count", f"/api/v1/campaigns/{biggest}"):
        print(f"GET {path}: {timed(client, path, headers)}")
    db.dispose(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            run(f"sqlite:///{folder}/bench.db", args.rows, args.batch)
        return
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_NAME}"))
        conn.execute(sa.text(f"CREATE DATABASE {PG_NAME}"))
    try:
        run(PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_NAME, args.rows, args.batch)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)"))
        admin.dispose()


if __name__ == "__main__":
    main()
