"""Time to verdict: live reports posted at a fixed rate to `fraudwatch serve` (its defaults:
SQLite, embedded Redis, its own workers), alone and while bulk work runs.

Scenarios (each on a fresh instance; the model is trained once and shared):

- `idle`: nothing else running;
- `import`: `fraudwatch import messages` of 3,000 SMS (written here from the corpus, each
  third one with a link to a page of the local farm) started just before the live reports;
- `crawl`: `fraudwatch crawl --workers 0` of 20 farm sites to depth 4 (the service's own
  workers do it) started just before the live reports.

Each live report is an SMS with a link to its own reachable page on the local fixture
farm (tests/crawlers/farm, a real HTTP server on 127.0.0.1; one host per report, so the
crawler's one-request-per-host politeness does not queue them behind each other). Prints,
per scenario: report -> verdict (the report's `verdict_at`, or the POST's own answer when
it carries the verdict) and report -> crawl evidence (its first evidence row) p50/p95/max
from the moment the POST was sent, the POST latency, how many never got there within
`--wait` seconds, the workers serve ran, and how far the bulk work got. Asserts nothing.

Run: `.venv/bin/python bench/pipeline.py [--rate 2] [--seconds 30] [--scenario idle ...]`
(`--serve-arg=--rq-workers=2` passes options to serve).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.crawlers.farm.server import FarmServer  # noqa: E402

LIVE_TEXT = ("【国家税务总局】您有一笔个人所得税退税{amount}元待领取，请于24小时内登录 {url} "
             "填写银行卡信息办理，逾期作废。")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def corpus_texts() -> list[str]:
    """Message texts of the project's corpus (any label: an import carries all kinds)."""
    texts = []
    for path in sorted((ROOT / "data" / "corpus").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts


def write_import(path: Path, farm: FarmServer, count: int, hosts: list[str]) -> None:
    """An SMS export of `count` messages; every third one names a farm page."""
    rng = random.Random(14)
    texts = corpus_texts()
    lines = []
    for i in range(count):
        text = rng.choice(texts)
        if i % 3 == 0:
            text += " " + farm.url(rng.choice(hosts), f"/bench/{i}")
        lines.append(json.dumps({"text": text, "sender": f"1069{i:07d}", "channel": "sms"}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class Instance:
    """`python -m fraudwatch serve` on a port of its own, in an instance folder of its own."""

    def __init__(self, base: Path, name: str, farm: FarmServer, hosts: list[str], model: Path,
                 serve_args: list[str]) -> None:
        self.folder = base / name
        self.port = free_port()
        self.env = {**os.environ, "FRAUDWATCH_INSTANCE": str(self.folder), "FRAUDWATCH_MODEL_DIR": str(model),
                    "FRAUDWATCH_RATELIMIT": "off", "FRAUDWATCH_CRAWL_ALLOW_NETWORKS": "127.0.0.0/8",
                    "FRAUDWATCH_CRAWL_RESOLVE": ",".join(f"{h}:*:127.0.0.1" for h in hosts),
                    "FRAUDWATCH_CRAWL_ALLOWED_PORTS": "any", "FRAUDWATCH_CRAWL_FAVICON": "off"}
        for name_ in ("REDIS_URL", "DATABASE_URL"):
            self.env.pop(name_, None)  # serve's defaults: SQLite and the embedded Redis
        self.serve_args = serve_args
        self.process: subprocess.Popen | None = None

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "fraudwatch", *args]

    def start(self) -> None:
        self.folder.mkdir(parents=True)
        log = (self.folder.parent / f"{self.folder.name}-serve.log").open("w")
        self.process = subprocess.Popen(self.command("serve", "--port", str(self.port), *self.serve_args),
                                        env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited with {self.process.returncode}; see {log.name}")
            time.sleep(0.5)
        raise RuntimeError("serve did not become ready in 180 s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def background(self, *args: str) -> subprocess.Popen:
        log = (self.folder.parent / f"{self.folder.name}-{args[0]}.log").open("w")
        return subprocess.Popen(self.command(*args), env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def workers(self) -> str:
        """The RQ workers serve started and the queues each listens to (from its log)."""
        log = (self.folder.parent / f"{self.folder.name}-serve.log").read_text(encoding="utf-8", errors="replace")
        queues = re.findall(r"\*\*\* Listening on (.+?)\.\.\.", log)
        counts: dict[str, int] = {}
        for listening in queues:
            counts[listening] = counts.get(listening, 0) + 1
        return "; ".join(f"{n} listening on [{q}]" for q, n in counts.items()) or "none seen"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def database_times(instance: Instance, ids: list[int]) -> tuple[dict[int, datetime], dict[int, datetime]]:
    """verdict_at and the first evidence time of these reports, read from the database."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from fraudwatch.storage.models import Evidence, Report

    engine = sa.create_engine(f"sqlite:///{instance.folder / 'fraudwatch.db'}")
    try:
        with Session(engine) as session:
            verdicts = dict(session.execute(sa.select(Report.id, Report.verdict_at).where(
                Report.id.in_(ids), Report.verdict_at.is_not(None))).all())
            crawls = dict(session.execute(sa.select(Evidence.report_id, sa.func.min(Evidence.fetched_at)).where(
                Evidence.report_id.in_(ids)).group_by(Evidence.report_id)).all())
    finally:
        engine.dispose()
    fix = lambda t: t if t.tzinfo else t.replace(tzinfo=UTC)  # noqa: E731 - SQLite forgets the zone
    return {k: fix(v) for k, v in verdicts.items()}, {k: fix(v) for k, v in crawls.items() if k is not None}


def bulk_progress(instance: Instance) -> str:
    """Imported reports stored / processed, and pages crawled, so far."""
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{instance.folder / 'fraudwatch.db'}")
    try:
        with engine.connect() as conn:
            stored, processed = conn.execute(sa.text(
                "SELECT count(*), count(processed_at) FROM reports WHERE source = 'import'")).one()
            pages = conn.execute(sa.text("SELECT count(*) FROM evidence")).scalar()
    finally:
        engine.dispose()
    return f"imported reports stored {stored}, processed {processed}; evidence rows {pages}"


def drain(instance: Instance, count: int, started: float, limit: float) -> str:
    """Wait until every imported report is processed (at most `limit` s); how long it took."""
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{instance.folder / 'fraudwatch.db'}")
    try:
        while True:
            with engine.connect() as conn:
                done = conn.execute(sa.text(
                    "SELECT count(processed_at) FROM reports WHERE source = 'import'")).scalar()
            if done >= count or time.monotonic() - started > limit:
                break
            time.sleep(1)
    finally:
        engine.dispose()
    return f"{done} of {count} imported reports processed {time.monotonic() - started:.0f} s after the import started"


def post_live(instance: Instance, farm: FarmServer, hosts: list[str], rate: float, seconds: float) -> list[dict]:
    """POST a live report every 1/rate s; each names its own farm page."""
    sent = []
    with httpx.Client(base_url=instance.url, timeout=30) as client:
        start = time.monotonic()
        for i in range(int(rate * seconds)):
            time.sleep(max(0.0, start + i / rate - time.monotonic()))
            url = farm.url(hosts[i % len(hosts)], f"/bench/{1000 + i}")
            body = {"channel": "sms", "message_text": LIVE_TEXT.format(amount=1000 + i, url=url)}
            at, t0 = datetime.now(UTC), time.perf_counter()
            response = client.post("/api/v1/reports", json=body)
            elapsed = time.perf_counter() - t0
            answer = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
            sent.append({"at": at, "status": response.status_code, "id": answer.get("id"), "post": elapsed,
                         "verdict_in_answer": bool(answer.get("verdict"))})
    return sent


def percentiles(values: list[float]) -> str:
    if not values:
        return "none"
    values = sorted(values)
    p = lambda q: values[min(len(values) - 1, int(round(q * (len(values) - 1))))]  # noqa: E731
    return f"p50 {p(0.5):.2f} s, p95 {p(0.95):.2f} s, max {values[-1]:.2f} s (n={len(values)})"


def run_scenario(name: str, base: Path, farm: FarmServer, model: Path, args) -> None:
    # Names under a real TLD (a link must end in one), resolved to the farm by CRAWL_RESOLVE.
    live_hosts = [f"live{i:03d}-tax-refund.top" for i in range(int(args.rate * args.seconds))]
    bulk_hosts = [f"bulk{i:02d}-etax-refund.top" for i in range(20)]
    instance = Instance(base, name, farm, live_hosts + bulk_hosts, model, args.serve_arg)
    instance.start()
    side, side_started = None, time.monotonic()
    try:
        if name == "import":
            messages = base / "import.jsonl"
            write_import(messages, farm, args.messages, bulk_hosts)
            side, side_started = instance.background("import", "messages", str(messages)), time.monotonic()
            time.sleep(2)  # the import is under way when live reports come
        elif name == "crawl":
            seeds = base / "seeds.txt"
            seeds.write_text("".join(farm.url(h, "/bench/0") + "\n" for h in bulk_hosts), encoding="utf-8")
            side = instance.background("crawl", "--seeds", str(seeds), "--depth", "4", "--workers", "0")
            time.sleep(2)
        sent = post_live(instance, farm, live_hosts, args.rate, args.seconds)
        ids = [s["id"] for s in sent if s["id"] is not None]
        deadline = time.monotonic() + args.wait
        while True:
            verdicts, crawls = database_times(instance, ids)
            if (len(verdicts) == len(ids) and len(crawls) == len(ids)) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        by_id = {s["id"]: s for s in sent}
        to_verdict = [(s["post"] if s["verdict_in_answer"] else (verdicts[i] - s["at"]).total_seconds())
                      for i, s in by_id.items() if i is not None and (s["verdict_in_answer"] or i in verdicts)]
        to_crawl = [(crawls[i] - s["at"]).total_seconds() for i, s in by_id.items() if i in crawls]
        statuses: dict[int, int] = {}
        for s in sent:
            statuses[s["status"]] = statuses.get(s["status"], 0) + 1
        print(f"\n## {name}: {len(sent)} live reports at {args.rate}/s for {args.seconds:.0f} s; workers: {instance.workers()}")
        print(f"POST answered: {statuses}; POST latency {percentiles([s['post'] for s in sent])}")
        print(f"report -> verdict: {percentiles(to_verdict)}; verdict in the POST answer: "
              f"{sum(s['verdict_in_answer'] for s in sent)}; none within {args.wait:.0f} s: {len(ids) - len(to_verdict)}")
        print(f"report -> crawl evidence: {percentiles(to_crawl)}; none within {args.wait:.0f} s: {len(ids) - len(to_crawl)}")
        if side is not None:
            print(f"bulk work when the live reports were done: {bulk_progress(instance)}")
            if name == "import" and args.drain > 0:
                print(f"import: {drain(instance, args.messages, side_started, args.drain)}")
    finally:
        if side is not None and side.poll() is None:
            os.killpg(side.pid, signal.SIGTERM)
            side.wait(30)
        instance.stop()


def train_once(base: Path) -> Path:
    """The classifier trained on the packaged corpus, shared by every scenario."""
    from classifiers.corpus import default_corpus_files
    from classifiers.train import train_model

    target = base / "model"
    train_model(default_corpus_files(), target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=2.0, help="live reports per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long live reports are posted")
    parser.add_argument("--messages", type=int, default=3000, help="messages in the import scenario")
    parser.add_argument("--drain", type=float, default=600.0,
                        help="then wait up to this long for the whole import to be processed (0: do not)")
    parser.add_argument("--wait", type=float, default=120.0, help="seconds to wait for verdicts and crawls")
    parser.add_argument("--scenario", action="append", choices=["idle", "import", "crawl"])
    parser.add_argument("--keep", action="store_true", help="keep the instance folders and logs")
    parser.add_argument("--serve-arg", action="append", default=[], help="an option passed to serve")
    args = parser.parse_args()
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, code in {ROOT}")
    with tempfile.TemporaryDirectory(prefix="fw-bench-pipeline-") as tmp:
        base = Path(tempfile.mkdtemp(prefix="fw-bench-pipeline-")) if args.keep else Path(tmp)
        if args.keep:
            print(f"instance folders and logs kept in {base}")
        farm = FarmServer(bench_pages=100_000).start()
        try:
            model = train_once(base)
            for name in args.scenario or ["idle", "import", "crawl"]:
                run_scenario(name, base, farm, model, args)
        finally:
            farm.stop()


if __name__ == "__main__":
    main()
