"""Watch-list matching benchmark (issue #12): 10,000 entries matched against one report.

1. 10,000 active entries of mixed kinds (4,000 domains, 3,000 brands, 2,000 company names,
   1,000 phones) made up here from syllables (no data set is read), among 100 owners.
2. 2,000 reports written here: tax-scam SMS and e-mails naming 1-3 links (a third of them
   lookalikes of a watched domain: homoglyphs, added words, other TLDs, one edit), a phone,
   a tenth of them a watched brand or company, 80-2,000 characters.
3. Timed per report, after a warm-up:
   - index: `WatchIndex.match` of the report's hosts, phones, companies and text (what the
     job does once the report's indicators are stored);
   - job: `watch_match.match_report(report_id)` in an app on a scratch SQLite database and the
     Redis at REDIS_URL (version check, the report and its indicators read, the match, the
     alerts written once; most reports alert nothing, as in production);
   and the time to build the index of 10,000 entries (once per process and per change).

Target (issue #12): 10,000 entries matched against a report in <= 5 ms. Prints numbers,
asserts nothing. Run: `.venv/bin/python bench/watch.py [--entries 10000] [--reports 2000]`.
"""
from __future__ import annotations

import argparse
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

from fraudwatch import create_app  # noqa: E402
from fraudwatch.indicators import extract_indicators, normalize  # noqa: E402
from fraudwatch.infra.extensions import db  # noqa: E402
from fraudwatch.services import watch_match  # noqa: E402
from fraudwatch.services.reporting import submit_report  # noqa: E402
from fraudwatch.services.watch_index import Subjects, WatchIndex, fold_name  # noqa: E402
from fraudwatch.storage import users  # noqa: E402
from fraudwatch.storage.migrate import upgrade  # noqa: E402
from fraudwatch.storage.models import WatchEntry  # noqa: E402

REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
SYLLABLES = ["an", "bo", "chen", "da", "fu", "guo", "hai", "jin", "kang", "li", "ming", "nan", "pu", "qi", "rui",
             "sheng", "tai", "wei", "xin", "yang", "zhi", "tech", "soft", "data", "cloud", "net", "star", "sun"]
CJK = "华中国际科技信息数据云网络电子商贸实业集团通达恒丰瑞鑫宏远天成金源兴业"
TLDS = ["com", "cn", "com.cn", "net", "top", "xyz"]
WORDS = ["tax", "refund", "etax", "invoice", "pay", "verify", "gov"]
TEXTS = ["【国家税务总局】您有一笔个税退税{n}元待领取，请于今日登录 {link} 办理，逾期作废。",
         "【电子税务局】贵公司发票查验插件已过期，请访问 {link} 下载更新，咨询 {phone}。{name}财务部请注意。",
         "Dear taxpayer, your refund of ${n} is pending. Verify at {link} or call {phone}.",
         "尊敬的{name}用户：税控盘年费 {n} 元未缴，请通过 {link} 缴纳，否则影响开票。客服 {phone}"]


def pct(samples: list[float]) -> str:
    """p50/p95/p99 and max in ms."""
    ordered = sorted(samples)
    at = [ordered[min(len(ordered) - 1, int(q * len(ordered)))] for q in (0.5, 0.95, 0.99)]
    return (f"p50 {at[0] * 1000:6.3f}  p95 {at[1] * 1000:6.3f}  p99 {at[2] * 1000:6.3f}  "
            f"max {ordered[-1] * 1000:6.3f} ms  (n={len(ordered)}, mean {statistics.mean(ordered) * 1000:.3f})")


def name(rng: random.Random, parts: int = 2) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts))


def entries(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """(kind, value, match key) of `count` distinct entries."""
    out: dict[tuple[str, str], tuple[str, str, str]] = {}
    while len(out) < count:
        roll = len(out) / count
        if roll < 0.4:
            value = f"{name(rng, rng.randint(2, 3))}-{name(rng, 1)}.{rng.choice(TLDS)}"
            item = normalize("domain", value)
            out.setdefault(("domain", item.match_key), ("domain", item.display, item.match_key))
        elif roll < 0.7:
            value = name(rng, rng.randint(2, 3)).title()
            out.setdefault(("brand", fold_name(value)), ("brand", value, fold_name(value)))
        elif roll < 0.9:
            value = "".join(rng.choice(CJK) for _ in range(rng.randint(2, 4))) + "有限公司"
            out.setdefault(("company", fold_name(value)), ("company", value, fold_name(value)))
        else:
            value = f"+86139{rng.randint(0, 99_999_999):08d}"
            out.setdefault(("phone", value), ("phone", value, value))
    return list(out.values())


def lookalike(rng: random.Random, domain: str) -> str:
    base, _, tld = domain.partition(".")
    trick = rng.randrange(4)
    if trick == 0:
        base = base.replace("o", "0").replace("l", "1").replace("i", "1")
    elif trick == 1:
        base = f"{base}-{rng.choice(WORDS)}"
    elif trick == 2:
        tld = rng.choice(["top", "xyz", "cc"])
    else:
        at = rng.randrange(len(base))
        base = base[:at] + base[at + 1:]
    return f"{base}.{tld}"


def reports(rng: random.Random, count: int, watched: list[tuple[str, str, str]]) -> list[str]:
    domains = [v for k, v, _ in watched if k == "domain"]
    names = [v for k, v, _ in watched if k in ("brand", "company")]
    out = []
    for _ in range(count):
        other = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(6, 14)))
        host = lookalike(rng, rng.choice(domains)) if rng.random() < 0.33 else f"{other}.{rng.choice(TLDS)}"
        text = rng.choice(TEXTS).format(n=rng.randint(100, 99_999), link=f"http://{host}/{name(rng, 1)}",
                                        phone=f"171{rng.randint(0, 99_999_999):08d}",
                                        name=rng.choice(names) if rng.random() < 0.1 else "")
        out.append((text + " " + "请勿回复。" * rng.randint(0, 300))[:2000])
    return out


def subjects_of(text: str) -> Subjects:
    """What the job matches: the report's indicators (as stored) and its text."""
    subjects = Subjects(text=text, source="report:0")
    for found in extract_indicators(text):
        try:
            item = normalize(found.type, found.raw)
        except ValueError:
            continue
        if item.host:
            subjects.hosts.add(item.host)
        elif item.type == "phone":
            subjects.phones.add(item.value)
    return subjects


def bench_index(rows, texts) -> None:
    started = time.perf_counter()
    index = WatchIndex.build(rows)
    print(f"index of {index.size} entries built in {(time.perf_counter() - started) * 1000:.0f} ms")
    prepared = [subjects_of(t) for t in texts]
    for s in prepared[:200]:
        index.match(s)
    samples, cpu, hits = [], [], 0
    for s in prepared:
        t0, c0 = time.perf_counter(), time.thread_time()
        found = index.match(s)
        samples.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
        hits += bool(found)
    print(f"index.match, one report, wall {pct(samples)}; {hits} of {len(prepared)} reports matched")
    print(f"index.match, one report, CPU  {pct(cpu)}")


def bench_job(watched, texts, folder: str) -> None:
    prefix = f"fwbench:{uuid.uuid4().hex[:8]}:"
    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/watch.db", "REDIS_URL": REDIS, "REDIS_PREFIX": prefix,
                      "INSTANCE_PATH": folder, "RATELIMIT_ENABLED": False, "FAST_VERDICT": False})
    try:
        with app.app_context():
            upgrade(app.config["DATABASE_URL"])
            owners = [users.create_user(db.session, f"owner{i}", "enterprise") for i in range(100)]
            db.session.flush()
            db.session.add_all(WatchEntry(owner_id=owners[i % 100].id, kind=k, value=v[:300], match_key=key)
                               for i, (k, v, key) in enumerate(watched))
            db.session.commit()
            ids = [submit_report({"message_text": t, "channel": "sms"}, source="import")["id"] for t in texts]
            watch_match.current_index()
            for report_id in ids[:100]:
                watch_match.match_report(report_id)
            samples, cpu, quiet = [], [], []
            for report_id in ids:
                t0, c0 = time.perf_counter(), time.thread_time()
                created = watch_match.match_report(report_id)
                samples.append(time.perf_counter() - t0)
                cpu.append(time.thread_time() - c0)
                if not created:
                    quiet.append(samples[-1])
        print(f"match_report job, SQLite, wall {pct(samples)}")
        print(f"match_report job, SQLite, CPU  {pct(cpu)}")
        print(f"  of which no new alert, wall  {pct(quiet)}")
    finally:
        client = redis.Redis.from_url(REDIS)
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--job-reports", type=int, default=500, help="reports of the job benchmark (stored first)")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    watched = entries(rng, args.entries)
    texts = reports(rng, args.reports, watched)
    rows = [(i + 1, i % 100 + 1, k, key) for i, (k, _, key) in enumerate(watched)]
    print(f"{len(watched)} entries, {len(texts)} reports, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    bench_index(rows, texts)
    with tempfile.TemporaryDirectory() as folder:
        bench_job(watched, texts[:args.job_reports], folder)


if __name__ == "__main__":
    main()
